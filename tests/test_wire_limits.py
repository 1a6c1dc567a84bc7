"""Sage's field lengths, amounts in cents and negative totals, as the simulator enforces them on the wire."""

from __future__ import annotations

import pytest

from intacct_harness.simulator.errors import FieldTooLong, NegativeTotal, catalogue
from intacct_harness.simulator.models.limits import MAX_LENGTH
from intacct_harness.simulator.testing import standard_company
from tests.wire import Gateway, fn


@pytest.fixture
def gw(intacct_sim_factory):
    sim = intacct_sim_factory(standard_company())
    sim.admin.add_records(sim.company_id, {"VENDOR": [{"VENDORID": "V1", "NAME": "Swift"}],
                                           "CUSTOMER": [{"CUSTOMERID": "C1", "NAME": "Acme"}]})
    return Gateway(sim)


def bill(*amounts: str, header: str = "") -> str:
    lines = "".join(f"<APBILLITEM><ACCOUNTNO>5000</ACCOUNTNO><TRX_AMOUNT>{a}</TRX_AMOUNT></APBILLITEM>"
                    for a in amounts)
    return (f"<create><APBILL><VENDORID>V1</VENDORID><WHENCREATED>11/01/2026</WHENCREATED>{header}"
            f"<APBILLITEMS>{lines}</APBILLITEMS></APBILL></create>")


def test_negative_bill_is_refused_as_an_ap_adjustment(gw):
    reply = gw.call(fn(bill("500.00", "-700.00")))
    errs = reply.errors()
    assert reply.status() == "failure" and errs[0]["errorno"] == "BL01001973"
    assert errs[0]["description2"] == ("The total of this bill is -200.00. A bill cannot have a negative total; "
                                       "enter an AP adjustment instead.")
    assert errs[1]["description2"] == "Could not create apbill record!"
    assert not gw.sim.records("APBILL")


def test_negative_legacy_invoice_is_refused_and_zero_or_positive_passes(gw):
    inv = ("<create_invoice><customerid>C1</customerid><datecreated><year>2026</year><month>11</month><day>1</day>"
           "</datecreated><invoiceno>INV-1</invoiceno><invoiceitems><lineitem><glaccountno>4000</glaccountno>"
           "<amount>{a}</amount></lineitem></invoiceitems></create_invoice>")
    assert "AR adjustment" in gw.call(fn(inv.format(a="-1"))).errors()[0]["description2"]
    assert gw.call(fn(inv.format(a="0"))).status() == "success"


def test_line_amounts_are_stored_in_cents_and_totalled_from_them(gw):
    assert gw.call(fn(bill("100.005", "200.004", "49.99"))).status() == "success"
    rec = gw.sim.records("APBILL")[0]
    assert [ln["TRX_AMOUNT"] for ln in rec["APBILLITEMS"]["APBILLITEM"]] == ["100.01", "200.00", "49.99"]
    assert rec["TOTALENTERED"] == "350.00"


@pytest.mark.parametrize(("xml", "field", "obj", "limit"), [
    ("<create><VENDOR><VENDORID>V2</VENDORID><NAME>{v}</NAME></VENDOR></create>", "NAME", "VENDOR", 100),
    ("<create><CUSTOMER><CUSTOMERID>{v}</CUSTOMERID><NAME>x</NAME></CUSTOMER></create>", "CUSTOMERID", "CUSTOMER", 20),
    (bill("1.00", header="<RECORDID>{v}</RECORDID>"), "RECORDID", "APBILL", 45),
    (bill("1.00", header="<DESCRIPTION>{v}</DESCRIPTION>"), "DESCRIPTION", "APBILL", 1000),
])
def test_values_longer_than_the_field_are_refused_never_cut(gw, xml, field, obj, limit):
    assert gw.call(fn(xml.format(v="x" * limit))).status() == "success"
    reply = gw.call(fn(xml.format(v="y" * (limit + 1))))
    err = reply.errors()[0]
    assert err["errorno"] == "BL01001975"
    assert err["description2"] == (f"The value for {field} on {obj} is {limit + 1} characters long; at most "
                                   f"{limit} are allowed.")
    assert str(limit) in err["correction"]


def test_update_is_held_to_the_same_lengths(gw):
    reply = gw.call(fn(f"<update><VENDOR><VENDORID>V1</VENDORID><NAME>{'z' * 101}</NAME></VENDOR></update>"))
    assert reply.errors()[0]["errorno"] == "BL01001975"
    assert gw.sim.records("VENDOR")[0]["NAME"] == "Swift"


def test_limits_have_sources_and_errors_are_catalogued():
    assert all(source for _limit, source in MAX_LENGTH.values())
    assert {FieldTooLong, NegativeTotal} <= set(catalogue())
