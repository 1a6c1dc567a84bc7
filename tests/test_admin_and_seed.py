"""The admin API, seed validation, state persistence and concurrency slots."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
import yaml

from intacct_harness.simulator.app import create_app
from intacct_harness.simulator.testing import (
    Admin,
    AdminError,
    Credentials,
    SimulatedCompany,
    standard_company,
    standard_seed,
)
from tests.wire import Gateway, fn


def admin_for(app, remote="127.0.0.1", headers=None):
    transport = httpx.WSGITransport(app=app, remote_addr=remote)
    return httpx.Client(transport=transport, base_url="http://sim.test", headers=headers or {})


@pytest.mark.parametrize(("seed", "message"), [
    ({"companies": [{"id": "X", "tpye": 1}]}, "seed.companies[0] (X).tpye: unknown key"),
    ({"senders": [{"id": "S"}]}, "seed.senders[0].password: required"),
    ({"companies": [{"id": "X", "web_services": "yes"}]}, "web_services: expected true or false"),
    ({"companies": [{"id": "X", "roles": [{"name": "R", "permissions": {"Accounts Payable": "Most"}}]}]},
     "unknown permission 'Most'"),
    ({"companies": [{"id": "X", "users": [{"id": "u", "password": "p", "roles": ["Missing"]}]}]},
     "role 'Missing' is not defined"),
    ({"companies": [{"id": "X", "users": [{"id": "u", "password": "p", "type": "wizard"}]}]}, "unknown user type"),
    ({"companies": [{"id": "X", "records": {"VENDOR": [{"NAME": "no id"}]}}]},
     "records.VENDOR[0]: BL03000018 Required field VENDORID is missing on VENDOR."),
    ({"companies": [{"id": "X", "records": {"NOTHING": []}}]}, "records.NOTHING: unknown key"),
    ({"companies": [{"id": "X", "concurrency_limit": 0}]}, "expected a whole number >= 1"),
    ([1, 2], "seed: expected a mapping"),
])
def test_seed_errors_name_the_path(seed, message):
    admin = Admin(admin_for(create_app()))
    with pytest.raises(AdminError) as exc:
        admin.seed(seed)
    assert message in str(exc.value)


def test_bad_seed_loads_nothing():
    app = create_app()
    admin = Admin(admin_for(app))
    bad = standard_seed(standard_company(records={"VENDOR": [{"VENDORID": "V1", "NAME": "a"}, {"NAME": "b"}]}))
    with pytest.raises(AdminError):
        admin.seed(bad)
    assert admin_for(app).get("/__sim/companies").json() == {"companies": [], "senders": []}


def test_yaml_seed_file_and_company_view(tmp_path):
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(standard_seed()))
    app = create_app({"SEED": str(path)})
    http = admin_for(app)
    company = http.get("/__sim/companies/ACME-TRUCKING").json()
    assert company["record_counts"] == {"GLACCOUNT": 5}
    assert "password_hash" not in str(company) and "sim-user-secret" not in str(company)
    assert http.get("/__sim/companies/NOPE").status_code == 404
    yaml_body = yaml.safe_dump({"companies": [{"id": "ACME-TRUCKING", "records": {"CLASS": [{"CLASSID": "Y",
                                                                                              "NAME": "Y"}]}}]})
    resp = http.post("/__sim/seed", content=yaml_body, headers={"content-type": "application/yaml"})
    assert resp.json()["records"] == 1
    assert http.post("/__sim/seed", content="{not json", headers={"content-type": "application/json"}
                     ).status_code == 400


def test_state_file_survives_a_restart(tmp_path):
    state = str(tmp_path / "state.sqlite3")
    app = create_app({"STATE_FILE": state, "SEED": standard_seed()})
    sim = SimulatedCompany(app, Credentials("AlvysMPP", "sim-sender-secret", "ACME-TRUCKING", "alvys_ws",
                                            "sim-user-secret"))
    gw = Gateway(sim)
    assert gw.call(fn("<create><CLASS><CLASSID>P1</CLASSID><NAME>persisted</NAME></CLASS></create>")).status() \
        == "success"
    restarted = SimulatedCompany(create_app({"STATE_FILE": state}), sim.credentials)
    assert [c["CLASSID"] for c in restarted.records("CLASS")] == ["P1"]
    assert Gateway(restarted).call(fn("<getAPISession/>")).status() == "success"


def test_errors_catalogue_endpoint(intacct_company):
    errors = intacct_company.admin.http.get("/__sim/errors").json()["errors"]
    by_name = {e["class"]: e for e in errors}
    assert by_name["SenderNotAuthorized"]["source"] == "developer.intacct.com/support/faq/"
    assert "simulator's choice" in by_name["UserInactive"]["source"]
    assert by_name["RateLimited"]["http_status"] == 429


def test_journal_records_each_function(gateway):
    gateway.call(fn("<getAPISession/>") + fn("<create><CLASS><NAME>x</NAME></CLASS></create>", "f2"))
    entries = gateway.sim.admin.journal(gateway.sim.company_id)
    assert [(e["function"], e["status"], e["errorno"]) for e in entries[-2:]] == [
        ("getAPISession", "success", None), ("create", "failure", "BL03000018")]


def test_concurrency_limit_answers_429_at_once(intacct_sim_factory):
    sim = intacct_sim_factory(standard_company(concurrency_limit=1, latency={"base_ms": 1000}),
                              config={"LATENCY": True})
    store = sim.app.extensions["intacct_sim"].store
    first: dict[str, object] = {}
    slow = threading.Thread(target=lambda: first.update(reply=Gateway(sim).call(fn("<getAPISession/>"))))
    slow.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # wait until the slow request holds the company's only slot
        if store.slots.held(sim.company_id) == 1:
            break
        time.sleep(0.01)
    over = Gateway(sim).call(fn("<getAPISession/>"))
    still_running = slow.is_alive()
    slow.join()
    assert over.http.status_code == 429
    assert over.errornos() == ["GW-0010"]
    assert over.errors()[0]["description"] == "API rate limit exceeded"
    assert [c.tag for c in over.root.find("control")] == ["status"]
    assert still_running  # rejected at once, not queued behind the slow request
    assert first["reply"].status() == "success"
    assert Gateway(sim).call(fn("<getAPISession/>")).http.status_code == 200  # the slot was released
    assert any(e["errorno"] == "GW-0010" for e in sim.admin.journal(sim.company_id))


@pytest.mark.parametrize(("text", "line", "fragment"), [
    ("senders:\n  - {id: AlvysMPP}\n", 2, "seed.senders[0].password: required"),
    ("companies:\n  - id: X\n    users:\n      - id: u\n        password: p\n        tpye: business\n", 6,
     "users[0].tpye: unknown key"),
    ("companies:\n  - id: X\n    records:\n      VENDOR:\n        - {VENDORID: V1}\n", 5,
     "Required field NAME is missing on VENDOR"),
    ("companies: [\n", 2, "not valid YAML"),
])
def test_seed_file_errors_name_file_line_and_key(tmp_path, text, line, fragment):
    from intacct_harness.simulator.app import seed_store
    from intacct_harness.simulator.models.setup import SeedError
    from intacct_harness.simulator.store import Store
    path = tmp_path / "seed.yaml"
    path.write_text(text)
    with pytest.raises(SeedError) as exc:
        seed_store(Store(), str(path), 0.0)
    assert str(exc.value).startswith(f"{path}:{line}: ")
    assert fragment in str(exc.value)
