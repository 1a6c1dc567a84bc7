"""The console without a browser (Flask test client, and the wire over httpx): pages, journal, security."""

from __future__ import annotations

import sqlite3

from intacct_harness.simulator.app import create_app
from intacct_harness.simulator.console.capture import MAX_BODY, redact, summarise
from intacct_harness.simulator.console.explain import catalogue_entries, explain, pretty
from intacct_harness.simulator.testing import DEFAULT_SENDER, DEFAULT_USER, Credentials, SimulatedCompany, standard_seed
from tests.connector.conftest import company_block

PAGES = ("/__sim/console/", "/__sim/console/companies/ACME-TRUCKING", "/__sim/console/journal",
         "/__sim/console/records", "/__sim/console/faults", "/__sim/console/reports")


def _exchanges(client, **params):  # type: ignore[no-untyped-def]
    resp = client.get("/__sim/console/api/exchanges", query_string=params)
    assert resp.status_code == 200
    return resp.get_json()["exchanges"]


def test_home_redirects_to_the_console_and_every_page_renders(sim) -> None:
    client = sim.app.test_client()
    assert client.get("/").headers["Location"].endswith("/__sim/console/")
    for path in PAGES:
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert "Content-Security-Policy" in resp.headers and resp.headers["X-Frame-Options"] == "DENY"
        assert "<script>" not in resp.get_data(as_text=True)  # the CSP forbids inline script: none is needed


def test_company_page_shows_the_setup_as_sages_screens_name_it(sim) -> None:
    sim.set_permission("Accounts Payable", "Read only")
    sim.set_permission("General Ledger", ["List", "View", "Add"])
    sim.admin.change_user(sim.company_id, DEFAULT_USER[0], status="locked")
    html = sim.app.test_client().get(f"/__sim/console/companies/{sim.company_id}").get_data(as_text=True)
    assert 'data-module="Accounts Payable"' in html
    ap = html.split('data-module="Accounts Payable"', 1)[1].split("</select>", 1)[0]
    assert "<option selected>Read only</option>" in ap
    gl = html.split('data-module="General Ledger"', 1)[1].split("</select>", 1)[0]
    assert "<option selected disabled>List|View|Add</option>" in gl
    assert '<option value="locked" selected>Locked out</option>' in html
    assert "SETTLEMENT_NUMBER" in html and "AlvysMPP" in html
    assert "password_hash" not in html and "pbkdf2" not in html


def test_unknown_company_is_a_404(sim) -> None:
    assert sim.app.test_client().get("/__sim/console/companies/NOPE").status_code == 404


def test_journal_keeps_each_exchange_redacted_with_its_error_explained(sim, run_sync) -> None:
    sim.set_permission("Accounts Payable", "Read only")
    report = run_sync(sim)
    assert report.failed
    client = sim.app.test_client()
    every = _exchanges(client)
    assert every[0]["seq"] > every[-1]["seq"], "newest first"
    assert {x["company"] for x in every} == {sim.company_id}
    failed = _exchanges(client, errorno="PL04000005")
    assert failed and all(x["status"] == "failure" and "create" in x["functions"].split(",") for x in failed)
    assert _exchanges(client, status="failure", function="create") == failed
    assert _exchanges(client, company="OTHER") == []
    assert _exchanges(client, since=every[0]["seq"]) == []
    detail = client.get(f"/__sim/console/api/exchanges/{failed[0]['seq']}").get_json()
    assert "\n  <control>" in detail["request"], "pretty-printed"
    err = detail["errors"][0]
    assert err["errorno"] == "PL04000005" and err["where"] == "result" and err["function"] == "create"
    assert [c["class"] for c in err["catalogue"]] == ["PermissionDenied"]
    assert 'set Accounts Payable to "All"' in err["advice"]["fix"] and err["advice"]["step"] == 4
    # no password or session id anywhere the console stored or serves
    sign_in = next(x for x in reversed(every) if "getAPISession" in x["functions"])
    shown = client.get(f"/__sim/console/api/exchanges/{sign_in['seq']}").get_json()
    for text in (shown["request"], shown["response"], detail["request"]):
        assert DEFAULT_SENDER[1] not in text and DEFAULT_USER[1] not in text
    assert "<sessionid>***</sessionid>" in shown["response"]
    with sim.app.extensions["intacct_sim"].store.read() as tx:
        sessions = [r[0] for r in tx.conn.execute("SELECT id FROM sessions")]
        stored = " ".join(r[0] + r[1] for r in tx.conn.execute("SELECT request, response FROM console_exchanges"))
    assert sessions and not any(s in stored for s in sessions)
    assert client.get("/__sim/console/api/exchanges/999999").status_code == 404
    assert client.get("/__sim/console/api/exchanges?since=x").status_code == 400


