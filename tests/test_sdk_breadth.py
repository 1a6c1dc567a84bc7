"""The real fylein ``sageintacctsdk`` after the first invoice: adjustments, reversals, deletes (see
test_sdk_compat for how the SDK is pointed at the simulator). Where the SDK has no class for a function
(create_apadjustment, reverse_bill) it is sent through the SDK's own ``format_and_send_request``, as
fylein's classes send their legacy functions."""

from __future__ import annotations

import pytest
from sageintacctsdk.exceptions import WrongParamsError

from tests.test_sdk_compat import _first_error, connect, live, sdk  # noqa: F401  (fixtures)

DAY = {"year": "2026", "month": "11", "day": "04"}


def _bill(sdk) -> str:  # noqa: F811
    sdk.vendors.post({"VENDORID": "V-9", "NAME": "Carrier Nine"})
    created = sdk.bills.post({"WHENCREATED": "11/02/2026", "VENDORID": "V-9", "RECORDID": "SETTLE-77",
                              "APBILLITEMS": {"APBILLITEM": [{"ACCOUNTNO": "5000", "TRX_AMOUNT": "950.00"}]}})
    return created["data"]["apbill"]["RECORDNO"]


def test_carrier_chargeback_as_an_ap_adjustment(sdk):  # noqa: F811
    sdk.vendors.post({"VENDORID": "V-9", "NAME": "Carrier Nine"})
    created = sdk.bills.format_and_send_request({"create_apadjustment": {
        "vendorid": "V-9", "datecreated": DAY, "adjustmentno": "CB-1", "billno": "SETTLE-77",
        "apadjustmentitems": {"lineitem": [{"glaccountno": "5000", "amount": "-120.00", "memo": "Cargo claim"}]}}})
    assert (created["status"], created["function"]) == ("success", "create_apadjustment")
    rows = sdk.bills.format_and_send_request({"readByQuery": {
        "object": "APADJUSTMENT", "fields": "RECORDNO,RECORDID,VENDORNAME,TOTALENTERED", "query": "",
        "pagesize": "10"}})
    assert rows["data"]["apadjustment"] == {"RECORDNO": created["key"], "RECORDID": "CB-1",
                                            "VENDORNAME": "Carrier Nine", "TOTALENTERED": "-120.00"}


def test_generic_create_of_an_ap_adjustment_is_wrong_params(sdk):  # noqa: F811
    with pytest.raises(WrongParamsError) as info:
        sdk.bills.format_and_send_request({"create": {"APADJUSTMENT": {"VENDORID": "V-9"}}})
    assert _first_error(info.value)["description2"] == \
        "The create operation is not supported for object APADJUSTMENT."


def test_reverse_bill_then_the_sdks_delete_is_refused(sdk):  # noqa: F811
    recordno = _bill(sdk)
    reversed_ = sdk.bills.format_and_send_request({"reverse_bill": {"@key": recordno, "datereversed": DAY}})
    assert reversed_["status"] == "success"
    row = sdk.bills.get("RECORDNO", recordno)["apbill"]
    assert (row["STATE"], row["TOTALDUE"]) == ("Reversed", "0")
    with pytest.raises(WrongParamsError) as info:
        sdk.bills.delete(recordno)
    assert _first_error(info.value)["description2"].startswith(
        f"Bill {recordno} is reversed; a reversed bill cannot be deleted.")
    with pytest.raises(WrongParamsError):
        sdk.bills.update_attachment(recordno, "ATT-1")


def test_the_sdks_delete_removes_a_posted_bill(sdk):  # noqa: F811
    recordno = _bill(sdk)
    assert sdk.bills.delete(recordno)["status"] == "success"
    assert sdk.bills.get_all(field="RECORDNO", value=recordno) == []


