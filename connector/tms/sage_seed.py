"""A simulator seed whose Sage company already holds the parties of a generated TMS data set.

For the README's walk-through (``intacct-sim serve --seed simulator/seeds/walkthrough.yaml``): the demo company,
set up as the guide asks, with the CUSTOMER and VENDOR records a customer's Sage would hold for one subsidiary
(``sage_records``: External Accounting IDs where the TMS has them, else the name as someone else typed it).
Faker makes the names, so a seed made with one Faker version matches data generated with the same version;
``python -m intacct_harness.connector.tms.sage_seed -c connection.yaml -o seed.yaml`` makes one for your config.
"""

from __future__ import annotations

import argparse
import copy
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from intacct_harness.connector.tms.fake import sage_records
from intacct_harness.connector.tms.model import Dataset
from intacct_harness.simulator.demo import SEED as DEMO_SEED

HEADER = ("# A simulator seed: the demo company (simulator/seeds/demo.yaml) holding the CUSTOMER and VENDOR records\n"
          "# of the TMS data set tms: {tms} for subsidiary {sub}. Made by\n"
          "#   {cmd}\n")


def sage_seed(data: Dataset, subsidiary_id: str, base: Path = DEMO_SEED) -> dict[str, Any]:
    """``base``'s seed with its first company's customers and vendors replaced by ``data``'s parties."""
    seed = copy.deepcopy(yaml.safe_load(base.read_text(encoding="utf-8")))
    records = seed["companies"][0].setdefault("records", {})
    records.update(sage_records(data, subsidiary_id))
    return seed


def render(seed: dict[str, Any], header: str = "") -> str:
    return header + yaml.safe_dump(seed, sort_keys=False, allow_unicode=True, width=120, default_flow_style=None)


def main(argv: Sequence[str] | None = None) -> int:
    from intacct_harness.connector.cli import dataset_from_config
    from intacct_harness.connector.errors import ConnectorError
    from intacct_harness.connector.settings import load_config

    p = argparse.ArgumentParser(prog="python -m intacct_harness.connector.tms.sage_seed",
                                description="Write a simulator seed whose Sage company holds a TMS data set's "
                                            "customers, carriers and drivers.",
                                epilog="example: python -m intacct_harness.connector.tms.sage_seed -c "
                                       "connection.yaml -o seed.yaml")
    p.add_argument("-c", "--config", help="connector config file; its 'tms' block picks the data set "
                                          "(default: the connector's default data set, tms: {seed: 7})")
    p.add_argument("--subsidiary", default="SUB-1", help="whose External Accounting IDs to use (default SUB-1)")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    args = p.parse_args(argv)
    try:
        tms = load_config(args.config).get("tms") if args.config else None
        data = dataset_from_config(tms)
    except ConnectorError as exc:
        print(f"sage_seed: {exc}", file=sys.stderr)
        return 2
    if args.subsidiary not in {s.id for s in data.subsidiaries}:
        print(f"sage_seed: the data set has no subsidiary {args.subsidiary!r}; it has "
              f"{', '.join(s.id for s in data.subsidiaries)}", file=sys.stderr)
        return 2
    shown = " ".join(([f"-c {Path(args.config).name}"] if args.config else [])
                     + ([f"--subsidiary {args.subsidiary}"] if args.subsidiary != "SUB-1" else [])
                     + ([f"-o {Path(args.output).name}"] if args.output else []))
    header = HEADER.format(tms=yaml.safe_dump(tms, default_flow_style=True).strip() if tms else "{seed: 7}",
                           sub=args.subsidiary,
                           cmd=f"python -m intacct_harness.connector.tms.sage_seed {shown}".rstrip())
    text = render(sage_seed(data, args.subsidiary), header)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
