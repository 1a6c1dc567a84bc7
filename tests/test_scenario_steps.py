"""Issue 13: typos refused with file, line and allowed values; the new steps and checks over the wire."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from lxml import etree

from intacct_harness.scenarios import report
from intacct_harness.scenarios.cli import main as cli
from intacct_harness.scenarios.runner import run_file
from intacct_harness.simulator.errors import UserLockedOut
from intacct_harness.simulator.testing import AdminError, simulated_company, standard_company

BASE = """\
name: base
sage:
  company:
    records:
      CUSTOMER: [{CUSTOMERID: C-1, NAME: Prairie Grain Co}]
      VENDOR: [{VENDORID: V-1, NAME: Blue Ridge Carriers}]
tms:
  subsidiaries: [{id: SUB1, name: East, code: AE}]
  customers: [{id: c1, name: Prairie Grain Co, external_ids: {SUB1: C-1}}]
  carriers: [{id: k1, name: Blue Ridge Carriers, external_ids: {SUB1: V-1}}]
  loads: [{number: L1, customer: c1, created: 2026-11-10, charges: [{kind: linehaul, amount: 100}]}]
  settlements: [{number: S1, payee: k1, created: 2026-11-10, lines: [{amount: 60}]}]
steps:
  - sync:
      expect: {posted: 2, documents: {AE-L1: posted}}