def test_journal_page_lists_usage_per_company(sim, run_sync) -> None:
    run_sync(sim)
    html = sim.app.test_client().get("/__sim/console/journal").get_data(as_text=True)
    usage = sim.admin.usage(sim.company_id)
    assert usage and all(f"<td>{month}</td><td>{n}</td>" in html for month, n in usage.items())


def test_dropped_and_edge_answers_are_journalled_as_failures(sim, run_sync) -> None:
    sim.admin.set_faults([{"action": "http", "status": 502, "function": "query", "times": 1},
                          {"action": "lost_response", "function": "create", "times": 1}])
    run_sync(sim)
    client = sim.app.test_client()
    rows = _exchanges(client, status="failure")
    assert any(x["http_status"] == 502 for x in rows)
    dropped = [x for x in rows if x["dropped"]]
    assert len(dropped) == 1 and dropped[0]["company"] == sim.company_id  # known by its session
    detail = client.get(f"/__sim/console/api/exchanges/{dropped[0]['seq']}").get_json()
    assert detail["response"] == "" and "<create>" in detail["request"]


def test_records_page_searches_and_marks_the_connectors_documents(sim, run_sync) -> None:
    report = run_sync(sim)
    assert report.posted
    client = sim.app.test_client()
    html = client.get("/__sim/console/records", query_string={"company": sim.company_id, "object": "apbill"}
                      ).get_data(as_text=True)
    invoices = sim.records("APBILL")
    assert invoices and html.count('class="by-connector"') == len(invoices)
    one = invoices[0]["RECORDID"]
    found = client.get("/__sim/console/records", query_string={"company": sim.company_id, "object": "APBILL",
                                                               "q": one}).get_data(as_text=True)
    assert found.count('class="by-connector"') == 1 and one in found and DEFAULT_USER[0] in found
    vendors = client.get("/__sim/console/records", query_string={"object": "VENDOR"}).get_data(as_text=True)
    assert "by-connector" not in vendors.split("<tbody>", 1)[1] and "Admin" in vendors


def test_faults_page_lists_rules_and_the_clock(sim) -> None:
    sim.admin.add_fault(action="http", status=503, function="create", times=2)
    sim.admin.advance_clock(120)
    html = sim.app.test_client().get("/__sim/console/faults").get_data(as_text=True)
    assert '{"action": "http", "function": "create", "id": "rule-1", "status": 503, "times": 2}' in html
    assert "offset 120.0 s" in html


