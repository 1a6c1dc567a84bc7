"""Role permissions per module, user-type caps, and the entity rules of multi-entity companies."""

from __future__ import annotations

import pytest

from intacct_harness.simulator.models.permissions import GUIDE_MODULES
from intacct_harness.simulator.testing import standard_company
from tests.wire import Gateway, fn, login_auth

BILL = ("<create><APBILL><VENDORID>V1</VENDORID><WHENCREATED>11/01/2026</WHENCREATED><APBILLITEMS><APBILLITEM>"
        "<ACCOUNTNO>5000</ACCOUNTNO><TRX_AMOUNT>100</TRX_AMOUNT>{extra}</APBILLITEM></APBILLITEMS></APBILL></create>")
INVOICE = ("<create_invoice><customerid>C1</customerid><datecreated><year>2026</year><month>11</month><day>1</day>"
           "</datecreated><invoiceitems><lineitem><glaccountno>4000</glaccountno><amount>50</amount>{extra}"
           "</lineitem></invoiceitems></create_invoice>")
QUERY = "<readByQuery><object>{obj}</object><query></query><fields>*</fields><pagesize>10</pagesize></readByQuery>"


@pytest.fixture
def company(intacct_company):
    intacct_company.admin.add_records(intacct_company.company_id, {
        "VENDOR": [{"VENDORID": "V1", "NAME": "Swift"}], "CUSTOMER": [{"CUSTOMERID": "C1", "NAME": "Acme"}]})
    return intacct_company


def test_missing_ap_permission_blocks_bills_not_invoices(company):
    gw = Gateway(company)
    company.set_permission("Accounts Payable", "None")
    reply = gw.call(fn(BILL.format(extra="")) + fn(INVOICE.format(extra=""), "f2"))
    assert reply.status(0) == "failure"
    err = reply.errors(reply.result(0))[0]
    assert err["errorno"] == "PL04000005"
    assert err["description2"].startswith(
        "You do not have permission for API operation CREATE on objects of type apbill [Support ID: ")
    assert reply.status(1) == "success"
    assert reply.result(1).findtext("key")


def test_read_only_allows_reads_but_not_writes(company):
    gw = Gateway(company)
    company.set_permission("Accounts Payable", "Read only")
    reply = gw.call(fn(QUERY.format(obj="VENDOR")) + fn(BILL.format(extra=""), "f2"))
    assert [reply.status(0), reply.status(1)] == ["success", "failure"]
    assert reply.errornos(reply.result(1)) == ["PL04000005"]


def test_reads_need_list_permission_too(company):
    company.set_permission("Accounts Receivable", "None")
    reply = Gateway(company).call(fn(QUERY.format(obj="ARINVOICE")))
    assert reply.errors()[0]["description2"].startswith(
        "You do not have permission for API operation READ_BY_QUERY on objects of type arinvoice")


def test_granular_verbs(company):
    company.set_permission("Accounts Payable", ["List", "View", "Add"])
    gw = Gateway(company)
    assert gw.call(fn(BILL.format(extra=""))).status() == "success"
    reply = gw.call(fn("<update><VENDOR><VENDORID>V1</VENDORID><NAME>Swift II</NAME></VENDOR></update>"))
    assert reply.errors()[0]["description2"].startswith("You do not have permission for API operation UPDATE")
    reply = gw.call(fn("<delete><object>VENDOR</object><keys>V1</keys></delete>"))
    assert reply.errors()[0]["description2"].startswith("You do not have permission for API operation DELETE")


def test_employee_user_type_caps_role_to_read_only(intacct_sim_factory):
    sim = intacct_sim_factory(standard_company(users=[{"id": "alvys_ws", "password": "sim-user-secret",
                                                         "type": "employee", "roles": ["Alvys Integration"]}]))
    sim.admin.add_records(sim.company_id, {"VENDOR": [{"VENDORID": "V1", "NAME": "Swift"}]})
    gw = Gateway(sim)
    reply = gw.call(fn(QUERY.format(obj="VENDOR")) + fn(BILL.format(extra=""), "f2"))
    assert [reply.status(0), reply.status(1)] == ["success", "failure"]


def test_role_without_object_permissions_logs_in_then_fails_everything(intacct_sim_factory):
    """The umpa field report: login works, every readByQuery fails with PL04000005."""
    sim = intacct_sim_factory(standard_company(roles=[{"name": "Alvys Integration", "permissions": {}}]))
    gw = Gateway(sim)
    assert gw.call(fn("<getAPISession/>")).status() == "success"
    for obj in ("CUSTOMER", "VENDOR", "GLACCOUNT", "ARINVOICE"):
        assert gw.call(fn(QUERY.format(obj=obj))).errornos() == ["PL04000005"]


def test_get_user_permissions_reports_each_module(company):
    company.set_permission("Accounts Payable", "Read only")
    company.set_permission("Order Entry", "None")
    reply = Gateway(company).call(fn("<getUserPermissions><userId>alvys_ws</userId></getUserPermissions>"))
    apps = {a.findtext("applicationName"): (a.findtext("level"), a.findtext("rights"))
            for a in reply.result().iter("appSubscription")}
    assert list(apps)[:10] == list(GUIDE_MODULES)
    assert apps["Accounts Payable"] == ("Read only", "List|View")
    assert apps["Order Entry"] == ("None", "")
    assert apps["General Ledger"] == ("All", "List|View|Add|Edit|Delete")


def test_get_user_permissions_needs_administration(company):
    company.set_permission("Administration", "None")
    reply = Gateway(company).call(fn("<getUserPermissions><userId>alvys_ws</userId></getUserPermissions>"))
    assert reply.errornos() == ["PL04000005"]


