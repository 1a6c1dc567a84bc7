"""Compatibility suite: the real fylein ``sageintacctsdk`` client, unchanged, against the simulator.

The SDK speaks ``requests`` over real sockets, so the company is served on a loopback port
(``intacct_live_server``), and the client comes from the public helper
``intacct_harness.simulator.testing.sdk_client`` (the ``intacct_sdk`` fixture for the plain case). The SDK
hard-codes ``https://api.intacct.com/ia/xml/xmlgw.phtml`` into each of its ~45 API objects and signs in from
its constructor; the helper builds it with a placeholder session, points every API object at the simulator,
and then lets the SDK sign in through its own code. Nothing else (requests, xmltodict, the payloads, headers,
parsing, error mapping) is touched. After login the SDK's ``api_base`` object switches to the ``<endpoint>``
the getAPISession answer carries; the other API objects keep the URL they were built with (an SDK quirk,
shown below). Two tests shrink the page size (``sdk_client(..., pagesize=5)``); a third pages through more
than 2000 records with the default, untouched.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest
from sageintacctsdk import SageIntacctSDK
from sageintacctsdk.apis.api_base import ApiBase
from sageintacctsdk.exceptions import (
    InvalidTokenError,
    NoPrivilegeError,
    SageIntacctSDKError,
    WrongParamsError,
)

from intacct_harness.simulator.testing import DEFAULT_ROLE, SimulatedCompany, sdk_client

Connect = Callable[..., SageIntacctSDK]


@pytest.fixture
def live(intacct_live_server: SimulatedCompany) -> SimulatedCompany:
    return intacct_live_server


@pytest.fixture
def connect(live: SimulatedCompany) -> Connect:
    """``connect(**credential_overrides)``: a logged-in SDK whose every API object posts to the simulator."""

    def make(url: str | None = None, **overrides: Any) -> SageIntacctSDK:
        return sdk_client(live, url=url, **overrides)

    return make


@pytest.fixture
def sdk(connect: Connect) -> SageIntacctSDK:
    return connect()


def _url(api: ApiBase) -> str:
    return api._ApiBase__api_url  # type: ignore[attr-defined]


def _session(api: ApiBase) -> str:
    return api._ApiBase__session_id  # type: ignore[attr-defined]


def _functions(live: SimulatedCompany) -> list[str]:
    return [e["function"] for e in live.admin.journal(live.company_id)]


def _first_error(exc: SageIntacctSDKError) -> dict[str, Any]:
    errors = exc.response["error"]
    return errors[0] if isinstance(errors, list) else errors


# --------------------------------------------------------------------------- login and session
def test_login_switches_to_the_returned_endpoint_and_every_api_shares_the_session(connect, live):
    login_url = live.url + "?via=sdk-login"        # differs from the <endpoint> the simulator answers
    sdk = connect(url=login_url)
    assert _url(sdk.api_base) == live.url           # switched to <endpoint>
    assert _url(sdk.customers) == login_url         # the other API objects keep their URL (SDK quirk)
    session_id = _session(sdk.api_base)
    assert session_id.endswith("..")
    assert {_session(api) for api in (sdk.customers, sdk.vendors, sdk.bills, sdk.ar_invoices)} == {session_id}
    entry = live.admin.journal(live.company_id)[-1]
    assert (entry["function"], entry["status"], entry["user"]) == ("getAPISession", "success", "alvys_ws")

    assert sdk.customers.count() == 0               # the session authenticates a query
    assert _functions(live) == ["getAPISession", "query"]


def test_an_existing_session_id_is_reused_without_logging_in(connect, live):
    first = connect()
    second = connect(session_id=_session(first.api_base), user_password="not used")
    assert _session(second.customers) == _session(first.api_base)
    assert second.customers.count() == 0
    assert _functions(live) == ["getAPISession", "query"]


# --------------------------------------------------------------------------- create and read back
def test_create_customer_and_read_it_back(sdk, live):
    created = sdk.customers.post({"CUSTOMERID": "C-100", "NAME": "Acme Freight", "STATUS": "active"})
    assert created["status"] == "success"
    assert created["function"] == "create"
    assert created["data"]["@listtype"] == "objects"
    assert created["data"]["@count"] == "1"
    recordno = created["data"]["customer"]["RECORDNO"]
    assert created["data"]["customer"]["CUSTOMERID"] == "C-100"

    row = sdk.customers.get("CUSTOMERID", "C-100")        # readByQuery, lowercase <customer>
    assert row["@totalcount"] == "1"
    assert (row["customer"]["RECORDNO"], row["customer"]["NAME"]) == (recordno, "Acme Freight")

    [listed] = sdk.customers.get_all()                    # query with fylein's default CUSTOMER fields
    assert (listed["RECORDNO"], listed["CUSTOMERID"], listed["NAME"], listed["STATUS"]) == (
        recordno, "C-100", "Acme Freight", "active")
    assert listed["PARENTID"] is None and listed["GLGRPKEY"] is None  # known fields, no value
    assert live.records("CUSTOMER")[0]["CUSTOMERID"] == "C-100"


def test_create_vendor_with_a_contact_and_read_the_dotted_fields_back(sdk):
    created = sdk.vendors.post({"VENDORID": "V-200", "NAME": "Swift Carriers",
                                "DISPLAYCONTACT": {"PRINTAS": "Swift Carriers LLC", "COMPANYNAME": "Swift",
                                                   "EMAIL1": "ap@swift.test", "PHONE1": "555-0100"}})
    assert created["data"]["vendor"]["VENDORID"] == "V-200"

    data = sdk.vendors.get("VENDORID", "V-200")            # query, uppercase <VENDOR>, DISPLAYCONTACT.* fields
    assert (data["@listtype"], data["@count"], data["@totalcount"], data["@numremaining"]) == ("VENDOR", "1", "1",
                                                                                               "0")
    [vendor] = data["VENDOR"]
    assert vendor["NAME"] == "Swift Carriers"
    assert vendor["DISPLAYCONTACT.EMAIL1"] == "ap@swift.test"
    assert vendor["DISPLAYCONTACT.PRINTAS"] == "Swift Carriers LLC"
    assert vendor["DISPLAYCONTACT.PHONE1"] == "555-0100"
    assert vendor["DISPLAYCONTACT.FIRSTNAME"] is None

    matched = sdk.vendors.get_by_query(fields=["VENDORID", "DISPLAYCONTACT.EMAIL1"],
                                       and_filter=[("equalto", "DISPLAYCONTACT.EMAIL1", "ap@swift.test")])
    assert matched == [{"VENDORID": "V-200", "DISPLAYCONTACT.EMAIL1": "ap@swift.test"}]


def test_duplicate_customer_is_the_sdks_wrong_params_error(sdk):
    sdk.customers.post({"CUSTOMERID": "C-1", "NAME": "One"})
    with pytest.raises(WrongParamsError) as info:
        sdk.customers.post({"CUSTOMERID": "C-1", "NAME": "One again"})
    assert info.value.message == "Error during create"
    errors = info.value.response["error"]
    assert [e["errorno"] for e in errors] == ["BL34000061", "BL01001973", "BL01001973"]
    assert errors[0]["description2"] == "Another Customer with the given value(s) C-1  already exists"
    assert errors[0]["correction"] == "Use a unique value instead."


# --------------------------------------------------------------------------- query and paging
def _seed_customers(live: SimulatedCompany, n: int, inactive_every: int = 0) -> list[str]:
    ids = [f"C{i:05d}" for i in range(n)]
    live.admin.add_records(live.company_id, {"CUSTOMER": [
        {"CUSTOMERID": cid, "NAME": f"Customer {i}",
         "STATUS": "inactive" if inactive_every and i % inactive_every == 0 else "active"}
        for i, cid in enumerate(ids)]})
    return ids


def test_get_all_pages_by_offset_with_a_small_page_size(connect, live):
    sdk = connect(pagesize=5)
    ids = _seed_customers(live, 23)
    before = len(live.admin.journal(live.company_id))

    rows = sdk.customers.get_all(fields=["CUSTOMERID", "NAME"])

    assert [r["CUSTOMERID"] for r in rows] == ids
    assert rows[7] == {"CUSTOMERID": "C00007", "NAME": "Customer 7"}
    calls = live.admin.journal(live.company_id)[before:]
    assert [(e["function"], e["status"]) for e in calls] == [("query", "success")] * 6   # count + 5 pages


def test_count_and_get_by_query_with_filters_and_pages(connect, live):
    sdk = connect(pagesize=4)
    ids = _seed_customers(live, 30, inactive_every=3)            # 10 inactive, 20 active
    active = [cid for i, cid in enumerate(ids) if i % 3]
    assert sdk.customers.count() == 20                            # default STATUS = 'active'
    assert sdk.customers.count(None) == 30
    assert sdk.customers.count(and_filter=[("equalto", "STATUS", "inactive")]) == 10
    assert sdk.customers.count(or_filter=[("equalto", "CUSTOMERID", "C00001"),
                                          ("equalto", "CUSTOMERID", "C00003")]) == 2

    with warnings.catch_warnings():
        warnings.simplefilter("error")                            # DataIntegrityWarning would fail the test
        rows = sdk.customers.get_by_query(fields=["CUSTOMERID", "STATUS"],
                                          and_filter=[("equalto", "STATUS", "active")])
    assert [r["CUSTOMERID"] for r in rows] == active
    assert {r["STATUS"] for r in rows} == {"active"}

    rows = sdk.customers.get_by_query(fields=["CUSTOMERID"], and_filter=[("like", "CUSTOMERID", "C0001%"),
                                                                         ("equalto", "STATUS", "active")])
    assert [r["CUSTOMERID"] for r in rows] == ["C00010", "C00011", "C00013", "C00014", "C00016", "C00017",
                                               "C00019"]


def test_get_all_needs_two_pages_with_the_default_page_size(sdk, live):
    ids = _seed_customers(live, 2003)
    before = len(live.admin.journal(live.company_id))
    rows = sdk.customers.get_all(fields=["CUSTOMERID"])
    assert [r["CUSTOMERID"] for r in rows] == ids
    calls = live.admin.journal(live.company_id)[before:]
    assert [e["function"] for e in calls] == ["query"] * 3         # count + pages of 2000 and 3


def test_read_by_query_returns_lowercase_records(sdk, live):
    _seed_customers(live, 3)
    result = sdk.customers.read_by_query(fields=["CUSTOMERID", "NAME"])
    data = result["data"]
    assert (result["function"], data["@listtype"], data["@count"], data["@totalcount"]) == (
        "readByQuery", "customer", "3", "3")
    assert [c["CUSTOMERID"] for c in data["customer"]] == ["C00000", "C00001", "C00002"]


# --------------------------------------------------------------------------- AR invoice and AP bill
def test_ar_invoice_through_legacy_create_invoice_and_read_back(sdk):
    sdk.customers.post({"CUSTOMERID": "C-7", "NAME": "Shipper Seven"})
    created = sdk.ar_invoices.post({
        "customerid": "C-7",
        "datecreated": {"year": "2026", "month": "11", "day": "01"},
        "datedue": {"year": "2026", "month": "12", "day": "01"},
        "invoiceno": "LOAD-1001",
        "description": "Load 1001 delivered",
        "invoiceitems": {"lineitem": [
            {"glaccountno": "4000", "amount": "1200.00", "memo": "Linehaul"},
            {"glaccountno": "4100", "amount": "180.25", "memo": "Fuel surcharge"},
        ]},
    })
    assert (created["status"], created["function"]) == ("success", "create_invoice")
    key = created["key"]
    assert key.isdigit()

    [invoice] = sdk.ar_invoices.get_all(field="RECORDNO", value=key,
                                        fields=["RECORDNO", "RECORDID", "CUSTOMERID", "CUSTOMERNAME", "TOTALDUE",
                                                "WHENCREATED", "WHENDUE", "STATE"])
    assert invoice == {"RECORDNO": key, "RECORDID": "LOAD-1001", "CUSTOMERID": "C-7", "CUSTOMERNAME": "Shipper Seven",
                       "TOTALDUE": "1380.25", "WHENCREATED": "11/01/2026", "WHENDUE": "12/01/2026",
                       "STATE": "Posted"}
    [full] = sdk.ar_invoices.get_all()            # fylein's full ARINVOICE field list is accepted
    assert (full["RECORDNO"], full["CONTACT.EMAIL1"], full["BILLTO.CONTACTNAME"]) == (key, None, None)


def test_ap_bill_through_generic_create_and_read_back(sdk):
    sdk.vendors.post({"VENDORID": "V-9", "NAME": "Carrier Nine"})
    created = sdk.bills.post({
        "WHENCREATED": "11/02/2026", "VENDORID": "V-9", "RECORDID": "SETTLE-77", "WHENDUE": "11/30/2026",
        "APBILLITEMS": {"APBILLITEM": [
            {"ACCOUNTNO": "5000", "TRX_AMOUNT": "950.00", "ENTRYDESCRIPTION": "Linehaul"},
            {"ACCOUNTNO": "5100", "TRX_AMOUNT": "75.50", "ENTRYDESCRIPTION": "Detention"},
        ]},
    })
    assert created["data"]["@count"] == "1"
    bill = created["data"]["apbill"]
    recordno = bill["RECORDNO"]
    assert bill["RECORD_URL"].endswith(f"?.r=SIM{recordno}")

    [listed] = sdk.bills.get_all()                 # fylein's default APBILL fields
    assert (listed["RECORDNO"], listed["RECORDID"], listed["VENDORID"], listed["VENDORNAME"]) == (
        recordno, "SETTLE-77", "V-9", "Carrier Nine")
    assert (listed["TOTALENTERED"], listed["TOTALDUE"], listed["WHENDUE"]) == ("1025.50", "1025.50", "11/30/2026")

    sdk.attachments.create_attachments_folder({"supdocfoldername": "PODs"})
    sdk.attachments.post({"supdocid": "ATT-1", "supdocfoldername": "PODs"})
    updated = sdk.bills.update_attachment(recordno, "ATT-1")
    assert (updated["status"], updated["function"]) == ("success", "update")
    row = sdk.bills.get("RECORDNO", recordno)["apbill"]
    assert row["SUPDOCID"] == "ATT-1"


def test_bill_for_an_unknown_vendor_is_wrong_params_with_the_support_id(sdk):
    with pytest.raises(WrongParamsError) as info:
        sdk.bills.post({"WHENCREATED": "11/02/2026", "VENDORID": "NOPE",
                        "APBILLITEMS": {"APBILLITEM": [{"ACCOUNTNO": "5000", "TRX_AMOUNT": "1"}]}})
    assert info.value.message == "Error during create"
    first = _first_error(info.value)
    assert first["errorno"] == "BL01001973"
    assert first["description2"].startswith("Vendor 'NOPE' specified is not valid. [Support ID: SIM")


# --------------------------------------------------------------------------- error paths
def test_bad_sender_password_fails_the_login_as_wrong_params(connect):
    with pytest.raises(WrongParamsError) as info:
        connect(sender_password="wrong")
    assert info.value.message == "Some of the parameters are wrong"
    assert _first_error(info.value) == {"errorno": "XL03000006", "description": None,
                                        "description2": "Incorrect Intacct XML Partner ID or password.",
                                        "correction": None}


def test_sender_not_authorized_for_the_company_is_an_invalid_token(connect, live):
    live.admin.change_company(live.company_id, authorized_senders=["SomeoneElse"])
    with pytest.raises(InvalidTokenError) as info:
        connect()
    assert info.value.message == "Invalid token / Incorrect credentials"
    error = _first_error(info.value)
    assert error["errorno"] == "XL03000006"
    assert error["description"] == "Invalid Web Services Authorization"
    assert error["description2"] == ("The sender ID 'AlvysMPP' is not authorized to make Web Services requests to "
                                     "company ID 'ACME-TRUCKING'.")


def test_bad_user_password_is_an_invalid_token(connect):
    with pytest.raises(InvalidTokenError) as info:
        connect(user_password="wrong")
    assert info.value.message == "Invalid token / Incorrect credentials"
    error = _first_error(info.value)
    assert (error["errorno"], error["description2"]) == ("XL03000006", "Sign-in information is incorrect")


def test_unknown_company_is_http_400_invalid_request_mapped_to_invalid_token(connect):
    with pytest.raises(InvalidTokenError) as info:
        connect(company_id="NO-SUCH-CO")
    assert _first_error(info.value) == {"errorno": "invalidRequest", "description": "Invalid Request",
                                        "description2": None, "correction": None}


def test_missing_permission_is_the_sdks_no_privilege_error(sdk, live):
    live.admin.set_role(live.company_id, DEFAULT_ROLE, {"Accounts Payable": "None"})
    with pytest.raises(NoPrivilegeError) as info:
        sdk.vendors.post({"VENDORID": "V-1", "NAME": "Blocked"})
    assert info.value.message == "The user has insufficient privilege"
    error = _first_error(info.value)
    assert error["errorno"] == "PL04000005"
    assert error["description2"].startswith(
        "You do not have permission for API operation CREATE on objects of type vendor [Support ID: SIM")

    with pytest.raises(NoPrivilegeError) as info:
        sdk.bills.count()
    assert "API operation QUERY on objects of type apbill" in _first_error(info.value)["description2"]

    assert sdk.customers.post({"CUSTOMERID": "C-1", "NAME": "Still allowed"})["status"] == "success"  # AR untouched
    assert live.records("VENDOR") == []


def test_expired_session_is_an_invalid_token(sdk, live):
    live.admin.expire_sessions(live.company_id)
    with pytest.raises(InvalidTokenError) as info:
        sdk.customers.count()
    error = _first_error(info.value)
    assert error["errorno"] == "XL03000006"
    assert error["description2"].startswith("Invalid session ")