def test_reports_page_lists_and_serves_result_files_only(sim, tmp_path) -> None:
    (tmp_path / "scenarios.html").write_text("<h1>3 passed</h1>", encoding="utf-8")
    (tmp_path / "junit.xml").write_text("<testsuite/>", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("no", encoding="utf-8")
    sim.app.config["CONSOLE_RESULTS_DIR"] = str(tmp_path)
    client = sim.app.test_client()
    html = client.get("/__sim/console/reports").get_data(as_text=True)
    assert "scenarios.html" in html and "junit.xml" in html and "secret.txt" not in html
    report = client.get("/__sim/console/reports/scenarios.html")
    assert report.status_code == 200 and b"3 passed" in report.data
    assert report.headers["Content-Security-Policy"].startswith("sandbox")
    assert client.get("/__sim/console/reports/secret.txt").status_code == 404
    assert client.get("/__sim/console/reports/..%2F..%2Fetc%2Fpasswd.html").status_code == 404
    sim.app.config["CONSOLE_RESULTS_DIR"] = str(tmp_path / "none")
    assert "No report yet" in client.get("/__sim/console/reports").get_data(as_text=True)


def test_the_console_is_as_guarded_as_the_admin_api(sim) -> None:
    remote = {"REMOTE_ADDR": "203.0.113.9"}
    client = sim.app.test_client()
    for path in (*PAGES, "/__sim/console/api/exchanges"):
        assert client.get(path, environ_overrides=remote).status_code == 403, path
    sim.app.config["ADMIN_TOKEN"] = "t0ken"
    resp = client.get("/__sim/console/", environ_overrides=remote, headers={"X-Sim-Admin-Token": "t0ken"})
    assert resp.status_code == 200


def test_a_limit_of_zero_records_nothing_and_old_exchanges_are_trimmed(tmp_path) -> None:
    seed = standard_seed(company_block())
    for limit, expected in ((0, 0), (5, None)):
        app = create_app({"LATENCY": False, "SEED": seed, "CONSOLE_JOURNAL_LIMIT": limit,
                          "STATE_FILE": str(tmp_path / f"s{limit}.sqlite3")})
        sim = SimulatedCompany(app, Credentials(*DEFAULT_SENDER, "ACME-TRUCKING", *DEFAULT_USER))
        http = sim.client()
        for _ in range(120):
            http.post("/ia/xml/xmlgw.phtml", content=b"<request/>")
        with sqlite3.connect(tmp_path / f"s{limit}.sqlite3") as db:
            (n,) = db.execute("SELECT COUNT(*) FROM console_exchanges").fetchone()
        assert n == 0 if expected == 0 else 5 <= n <= 5 + 99


def test_redaction_and_summary_of_odd_bodies() -> None:
    body = (b"<request><control><password>s3cret</password></control><operation><authentication>"
            b"<sessionid>abc</sessionid></authentication><content><function controlid='1'><readByQuery/>"
            b"</function></content></operation><x sessionid=\"zz\"/></request>")
    out = redact(body)
    assert b"s3cret" not in out and b"abc" not in out and b"zz" not in out
    odd_case = redact(b"<request><PassWord>Upper1</PassWord><SESSIONID>Upper2</SESSIONID><y SessionId='Upper3'/>")
    assert b"Upper1" not in odd_case and b"Upper2" not in odd_case and b"Upper3" not in odd_case
    page = b"<response><data>" + b"<vendor><NAME>Pass word &lt;password&gt;</NAME></vendor>" * 3 + b"</data></response>"
    assert redact(page) == page   # an escaped name is text, not a secret element: nothing to blank
    assert summarise(out, b"", 502) == {"company": None, "functions": "readByQuery", "status": "failure",
                                        "errornos": ""}
    assert summarise(b"", b"<response><status>aborted</status></response>", 200)["status"] == "aborted"
    assert pretty("<html>cut") == "<html>cut" and explain("not xml") == []
    assert [c.__name__ for c in catalogue_entries("XL03000006", "Incorrect Intacct XML Partner ID")] == \
        ["InvalidSender"]
    assert len(catalogue_entries("XL03000006", "")) > 1 and catalogue_entries("nope", "x") == []


def test_a_huge_body_is_kept_cut(sim) -> None:
    big = b"<request>" + b"x" * (MAX_BODY + 10) + b"</request>"
    sim.client().post("/ia/xml/xmlgw.phtml", content=big)
    client = sim.app.test_client()
    seq = _exchanges(client)[0]["seq"]
    detail = client.get(f"/__sim/console/api/exchanges/{seq}").get_json()
    assert "[… cut:" in detail["request"] and len(detail["request"]) < MAX_BODY + 200


def test_without_a_browser_the_browser_tests_say_why(monkeypatch) -> None:
    from tests.console.conftest import _browser_missing

    monkeypatch.setenv("PATH", "/nonexistent")
    assert "no chromium on PATH" in (_browser_missing() or "")
