"""get_companyprefs and getDimensionRelationships on the wire (issue 11 item 6), refusals included."""

from __future__ import annotations

import pytest

from intacct_harness.simulator.testing import standard_company
from tests.test_wire_permissions import multi_entity
from tests.wire import Gateway, fn


def prefs(reply, i: int = 0) -> list[tuple[str, str, str]]:
    return [(p.findtext("application"), p.findtext("preference"), p.findtext("prefvalue"))
            for p in reply.result(i).findall("data/companypref")]


@pytest.fixture
def me_gw(intacct_sim_factory):
    return Gateway(intacct_sim_factory(multi_entity(user_dimensions=["TRUCK"])))


# --------------------------------------------------------------------------- get_companyprefs
def test_entity_slide_in_preference_follows_restrict_top_level(me_gw):
    call = fn('<get_companyprefs application="ME"/>')
    assert ("ME", "DISABLEENTITYSLIDEIN", "false") in prefs(me_gw.call(call))
    me_gw.sim.admin.change_company(me_gw.sim.company_id, restrict_top_level=True)
    assert ("ME", "DISABLEENTITYSLIDEIN", "true") in prefs(me_gw.call(call))


def test_general_and_gl_preferences_are_the_documented_names(me_gw):
    reply = me_gw.call(fn('<get_companyprefs application="GEN"/>') + fn('<get_companyprefs application="gl"/>', "f2"))
    assert [p[1] for p in prefs(reply)] == [
        "PRIMARY_ACCTNO_LENGTH", "ACCTNO_SEPARATOR", "SUBACCTNO_LENGTH", "FISCAL_FIRST_MONTH",
        "FISCAL_FIRST_MONTH_TAX", "WEEK_START", "CUSTOM_ACCOUNTING_PERIODS", "PACKAGE_TYPE"]
    assert {p[0] for p in prefs(reply)} == {"GEN"}
    assert prefs(reply, 1) == [("GL", "EMPLOYEEDIMENSION", "T")]


def test_an_application_without_modelled_preferences_answers_empty_data(me_gw):
    reply = me_gw.call(fn('<get_companyprefs application="PA"/>'))
    assert reply.status() == "success"
    assert reply.result().find("data") is not None and prefs(reply) == []


@pytest.mark.parametrize(("body", "errorno", "text"), [
    ("<get_companyprefs/>", "XL03000003",
     "XML Parse schema error: Element 'get_companyprefs': The attribute 'application' is required but missing."),
    ('<get_companyprefs application="XYZ"/>', "XL03000004", "Invalid application 'XYZ' for get_companyprefs."),
])
def test_bad_requests_are_refused(me_gw, body, errorno, text):
    reply = me_gw.call(fn(body))
    assert reply.status() == "failure"
    assert (reply.errornos(), reply.errors()[0]["description2"]) == ([errorno], text)


def test_multi_entity_and_unsubscribed_applications_are_refused(intacct_sim_factory):
    gw = Gateway(intacct_sim_factory(standard_company(subscriptions=["General Ledger", "Accounts Receivable",
                                                                     "Administration"])))
    reply = gw.call(fn('<get_companyprefs application="ME"/>') + fn('<get_companyprefs application="AP"/>', "f2")
                    + fn('<get_companyprefs application="AR"/>', "f3"))
    assert [reply.status(i) for i in range(3)] == ["failure", "failure", "success"]
    assert reply.errors(reply.result(0))[0]["description2"] == \
        "Company 'ACME-TRUCKING' is not subscribed to application ME."
    assert reply.errors(reply.result(1))[0]["description2"] == \
        "Company 'ACME-TRUCKING' is not subscribed to application AP."


# --------------------------------------------------------------------------- getDimensionRelationships
def test_dimension_relationships_list_every_dimension_and_udd(me_gw):
    reply = me_gw.call(fn("<getDimensionRelationships/>"))
    rels = reply.result().findall("data/relationship")
    names = [r.findtext("dimension") for r in rels]
    assert names[:3] == ["DEPARTMENT", "LOCATION", "PROJECT"] and names[-1] == "TRUCK"
    location = rels[1]
    assert [c.tag for c in location] == ["dimension", "object_id", "autofillrelated", "enableoverride"]
    assert location.findtext("object_id") == "5003"
    assert rels[-1].findtext("object_id") == "10002"
    assert all(r.find("related") is None for r in rels)


def test_dimension_relationships_need_platform_services(me_gw):
    me_gw.sim.set_permission("Platform Services", "None")
    reply = me_gw.call(fn("<getDimensionRelationships/>"))
    assert reply.errornos() == ["PL04000005"]
