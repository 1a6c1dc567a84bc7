"""Fault injection: rules through the admin API and seeds, first match wins, seeded probabilities."""

from __future__ import annotations

import httpx
import pytest

from intacct_harness.simulator.testing import AdminError, live_server
from tests.wire import Gateway, fn

BILL = ("<create><APBILL><VENDORID>V1</VENDORID><WHENCREATED>11/01/2026</WHENCREATED><APBILLITEMS><APBILLITEM>"
        "<ACCOUNTNO>5000</ACCOUNTNO><TRX_AMOUNT>100</TRX_AMOUNT></APBILLITEM></APBILLITEMS></APBILL></create>")


@pytest.fixture
def gw(intacct_company):
    intacct_company.admin.add_records(intacct_company.company_id, {"VENDOR": [{"VENDORID": "V1", "NAME": "Swift"}]})
    return Gateway(intacct_company)


def test_function_level_error_hits_only_matching_functions(gw):
    gw.sim.admin.add_fault(action="error", function="create", object="APBILL", error={"name": "PermissionDenied"})
    reply = gw.call(fn(BILL) + fn("<create><CLASS><CLASSID>K</CLASSID><NAME>k</NAME></CLASS></create>", "f2"))
    assert [reply.status(0), reply.status(1)] == ["failure", "success"]
    assert reply.errors(reply.result(0))[0]["description2"].startswith(
        "You do not have permission for API operation CREATE on objects of type apbill")
    assert gw.sim.records("APBILL") == []


def test_literal_error_at_authentication_and_control_level(gw):
    gw.sim.admin.set_faults([{"action": "error", "times": 1,
                              "error": {"level": "authentication", "errorno": "XL03000006",
                                        "description2": "Custom auth failure"}},
                             {"action": "error", "times": 1, "error": {"name": "InvalidSender"}}])
    first = gw.call(fn("<getAPISession/>"))
    assert first.auth_status == "failure" and first.errors()[0]["description2"] == "Custom auth failure"
    second = gw.call(fn("<getAPISession/>"))
    assert second.control_status == "failure" and second.errornos() == ["XL03000006"]
    assert gw.call(fn("<getAPISession/>")).status() == "success"  # both rules used up


@pytest.mark.parametrize(("status", "marker"), [(502, b"502 Bad Gateway"), (503, b"Temporarily Off-line"),
                                                 (504, b"504 Gateway Time-out")])
def test_proxy_errors_return_html_and_do_no_work(gw, status, marker):
    gw.sim.admin.add_fault(action="http", status=status, times=1)
    resp = gw.post_raw(_bill_body(gw))
    assert resp.status_code == status and marker in resp.content
    assert resp.headers["content-type"].startswith("text/html")
    assert gw.sim.records("APBILL") == []


def test_429_fault_uses_the_gateway_envelope(gw):
    gw.sim.admin.add_fault(action="http", status=429, times=1)
    reply = gw.call(fn(BILL))
    assert reply.http.status_code == 429 and reply.errornos() == ["GW-0010"]


def test_524_comes_after_the_work_was_done(gw):
    gw.sim.admin.add_fault(action="http", status=524, function="create", times=1)
    resp = gw.post_raw(_bill_body(gw))
    assert resp.status_code == 524 and b"A timeout occurred" in resp.content
    assert len(gw.sim.records("APBILL")) == 1