def test_attachments_through_the_sdks_attachments_api(sdk):  # noqa: F811
    import base64

    pod = base64.b64encode(b"signed POD").decode()
    assert sdk.attachments.create_attachments_folder({"supdocfoldername": "PODs"})["key"] == "PODs"
    created = sdk.attachments.post({"supdocid": "POD-1", "supdocname": "Load 1", "supdocfoldername": "PODs",
                                    "attachments": {"attachment": [{"attachmentname": "pod", "attachmenttype": "pdf",
                                                                    "attachmentdata": pod}]}})
    assert (created["status"], created["key"]) == ("success", "POD-1")
    listed = sdk.attachments.get_attachment("supdocid", "POD-1")
    assert listed["listtype"]["@total"] == "1"
    assert listed["data"]["supdoc"]["attachments"]["attachment"]["attachmentdata"] == pod
    assert sdk.attachments.get_all_folders()["name"] == "PODs"
    with pytest.raises(WrongParamsError) as info:
        sdk.attachments.post({"supdocid": "POD-2", "supdocfoldername": "Elsewhere"})
    assert _first_error(info.value)["description2"].startswith("Attachment folder 'Elsewhere' does not exist.")
    assert sdk.attachments.delete("POD-1")["status"] == "success"


def test_payments_through_the_sdks_ap_and_ar_payment_apis(sdk, live):  # noqa: F811
    live.admin.add_records(live.company_id, {"CHECKINGACCOUNT": [{"BANKACCOUNTID": "BOA", "BANKNAME": "BoA"}]})
    recordno = _bill(sdk)
    paid = sdk.ap_payments.post({"PAYMENTMETHOD": "EFT", "FINANCIALENTITY": "BOA", "VENDORID": "V-9",
                                 "PAYMENTDATE": "11/20/2026", "APPYMTDETAILS": {"APPYMTDETAIL": [
                                     {"RECORDKEY": recordno, "TRX_PAYMENTAMOUNT": "950.00"}]}})
    assert paid["status"] == "success"
    row = sdk.bills.get("RECORDNO", recordno)["apbill"]
    assert (row["STATE"], row["TOTALDUE"], row["TOTALPAID"]) == ("Paid", "0.00", "950.00")
    assert sdk.ap_payments.get_all()["VENDORID"] == "V-9"
    sdk.customers.post({"CUSTOMERID": "C-7", "NAME": "Shipper Seven"})
    invoice = sdk.ar_invoices.post({"customerid": "C-7", "datecreated": DAY, "invoiceitems": {"lineitem": [
        {"glaccountno": "4000", "amount": "100"}]}})["key"]
    with pytest.raises(WrongParamsError) as info:
        sdk.ar_payments.post({"PAYMENTMETHOD": "Cash", "FINANCIALENTITY": "NOBANK", "CUSTOMERID": "C-7",
                              "RECEIPTDATE": "11/21/2026", "ARPYMTDETAILS": {"ARPYMTDETAIL": [
                                  {"RECORDKEY": invoice, "TRX_PAYMENTAMOUNT": "10"}]}})
    assert _first_error(info.value)["description2"].startswith("Bank account 'NOBANK' specified is not valid.")
    assert sdk.ar_payments.post({"PAYMENTMETHOD": "Cash", "FINANCIALENTITY": "BOA", "CUSTOMERID": "C-7",
                                 "RECEIPTDATE": "11/21/2026", "ARPYMTDETAILS": {"ARPYMTDETAIL": [
                                     {"RECORDKEY": invoice, "TRX_PAYMENTAMOUNT": "10"}]}})["status"] == "success"
    [inv] = sdk.ar_invoices.get_all(field="RECORDNO", value=invoice, fields=["STATE", "TOTALDUE"])
    assert inv == {"STATE": "Partially Paid", "TOTALDUE": "90"}


def test_journal_entries_through_the_sdk_balance_or_are_wrong_params(sdk):  # noqa: F811
    def post(credit: str) -> dict:
        return sdk.journal_entries.post({
            "JOURNAL": "GJ", "BATCH_DATE": "11/01/2026", "BATCH_TITLE": "Fuel accrual",
            "ENTRIES": {"GLENTRY": [{"ACCOUNTNO": "5000", "TR_TYPE": "1", "TRX_AMOUNT": "100"},
                                    {"ACCOUNTNO": "5100", "TR_TYPE": "-1", "TRX_AMOUNT": credit}]}})

    assert post("100")["data"]["glbatch"]["RECORDNO"].isdigit()
    with pytest.raises(WrongParamsError) as info:
        post("90")
    assert _first_error(info.value)["description2"].startswith(
        "The journal entry is out of balance: debits 100, credits 90.")
