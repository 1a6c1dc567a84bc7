"""``make load``: serve the simulator at tier settings, run Locust headless for a bounded time, gate the result.

    python -m loadtests.run [--user gateway|sync] [--duration 30] [--companies 3] [--users N] [--batch 20]
                            [--concurrency 2] [--base-ms 100] [--per-function-ms 1] [--jitter-ms 10]
                            [--server-workers 2] [--processes N] [--profile gateway|sync|...-shared|smoke] [--smoke]
                            [--until-documents N] [--web [--web-port 8089] [--autostart]]

Every option also reads an environment variable (LOAD_DURATION, LOAD_USERS, ...; see ``--help``). The
simulator runs under gunicorn with ``--server-workers`` processes on a free loopback port, seeded with
``--companies`` companies at the tier settings. Locust writes ``results/<name>_stats.csv`` (and
``_stats_history``, ``_failures``, ``_exceptions``) and ``results/<name>.html``; its quitting hook
prints documents/s, requests/s, p50/p95/p99 and the 429 count and sets the exit code from
``loadtests/thresholds.yaml``. ``--processes N`` runs Locust distributed (a master and N workers
forked on this machine); the master aggregates the workers' stats and gates on them. ``--web`` opens
Locust's web UI instead of running headless (press Start there; Ctrl-C here ends the run and gates it).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from intacct_harness.simulator.cli_common import EXIT_CODES_HELP, HelpFormatter, epilog
from intacct_harness.simulator.demo import free_port, served
from loadtests.common import Tier, company_id, tier_seed, write_seed

ROOT = Path(__file__).resolve().parent.parent
USER_CLASSES = {"gateway": "GatewayUser", "sync": "SyncUser"}


def _env(name: str, default: str) -> str:
    return os.environ.get(f"LOAD_{name}", default)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m loadtests.run", description=__doc__.split("\n")[0],
                                formatter_class=HelpFormatter, epilog=epilog("""
        python -m loadtests.run --smoke
        python -m loadtests.run --user sync --users 12 --duration 120
        python -m loadtests.run --web                 # Locust's web UI at http://127.0.0.1:8089/
        python -m loadtests.run --until-documents 5000 --duration 300
        """).replace(EXIT_CODES_HELP, "exit status: 0 thresholds met, 1 a threshold missed, 2 could not run"))
    p.add_argument("--user", choices=sorted(USER_CLASSES), default=_env("USER_CLASS", "gateway"),
                   help="gateway: raw APBILL batches; sync: the connector (LOAD_USER_CLASS)")
    p.add_argument("--duration", type=float, default=float(_env("DURATION", "30")), help="seconds (LOAD_DURATION)")
    p.add_argument("--companies", type=int, default=int(_env("COMPANIES", "3")), help="LOAD_COMPANIES")
    p.add_argument("--users", type=int, default=int(_env("USERS", "0")),
                   help="Locust users (LOAD_USERS); default companies x concurrency (no 429s expected)")
    p.add_argument("--batch", type=int, default=int(_env("BATCH", "20")), help="documents per request (LOAD_BATCH)")
    p.add_argument("--concurrency", type=int, default=int(_env("CONCURRENCY", "2")),
                   help="tier limit per company (LOAD_CONCURRENCY)")
    p.add_argument("--base-ms", type=float, default=float(_env("BASE_MS", "100")),
                   help="latency per request (LOAD_BASE_MS)")
    p.add_argument("--per-function-ms", type=float, default=float(_env("PER_FUNCTION_MS", "1")),
                   help="latency per function in a request (LOAD_PER_FUNCTION_MS)")
    p.add_argument("--jitter-ms", type=float, default=float(_env("JITTER_MS", "10")),
                   help="random latency added per request (LOAD_JITTER_MS)")
    p.add_argument("--server-workers", type=int, default=int(_env("SERVER_WORKERS", "2")),
                   help="gunicorn workers (LOAD_SERVER_WORKERS)")
    p.add_argument("--processes", type=int, default=int(_env("PROCESSES", "0")),
                   help="Locust distributed: master + N workers on this machine (LOAD_PROCESSES; 0 = one process)")
    p.add_argument("--profile", default=_env("PROFILE", ""), help="thresholds.yaml profile (LOAD_PROFILE)")
    p.add_argument("--smoke", action="store_true", help="at most 12 s, 2 companies, profile smoke")
    p.add_argument("--until-documents", type=int, default=int(_env("UNTIL_DOCUMENTS", "0")), metavar="N",
                   help="stop once N documents are done, --duration being the upper bound (LOAD_UNTIL_DOCUMENTS; "
                        "0 = run for --duration)")
    p.add_argument("--web", action="store_true",
                   help="Locust's web UI at http://127.0.0.1:WEB_PORT/ instead of --headless: press Start, Ctrl-C "
                        "here to end the run (the summary and the gate then print as usual)")
    p.add_argument("--web-port", type=int, default=int(_env("WEB_PORT", "8089")),
                   help="the web UI's port (LOAD_WEB_PORT)")
    p.add_argument("--autostart", action="store_true",
                   help="with --web: start at once and quit after --duration (what a test or a demo wants)")
    p.add_argument("--results", default=_env("RESULTS", str(ROOT / "results")), help="report folder (LOAD_RESULTS)")
    p.add_argument("--name", default="", help="report file prefix (default load-<user>)")
    args = p.parse_args(argv)
    if args.autostart and not args.web:
        p.error("--autostart goes with --web (a headless run always starts at once)")
    if args.smoke:
        args.duration = min(args.duration, 12.0) if not args.until_documents else args.duration
        args.companies = 2 if args.companies == 3 else args.companies
        args.profile = args.profile or "smoke"
    args.users = args.users or args.companies * args.concurrency
    shared = args.users > args.companies * args.concurrency
    args.profile = args.profile or (f"{args.user}-shared" if shared else args.user)
    args.name = args.name or f"load-{args.user}"
    return args


def locust_command(args: argparse.Namespace, host: str, out: Path) -> list[str]:
    cmd = [sys.executable, "-m", "locust", "-f", str(ROOT / "loadtests" / "locustfile.py"),
           "-u", str(args.users), "-r", str(args.users), "-H", host, "--csv", str(out / args.name),
           "--html", str(out / f"{args.name}.html"), "--stop-timeout", "10", "--exit-code-on-error", "1",
           "--loglevel", "WARNING"]
    run_time = ["-t", f"{max(int(round(args.duration)), 1)}s"]
    if not args.web:
        cmd += ["--headless", "--only-summary", *run_time]
    else:  # the web UI on loopback only: it can start and stop load against anything it can reach
        cmd += ["--web-host", "127.0.0.1", "--web-port", str(args.web_port)]
        cmd += [*run_time, "--autostart", "--autoquit", "0"] if args.autostart else []
    if args.processes:
        # A free port, not Locust's fixed 5557: two runs on one machine (parallel suites) must not collide.
        port = str(free_port())
        cmd += ["--processes", str(args.processes), "--master-bind-port", port, "--master-port", port]
    return [*cmd, USER_CLASSES[args.user]]


def _run_locust(cmd: list[str], env: dict[str, str], args: argparse.Namespace) -> int:
    """Locust until it ends. Ctrl-C is passed on to Locust alone, which then stops, writes its reports and
    gates, while the simulator (in its own session, see ``served``) still answers the last requests."""
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)
    # Locust's own deadline is -t; this one only guards against a hung headless run.
    limit = None if args.web and not args.autostart else args.duration + 120.0
    try:
        try:
            return proc.wait(timeout=limit)
        except KeyboardInterrupt:
            proc.send_signal(signal.SIGINT)
            return proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        print(f"load: Locust did not finish in time ({limit or 60:.0f} s); stopped it", file=sys.stderr)
        return 2
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = Path(args.results)
    out.mkdir(parents=True, exist_ok=True)
    tier = Tier(args.concurrency, args.base_ms, args.per_function_ms, args.jitter_ms)
    seed = write_seed(str(out / f"{args.name}-seed.yaml"), tier_seed(args.companies, tier))
    env = {**os.environ, "LOAD_COMPANIES": str(args.companies), "LOAD_BATCH": str(args.batch),
           "LOAD_CONCURRENCY": str(args.concurrency), "LOAD_BASE_MS": str(args.base_ms),
           "LOAD_PER_FUNCTION_MS": str(args.per_function_ms), "LOAD_JITTER_MS": str(args.jitter_ms),
           "LOAD_PROFILE": args.profile, "LOAD_UNTIL_DOCUMENTS": str(args.until_documents),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    print(f"load: {args.user} users x {args.users} over {args.companies} companies (concurrency {args.concurrency}, "
          f"{args.base_ms:.0f} ms + {args.per_function_ms} ms/function, batch {args.batch}), {args.duration:.0f} s, "
          f"simulator {args.server_workers} workers" + (f", Locust {args.processes} worker processes"
                                                         if args.processes else ""), flush=True)
    if args.web:
        print(f"load: Locust web UI at http://127.0.0.1:{args.web_port}/ (" + (
            "starting at once" if args.autostart else "press Start; Ctrl-C here ends the run") + ")", flush=True)
    with served(Path(seed), workers=args.server_workers) as base:
        t0 = time.monotonic()
        code = _run_locust(locust_command(args, base, out), env, args)
        usage = {company_id(n): httpx.get(f"{base}/__sim/companies/{company_id(n)}/usage").json()["transactions"]
                 for n in range(args.companies)}
    print(f"API transactions billed per company: {usage}")
    print(f"reports: {out / args.name}_stats.csv, {out / args.name}.html ({time.monotonic() - t0:.0f} s)")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
