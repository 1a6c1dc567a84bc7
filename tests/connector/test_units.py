"""Small pieces through real inputs: response parsing, advice texts, the generator, the demo."""

from __future__ import annotations

import pytest

from intacct_harness.connector.advice import advise
from intacct_harness.connector.intacct import AuthProblem, ErrorDetail, FunctionFailure, GatewayError, MalformedResponse
from intacct_harness.connector.intacct import functions as fn
from intacct_harness.connector.intacct.errors import AuthenticationFailure, ControlFailure, clean_text
from intacct_harness.connector.intacct.limiter import ConcurrencyLimiter, limiter_for
from intacct_harness.connector.intacct.response import parse
from intacct_harness.connector.tms.fake import Sizes, generate, sage_records
from intacct_harness.connector.tms.model import PartyKind
from tests.connector.conftest import connect, fast_retry


def E(no, d2="", corr="", d=""):  # noqa: N802
    return ErrorDetail(no, d, d2, corr)


@pytest.mark.parametrize(("errors", "step", "needle"), [
    ([E("XL03000006", "Incorrect Intacct XML Partner ID or password.")], 3, "AlvysMPP"),
    ([E("invalidRequest", d="Invalid Request")], 5, "Company ID"),
    ([E("XL03000006", "This company is not authorized for XML transactions.")], 1, "Company > Subscriptions"),
    ([E("XL03000006", "User 'x' is locked out.")], 2, "Unlock"),
    ([E("XL03000006", "Invalid session (id redacted)")], None, "new session"),
    ([E("BL01001973", "Account 4999 is not valid")], None, "GL account 4999"),
    ([E("BL01001973", "This transaction is missing the Department dimension for the Account 4000")], 6,
     "map the Department dimension"),
    ([E("BL01001973", "Customer 'C-9' specified is not valid.")], None, "External Accounting ID"),
    ([E("BL01001973", "The employee 'E1' is invalid.")], 6, "employee"),
    ([E("BL34000061", "Another Vendor with the given value(s) V-1  already exists")], None, "already exists"),
    ([E("GW-0010", "too many")], None, "backs off and retries"),
    ([E("BL01001973", "Date must be on or after 02/01/2026")], None, "period for this date is closed"),
    ([E("BL03000018", "Required field X is missing", "Enter a value for X, and try again.")], None, "Enter a value"),
    ([E("XX", "odd")], None, "Correct the data"),
    ([], None, "Correct the data")])
def test_advice(errors, step, needle):
    a = advise(errors, what="Thing")
    assert a.step == step and needle in str(a)


def test_texts_are_cleaned():
    assert clean_text("Invalid session abc123.. [Support ID: X1]") == "Invalid session (id redacted)"
    assert ControlFailure.from_errors((E("invalidRequest"),)).problem is AuthProblem.UNKNOWN_COMPANY
    assert AuthenticationFailure.from_errors((E("XL03000006", "???"),)).problem is AuthProblem.OTHER


@pytest.mark.parametrize(("body", "status", "exc"), [
    (b"not xml", 200, MalformedResponse), (b"<html/>", 200, MalformedResponse),
    (b"<response><control><status>success</status></control></response>", 200, MalformedResponse),
    (b"<response><control><status>failure</status></control><errormessage><error><errorno>GW-0011</errorno>"
     b"</error></errormessage></response>", 405, GatewayError)])
def test_parse_rejects_what_is_not_a_sage_answer(body, status, exc):
    with pytest.raises(exc):
        parse(body, status)


def test_non_xml_4xx_and_bad_requests(sim, wire_factory):
    _, http = wire_factory(lambda r, n: 404)
    with pytest.raises(MalformedResponse):
        connect(sim, http=http, retry=fast_retry(2)).client.login()


def test_single_call_and_function_failure(sim):
    client = connect(sim).client
    assert client.call(fn.get_dimensions()).ok
    with pytest.raises(FunctionFailure, match="Object definition NOPE not found"):
        client.call(fn.read_by_query("NOPE", ""))
    assert client.execute([]) == []
    assert fn.in_condition("RECORDID", ["a'b"]) == "RECORDID = 'a\\'b'"


def test_limiters():
    assert limiter_for("u", "c", 2) is limiter_for("u", "C", 2)
    assert limiter_for("u", "c", 3).limit == 3
    with pytest.raises(ValueError):
        ConcurrencyLimiter(0)


def test_generator_is_reproducible_at_any_size():
    a, b = generate(42, Sizes(loads=200, settlements=50)), generate(42, Sizes(loads=200, settlements=50))
    assert [ld.total for ld in a.loads] == [ld.total for ld in b.loads] and len(a.loads) == 200
    assert generate(43).loads[0] != a.loads[0]
    assert {c.kind.value for ld in a.loads for c in ld.charges} == {"linehaul", "fuel_surcharge", "accessorial"}
    assert {s.payee_kind for s in a.settlements} == {PartyKind.CARRIER, PartyKind.DRIVER}
    empty = generate(1, Sizes(customers=0, carriers=0, drivers=0, loads=0, settlements=3))
    assert not empty.loads and not empty.settlements
    with pytest.raises(KeyError):
        a.subsidiary("SUB-9")
    recs = sage_records(a, "SUB-1", name_only_ratio=0.0)
    assert len(recs["CUSTOMER"]) + len(recs["VENDOR"]) < len(a.parties)


def test_demo_runs_end_to_end(capsys):
    from intacct_harness.connector.demo import main
    assert main() == 0
    out = capsys.readouterr().out
    assert "Result: ready to sync." in out and 'set Accounts Payable to "All"' in out and "0 failed" in out
