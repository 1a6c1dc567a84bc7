"""The write path's shortcuts keep Sage's behaviour: RECORDNOs drawn in one go, and reference lookups a request
remembers, stay exact across failed functions, rolled-back transactions and records the same request writes."""

from __future__ import annotations

import pytest

from intacct_harness.simulator.testing import standard_company
from tests.wire import Gateway, fn


@pytest.fixture
def gw(intacct_sim_factory):
    sim = intacct_sim_factory(standard_company())
    sim.admin.add_records(sim.company_id, {"VENDOR": [{"VENDORID": "V1", "NAME": "Swift"}]})
    return Gateway(sim)


def bill(vendor="V1", amount="100", lines=1, recordid=""):
    items = "".join(f"<APBILLITEM><ACCOUNTNO>5000</ACCOUNTNO><TRX_AMOUNT>{amount}</TRX_AMOUNT></APBILLITEM>"
                    for _ in range(lines))
    rid = f"<RECORDID>{recordid}</RECORDID>" if recordid else ""
    return (f"<create><APBILL><VENDORID>{vendor}</VENDORID><WHENCREATED>11/01/2026</WHENCREATED>{rid}"
            f"<APBILLITEMS>{items}</APBILLITEMS></APBILL></create>")


def vendor(vid, name="Carrier", status=""):
    extra = f"<STATUS>{status}</STATUS>" if status else ""
    return f"<create><VENDOR><VENDORID>{vid}</VENDORID><NAME>{name}</NAME>{extra}</VENDOR></create>"


def recordnos(reply):
    return [int(r.findtext("data/*/RECORDNO")) if r.findtext("status") == "success" else None
            for r in reply.results()]


def stored_bill(gw, recordno):
    return next(b for b in gw.sim.records("APBILL") if b["RECORDNO"] == str(recordno))


def test_a_document_and_its_lines_are_numbered_in_a_row_across_requests(gw):
    first = recordnos(gw.call(fn(bill(lines=3), "a") + fn(bill(lines=2), "b")))
    assert first[1] == first[0] + 4
    doc = stored_bill(gw, first[0])
    assert [line["RECORDNO"] for line in doc["APBILLITEMS"]["APBILLITEM"]] == [
        str(first[0] + n) for n in (1, 2, 3)]
    assert {line["RECORDKEY"] for line in doc["APBILLITEMS"]["APBILLITEM"]} == {str(first[0])}
    later = recordnos(gw.call(fn(bill(), "c")))
    assert later == [first[1] + 3]   # the counter the first request left is where the next one starts


def test_a_failed_function_gives_its_numbers_back(gw):
    # The vendor fails after drawing its RECORDNO (its ID is taken): the next create gets that number.
    reply = gw.call(fn(bill(lines=2), "a") + fn(vendor("V1"), "dup") + fn(bill(amount="-5"), "neg")
                    + fn(bill(), "b"))
    numbers = recordnos(reply)
    assert [r.findtext("status") for r in reply.results()] == ["success", "failure", "failure", "success"]
    assert numbers[3] == numbers[0] + 3
    assert recordnos(gw.call(fn(bill(), "c"))) == [numbers[3] + 2]


def test_a_rolled_back_transaction_leaves_the_counter_where_it_was(gw):
    before = recordnos(gw.call(fn(bill(), "a")))[0]
    reply = gw.call(fn(bill(lines=3), "x") + fn(bill(), "x2") + fn(bill(vendor="NOPE"), "y"), transaction=True)
    assert [r.findtext("status") for r in reply.results()] == ["aborted", "aborted", "failure"]
    assert recordnos(gw.call(fn(bill(), "b"))) == [before + 2]
    assert len(gw.sim.records("APBILL")) == 2


def test_a_query_in_the_same_request_sees_the_records_created_before_it(gw):
    reply = gw.call(fn(bill(recordid="SAME-REQ"), "a") + fn(
        "<readByQuery><object>APBILL</object><fields>RECORDNO,RECORDID</fields>"
        "<query>RECORDID = 'SAME-REQ'</query><pagesize>10</pagesize></readByQuery>", "q"))
    created = recordnos(reply)[0]
    assert [r.findtext("RECORDNO") for r in reply.result(1).iter("apbill")] == [str(created)]


def test_a_vendor_created_earlier_in_the_request_can_be_named(gw):
    reply = gw.call(fn(bill(vendor="V2"), "before") + fn(vendor("V2", "Knight"), "v") + fn(bill(vendor="V2"), "after"))
    assert [r.findtext("status") for r in reply.results()] == ["failure", "success", "success"]
    assert stored_bill(gw, recordnos(reply)[2])["VENDORNAME"] == "Knight"


