"""The admin API does what each route says or refuses in JSON; its OpenAPI document matches the routes."""

from __future__ import annotations

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
from intacct_harness.simulator.wire.protocol import ADMIN_PREFIX
from tests.wire import Gateway, fn


def http_for(app):
    return httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://127.0.0.1:8089")


@pytest.fixture
def app():
    return create_app({"LATENCY": False, "SEED": standard_seed()})


@pytest.fixture
def http(app):
    return http_for(app)


def _offset(app):
    backend = app.extensions["intacct_sim"]
    with backend.store.transaction() as tx:
        return float(tx.get_meta("clock_offset", "0"))


@pytest.mark.parametrize(("body", "seconds"), [({"advance": "1h"}, 3600), ({"advance": "1h30m"}, 5400),
                                               ({"advance": "2d"}, 172800), ({"advance": 90}, 90),
                                               ({"advance_seconds": 0.5}, 0.5)])
def test_clock_advances_by_the_duration_given(app, http, body, seconds):
    resp = http.post("/__sim/clock", json=body)
    assert resp.status_code == 200
    assert resp.json()["clock_offset_seconds"] == pytest.approx(seconds)
    assert _offset(app) == pytest.approx(seconds)


@pytest.mark.parametrize(("body", "message"), [
    ({"advance": "an hour"}, "is not a duration; write it like 90s"),
    ({"advance": "-1h"}, "is not a duration"),
    ({"advance_seconds": -5}, "the clock moves forward only"),
    ({"advance_seconds": "60"}, "expected a number of seconds"),
    ({"advance_seconds": float("1e300")}, "out of range"),
    ({"advnace": "1h"}, "clock.advnace: unknown key (allowed: advance, advance_seconds)"),
    ({}, "give exactly one of advance"),
    ({"advance": "1h", "advance_seconds": 1}, "give exactly one"),
    ([1], "clock: expected a mapping"),
])
def test_clock_refuses_what_it_cannot_do(app, http, body, message):
    resp = http.post("/__sim/clock", json=body)
    assert resp.status_code == 400
    assert message in resp.json()["error"]
    assert _offset(app) == 0


def test_an_advanced_clock_expires_sessions(app):
    gw = Gateway(SimulatedCompany(app, Credentials("AlvysMPP", "sim-sender-secret", "ACME-TRUCKING", "alvys_ws",
                                                   "sim-user-secret")))
    session = gw.session()
    assert gw.call(fn("<getAPISession/>"), auth=session).auth_status == "success"
    assert http_for(app).post("/__sim/clock", json={"advance": "2d"}).status_code == 200
    assert gw.call(fn("<getAPISession/>"), auth=session).auth_status == "failure"


@pytest.mark.parametrize(("method", "path"), [("PATCH", "/companies/NOPE"), ("PATCH", "/companies/NOPE/users/u"),
                                              ("PATCH", "/companies/ACME-TRUCKING/users/nobody"),
                                              ("PUT", "/companies/NOPE/roles/R"), ("POST", "/companies/NOPE/records"),
                                              ("GET", "/companies/NOPE/records/VENDOR"),
                                              ("GET", "/companies/NOPE/usage")])
def test_unknown_company_or_user_is_a_404_and_creates_nothing(app, http, method, path):
    resp = http.request(method, f"/__sim{path}", json={"status": "inactive"} if "users" in path else {})
    assert resp.status_code == 404
    assert "does not exist" in resp.json()["error"]
    company = http.get("/__sim/companies/ACME-TRUCKING").json()
    assert set(company["users"]) == {"alvys_ws"}
    assert http.get("/__sim/companies").json()["companies"] == ["ACME-TRUCKING"]


def test_put_creates_a_user_and_patch_then_changes_it(http):
    admin = Admin(http)
    assert http.put("/__sim/companies/ACME-TRUCKING/users/second",
                    json={"password": "p", "roles": ["Alvys Integration"]}).json()["status"] == "saved"
    admin.change_user("ACME-TRUCKING", "second", status="inactive")
    assert admin.company("ACME-TRUCKING")["users"]["second"]["status"] == "inactive"
    with pytest.raises(AdminError, match="user 'nobody' does not exist.*users: alvys_ws, second.*PUT"):
        admin.change_user("ACME-TRUCKING", "nobody", status="inactive")


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/__sim/nothing-here", 404), ("GET", "/__sim/reset", 405), ("DELETE", "/__sim/companies", 405),
    ("PUT", "/__sim/clock", 405), ("GET", "/__sim", 404)])
