"""``intacct-connector doctor|sync|status`` from a config file, against the in-process simulator."""

from __future__ import annotations

import io
import json

import pytest
import yaml

from intacct_harness.connector.cli import dataset_from_config, main
from intacct_harness.connector.errors import SettingsError
from intacct_harness.connector.tms.fake import Sizes, generate, sage_records
from tests.connector.conftest import environ_for

TMS = {"seed": 5, "customers": 6, "carriers": 5, "drivers": 4, "loads": 30, "settlements": 12}


@pytest.fixture
def config(sim, tmp_path):
    data = generate(5, Sizes(customers=6, carriers=5, drivers=4, loads=30, settlements=12))
    sim.admin.add_records(sim.company_id, sage_records(data, "SUB-1"))
    c = sim.credentials
    (tmp_path / "user.secret").write_text(c.user_password)
    cfg = {"ledger": "ledger.sqlite3", "operator": {"name": "Ana", "role": "Admin"}, "tms": TMS,
           "connection": {"subsidiary_id": "SUB-1", "company_id": c.company_id, "user_id": c.user_id,
                          "user_password_file": "user.secret", "established_at": "2026-01-15T00:00:00+00:00",
                          "endpoint": sim.url}}
    path = tmp_path / "connector.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def run(sim, *argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), http=sim.client(), environ=environ_for(sim), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_doctor_sync_status(sim, config):
    code, out, _ = run(sim, "doctor", "-c", str(config))
    assert code == 0 and "Result: ready to sync." in out
    code, out, err = run(sim, "sync", "-c", str(config))
    assert code == 0 and "posted AR invoice" in out and "documents sent" in err
    code, out, _ = run(sim, "status", "-c", str(config), "--json")
    status = json.loads(out)
    assert code == 0 and status["counts"]["posted"] > 0 and status["failed"] == []


def test_json_and_exit_status_when_something_fails(sim, config):
    sim.set_permission("Accounts Payable", "Read only")
    code, out, _ = run(sim, "doctor", "-c", str(config), "--json")
    assert code == 1 and json.loads(out)["ok"] is False
    code, out, _ = run(sim, "sync", "-c", str(config), "--json")
    report = json.loads(out)
    assert code == 1 and report["failed"] and 'Accounts Payable to "All"' in report["failed"][0]["advice"]
    code, out, _ = run(sim, "status", "-c", str(config))
    assert code == 1 and "FAILED bill" in out
    code, out, _ = run(sim, "sync", "-c", str(config))
    assert code == 1 and "FAILED AP bill" in out


def test_wizard_role_is_enforced(sim, config):
    code, _, err = run(sim, "doctor", "-c", str(config), "--user", "Dan", "--role", "Dispatcher")
    assert code == 2 and "Dan (Dispatcher) may not run the Sage Intacct connection wizard" in err


def test_config_problems_exit_2(sim, config, tmp_path):
    assert run(sim, "status", "-c", str(tmp_path / "missing.yaml"))[0] == 2
    (tmp_path / "empty.yaml").write_text("ledger: x.sqlite3\n")
    code, _, err = run(sim, "status", "-c", str(tmp_path / "empty.yaml"))
    assert code == 2 and "no 'connection'" in err
    code, _, err = run(sim, "status", "-c", str(config), "--subsidiary", "SUB-9")
    assert code == 2 and "SUB-9" in err
    (tmp_path / "payroll.yaml").write_text(yaml.safe_dump({"connections": [{"subsidiary_id": "S", "payroll": True}]}))
    code, _, err = run(sim, "sync", "-c", str(tmp_path / "payroll.yaml"))
    assert code == 2 and "Payroll Integration is not supported" in err


def test_several_connections_and_sync_stop_message(sim, config):
    cfg = yaml.safe_load(config.read_text())
    second = dict(cfg["connection"], subsidiary_id="SUB-2")
    cfg["connections"] = [cfg.pop("connection"), second]
    cfg["tms"] = dict(TMS, subsidiaries=2)
    config.write_text(yaml.safe_dump(cfg))
    sim.admin.change_company(sim.company_id, authorized_senders=[])
    code, out, _ = run(sim, "sync", "-c", str(config))
    assert code == 1 and out.count("sync stopped") == 2
    code, out, _ = run(sim, "status", "-c", str(config), "--json")
    assert len(json.loads(out)) == 2


def test_dataset_from_config():
    data = dataset_from_config({"seed": 3, "loads": 4, "start": "2026-02-01T00:00:00+00:00", "days": 5})
    assert len(data.loads) == 4 and data.loads[0].created_at.month == 2
    with pytest.raises(SettingsError):
        dataset_from_config({"start": "soon"})
