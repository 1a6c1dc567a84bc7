"""Connector config validated by type and range, unknown keys refused at every level, ledger problems named.

Each of these used to end in a traceback with exit 1 (the code for "documents failed"), or was silently
accepted (``settle_seconds: .nan`` switched the settle guard off; ``tms: {lods: 5}`` was ignored).
"""

from __future__ import annotations

import io
import math
import sqlite3

import pytest
import yaml

from intacct_harness.connector.cli import main
from intacct_harness.connector.errors import SettingsError
from intacct_harness.connector.ledger import Ledger, LedgerError
from tests.connector.conftest import environ_for, settings_for

TMS = {"seed": 5, "customers": 6, "carriers": 5, "drivers": 4, "loads": 30, "settlements": 12}


def write_config(tmp_path, sim, connection=None, **top):  # type: ignore[no-untyped-def]
    c = sim.credentials
    block = {"subsidiary_id": "SUB-1", "company_id": c.company_id, "user_id": c.user_id,
             "user_password": c.user_password, "established_at": "2026-01-15T00:00:00+00:00", "endpoint": sim.url}
    block.update(connection or {})
    cfg = {"ledger": "ledger.sqlite3", "tms": TMS, "connection": {k: v for k, v in block.items() if v is not ...}}
    cfg.update(top)
    path = tmp_path / "connector.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def run(sim, path, command="sync"):  # type: ignore[no-untyped-def]
    out, err = io.StringIO(), io.StringIO()
    code = main([command, "-c", str(path)], http=sim.client(), environ=environ_for(sim), out=out, err=err)
    return code, err.getvalue()


@pytest.mark.parametrize(("change", "message"), [
    ({"batch_size": "abc"}, "connection.batch_size: expected a whole number from 1 to 500, got str 'abc'"),
    ({"batch_size": 0}, "connection.batch_size: expected a whole number from 1 to 500"),
    ({"batch_size": 2.5}, "connection.batch_size: expected a whole number"),
    ({"batch_size": True}, "connection.batch_size: expected a whole number"),
    ({"concurrency_limit": 100000}, "connection.concurrency_limit: expected a whole number from 1 to 64"),
    ({"concurrency_limit": "2"}, "connection.concurrency_limit: expected a whole number"),
    ({"settle_seconds": float("nan")}, "connection.settle_seconds: expected a number from 0 to 86400, got float nan"),
    ({"settle_seconds": float("inf")}, "connection.settle_seconds: expected a number"),
    ({"settle_seconds": -1}, "connection.settle_seconds: expected a number"),
    ({"endpoint": "ftp://api.intacct.com/ia/xml/xmlgw.phtml"}, "connection.endpoint: expected the gateway's http(s)"),
    ({"endpoint": "api.intacct.com"}, "connection.endpoint: expected the gateway's http(s)"),
    ({"endpoint": 5}, "connection.endpoint: expected the gateway's http(s)"),
    ({"company_id": ["A", "B"]}, "connection.company_id: expected text, got list"),
    ({"payroll": "yes"}, "connection.payroll: expected true or false"),
    ({"colour": "red"}, "connection.colour: unknown setting; allowed here: batch_size,"),
    ({"gl_accounts": {"lineaul": "4000"}}, "connection.gl_accounts.lineaul: unknown setting; allowed here: "
                                           "accessorial, carrier_pay, driver_pay, fuel_surcharge, linehaul"),
    ({"gl_accounts": {"linehaul": {"a": 1}}}, "connection.gl_accounts.linehaul: expected text"),
    ({"dimensions": [{"dimension": "CLASS", "source": "equipment", "colour": 1}]},
     "connection.dimensions[0].colour: unknown setting"),
    ({"dimensions": [{"source": "equipment"}]}, "connection.dimensions[0].dimension is required"),
    ({"dimensions": {"dimension": "CLASS"}}, "connection.dimensions: expected a list"),
    ({"dimensions": [{"dimension": "CLASS", "values": ["a"]}]}, "connection.dimensions[0].values: expected a mapping"),
    ({"custom_fields": [{"field": "X", "source": "number", "where": "header"}]},
     "connection.custom_fields[0].where: unknown setting"),
])
def test_bad_connection_settings_say_where_and_what_with_exit_2(sim, tmp_path, change, message):
    code, err = run(sim, write_config(tmp_path, sim, change))
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert sim.records("ARINVOICE") == []


@pytest.mark.parametrize(("top", "message"), [
    ({"tms": {**TMS, "lods": 5}}, "tms.lods: unknown setting; allowed here: carriers, customers, days, drivers"),
    ({"tms": {**TMS, "loads": "many"}}, "tms.loads: expected a whole number from 0 to 10000000, got str 'many'"),
    ({"tms": {**TMS, "loads": -1}}, "tms.loads: expected a whole number"),
    ({"tms": {**TMS, "start": "soon"}}, "tms.start: expected an ISO date-time"),
    ({"tms": ["a"]}, "tms: expected a mapping"),
    ({"operator": {"nme": "Ana"}}, "operator.nme: unknown setting; allowed here: name, role"),
    ({"colour": "red"}, "connector.yaml.colour: unknown setting; allowed here: connection, connections, ledger"),
    ({"ledger": ["a"]}, "ledger: expected text"),
])
def test_unknown_or_mistyped_keys_anywhere_in_the_config_are_refused(sim, tmp_path, top, message):
    code, err = run(sim, write_config(tmp_path, sim, **top))
    assert code == 2 and message in err and "Traceback" not in err


def test_a_missing_password_says_which_setting_and_variable_to_use(sim, tmp_path):
    code, err = run(sim, write_config(tmp_path, sim, {"user_password": ...}))
    assert code == 2
    assert "connection.user_password is not set" in err and "user_password_env" in err
    assert "ALVYS_INTACCT_USER_PASSWORD" in err and "None" not in err


def test_settings_built_in_code_are_checked_too(sim):
    with pytest.raises(SettingsError, match="settle_seconds: expected a number"):
        settings_for(sim, settle_seconds=math.nan)
    with pytest.raises(SettingsError, match="endpoint: expected the gateway's http"):
        settings_for(sim, endpoint="ftp://example.com/x")


def test_a_directory_as_ledger_could_not_run(sim, tmp_path):
    (tmp_path / "ledger.sqlite3").mkdir()
    code, err = run(sim, write_config(tmp_path, sim))
    assert code == 2 and "Traceback" not in err
    assert f"could not run: the ledger {tmp_path / 'ledger.sqlite3'} cannot be used: it is a directory" in err


def test_a_corrupt_ledger_could_not_run_and_is_kept(sim, tmp_path):
    garbage = b"this is not sqlite" * 100
    (tmp_path / "ledger.sqlite3").write_bytes(garbage)
    for command in ("sync", "status"):
        code, err = run(sim, write_config(tmp_path, sim), command)
        assert code == 2 and "Traceback" not in err
        assert f"the ledger {tmp_path / 'ledger.sqlite3'} cannot be used: it is not a connector ledger" in err
    assert (tmp_path / "ledger.sqlite3").read_bytes() == garbage     # never replaced by an empty ledger
    assert sim.records("ARINVOICE") == []


def test_a_locked_ledger_is_named(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(LedgerError, match="another program holds it locked") as info:
            Ledger(path, timeout=0.05)
        assert str(path) in str(info.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
