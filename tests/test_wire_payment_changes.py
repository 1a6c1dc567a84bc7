"""Payments after the fact, on the wire and through the fylein SDK: reverse_appayment / reverse_arpayment take
back what a payment applied, apply_arpayment applies an overpayment, generic update/delete touch only drafts,
update_apadjustment changes an adjustment, and faults know the new legacy functions."""

from __future__ import annotations

import pytest
from lxml import etree
from sageintacctsdk.exceptions import WrongParamsError

from intacct_harness.simulator.models.faults import function_object, operation_of
from tests.test_sdk_compat import _first_error, connect, live, sdk  # noqa: F401  (fixtures)
from tests.test_wire_payments import appymt, arpayment, doc, gw, new_bill, new_invoice, totals  # noqa: F401
from tests.wire import fn

REVERSED_ON = "<datereversed><year>2026</year><month>11</month><day>25</day></datereversed>"


def apply_arpayment(key: str, invoice: str, amount: str, memo: str | None = None) -> str:
    """Legacy apply_arpayment of ``amount`` of payment (or credit memo) ``key`` to ``invoice``, dated 11/22/2026."""
    note = f"<memo>{memo}</memo>" if memo is not None else ""
    return (f"<apply_arpayment><arpaymentkey>{key}</arpaymentkey><paymentdate><year>2026</year><month>11</month>"
            f"<day>22</day></paymentdate>{note}<arpaymentitems><arpaymentitem><invoicekey>{invoice}</invoicekey>"
            f"<amount>{amount}</amount></arpaymentitem></arpaymentitems></apply_arpayment>")


def _key(reply):
    return reply.result().findtext("key") or reply.result().findtext("data/appymt/RECORDNO")


def test_reverse_appayment_takes_the_payment_back_from_the_bill(gw):  # noqa: F811
    bill = new_bill(gw)
    payment = _key(gw.call(fn(appymt(bill, "60"))))
    assert totals(gw, "APBILL", bill) == ("60", "40", "Partially Paid")
    reply = gw.call(fn(f'<reverse_appayment key="{payment}">{REVERSED_ON}<description>Wrong carrier</description>'
                       "</reverse_appayment>"))
    assert (reply.status(), reply.result().findtext("key")) == ("success", payment)
    assert totals(gw, "APBILL", bill) == ("0", "100", "Posted")
    assert doc(gw, "APPYMT", payment).findtext("STATE") == "Reversed"
    again = gw.call(fn(f'<reverse_appayment key="{payment}">{REVERSED_ON}</reverse_appayment>'))
    assert again.errors()[0]["description2"].startswith(f"AP Payment {payment} is reversed; only a posted payment")
    missing = gw.call(fn(f'<reverse_appayment key="{payment}"></reverse_appayment>'))
    assert missing.errors()[0]["description2"] == "Required field datereversed is missing on reverse_appayment."
    # the bill is open again: it can now be changed
    assert gw.call(fn(f'<delete_bill key="{bill}"></delete_bill>')).status() == "success"


def test_reverse_arpayment_and_apply_an_overpayment(gw):  # noqa: F811
    first, second = new_invoice(gw, "80"), new_invoice(gw, "30")
    payment = _key(gw.call(fn(arpayment(first, "80", paid="100"))))
    assert doc(gw, "ARPYMT", payment).findtext("TOTALPAID") == "80"
    too_much = gw.call(fn(apply_arpayment(payment, second, "25", memo="Overpayment")))
    assert too_much.errors()[0]["description2"].startswith(
        f"Invalid value '25' for field amount: expected at most the 20 ar payment {payment} has left to apply")
    assert totals(gw, "ARINVOICE", second) == ("0", "30", "Posted")
    assert gw.call(fn(apply_arpayment(payment, second, "20", memo="Overpayment"))).status() == "success"
    assert totals(gw, "ARINVOICE", second) == ("20", "10", "Partially Paid")
    assert doc(gw, "ARPYMT", payment).findtext("TOTALPAID") == "100"
    reply = gw.call(fn(f'<reverse_arpayment key="{payment}">{REVERSED_ON}</reverse_arpayment>'))
    assert reply.status() == "success"
    assert [totals(gw, "ARINVOICE", k) for k in (first, second)] == [("0", "80", "Posted"), ("0", "30", "Posted")]
    applied_to_reversed = gw.call(fn(apply_arpayment(payment, second, "1", memo="Overpayment")))
    assert applied_to_reversed.errors()[0]["description2"].startswith(f"AR Payment {payment} is reversed")
    unknown = gw.call(fn(apply_arpayment("99999", second, "1", memo="Overpayment")))
    assert unknown.errors()[0]["description2"] == "Cannot find ar payment with key '99999' (apply_arpayment)."