def test_wrong_paths_and_methods_answer_json(http, method, path, status):
    resp = http.request(method, path, headers={"content-type": "application/json"})
    assert resp.status_code == status
    assert resp.headers["content-type"] == "application/json"
    assert str(status) in resp.json()["error"]
    if status == 405:
        assert "POST" in resp.headers["allow"] or "GET" in resp.headers["allow"]


def test_the_gateway_keeps_its_own_error_pages(http):
    assert "json" not in http.get("/no/such/page").headers["content-type"]


@pytest.mark.parametrize(("query", "message"), [("since=abc", "?since='abc' is not a whole number"),
                                                ("limit=0", "?limit=0 is out of range"),
                                                ("limit=1000001", "out of range")])
def test_journal_refuses_bad_paging(http, query, message):
    resp = http.get(f"/__sim/journal?{query}")
    assert resp.status_code == 400 and message in resp.json()["error"]


@pytest.mark.parametrize(("path", "body", "message"), [
    ("/reset", {"keep": True}, "reset.keep: unknown key (allowed: keep_seed)"),
    ("/reset", {"keep_seed": "yes"}, "reset.keep_seed: expected bool, got str"),
    ("/sessions/expire", {"company": 5}, "expected str"),
    ("/sessions/expire", ["ACME"], "expected a mapping"),
])
def test_option_bodies_are_validated(http, path, body, message):
    resp = http.post(f"/__sim{path}", json=body)
    assert resp.status_code == 400 and message in resp.json()["error"]


def test_reset_can_keep_the_served_seed(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text(yaml.safe_dump(standard_seed(standard_company(records={"CLASS": [{"CLASSID": "C1",
                                                                                      "NAME": "c"}]}))))
    app = create_app({"LATENCY": False, "SEED": str(seed)})
    admin = Admin(http_for(app))
    admin.add_records("ACME-TRUCKING", {"CLASS": [{"CLASSID": "C2", "NAME": "added"}]})
    kept = admin.reset(keep_seed=True)
    assert kept["seed"]["companies"] == 1
    assert [r["CLASSID"] for r in admin.records("ACME-TRUCKING", "CLASS")] == ["C1"]
    admin.reset()
    assert admin.http.get("/__sim/companies").json()["companies"] == []


def test_keep_seed_without_a_seed_is_refused():
    admin = Admin(http_for(create_app()))
    with pytest.raises(AdminError, match="started without a seed"):
        admin.reset(keep_seed=True)


def test_openapi_describes_exactly_the_routes_that_exist(app, http):
    doc = http.get("/__sim/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(ADMIN_PREFIX + "/") and rule.endpoint.startswith("admin."):
            path = rule.rule.replace("<", "{").replace(">", "}")
            routes |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routes
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op["summary"], f"{method.upper()} {path} has no summary: give its view a docstring"
            assert set(op["responses"]) >= {"200", "400", "404", "405"}
            assert ("requestBody" in op) == (method in ("post", "put", "patch", "delete"))
            params = {p["name"] for p in op["parameters"]}
            assert params == set(part[1:-1] for part in path.split("/") if part.startswith("{"))
    assert "{company_id}" in "".join(doc["paths"])
    assert doc["components"]["securitySchemes"]["adminToken"]["name"] == "X-Sim-Admin-Token"


def test_every_documented_get_answers_json(app, http):
    doc = http.get("/__sim/openapi.json").json()
    for path, ops in doc["paths"].items():
        if "get" in ops:
            url = path.replace("{company_id}", "ACME-TRUCKING").replace("{object_name}", "GLACCOUNT")
            resp = http.get(url)
            assert resp.status_code == 200, (url, resp.text)
            assert resp.headers["content-type"] == "application/json"
