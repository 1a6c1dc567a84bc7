"""The headline scenarios (tag ``headline``): missing AP permission, duplicate names, wrong subsidiary ID.

``make demo`` ends with ``python -m intacct_harness.scenarios.headline``: each is run against a fresh simulator and its
full text report printed, as a support engineer would attach it to a ticket. ``--html FILE`` also writes
the HTML report. Exit status 0 when all three behave as their files expect.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from intacct_harness.scenarios import report
from intacct_harness.scenarios.cli import scenario_files
from intacct_harness.scenarios.runner import ScenarioResult, run_file
from intacct_harness.scenarios.source import ScenarioError, load
from intacct_harness.scenarios.spec import parse

SUITES = Path(__file__).with_name("suites")
TAG = "headline"


def headline_files(root: Path = SUITES) -> list[Path]:
    """Scenario files tagged ``headline``, in ticket order (HEADLINE-1, -2, -3)."""
    tagged = []
    for path in scenario_files([str(root)]):
        try:
            sc = parse(load(path))
        except ScenarioError:
            continue  # a broken file is reported by the full run, not here
        if TAG in sc.tags:
            tagged.append((sc.ticket, path))
    return [path for _, path in sorted(tagged)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m intacct_harness.scenarios.headline",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--html", help="also write the HTML report here")
    args = parser.parse_args(argv)
    files = headline_files()
    results: list[ScenarioResult] = [run_file(f) for f in files]
    print(f"Headline scenarios: {len(files)} customer tickets reproduced against the simulator\n")
    for result in results:
        print(report.text(result) + "\n")
    print(report.summary(results))
    if args.html:
        Path(args.html).write_text(report.html_report(results), encoding="utf-8")
    return 0 if results and all(r.expected_outcome for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