def test_only_draft_payments_can_be_updated_or_deleted(gw):  # noqa: F811
    bill = new_bill(gw)
    posted = _key(gw.call(fn(appymt(bill, "10"))))
    update = (f"<update><APPYMT><RECORDNO>{{key}}</RECORDNO><DESCRIPTION>moved</DESCRIPTION><APPYMTDETAILS>"
              f"<APPYMTDETAIL><RECORDKEY>{bill}</RECORDKEY><TRX_PAYMENTAMOUNT>{{amount}}</TRX_PAYMENTAMOUNT>"
              "</APPYMTDETAIL></APPYMTDETAILS></APPYMT></update>")
    refused = gw.call(fn(update.format(key=posted, amount="20"))
                      + fn(f"<delete><object>APPYMT</object><keys>{posted}</keys></delete>", "f2"))
    assert refused.errors(refused.result(0))[0]["description2"].startswith(
        f"AP Payment {posted} is complete; only a draft payment can be updated.")
    assert refused.errors(refused.result(1))[0]["description2"].startswith(
        f"AP Payment {posted} is complete; only a draft payment can be deleted.")
    assert totals(gw, "APBILL", bill) == ("10", "90", "Partially Paid")
    draft = _key(gw.call(fn(appymt(bill, "30").replace("</PAYMENTDATE>", "</PAYMENTDATE><ACTION>Draft</ACTION>"))))
    assert totals(gw, "APBILL", bill) == ("10", "90", "Partially Paid")    # a draft pays nothing yet
    assert gw.call(fn(update.format(key=draft, amount="50"))).status() == "success"
    row = doc(gw, "APPYMT", draft)
    assert (row.findtext("STATE"), row.findtext("TOTALENTERED"), row.findtext("DESCRIPTION")) == ("Draft", "50",
                                                                                                   "moved")
    over = gw.call(fn(update.format(key=draft, amount="95")))
    assert over.errors()[0]["description2"].startswith("Invalid value '95' for field amount: expected at most the 90")
    assert gw.call(fn(f"<delete><object>APPYMT</object><keys>{draft}</keys></delete>")).status() == "success"
    assert totals(gw, "APBILL", bill) == ("10", "90", "Partially Paid")


def test_update_apadjustment_changes_lines_and_total(gw):  # noqa: F811
    created = gw.call(fn("<create_apadjustment><vendorid>V1</vendorid><datecreated><year>2026</year><month>11</month>"
                         "<day>5</day></datecreated><apadjustmentitems><lineitem><glaccountno>5000</glaccountno>"
                         "<amount>-50</amount></lineitem></apadjustmentitems></create_apadjustment>"))
    key = created.result().findtext("key")
    reply = gw.call(fn(f'<update_apadjustment key="{key}"><description>Cargo claim</description>'
                       "<updateapadjustmentitems><updatelineitem line_num=\"1\"><glaccountno>5000</glaccountno>"
                       "<amount>-70</amount></updatelineitem></updateapadjustmentitems></update_apadjustment>"))
    assert reply.status() == "success", reply.http.text
    row = doc(gw, "APADJUSTMENT", key)
    assert (row.findtext("DESCRIPTION"), row.findtext("TOTALENTERED")) == ("Cargo claim", "-70")


def test_faults_know_the_new_legacy_functions():
    element = etree.fromstring('<reverse_arpayment key="1"/>')
    assert (function_object("reverse_arpayment", element), operation_of("reverse_arpayment")) == ("ARPYMT", "UPDATE")
    assert (function_object("delete_customer", element), operation_of("delete_customer")) == ("CUSTOMER", "DELETE")
    assert (function_object("apply_arpayment", element), operation_of("create_arpayment")) == ("ARPYMT", "CREATE")


def test_fault_rules_match_a_new_legacy_function_by_object(gw):  # noqa: F811
    bill = new_bill(gw)
    payment = _key(gw.call(fn(appymt(bill, "10"))))
    gw.sim.admin.add_fault(action="error", object="APPYMT", function="reverse_appayment",
                           error={"name": "PermissionDenied"})
    reply = gw.call(fn(f'<reverse_appayment key="{payment}">{REVERSED_ON}</reverse_appayment>'))
    assert reply.errors()[0]["description2"].startswith(
        "You do not have permission for API operation UPDATE on objects of type appymt")
    assert totals(gw, "APBILL", bill) == ("10", "90", "Partially Paid")


