"""``intacct-scenarios``: run scenario files, write a new one from the template, or serve one.

    intacct-scenarios run PATH... [--junit FILE] [--html FILE] [--quiet]
    intacct-scenarios new NAME [--dir DIR]
    intacct-scenarios serve FILE [--port N]

Exit status: 0 every scenario as expected, 1 a scenario ran and was not as expected (or could not load),
2 nothing could run (a mistyped path, a report folder that does not exist, a busy port).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import yaml

from intacct_harness.simulator import cli_common as cc

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
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:  # a typo is not a scenario that failed
        return cc.unusable(PROG, "no such file or folder: " + ", ".join(missing))
    for option, target in (("--junit", args.junit), ("--html", args.html)):
        if target and not Path(target).resolve().parent.is_dir():
            return cc.unusable(PROG, f"{option} {target}: the folder {Path(target).parent} does not exist")
    files = scenario_files(args.paths)
    if not files:
        return cc.unusable(PROG, "no scenario files (*.yaml) found in " + ", ".join(args.paths))
    results = []
    for f in files:
        result = run_file(f)
        results.append(result)
        if args.quiet:
            print(f"{report.status_of(result):8}  {result.name}  ({f})")
        else:
            print(report.text(result) + "\n")
    print(report.summary(results))
    for option, target, render in (("--junit", args.junit, report.junit),
                                   ("--html", args.html, lambda rs: report.html_report(rs).encode())):
        if target:
            try:
                Path(target).write_bytes(render(results))
            except OSError as exc:   # the scenarios ran, but the report someone waits for is missing
                return cc.unusable(PROG, f"{option} {target}: cannot write the report: {exc.strerror}")
    return cc.EXIT_OK if all(r.expected_outcome for r in results) else cc.EXIT_FAILED


def _new(args: argparse.Namespace) -> int:
    name = args.name.removesuffix(".yaml")
    if not name or Path(name).name != name or name.startswith("."):
        return cc.unusable(PROG, f"{args.name!r} is not a file name; give the folder with --dir, e.g. "
                           f"intacct-scenarios new sup_4812_bills_fail --dir scenarios/suites/permissions")
    folder = Path(args.dir)
    if folder.exists() and not folder.is_dir():
        return cc.unusable(PROG, f"--dir {args.dir} is a file, not a folder")
    target = folder / f"{name}.yaml"
    if target.exists():
        return cc.unusable(PROG, f"{target} already exists; choose another name or edit that file")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(TEMPLATE.read_text(encoding="utf-8").replace(
            "name: Short title of what the customer hit", f"name: {name.replace('_', ' ')}"), encoding="utf-8")
    except OSError as exc:
        return cc.unusable(PROG, f"cannot write {target}: {exc.strerror}")
    print(f"wrote {target}: edit the Sage setup, TMS data and steps, then: intacct-scenarios run {target}")
    return cc.EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from intacct_harness.scenarios.source import ScenarioError, load
    from intacct_harness.scenarios.spec import parse
    from intacct_harness.simulator.cli import main as sim_main

    try:
        sc = parse(load(args.file))
    except ScenarioError as exc:
        return cc.unusable(PROG, str(exc))
    busy = cc.port_problem("127.0.0.1", args.port)
    if busy:
        return cc.unusable(PROG, busy)
    with cc.private_folder("scenario-") as folder:   # the seed lives as long as the server
        seed = folder / "seed.yaml"
        seed.write_text(yaml.safe_dump(sc.seed, sort_keys=False), encoding="utf-8")
        c = sc.connection
        print(f"Serving the Sage company of '{sc.name}': company {c['company_id']}, user {c['user_id']}, "
              f"sender AlvysMPP (password sim-sender-secret)", flush=True)
        return sim_main(["serve", "--seed", str(seed), "--port", str(args.port)])


PROG = "intacct-scenarios"
EXAMPLES = """
intacct-scenarios new sup_4812_bills_fail --dir scenarios/suites/permissions
intacct-scenarios run scenarios/suites --quiet
intacct-scenarios run scenarios/suites/permissions/sup_4812_bills_fail.yaml --html sup-4812.html
intacct-scenarios serve scenarios/suites/permissions/sup_4812_bills_fail.yaml --port 8089
"""


def build_parser() -> argparse.ArgumentParser:
    parser = cc.parser(PROG, "Sage Intacct customer scenarios: reproduce a ticket as a file, run it, serve it",
                       EXAMPLES)
    sub = parser.add_subparsers(dest="command", required=True, metavar="{run,new,serve}")
    run = cc.subcommand(sub, "run", "run scenario files or folders (folders: every *.yaml inside)", """
        intacct-scenarios run scenarios/suites --quiet
        intacct-scenarios run ticket.yaml --html ticket.html --junit ticket.xml
        """)
    run.add_argument("paths", nargs="+", metavar="PATH", help="scenario files or folders")
    run.add_argument("--junit", metavar="FILE", help="write a JUnit XML report here")
    run.add_argument("--html", metavar="FILE", help="write an HTML report here")
    run.add_argument("--quiet", action="store_true", help="one line per scenario")
    run.add_argument("--verbose", action="store_true", help="also show the connector's log (retries, lost answers)")
    run.set_defaults(func=_run)
    new = cc.subcommand(sub, "new", "write a commented scenario template to fill in", """
        intacct-scenarios new sup_4812_bills_fail --dir scenarios/suites/permissions
        """)
    new.add_argument("name", help="file name without .yaml, e.g. the ticket: sup_4812_bills_fail")
    new.add_argument("--dir", default=".", metavar="DIR", help="folder to write it in (created if missing)")
    new.set_defaults(func=_new)
    serve = cc.subcommand(sub, "serve", "serve a scenario's Sage company for a development build", """
        intacct-scenarios serve scenarios/suites/permissions/sup_4812_bills_fail.yaml --port 8089
        """)
    serve.add_argument("file", help="the scenario file")
    serve.add_argument("--port", type=cc.port, default=8089, help="TCP port on 127.0.0.1")
    serve.set_defaults(func=_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = cc.parse(build_parser(), argv)
    return args if isinstance(args, int) else int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