"""


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def with_steps(steps: str) -> str:
    return BASE + textwrap.indent(textwrap.dedent(steps), "  ")


# ------------------------------------------------------------------ the false passes, now refused
@pytest.mark.parametrize(("text", "fragment"), [
    (BASE.replace("{AE-L1: posted}", "{AE-L1: {state: failed, error_no: X}}"),
     "steps[0].sync.expect.documents.AE-L1.error_no: unknown key (allowed here: advice_contains"),
    (with_steps("- check: {ledger: {faild: 0}}\n"),
     "steps[1].check.ledger.faild: unknown ledger state 'faild' (one of: pending, posting, posted, failed"),
    (with_steps("- check: {sage_records: {APBIL: 0}}\n"), "unknown Sage object 'APBIL' (one of: "),
    (with_steps("- check: {sage_records: {APBILLS: 0}}\n"), "unknown Sage object 'APBILLS'"),
    (BASE.replace("VENDOR: [", "VENDOR: [").replace("    records:", "    roles: [{name: R, permissions: "
                                                     "{Acounts Payable: All}}]\n    records:"),
     "sage.company.roles[0].permissions.Acounts Payable: unknown module 'Acounts Payable' (one of: "),
    (with_steps("- sage_admin: {set_role: {role: R, permissions: {Acounts Payable: All}}}\n"),
     "steps[1].sage_admin.set_role.permissions.Acounts Payable: unknown module"),
    (BASE.replace("external_ids: {SUB1: C-1}", "external_ids: {SUB2: C-1}"),
     "tms.customers[0].external_ids.SUB2: unknown subsidiary 'SUB2' (one of: SUB1)"),
    (BASE.replace("{AE-L1: posted}", "{AE-L9: posted}"),
     "no document 'AE-L9' in the TMS data (documents: AE-L1, AE-S1)"),
    (BASE.replace("{AE-L1: posted}", "{AE-L1: posten}"), "unknown document state 'posten'"),
    (BASE.replace("posted: 2,", "posted: two,"), "steps[0].sync.expect.posted: expected a count"),
    (with_steps("- doctor: {expect: {failed_checks: ['module:Acounts Payable']}}\n"), "unknown doctor check"),
    (with_steps("- doctor: {expect: {messages_match: ['(unclosed']}}\n"), "not a valid regular expression"),
    (with_steps("- sync: {expect: {error: {type: SetingsError}}}\n"), "unknown error type 'SetingsError'"),
    (with_steps("- check: {functions: {readByQeury: 1}}\n"), "unknown gateway function 'readByQeury'"),
    (with_steps("- check: {records: [{object: APBILL, fields: {TOTALENTERD: 1}}]}\n"),
     "unknown APBILL field 'TOTALENTERD'"),
    (with_steps("- check: {records: [{object: VENDOR, line_count: 1}]}\n"), "VENDOR records have no lines"),
    (with_steps("- sage_admin: {change_records: [{object: VENDOR, key: V-1, action: deactivated}]}\n"),
     "unknown action 'deactivated' (one of: update, deactivate, reactivate, delete)"),
    (with_steps("- sage_admin: {change_records: [{object: VENDOR, key: V-1, action: update}]}\n"),
     "change_records[0].fields: required with action update"),
    (with_steps("- sage_admin: {change_user: {stauts: active}}\n"), "change_user.stauts: unknown key"),
    (with_steps("- connection: {change: {batchsize: 2}}\n"), "change.batchsize: unknown setting"),
    (with_steps("- add_tms: {loads: [{number: L1, customer: c1, charges: [{amount: 1}]}]}\n"),
     "steps[1].add_tms.loads[0].number: load 'L1' of SUB1 is already in the TMS data"),
    (with_steps("- concurrent_syncs: {subsidiaries: [SUB1]}\n"), "list two or more different subsidiaries"),
])
def test_typos_are_refused_with_line_key_and_allowed_values(tmp_path, text, fragment):
    path = write(tmp_path, text)
    result = run_file(path)
    assert result.error is not None and not result.steps, result.error
    assert fragment in result.error and f"{path}:" in result.error


def test_the_admin_api_refuses_a_misspelt_module_too():
    sim = simulated_company()
    with pytest.raises(AdminError, match="unknown module 'Acounts Payable' \\(one of: Administration"):
        sim.admin.set_role(sim.company_id, "Alvys Integration", {"Acounts Payable": "All"})
    with pytest.raises(AdminError, match="subscriptions\\[0\\]: unknown module"):
        sim.admin.change_company(sim.company_id, subscriptions=["Genral Ledger"])
    assert sim.admin.set_role(sim.company_id, "R", {"accounts payable": "All"})["permissions"] == {
        "Accounts Payable": ["List", "View", "Add", "Edit", "Delete"]}


@pytest.mark.parametrize(("value", "stored"), [("2026-11-09", "11/09/2026"), ("11/09/2026", "11/09/2026")])
def test_closed_through_takes_iso_dates(value, stored):
    sim = simulated_company()
    assert sim.admin.change_company(sim.company_id, closed_through=value)["closed_through"] == stored
    with pytest.raises(AdminError, match="closed_through"):
        sim.admin.change_company(sim.company_id, closed_through="soon")


def test_an_unquoted_yaml_date_works_where_a_date_is_expected(tmp_path):
    text = BASE.replace("    records:", "    closed_through: 2026-11-09\n    records:")
    result = run_file(write(tmp_path, with_steps("- check: {records: [{object: ARINVOICE, fields: "
                                                 "{WHENCREATED: 2026-11-10}}]}\n").replace(BASE, text)))
    assert result.ok, report.text(result)


# ------------------------------------------------------------------ a file that cannot load
def test_a_file_that_cannot_load_is_an_error_and_the_others_still_run(tmp_path, capsys):
    write(tmp_path, BASE, "a_good.yaml")
    write(tmp_path, BASE.replace("{posted: 2,", "{postd: 2,"), "b_bad.yaml")
    write(tmp_path, "name: [unclosed\n", "c_broken.yaml")
    junit = tmp_path / "r.xml"
    assert cli(["run", str(tmp_path), "--junit", str(junit), "--quiet"]) == 1
    suite = etree.parse(str(junit)).getroot()
    assert (suite.get("tests"), suite.get("errors"), suite.get("failures")) == ("3", "2", "0")
    assert "b_bad.yaml:15: steps[0].sync.expect.postd" in suite.findall(".//error")[0].get("message")
    assert "1 passed, 2 failed" in capsys.readouterr().out


# ------------------------------------------------------------------ the Sage admin changing records
def test_change_record_over_the_admin_api():
    company = standard_company()
    company["records"]["VENDOR"] = [{"VENDORID": "V-1", "NAME": "Blue Ridge"}]
    sim = simulated_company(company)
    admin, cid = sim.admin, sim.company_id
    assert admin.change_record(cid, "VENDOR", "V-1", "deactivate")["record"]["STATUS"] == "inactive"
    assert admin.change_record(cid, "vendor", "V-1", "reactivate")["record"]["STATUS"] == "active"
    changed = admin.change_record(cid, "VENDOR", "V-1", "update", {"NAME": "Blue Ridge Carriers LLC"})
    assert changed["record"]["NAME"] == "Blue Ridge Carriers LLC"
    recordno = changed["record"]["RECORDNO"]
    assert admin.change_record(cid, "VENDOR", recordno, "delete")["deleted"] is True
    assert sim.records("VENDOR") == []


@pytest.mark.parametrize(("object_name", "key", "body", "fragment"), [
    ("VENDOR", "V-1", {"action": "update", "fields": {"NAME": "x"}, "why": "?"}, "change.why: unknown key"),
    ("VENDOR", "V-1", {}, "change.action: required"),
    ("VENDOR", "V-1", {"action": "archive"}, "unknown action 'archive'"),
    ("VENDOR", "V-1", {"action": "update"}, "change.fields: required with action update"),
    ("VENDOR", "V-1", {"action": "delete", "fields": {"NAME": "x"}}, "only with action update"),
    ("VENDOR", "V-1", {"action": "update", "fields": {"NAEM": "x"}}, "NAEM"),
    ("VENDOR", "V-1", {"action": "update", "fields": {}}, "expected a mapping of field to new value"),
    ("VENDOR", "V-1", {"action": "update", "fields": {"VENDORID": "V-2"}}, "VENDORID and RECORDNO cannot change"),
    ("VENDOR", "V-404", {"action": "delete"}, "no VENDOR with VENDORID or RECORDNO 'V-404'"),
    ("VENDR", "V-1", {"action": "delete"}, "object 'VENDR' is not one the simulator has"),
    ("APBILL", "1", {"action": "deactivate"}, None),
])
def test_change_record_validates_its_body(object_name, key, body, fragment):
    company = standard_company()
    company["records"]["VENDOR"] = [{"VENDORID": "V-1", "NAME": "Blue Ridge"}]
    sim = simulated_company(company)
    resp = sim.admin.http.post(f"/__sim/companies/{sim.company_id}/records/{object_name}/{key}", json=body)
    assert resp.status_code == 400
    assert fragment is None or fragment in resp.json()["error"], resp.json()


# ------------------------------------------------------------------ sign-in lock-out
def test_wrong_passwords_lock_the_user_out_until_an_admin_unlocks(tmp_path):
    wrong = "  - doctor: {expect: {failed_checks: [credentials], messages_contain: [Sign-in information]}}\n"
    good = "  - connection: {change: {user_password: sim-user-secret}}\n"
    n = UserLockedOut.THRESHOLD
    text = (BASE.split("steps:")[0] + "connection: {user_password: old}\nsteps:\n" + wrong * (n - 1)
            + good + "  - doctor: {expect: {ok: true}}\n"              # a good password resets the count
            + "  - connection: {change: {user_password: old}}\n" + wrong * n
            + good + "  - doctor: {expect: {failed_checks: [user], messages_contain: [locked out]}}\n"
            + f"  - check: {{failed_sign_ins: {2 * n}}}\n"
            + "  - sage_admin: {change_user: {status: active}}\n"
            + "  - sync: {expect: {posted: 2}}\n")
    result = run_file(write(tmp_path, text))
    assert result.ok, report.text(result)


# ------------------------------------------------------------------ new steps and checks
def test_add_tms_records_and_journal_counts(tmp_path):
    result = run_file(write(tmp_path, with_steps("""\
        - add_tms:
            drivers: [{id: d1, name: Maria Gonzalez, external_ids: {SUB1: V-1}}]
            loads: [{number: L2, customer: c1, created: 2026-12-01, charges: [{amount: 250.5}, {amount: 10}]}]
            settlements: [{number: S2, payee: d1, created: 2026-12-01, lines: [{amount: 70}]}]
        - sync: {expect: {posted: 2, documents: {L2: posted, AE-S2: posted}, messages_match: ['posted \\d']}}
        - check:
            requests: 5
            sign_ins: 1
            functions: {create_invoice: 2, create: 2}
            records:
              - {object: ARINVOICE, where: {RECORDID: AE-L2}, fields: {TOTALENTERED: 260.50}, line_count: 2,
                 lines: [{TRX_AMOUNT: 250.5}, {TRX_AMOUNT: "10.00"}]}
              - {object: APBILL, count: 2}
        """)))
    assert result.ok, report.text(result)


def test_field_value_and_text_misses_show_expected_and_actual(tmp_path):
    result = run_file(write(tmp_path, with_steps("""\
        - check:
            records:
              - {object: ARINVOICE, where: {RECORDID: AE-L1}, fields: {TOTALENTERED: 99},
                 lines: [{}, {ACCOUNTNO: "4100"}]}
              - {object: APBILL, where: {RECORDID: AE-S9}, fields: {TOTALENTERED: 1}}
        - sync: {expect: {messages_not_contain: [posted 0], messages_match: ['^failed']}}
        """)))
    text = report.text(result)
    assert "[FAIL] ARINVOICE where RECORDID = AE-L1: TOTALENTERED: expected 99, got 100.00" in text
    assert "line 2 ACCOUNTNO: expected 4100, got no such line" in text
    assert "[FAIL] APBILL where RECORDID = AE-S9: expected a matching record, got no such record in Sage" in text
    assert '[FAIL] sync report text: expected does not contain "posted 0"' in text
    assert "expected matches /^failed/" in text
    assert len(result.misses) == 5


def test_concurrent_syncs_report_each_subsidiary(tmp_path):
    text = BASE.replace("[{id: SUB1, name: East, code: AE}]", "[{id: SUB1, name: East, code: AE}, "
                        "{id: SUB2, name: West, code: AW}]").replace("{SUB1: C-1}", "{SUB1: C-1, SUB2: C-1}")
    text = text.replace("lines: [{amount: 60}]}]", "lines: [{amount: 60}]}, "
                        "{number: S1, payee: k1, subsidiary: SUB2, lines: [{amount: 80}]}]")
    text = text.replace("{SUB1: V-1}", "{SUB1: V-1, SUB2: V-1}").split("steps:")[0] + textwrap.dedent("""\
        steps:
          - concurrent_syncs:
              subsidiaries: [SUB1, SUB2]
              expect: {SUB1: {posted: 2}, SUB2: {posted: 1, documents: {AW-S1: posted}}}
          - check: {sage_records: {APBILL: 2, ARINVOICE: 1}, no_duplicates: true}
        """)
    result = run_file(write(tmp_path, text))
    assert result.ok, report.text(result)
    assert [c.name for c in result.steps[0].checks][:2] == ["SUB1: completes without error", "SUB1: posted count"] \
        or "SUB1: posted count" in [c.name for c in result.steps[0].checks]


def test_html_report_summary_first_plain_values_quoted_advice_no_secrets(tmp_path):
    role = "    roles: [{name: Alvys Integration, permissions: {Accounts Payable: None}}]\n"
    text = BASE.replace("    records:", role + "    records:")
    failing = run_file(write(tmp_path, text.replace("posted: 2,", "posted: 1, documents: {AE-S1: posted},")
                             .replace("documents: {AE-L1: posted}}", "messages_contain: [nothing]}")))
    broken = run_file(write(tmp_path, "name: [unclosed\n", "broken.yaml"))
    page = report.html_report([failing, broken])
    assert page.index("<h2>Summary</h2>") < page.index("expectation(s) not met") < page.index("What was set up")
    assert "ERROR" in page and "could not run" in page
    assert "<blockquote>" in page and "set Accounts Payable to &quot;All&quot;" in page
    assert "<td>posted</td><td>failed</td>" in page          # expected and actual, as text
    assert "&#x27;posted&#x27;" not in page and "sim-user-secret" not in page
    assert report.redact("password: hunter2 and sim-sender-secret") == "*** and ***"
