"""``intacct-sim``: serve the simulated gateway on a production WSGI server (gunicorn).

    intacct-sim serve [--host 127.0.0.1] [--port 8089] [--seed FILE] [--state FILE] [--workers N]
                      [--admin-token-file FILE]     # or the INTACCT_SIM_ADMIN_TOKEN environment variable
    intacct-sim errors          # print the error catalogue

Workers share one SQLite state file (a temporary one when --state is not given, removed when the server
stops), so the concurrency limit and every record are the same whichever worker answers. Exit status 2
means it could not start (usage, unreadable seed, token or state file, busy port).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from contextlib import ExitStack
from typing import Any

from intacct_harness.simulator import cli_common as cc
from intacct_harness.simulator.errors import catalogue

TOKEN_ENV = "INTACCT_SIM_ADMIN_TOKEN"


class TokenError(ValueError):
    """The admin token cannot be read; the message says where it was looked for."""


def admin_token(token_file: str | None, environ: dict[str, str] | None = None) -> bytes | None:
    """The admin token from ``--admin-token-file`` or $INTACCT_SIM_ADMIN_TOKEN (never argv: ``ps`` shows argv)."""
    env = os.environ if environ is None else environ
    if token_file is not None:
        try:
            with open(token_file, "rb") as fh:
                raw = fh.read()
        except OSError as exc:
            raise TokenError(f"--admin-token-file {token_file}: cannot read it: {exc.strerror}") from None
        token = raw.rstrip(b"\r\n")
        if not token:
            raise TokenError(f"--admin-token-file {token_file}: the file is empty; write the token on its first line")
        return token
    value = env.get(TOKEN_ENV)
    if value is None:
        return None
    if not value:
        raise TokenError(f"{TOKEN_ENV} is set but empty; unset it or give it the token")
    return os.fsencode(value)


def _serve(args: argparse.Namespace) -> int:
    from intacct_harness.simulator.app import create_app, seed_store
    from intacct_harness.simulator.models.setup import SeedError
    from intacct_harness.simulator.serving import default_worker_class, raise_open_files, run_gunicorn
    from intacct_harness.simulator.store import Store

    if args.admin_token is not None:
        return cc.unusable(PROG, "--admin-token is not accepted on the command line (every user of the machine can "
                           f"read it with ps); put the token in the {TOKEN_ENV} environment variable or in a file "
                           "named by --admin-token-file")
    try:
        token = admin_token(args.admin_token_file)
    except TokenError as exc:
        return cc.unusable(PROG, str(exc))
    if args.workers < 1 or args.threads < 1:
        return cc.unusable(PROG, "--workers and --threads must be at least 1")
    if args.connections < 1:
        return cc.unusable(PROG, "--connections must be at least 1")
    busy = cc.port_problem(args.host, args.port)   # before anything is printed or written
    if busy:
        return cc.unusable(PROG, busy)
    with ExitStack() as stack:
        state = args.state
        if state is None:  # gunicorn forks workers: state must live in a file they all open; removed on exit
            state = str(stack.enter_context(cc.private_folder("intacct-sim-")) / "state.sqlite3")
        try:
            store = Store(state)
        except sqlite3.Error as exc:
            return cc.unusable(PROG, f"--state {state}: cannot open it as a SQLite file ({exc}); check that its "
                               "folder exists and is writable")
        if args.seed:
            import time

            try:
                summary = seed_store(store, args.seed, time.time())
            except SeedError as exc:
                return cc.unusable(PROG, f"cannot load the seed file: {exc}")
            print(f"{PROG}: seeded {summary['companies']} companies, {summary['records']} records", flush=True)

        config: dict[str, Any] = {"STATE_FILE": state, "RESET_SEED": args.seed, "ADMIN_TOKEN": token}
        app = create_app(config)

        worker_class = args.worker_class or default_worker_class()
        warning = (raise_open_files(args.connections) if worker_class == "gevent"
                   else raise_open_files(args.threads, "--threads"))
        if warning:
            print(f"{PROG}: warning: {warning}", file=sys.stderr, flush=True)
        print(f"{PROG}: gateway at http://{args.host}:{args.port}/ia/xml/xmlgw.phtml "
              f"({args.workers} {worker_class} worker(s), state {state})", flush=True)
        run_gunicorn(app, host=args.host, port=args.port, workers=args.workers, threads=args.threads,
                     worker_class=worker_class, connections=args.connections)
    return 0


def _errors(_: argparse.Namespace) -> int:
    for cls in catalogue():
        print(f"{cls.level.value:15} {cls.http_status}  {cls.__name__:28} {cls.source}")
    return 0


PROG = "intacct-sim"
EXAMPLES = """
intacct-sim serve --seed simulator/seeds/demo.yaml --port 8089
intacct-sim serve --seed team.yaml --workers 2 --state state.sqlite3
INTACCT_SIM_ADMIN_TOKEN=... intacct-sim serve --host 0.0.0.0
intacct-sim errors
"""


def build_parser() -> argparse.ArgumentParser:
    parser = cc.parser(PROG, "Sage Intacct XML gateway simulator", EXAMPLES)
    sub = parser.add_subparsers(dest="command", required=True, metavar="{serve,errors}")
    serve = cc.subcommand(sub, "serve", "serve the gateway, the admin API and the console over HTTP", """
        intacct-sim serve --seed simulator/seeds/demo.yaml --port 8089
        intacct-sim serve --seed team.yaml --workers 2 --state state.sqlite3     # kept across restarts
        """)
    serve.add_argument("--host", default="127.0.0.1", help="bind address; 0.0.0.0: every interface")
    serve.add_argument("--port", type=cc.port, default=8089, help="TCP port")
    serve.add_argument("--seed", metavar="FILE", help="YAML seed file: senders, companies, users, roles, records")
    serve.add_argument("--state", metavar="FILE", help="SQLite state file, kept across restarts and shared by "
                       "workers (default: a temporary file, removed when the server stops)")
    serve.add_argument("--workers", type=int, default=1, help="gunicorn worker processes")
    serve.add_argument("--worker-class", choices=("gevent", "gthread"),
                       help="gevent (default when installed): hundreds of latency-modelled requests in flight per "
                            "worker; gthread: --threads OS threads per worker")
    serve.add_argument("--threads", type=int, default=8, help="gthread: threads per worker")
    serve.add_argument("--connections", type=int, default=1000, help="gevent: requests in flight per worker")
    serve.add_argument("--admin-token-file", metavar="FILE",
                       help=f"file holding the admin token (or set {TOKEN_ENV}); once set, every admin API caller, "
                            "loopback included, must send it in X-Sim-Admin-Token")
    serve.add_argument("--admin-token", help=argparse.SUPPRESS)  # refused with a pointer to the safe ways
    serve.set_defaults(func=_serve)
    errors = cc.subcommand(sub, "errors", "print the error catalogue (level, HTTP status, class, source)", """
        intacct-sim errors
        intacct-sim errors | grep "choice"    # behaviour the real gateway does not document
        """)
    errors.set_defaults(func=_errors)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = cc.parse(build_parser(), argv)
    return args if isinstance(args, int) else int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
