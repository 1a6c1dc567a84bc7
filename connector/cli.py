"""``intacct-connector doctor|sync|status``: run the connection from a YAML/JSON config file.

Config keys: ``connection`` (or ``connections``: a list, one per subsidiary), ``ledger`` (SQLite path,
default ``intacct-ledger.sqlite3`` beside the config), ``operator`` (``name``, ``role``: who runs the
wizard), ``tms`` (the fake TMS data set: ``seed`` and sizes). Exit status: 0 ok, 1 problems found,
2 the command could not run (bad config, refused role, unusable ledger, another sync of the subsidiary running).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import httpx

from intacct_harness.connector import validation as check
from intacct_harness.connector.connection import Connection
from intacct_harness.connector.doctor import shared_prefixes
from intacct_harness.connector.errors import ConnectorError, SettingsError
from intacct_harness.connector.ledger import Ledger, LedgerError
from intacct_harness.connector.settings import ConnectionSettings, TmsUser, load_config, settings_from_dict
from intacct_harness.connector.sync import Progress
from intacct_harness.connector.tms.fake import DEFAULT_START, Sizes, generate
from intacct_harness.connector.tms.model import Dataset
from intacct_harness.simulator import cli_common as cc

PROG = "intacct-connector"
CONFIG = "intacct-connector.yaml"
_COMMANDS = {
    "doctor": ("check the connection the way the setup wizard does; exit 1 if it is not ready", """
        intacct-connector doctor -c connection.yaml
        intacct-connector doctor -c connection.yaml --user ana --role Admin --json
        """),
    "sync": ("post the new delivered loads (AR invoices) and settlements (AP bills) to Sage", """
        intacct-connector sync -c connection.yaml
        intacct-connector sync -c connection.yaml --subsidiary SUB-1 --json
        """),
    "status": ("show what is posted, pending, uncertain or failed, and why", """
        intacct-connector status -c connection.yaml
        intacct-connector status -c connection.yaml --json
        """),
}


def _common(p: argparse.ArgumentParser, *, top: bool) -> None:
    """The options every command takes, before or after its name (the top level holds the defaults)."""
    keep = {} if top else {"default": argparse.SUPPRESS}
    p.add_argument("-c", "--config", metavar="FILE", help=f"connection config file, YAML or JSON (default: {CONFIG})",
                   **({"default": CONFIG} if top else keep))
    p.add_argument("--subsidiary", metavar="ID", help="only this subsidiary's connection", **keep)
    p.add_argument("--json", action="store_true", help="machine-readable output", **keep)


def _parser() -> argparse.ArgumentParser:
    p = cc.parser(PROG, "Alvys TMS -> Sage Intacct connection", "\n".join(
        examples.strip().splitlines()[0] for _, examples in _COMMANDS.values()))
    _common(p, top=True)
    sub = p.add_subparsers(dest="command", required=True, metavar="{doctor,sync,status}")
    for name, (text, examples) in _COMMANDS.items():
        cmd = cc.subcommand(sub, name, text, examples)
        _common(cmd, top=False)
        if name == "doctor":
            cmd.add_argument("--user", help="the Alvys user running the wizard (default: operator.name)")
            cmd.add_argument("--role", help="that user's Alvys role: Admin, Partner Admin or Support "
                             "(default: operator.role)")
    return p


def _connections(config: Mapping[str, Any], base: Path, environ: Mapping[str, str] | None,
                 only: str | None) -> list[ConnectionSettings]:
    blocks = config.get("connections") or ([config["connection"]] if config.get("connection") else [])
    if not blocks:
        raise SettingsError("the config file has no 'connection' (or 'connections') block")
    single = not config.get("connections")      # name a block as the file does: connection.x or connections[i].x
    out = [settings_from_dict(b, path="connection" if single else f"connections[{i}]", environ=environ,
                              base_dir=base) for i, b in enumerate(blocks)]
    if only:
        out = [s for s in out if s.subsidiary_id == only]
        if not out:
            raise SettingsError(f"no connection for subsidiary {only!r} in the config file")
    return out


_CONFIG_KEYS = frozenset({"connection", "connections", "ledger", "operator", "tms"})
_TMS_KEYS = frozenset({"seed", "start", "days", *Sizes.__dataclass_fields__})
TMS_MAX = 10_000_000      # records of one kind in the fake TMS


def dataset_from_config(spec: Mapping[str, Any] | None) -> Dataset:
    spec = dict(check.mapping("tms", spec or {}))
    check.known_keys("tms", spec, _TMS_KEYS)
    sizes = Sizes(**{k: check.integer(f"tms.{k}", spec[k], 0, TMS_MAX) for k in spec
                     if k in Sizes.__dataclass_fields__})
    start = spec.get("start")
    try:
        begin = datetime.fromisoformat(str(start)) if start else DEFAULT_START
    except ValueError:
        raise SettingsError(f"tms.start: expected an ISO date-time, got {start!r}") from None
    try:
        return generate(check.integer("tms.seed", spec.get("seed", 7), -2**63, 2**63 - 1), sizes, start=begin,
                        days=check.integer("tms.days", spec.get("days", 60), 1, 3660))
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"tms: {exc}") from None


def _check_config(config: Mapping[str, Any], where: str) -> None:
    check.known_keys(where, config, _CONFIG_KEYS)
    operator = check.mapping("operator", config.get("operator") or {})
    check.known_keys("operator", operator, {"name", "role"})
    for key, value in operator.items():
        check.text(f"operator.{key}", value)
    if "ledger" in config:
        check.text("ledger", config["ledger"])
    if "connections" in config:
        check.listing("connections", config["connections"])


def main(argv: Sequence[str] | None = None, *, http: httpx.Client | None = None,
         environ: Mapping[str, str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Entry point; ``http`` and ``environ`` can be injected (tests, embedding)."""
    args = cc.parse(_parser(), argv)
    if isinstance(args, int):
        return args
    out, err = out or sys.stdout, err or sys.stderr
    ledger_path = None
    try:
        config = load_config(args.config)
        _check_config(config, args.config)
        base = Path(args.config).resolve().parent
        conns = _connections(config, base, environ, args.subsidiary)
        ledger_path = base / str(config.get("ledger", "intacct-ledger.sqlite3"))
        ledger = Ledger(ledger_path)
        client = http or httpx.Client(timeout=120)
        return _run(args, config, conns, ledger, client, environ, out, err)
    except ConnectorError as exc:
        return cc.unusable(PROG, str(exc), err)
    except sqlite3.Error as exc:      # the ledger failed mid-run (locked past the timeout, disk full): nothing lost
        return cc.unusable(PROG, str(LedgerError.of(str(ledger_path), exc)), err)


