"""``intacct-sim``: serve the simulated gateway on a production WSGI server (gunicorn).

    intacct-sim serve [--host 127.0.0.1] [--port 8089] [--seed FILE] [--state FILE] [--workers N]
                      [--admin-token-file FILE]     # or the INTACCT_SIM_ADMIN_TOKEN environment variable
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
    from intacct_harness.simulator.serving import run_gunicorn
    from intacct_harness.simulator.store import Store

    if args.admin_token is not None:
        print("intacct-sim: --admin-token is not accepted on the command line (every user of the machine can read "
              f"it with ps); put the token in the {TOKEN_ENV} environment variable or in a file named by "
              "--admin-token-file", file=sys.stderr)
        return 2
    try:
        token = admin_token(args.admin_token_file)
    except TokenError as exc:
        print(f"intacct-sim: {exc}", file=sys.stderr)
        return 2
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

    config: dict[str, Any] = {"STATE_FILE": state, "RESET_SEED": args.seed, "ADMIN_TOKEN": token}
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
    serve.add_argument("--admin-token-file", metavar="FILE",
                       help=f"file holding the admin token (or set {TOKEN_ENV}); once set, every admin API caller, "
                            "loopback included, must send it in X-Sim-Admin-Token")
    serve.add_argument("--admin-token", help=argparse.SUPPRESS)  # refused with a pointer to the safe ways
    serve.set_defaults(func=_serve)
    errors = sub.add_parser("errors", help="print the error catalogue")
    errors.set_defaults(func=_errors)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