def test_payment_changes_through_the_sdk(sdk, live):  # noqa: F811
    live.admin.add_records(live.company_id, {"CHECKINGACCOUNT": [{"BANKACCOUNTID": "BOA", "BANKNAME": "BoA"}]})
    sdk.vendors.post({"VENDORID": "V-9", "NAME": "Carrier Nine"})
    bill = sdk.bills.post({"WHENCREATED": "11/02/2026", "VENDORID": "V-9", "APBILLITEMS": {"APBILLITEM": [
        {"ACCOUNTNO": "5000", "TRX_AMOUNT": "950.00"}]}})["data"]["apbill"]["RECORDNO"]
    paid = sdk.ap_payments.post({"PAYMENTMETHOD": "EFT", "FINANCIALENTITY": "BOA", "VENDORID": "V-9",
                                 "PAYMENTDATE": "11/20/2026", "APPYMTDETAILS": {"APPYMTDETAIL": [
                                     {"RECORDKEY": bill, "TRX_PAYMENTAMOUNT": "950.00"}]}})
    payment = paid["data"]["appymt"]["RECORDNO"]
    with pytest.raises(WrongParamsError) as info:
        sdk.ap_payments.delete(payment)
    assert "only a draft payment can be deleted" in _first_error(info.value)["description2"]
    reversed_ = sdk.ap_payments.format_and_send_request({"reverse_appayment": {
        "@key": payment, "datereversed": {"year": "2026", "month": "11", "day": "25"}}})
    assert reversed_["status"] == "success"
    row = sdk.bills.get("RECORDNO", bill)["apbill"]
    assert (row["STATE"], row["TOTALDUE"], row["TOTALPAID"]) == ("Posted", "950.00", "0.00")
    with pytest.raises(WrongParamsError) as info:   # an element the DTD does not allow: the request fails
        sdk.ap_payments.format_and_send_request({"reverse_appayment": {
            "@key": payment, "datereversed": {"year": "2026", "month": "11", "day": "25"}, "memo": "x"}})
    assert "Element 'memo': This element is not expected." in str(info.value.response)


def test_apply_and_reverse_an_ar_payment_through_the_sdk(sdk, live):  # noqa: F811
    live.admin.add_records(live.company_id, {"CHECKINGACCOUNT": [{"BANKACCOUNTID": "BOA", "BANKNAME": "BoA"}]})
    sdk.customers.post({"CUSTOMERID": "C-7", "NAME": "Shipper Seven"})
    day = {"year": "2026", "month": "11", "day": "21"}
    first, second = (sdk.ar_invoices.post({"customerid": "C-7", "datecreated": day, "invoiceitems": {"lineitem": [
        {"glaccountno": "4000", "amount": amount}]}})["key"] for amount in ("100", "50"))
    payment = sdk.ar_payments.format_and_send_request({"create_arpayment": {
        "customerid": "C-7", "paymentamount": "130", "bankaccountid": "BOA", "datereceived": day,
        "arpaymentitem": [{"invoicekey": first, "amount": "100"}]}})
    key = payment["key"]
    applied = sdk.ar_payments.format_and_send_request({"apply_arpayment": {
        "arpaymentkey": key, "paymentdate": day, "arpaymentitems": {"arpaymentitem": [
            {"invoicekey": second, "amount": "30"}]}}})
    assert applied["status"] == "success"
    [inv] = sdk.ar_invoices.get_all(field="RECORDNO", value=second, fields=["STATE", "TOTALDUE"])
    assert inv == {"STATE": "Partially Paid", "TOTALDUE": "20"}
    with pytest.raises(WrongParamsError) as info:
        sdk.ar_payments.format_and_send_request({"apply_arpayment": {
            "arpaymentkey": key, "paymentdate": day, "arpaymentitems": {"arpaymentitem": [
                {"invoicekey": second, "amount": "1"}]}}})
    assert f"at most the 0 ar payment {key} has left to apply" in _first_error(info.value)["description2"]
    assert sdk.ar_payments.format_and_send_request({"reverse_arpayment": {
        "@key": key, "datereversed": day}})["status"] == "success"
    rows = sdk.ar_invoices.get_all(fields=["RECORDNO", "STATE", "TOTALDUE"])
    assert sorted((r["RECORDNO"], r["STATE"], r["TOTALDUE"]) for r in rows) == sorted(
        [(first, "Posted", "100"), (second, "Posted", "50")])


def test_apply_arpayment_applies_a_credit_memo_to_an_invoice(gw):  # noqa: F811
    invoice = new_invoice(gw, "80")
    memo = gw.call(fn("<create_aradjustment><customerid>C1</customerid><datecreated><year>2026</year><month>11</month>"
                      "<day>6</day></datecreated><adjustmentno>CM-1</adjustmentno><aradjustmentitems><lineitem>"
                      "<glaccountno>4000</glaccountno><amount>-30</amount></lineitem></aradjustmentitems>"
                      "</create_aradjustment>")).result().findtext("key")
    too_much = gw.call(fn(apply_arpayment(memo, invoice, "31")))
    assert too_much.errors()[0]["description2"].startswith(
        f"Invalid value '31' for field amount: expected at most the 30 ar adjustment {memo} has left to apply")
    assert gw.call(fn(apply_arpayment(memo, invoice, "30"))).status() == "success"
    assert totals(gw, "ARINVOICE", invoice) == ("30", "50", "Partially Paid")
    assert totals(gw, "ARADJUSTMENT", memo)[1:] == ("0", "Paid")
    used_up = gw.call(fn(apply_arpayment(memo, invoice, "1")))
    assert used_up.errors()[0]["description2"].startswith(f"AR Adjustment {memo} is without credit")