def _run(args: argparse.Namespace, config: Mapping[str, Any], conns: list[ConnectionSettings], ledger: Ledger,
         http: httpx.Client, environ: Mapping[str, str] | None, out: TextIO, err: TextIO) -> int:
    results: list[dict[str, Any]] = []
    ok = True
    data = dataset_from_config(config.get("tms")) if args.command == "sync" or config.get("tms") else None
    shared = shared_prefixes(conns, data) if data is not None else {}
    operator_spec = config.get("operator") or {}
    user, role = getattr(args, "user", None), getattr(args, "role", None)   # doctor's options only
    operator = TmsUser(user or str(operator_spec.get("name", "")), role or str(operator_spec.get("role", "")))
    for settings in conns:
        conn = Connection(settings, http, ledger=ledger, environ=environ)
        if args.command == "doctor":
            report = conn.doctor(operator, peers=shared.get(settings.subsidiary_id, ()))
            ok &= report.ok
            results.append(report.to_dict())
            if not args.json:
                print(report.render(), file=out)
        elif args.command == "sync":
            assert data is not None

            def progress(p: Progress, sub: str = settings.subsidiary_id) -> None:
                print(f"[{sub}] {p.line()}",
                      file=err, flush=True)

            sync_report = conn.sync(data, progress=progress)
            ok &= sync_report.ok
            results.append(sync_report.to_dict())
            if not args.json:
                print(_render_sync(sync_report.to_dict()), file=out)
        else:
            status = conn.status()
            ok &= not status.failed and not status.uncertain
            results.append(status.to_dict())
            if not args.json:
                print(status.render(), file=out)
    if args.json:
        print(json.dumps(results if len(results) > 1 else results[0], indent=2), file=out)
    return cc.EXIT_OK if ok else cc.EXIT_FAILED


def _render_sync(r: dict[str, Any]) -> str:
    lines = [f"Subsidiary {r['subsidiary_id']}: {r['posted']} posted, {len(r['failed'])} failed, "
             f"{len(r['not_migrated'])} not migrated (created before the connection), "
             f"{r['already_posted']} already posted"]
    lines += [f"  posted {p['label']} -> Sage RECORDNO {p.get('recordno')}" for p in r["posted_sample"]]
    if r["posted"] > len(r["posted_sample"]):
        lines.append(f"  ... and {r['posted'] - len(r['posted_sample'])} more posted")
    lines += [f"  FAILED {f['label']}: {f.get('advice') or f.get('message')}" for f in r["failed"]]
    lines += [f"  recovered {n}: already in Sage after a lost answer, not posted again" for n in r["recovered"]]
    lines += [f"  uncertain {n}: will be checked in Sage before posting again" for n in r["uncertain"]]
    lines += [f"  CHANGED {c['message']}. {c['advice']}" for c in r.get("changed", [])]
    lines += [f"  conflict: {n}" for n in r.get("conflicts", [])]
    lines += [f"  note: {n}" for n in r["notes"]]
    if r["error"]:
        lines.append(f"  sync stopped: {r['error']}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
