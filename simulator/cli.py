"""``intacct-sim``: serve the simulated gateway on a production WSGI server (gunicorn).

    intacct-sim serve [--host 127.0.0.1] [--port 8089] [--seed FILE] [--state FILE] [--workers N]
    intacct-sim errors          # print the error catalogue

Workers share one SQLite state file (a temporary one when --state is not given), so the
concurrency limit and every record are the same whichever worker answers.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from typing import Any

from intacct_harness.simulator.errors import catalogue


def _serve(args: argparse.Namespace) -> int:
    from intacct_harness.simulator.app import create_app, seed_store
    from intacct_harness.simulator.models.setup import SeedError
    from intacct_harness.simulator.serving import run_gunicorn
    from intacct_harness.simulator.store import Store

    state = args.state
    if state is None:  # gunicorn forks workers: state must live in a file they all open
        state = os.path.join(tempfile.mkdtemp(prefix="intacct-sim-"), "state.sqlite3")
    store = Store(state)
    if args.seed:
        import time

        try:
            summary = seed_store(store, args.seed, time.time())
        except SeedError as exc:
            print(f"intacct-sim: cannot load the seed file: {exc}", file=sys.stderr)
            return 2
        print(f"intacct-sim: seeded {summary['companies']} companies, {summary['records']} records", flush=True)
    with store.transaction() as tx:  # a killed worker may have left slots taken
        tx.conn.execute("DELETE FROM inflight")

    config: dict[str, Any] = {"STATE_FILE": state}
    if args.admin_token:
        config["ADMIN_TOKEN"] = args.admin_token
    app = create_app(config)

    print(f"intacct-sim: gateway at http://{args.host}:{args.port}/ia/xml/xmlgw.phtml "
          f"({args.workers} worker(s), state {state})", flush=True)
    run_gunicorn(app, host=args.host, port=args.port, workers=args.workers, threads=args.threads)
    return 0


def _errors(_: argparse.Namespace) -> int:
    for cls in catalogue():
        print(f"{cls.level.value:15} {cls.http_status}  {cls.__name__:28} {cls.source}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="intacct-sim", description="Sage Intacct XML gateway simulator")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the gateway")
    serve.add_argument("--host", default="127.0.0.1", help="bind address (loopback by default)")
    serve.add_argument("--port", type=int, default=8089)
    serve.add_argument("--seed", help="YAML seed file: senders, companies, users, roles, records")
    serve.add_argument("--state", help="SQLite state file, kept across restarts and shared by workers")
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--threads", type=int, default=8, help="threads per worker (latency sleeps release them)")
    serve.add_argument("--admin-token", help="allow non-loopback admin API callers that present this token")
    serve.set_defaults(func=_serve)
    errors = sub.add_parser("errors", help="print the error catalogue")
    errors.set_defaults(func=_errors)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