def test_a_vendor_deleted_earlier_in_the_request_can_no_longer_be_named(gw):
    reply = gw.call(fn(bill(), "before") + fn("<delete><object>VENDOR</object><keys>V1</keys></delete>", "d")
                    + fn(bill(), "after"))
    # The first bill names V1, so deleting it is refused; a vendor nobody names can go.
    assert [r.findtext("status") for r in reply.results()] == ["success", "failure", "success"]
    gw.call(fn(vendor("V3"), "v"))
    reply = gw.call(fn(bill(vendor="V3"), "a") + fn("<delete><object>VENDOR</object><keys>V3</keys></delete>", "d"))
    assert [r.findtext("status") for r in reply.results()] == ["success", "failure"]
    gw.call(fn(vendor("V4"), "v"))
    reply = gw.call(fn("<delete><object>VENDOR</object><keys>V4</keys></delete>", "d") + fn(bill(vendor="V4"), "b"))
    assert [r.findtext("status") for r in reply.results()] == ["success", "failure"]


def test_a_vendor_made_inactive_earlier_in_the_request_is_refused(gw):
    reply = gw.call(fn(bill(), "before") + fn(
        "<update><VENDOR><VENDORID>V1</VENDORID><STATUS>inactive</STATUS></VENDOR></update>", "u")
        + fn(bill(), "after"))
    assert [r.findtext("status") for r in reply.results()] == ["success", "success", "failure"]


def test_a_vendor_whose_creation_was_rolled_back_is_not_remembered(gw):
    # The vendor's function fails after the vendor is stored (its second object is invalid): the bill that
    # names it later in the request must not find it.
    reply = gw.call(fn("<create><VENDOR><VENDORID>V5</VENDORID><NAME>a</NAME></VENDOR>"
                       "<VENDOR><NAME>no id</NAME></VENDOR></create>", "v") + fn(bill(vendor="V5"), "b"))
    assert [r.findtext("status") for r in reply.results()] == ["failure", "failure"]
    assert not [v for v in gw.sim.records("VENDOR") if v["VENDORID"] == "V5"]


@pytest.mark.parametrize("failing", [
    pytest.param(bill(vendor="NOPE"), id="unknown vendor"),
    pytest.param(bill(amount="-5"), id="negative total"),
    pytest.param(bill(amount="1e5"), id="bad number"),
    pytest.param(bill(recordid="R" * 46), id="too long"),
    pytest.param(vendor("V1"), id="duplicate vendor"),
    pytest.param("<create_bill><vendorid>NOPE</vendorid><datecreated><year>2026</year><month>11</month><day>1</day>"
                 "</datecreated><billitems><lineitem><glaccountno>5000</glaccountno><amount>10</amount></lineitem>"
                 "</billitems></create_bill>", id="legacy create_bill"),
])
def test_a_single_create_that_fails_leaves_nothing_behind(gw, failing):
    # A create of one object runs without a savepoint of its own (its one write is its last step): whatever
    # refuses it, nothing is stored, nothing is billed and the numbers run on as if it had not been sent.
    usage = sum(gw.sim.admin.usage(gw.sim.company_id).values())
    counts = (len(gw.sim.records("APBILL")), len(gw.sim.records("VENDOR")))
    reply = gw.call(fn(bill(), "a") + fn(failing, "bad") + fn(bill(), "b"))
    assert [r.findtext("status") for r in reply.results()] == ["success", "failure", "success"]
    numbers = recordnos(reply)
    assert numbers[2] == numbers[0] + 2
    assert (len(gw.sim.records("APBILL")), len(gw.sim.records("VENDOR"))) == (counts[0] + 2, counts[1])
    assert sum(gw.sim.admin.usage(gw.sim.company_id).values()) == usage + 2


def test_an_account_made_to_require_a_department_earlier_in_the_request_demands_it(gw):
    reply = gw.call(fn(bill(), "before") + fn(
        "<update><GLACCOUNT><ACCOUNTNO>5000</ACCOUNTNO><REQUIREDEPT>true</REQUIREDEPT></GLACCOUNT></update>", "u")
        + fn(bill(), "after"))
    assert [r.findtext("status") for r in reply.results()] == ["success", "success", "failure"]
    assert "missing the Department dimension for the Account 5000" in reply.result(2).findtext(
        "errormessage/error/description2")