def test_get_user_permissions_unknown_login(company):
    reply = Gateway(company).call(fn("<getUserPermissions><userId>ghost</userId></getUserPermissions>"))
    assert reply.errors()[0] == {"errorno": "BL03000025", "description": "",
                                 "description2": "Login ID ghost does not exist.",
                                 "correction": "Provide a valid USER.LOGINID value."}


def test_module_not_subscribed_removes_rights(intacct_sim_factory):
    sim = intacct_sim_factory(standard_company(subscriptions=["Accounts Receivable", "General Ledger",
                                                              "Administration"]))
    reply = Gateway(sim).call(fn(QUERY.format(obj="VENDOR")) + fn(QUERY.format(obj="CUSTOMER"), "f2"))
    assert [reply.status(0), reply.status(1)] == ["failure", "success"]


# --------------------------------------------------------------------------- multi-entity
def multi_entity(**overrides):
    return standard_company(entities=[{"id": "E100", "name": "East"}, {"id": "E200", "name": "West"}],
                            **overrides)


@pytest.fixture
def me_company(intacct_sim_factory):
    sim = intacct_sim_factory(multi_entity())
    sim.admin.add_records(sim.company_id, {
        "VENDOR": [{"VENDORID": "V1", "NAME": "Shared Carrier"},
                   {"VENDORID": "V-WEST", "NAME": "West Only Carrier", "MEGAENTITYID": "E200"}]})
    return sim


def test_entity_login_and_slide_in(me_company):
    gw = Gateway(me_company)
    c = me_company.credentials
    reply = gw.call(fn("<getAPISession/>"), auth=login_auth(c.user_id, c.company_id, c.user_password, "E100"))
    assert reply.root.findtext(".//authentication/locationid") == "E100"
    assert reply.root.findtext(".//api/locationid") == "E100"
    auth = gw.session()
    reply = gw.call(fn("<getAPISession><locationid>E200</locationid></getAPISession>"), auth=auth)
    assert reply.root.findtext(".//api/locationid") == "E200"


def test_unknown_entity_and_restricted_user(me_company):
    gw = Gateway(me_company)
    c = me_company.credentials
    reply = gw.call(fn("<getAPISession/>"), auth=login_auth(c.user_id, c.company_id, c.user_password, "E999"))
    assert reply.auth_status == "failure"
    assert "Invalid entity 'E999'" in reply.errors()[0]["description2"]
    me_company.admin.change_user(me_company.company_id, "alvys_ws", entities=["E100"])
    reply = gw.call(fn("<getAPISession/>"), auth=login_auth(c.user_id, c.company_id, c.user_password, "E200"))
    assert reply.errors()[0]["description2"] == "User 'alvys_ws' does not have access to entity 'E200'."
    reply = gw.call(fn("<getAPISession/>"))  # top level
    assert reply.errors()[0]["description2"] == "User 'alvys_ws' does not have access to the top level."


def test_restrict_top_level_blocks_slide_in(me_company):
    me_company.admin.change_company(me_company.company_id, restrict_top_level=True)
    c = me_company.credentials
    reply = Gateway(me_company).call(fn("<getAPISession/>"),
                                     auth=login_auth(c.user_id, c.company_id, c.user_password, "E100"))
    assert reply.auth_status == "failure"


def test_records_of_another_entity_are_invisible(me_company):
    gw = Gateway(me_company)
    c = me_company.credentials
    east = login_auth(c.user_id, c.company_id, c.user_password, "E100")
    reply = gw.call(fn(QUERY.format(obj="VENDOR")), auth=east)
    assert [v.findtext("VENDORID") for v in reply.result().iter("vendor")] == ["V1"]
    reply = gw.call(fn(BILL.replace("V1", "V-WEST").format(extra="")), auth=east)
    assert reply.errors()[0]["description2"].startswith("Vendor 'V-WEST' specified is not valid.")
    # at the top level an entity's records are private to it (query's showprivate: test_wire_entity_sessions)
    reply = gw.call(fn(QUERY.format(obj="VENDOR")))
    assert {v.findtext("VENDORID") for v in reply.result().iter("vendor")} == {"V1"}


def test_top_level_transaction_needs_a_location(me_company):
    gw = Gateway(me_company)
    reply = gw.call(fn(BILL.format(extra="")))
    assert reply.errors()[0]["description2"].startswith(
        "Use of empty Location is invalid. A valid Multi-Entity Location must be specified.")
    reply = gw.call(fn(BILL.format(extra="<LOCATIONID>E100</LOCATIONID>")))
    assert reply.status() == "success"


def test_entity_session_owns_what_it_creates(me_company):
    gw = Gateway(me_company)
    c = me_company.credentials
    east = login_auth(c.user_id, c.company_id, c.user_password, "E100")
    reply = gw.call(fn(BILL.format(extra="")), auth=east)
    assert reply.status() == "success"
    bills = me_company.records("APBILL")
    assert bills[0]["MEGAENTITYID"] == "E100" and bills[0]["MEGAENTITYNAME"] == "East"
    assert bills[0]["APBILLITEMS"]["APBILLITEM"][0]["LOCATIONID"] == "E100"
    west = login_auth(c.user_id, c.company_id, c.user_password, "E200")
    reply = gw.call(fn(QUERY.format(obj="APBILL")), auth=west)
    assert reply.result().find("data").get("totalcount") == "0"
    reply = gw.call(fn("<read><object>LOCATIONENTITY</object><keys></keys><fields>*</fields></read>"))
    assert [e.findtext("LOCATIONID") for e in reply.result().iter("LOCATIONENTITY")] == ["E100", "E200"]
