"""``intacct-scenarios``: run scenario files, write a new one from the template, or serve one.

    intacct-scenarios run PATH... [--junit FILE] [--html FILE] [--quiet]
    intacct-scenarios new NAME [--dir DIR]
    intacct-scenarios serve FILE [--port N]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

import yaml

TEMPLATE = Path(__file__).with_name("template.yaml")


def scenario_files(paths: list[str]) -> list[Path]:
    """Files as given, folders searched recursively for *.yaml, in a stable order."""
    found: list[Path] = []
    for p in map(Path, paths):
        found.extend(sorted(p.rglob("*.yaml")) if p.is_dir() else [p])
    return found


def _run(args: argparse.Namespace) -> int:
    from intacct_harness.scenarios import report
    from intacct_harness.scenarios.runner import run_file

    if not args.verbose:  # the report says what happened; the connector's retry chatter is for --verbose
        logging.getLogger("connector").setLevel(logging.ERROR)
    files = scenario_files(args.paths)
    if not files:
        print("intacct-scenarios: no scenario files found in " + ", ".join(args.paths), file=sys.stderr)
        return 2
    results = []
    for f in files:
        result = run_file(f)
        results.append(result)
        if args.quiet:
            print(f"{report.status_of(result):8}  {result.name}  ({f})")
        else:
            print(report.text(result) + "\n")
    print(report.summary(results))
    if args.junit:
        Path(args.junit).write_bytes(report.junit(results))
    if args.html:
        Path(args.html).write_text(report.html_report(results), encoding="utf-8")
    return 0 if all(r.expected_outcome for r in results) else 1


def _new(args: argparse.Namespace) -> int:
    name = args.name.removesuffix(".yaml")
    target = Path(args.dir) / f"{name}.yaml"
    if target.exists():
        print(f"intacct-scenarios: {target} already exists", file=sys.stderr)
        return 2
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(TEMPLATE.read_text(encoding="utf-8").replace(
        "name: Short title of what the customer hit", f"name: {name.replace('_', ' ')}"), encoding="utf-8")
    print(f"wrote {target}: edit the Sage setup, TMS data and steps, then: intacct-scenarios run {target}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from intacct_harness.scenarios.source import ScenarioError, load
    from intacct_harness.scenarios.spec import parse
    from intacct_harness.simulator.cli import main as sim_main

    try:
        sc = parse(load(args.file))
    except ScenarioError as exc:
        print(f"intacct-scenarios: {exc}", file=sys.stderr)
        return 2
    seed = Path(tempfile.mkdtemp(prefix="scenario-")) / "seed.yaml"
    seed.write_text(yaml.safe_dump(sc.seed, sort_keys=False), encoding="utf-8")
    c = sc.connection
    print(f"Serving the Sage company of '{sc.name}': company {c['company_id']}, user {c['user_id']}, "
          f"sender AlvysMPP (password sim-sender-secret)")
    return sim_main(["serve", "--seed", str(seed), "--port", str(args.port)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="intacct-scenarios", description="Sage Intacct customer scenarios")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run scenario files or folders")
    run.add_argument("paths", nargs="+")
    run.add_argument("--junit", help="write a JUnit XML report here")
    run.add_argument("--html", help="write an HTML report here")
    run.add_argument("--quiet", action="store_true", help="one line per scenario")
    run.add_argument("--verbose", action="store_true", help="also show the connector's log (retries, lost answers)")
    run.set_defaults(func=_run)
    new = sub.add_parser("new", help="write a commented scenario template")
    new.add_argument("name")
    new.add_argument("--dir", default=".")
    new.set_defaults(func=_new)
    serve = sub.add_parser("serve", help="serve a scenario's Sage company for a development build")
    serve.add_argument("file")
    serve.add_argument("--port", type=int, default=8089)
    serve.set_defaults(func=_serve)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