def test_lost_response_applies_the_post_then_drops_the_connection(gw):
    gw.sim.admin.add_fault(action="lost_response", function="create", object="APBILL", times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        gw.post_raw(_bill_body(gw))
    assert len(gw.sim.records("APBILL")) == 1


def test_reset_drops_before_any_work(gw):
    gw.sim.admin.add_fault(action="reset", times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        gw.post_raw(_bill_body(gw))
    assert gw.sim.records("APBILL") == []


@pytest.mark.parametrize("action", ["empty", "truncated"])
def test_empty_and_truncated_bodies(gw, action):
    gw.sim.admin.add_fault(action=action, times=1)
    resp = gw.post_raw(_bill_body(gw))
    full = gw.post_raw(_bill_body(gw))
    assert resp.status_code == 200
    assert len(resp.content) < len(full.content) // 2 + 1
    assert (resp.content == b"") == (action == "empty")
    assert len(gw.sim.records("APBILL")) == 2


def test_first_matching_rule_wins_and_matches_company(gw):
    gw.sim.admin.set_faults([{"action": "http", "status": 502, "company": "OTHER-CO"},
                             {"action": "http", "status": 503, "company": gw.sim.company_id},
                             {"action": "http", "status": 504}])
    assert gw.post_raw(_bill_body(gw)).status_code == 503


def test_probability_is_seeded_and_repeatable(intacct_sim_factory):
    def run() -> list[int]:
        sim = intacct_sim_factory(config={"FAULT_SEED": 42})
        sim.admin.add_fault(action="http", status=502, probability=0.3)
        gw = Gateway(sim)
        return [gw.post_raw(_session_body(gw)).status_code for _ in range(40)]

    first, second = run(), run()
    assert first == second
    assert 4 <= first.count(502) <= 20


def test_latency_rule_delays(gw):
    import time
    gw.sim.admin.add_fault(action="latency", ms=150, times=1)
    start = time.monotonic()
    assert gw.call(fn("<getAPISession/>")).status() == "success"
    assert time.monotonic() - start >= 0.15


@pytest.mark.parametrize(("rule", "fragment"), [
    ({"action": "explode"}, "fault.action: expected one of"),
    ({"action": "http", "status": 418}, "fault.status"),
    ({"action": "error", "error": {"name": "Nope"}}, "fault.error: give name"),
    ({"action": "latency", "ms": -5}, "fault.ms"),
    ({"action": "reset", "probability": 2}, "fault.probability"),
    ({"action": "reset", "colour": "red"}, "fault.colour: unknown key"),
])
def test_bad_rules_are_refused(gw, rule, fragment):
    with pytest.raises(AdminError) as exc:
        gw.sim.admin.add_fault(**rule)
    assert fragment in str(exc.value)


def test_reset_and_clear_remove_rules_and_seed_sets_them(gw):
    gw.sim.admin.add_fault(action="reset")
    gw.sim.admin.clear_faults()
    assert gw.call(fn("<getAPISession/>")).status() == "success"
    gw.sim.admin.seed({"faults": [{"action": "http", "status": 502}]})
    assert gw.post_raw(_session_body(gw)).status_code == 502
    with pytest.raises(AdminError, match="seed.faults\\[0\\].action"):
        gw.sim.admin.seed({"faults": [{"action": "boom"}]})


def test_lost_response_over_a_real_socket(intacct_company):
    intacct_company.admin.add_fault(action="lost_response", times=1)
    with live_server(intacct_company.app) as base:
        gw = Gateway(intacct_company, httpx.Client(base_url=base))
        with pytest.raises(httpx.TransportError):
            gw.post_raw(_session_body(gw))
        assert gw.call(fn("<getAPISession/>")).status() == "success"


def _bill_body(gw: Gateway) -> bytes:
    from tests.wire import envelope
    return envelope(fn(BILL), sender=gw.sender, sender_password=gw.sender_password, auth=gw.login).encode()


def _session_body(gw: Gateway) -> bytes:
    from tests.wire import envelope
    return envelope(fn("<getAPISession/>"), sender=gw.sender, sender_password=gw.sender_password,
                    auth=gw.login).encode()


def test_latency_jitter_is_seeded_per_company():
    from intacct_harness.simulator.app import create_app

    def draws(company: str, seed: int | None) -> list[float]:
        backend = create_app({"FAULT_SEED": 3}).extensions["intacct_sim"]
        return [backend.jitter(company, seed).random() for _ in range(5)]

    assert draws("A", 7) == draws("A", 7)          # a run repeats
    assert draws("A", 7) != draws("B", 7)          # companies do not share a die
    assert draws("A", None) == draws("A", None)    # no latency.seed: the app's seed
    assert draws("A", None) != draws("A", 7)


def test_still_processing_answers_524_and_lands_later(gw):
    import time
    gw.sim.admin.add_fault(action="still_processing", ms=300, function="create", times=1)
    resp = gw.post_raw(_bill_body(gw))
    assert resp.status_code == 524 and b"A timeout occurred" in resp.content
    assert gw.sim.records("APBILL") == []          # not there yet: a client looking now finds nothing
    deadline = time.monotonic() + 10
    while not gw.sim.records("APBILL") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(gw.sim.records("APBILL")) == 1      # ...but Sage finished it


def test_a_late_post_lands_before_the_companys_next_request_once_due(gw):
    """However loaded the machine, a lookup made after the delay finds the document: no timing window to lose."""
    import time
    gw.sim.admin.add_fault(action="still_processing", ms=200, function="create", times=1)
    assert gw.post_raw(_bill_body(gw)).status_code == 524
    time.sleep(0.25)
    reply = gw.call(fn("<readByQuery><object>APBILL</object><fields>RECORDNO</fields><query></query>"
                       "<pagesize>10</pagesize></readByQuery>"))
    assert reply.status() == "success" and reply.root.find(".//data").get("count") == "1"


def test_still_processing_lands_each_late_post_once_and_only_when_due():
    import threading
    import time

    from intacct_harness.simulator.models.still_processing import StillProcessing

    late, calls = StillProcessing(), []
    late.start(["ACME"], 60_000, lambda: calls.append("not due"))
    late.settle(["ACME"])
    assert calls == []                                   # a minute away: a request now does not see it
    gate = threading.Event()
    late.start(["OTHER"], 0, lambda: (gate.wait(5), calls.append("other")))
    late.settle(["ACME"])                                # ACME's request does not wait for OTHER's post
    assert "other" not in calls
    gate.set()
    for _ in range(50):                                  # its own thread and many requests race to land it
        late.start(["ACME"], 0, lambda: calls.append("due"))
    racers = [threading.Thread(target=late.settle, args=(["ACME"],)) for _ in range(8)]
    for t in racers:
        t.start()
    for t in racers:
        t.join()
    deadline = time.monotonic() + 5
    while (calls.count("due") < 50 or "other" not in calls) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert calls.count("due") == 50 and calls.count("other") == 1 and "not due" not in calls


def test_the_console_shows_a_still_processing_request_once_as_the_524_the_client_got(gw):
    import time

    from intacct_harness.simulator.console import console_capture

    gw.sim.admin.add_fault(action="still_processing", ms=100, function="create", times=1)
    assert gw.post_raw(_bill_body(gw)).status_code == 524
    deadline = time.monotonic() + 10
    while not gw.sim.records("APBILL") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(gw.sim.records("APBILL")) == 1                 # Sage finished it...
    exchanges = [e for e in console_capture(gw.sim.app).exchanges() if "create" in e["functions"]]
    assert [e["http_status"] for e in exchanges] == [524]     # ...but the client sent one request and got a 524
