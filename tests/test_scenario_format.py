"""The scenario format and runner: errors point at file, line and key; reports carry expected vs actual."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from lxml import etree

from intacct_harness.scenarios import report
from intacct_harness.scenarios.cli import main as cli
from intacct_harness.scenarios.headline import headline_files
from intacct_harness.scenarios.headline import main as headline
from intacct_harness.scenarios.runner import run_file

MINIMAL = """\
name: minimal
tms:
  customers: [{id: c1, name: Prairie Grain Co, external_ids: {SUB1: C-1}}]
  loads: [{number: L1, customer: c1, created: 2026-11-10, charges: [{kind: linehaul, amount: 100}]}]
sage:
  company:
    records: {CUSTOMER: [{CUSTOMERID: C-1, NAME: Prairie Grain Co}]}
steps:
  - sync:
      expect: {posted: 1}
"""


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_minimal_scenario_passes(tmp_path):
    result = run_file(write(tmp_path, MINIMAL))
    assert result.ok, report.text(result)
    assert [c.name for c in result.steps[0].checks] == ["posted count"]


@pytest.mark.parametrize(("change", "line", "fragment"), [
    (("expect: {posted: 1}", "expect: {psoted: 1}"), 10, "steps[0].sync.expect.psoted: unknown key"),
    (("  - sync:", "  - synk:"), 9, "steps[0].synk: unknown step"),
    (("name: minimal", "name: minimal\ncolour: red"), 2, "colour: unknown key"),
    (("amount: 100", "amount: lots"), 4, "tms.loads[0].charges[0].amount: expected an amount"),
    (("customer: c1,", "customer: nobody,"), 4, "tms.loads[0].customer: no customer with id 'nobody'"),
    (("created: 2026-11-10,", "created: yesterday,"), 4, "tms.loads[0].created: expected a date"),
    (("CUSTOMERID: C-1, NAME", "CUSTOMERID: C-1, NAM"), 7, "sage.company.records.CUSTOMER[0]"),
    (("kind: linehaul", "kind: detour"), 4, "expected one of linehaul, fuel_surcharge, accessorial"),
])
def test_errors_point_at_line_and_key(tmp_path, change, line, fragment):
    path = write(tmp_path, MINIMAL.replace(*change))
    result = run_file(path)
    assert result.error is not None and not result.ok
    assert f"{path}:{line}:" in result.error
    assert fragment in result.error


def test_bad_yaml_names_the_line(tmp_path):
    result = run_file(write(tmp_path, "name: x\nsteps: [\n  - sync\n"))
    assert result.error and "not valid YAML" in result.error and ":3:" in result.error


def test_unmet_expectation_shows_expected_and_actual(tmp_path):
    result = run_file(write(tmp_path, MINIMAL.replace("posted: 1", "posted: 3")))
    assert not result.ok and result.error is None
    text = report.text(result)
    assert "[FAIL] posted count: expected 3, got 1" in text
    assert "step 1 (line 9)" in text


def test_known_issue_is_expected_to_fail_and_flags_a_fix(tmp_path):
    still = run_file(write(tmp_path, "known_issue: SUP-9 not fixed\n" + MINIMAL.replace("posted: 1", "posted: 3")))
    assert still.expected_outcome and report.status_of(still) == "KNOWN ISSUE (still reproduces)"
    fixed = run_file(write(tmp_path, "known_issue: SUP-9 not fixed\n" + MINIMAL, "fixed.yaml"))
    assert not fixed.expected_outcome and "remove known_issue" in report.status_of(fixed)


def test_cli_run_writes_junit_and_html_and_exit_code(tmp_path, capsys):
    good = write(tmp_path, MINIMAL, "good.yaml")
    bad = write(tmp_path, MINIMAL.replace("posted: 1", "posted: 2"), "bad.yaml")
    junit, html = tmp_path / "r.xml", tmp_path / "r.html"
    assert cli(["run", str(good), "--quiet"]) == 0
    assert cli(["run", str(tmp_path), "--junit", str(junit), "--html", str(html)]) == 1
    suite = etree.parse(str(junit)).getroot()
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
    assert "expected 2, got 1" in suite.find(".//failure").get("message")
    page = html.read_text()
    assert "FAILED: minimal" in page and "PASSED: minimal" in page and "expected" in page
    assert "1 passed, 1 failed" in capsys.readouterr().out
    assert bad.exists()


def test_new_writes_a_template_that_runs(tmp_path):
    assert cli(["new", "customer_ticket", "--dir", str(tmp_path)]) == 0
    path = tmp_path / "customer_ticket.yaml"
    assert "name: customer ticket" in path.read_text()
    assert run_file(path).ok
    assert cli(["new", "customer_ticket", "--dir", str(tmp_path)]) == 2


def test_report_never_shows_passwords(tmp_path):
    result = run_file(write(tmp_path, MINIMAL))
    out = report.text(result) + report.html_report([result]) + report.junit([result]).decode()
    for secret in ("sim-user-secret", "sim-sender-secret"):
        assert secret not in out


TWO_BATCHES = MINIMAL.replace(
    "  loads: [{number: L1, customer: c1, created: 2026-11-10, charges: [{kind: linehaul, amount: 100}]}]",
    "  loads:\n" + "".join(f"    - {{number: L{i}, customer: c1, created: 2026-11-1{i}, charges: [{{amount: 100}}]}}\n"
                           for i in (1, 2)).rstrip("\n"))


@pytest.mark.parametrize(("in_flight", "ledger", "recovered"), [
    ("false", "{posted: 1, posting: 1}", 0),              # dies before sending batch 2: Sage never saw it
    ("true", "{posted: 0, posting: 1, pending: 1}", 1),   # dies with batch 1 in flight: Sage ran it
])
def test_interrupted_sync_dies_before_or_during_a_request(tmp_path, in_flight, ledger, recovered):
    steps = ("steps:\n  - interrupted_sync:\n      after_requests: 3\n"   # sign-in, lookup, batch 1
             f"      in_flight: {in_flight}\n"
             f"      expect: {{ledger: {ledger}}}\n  - sync:\n      expect: {{recovered: {recovered}}}\n"
             "  - check: {no_duplicates: true, sage_records: {ARINVOICE: 2}}\n")
    # settle_seconds 0: an unanswered post counts as settled at once (the settle wait has its own scenarios)
    text = TWO_BATCHES.split("steps:")[0] + steps + ("connection: {batch_size: 1, concurrency_limit: 1, "
                                                     "settle_seconds: 0}\n")
    result = run_file(write(tmp_path, text))
    assert result.ok, report.text(result)


def test_wait_step_lets_real_time_pass_and_is_bounded(tmp_path):
    import time
    started = time.monotonic()
    result = run_file(write(tmp_path, MINIMAL.replace("steps:\n", "steps:\n  - wait: {seconds: 0.2}\n")))
    assert result.ok and time.monotonic() - started >= 0.2
    assert result.steps[0].output == "waited 0.2 s"
    too_long = run_file(write(tmp_path, MINIMAL.replace("steps:\n", "steps:\n  - wait: {seconds: 60}\n"), "w.yaml"))
    assert too_long.error and "steps[0].wait.seconds: expected a number of seconds from 0 to 10" in too_long.error


def test_a_dropped_connection_reaches_the_connector_as_over_a_socket(tmp_path):
    """lost_response raises ConnectionResetError in-process; the runner hands httpx's error to the connector."""
    fault = "  faults: [{action: lost_response, function: create_invoice, times: 1}]\n"
    text = MINIMAL.replace("sage:\n", "sage:\n" + fault)
    result = run_file(write(tmp_path, text.replace("expect: {posted: 1}", "expect: {posted: 1, recovered: 1}")))
    assert result.ok, report.text(result)


def test_headline_runs_the_three_tagged_scenarios_in_ticket_order(tmp_path, capsys):
    assert [p.stem for p in headline_files()] == ["missing_ap_permission", "duplicate_vendor_names",
                                                  "wrong_subsidiary_entity"]
    assert headline(["--html", str(tmp_path / "h.html")]) == 0
    out = capsys.readouterr().out
    assert out.index("[HEADLINE-1]") < out.index("[HEADLINE-2]") < out.index("[HEADLINE-3]")
    assert "3 passed, 0 failed" in out and (tmp_path / "h.html").read_text().count("HEADLINE-") >= 3


def test_a_crash_in_a_step_is_a_failed_check_not_a_traceback(tmp_path, monkeypatch):
    from intacct_harness.scenarios.runner import Run

    def boom(self, step, out):
        raise KeyError("TRAILER")
    monkeypatch.setattr(Run, "_sync", boom)
    result = run_file(write(tmp_path, MINIMAL))
    assert not result.ok and result.error is None
    assert "[FAIL] step runs without crashing: expected no exception, got KeyError: 'TRAILER'" in report.text(result)
