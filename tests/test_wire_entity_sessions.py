"""Multi-entity sessions and visibility (issue 11 item 5), on the wire.

getAPISession with ``<locationid>`` starts a new entity-level session and leaves the one it came from
where it was; records created in an entity are private to it, so the top level sees them only through
``query`` with ``options/showprivate`` (the only read that documents the switch).
"""

from __future__ import annotations

import pytest

from tests.test_wire_permissions import BILL, multi_entity
from tests.wire import Gateway, fn, login_auth

SESSION = fn("<getAPISession/>")


def slide(entity: str) -> str:
    return fn(f"<getAPISession><locationid>{entity}</locationid></getAPISession>")


def session_auth(sid: str) -> str:
    return f"<sessionid>{sid}</sessionid>"


@pytest.fixture
def me(intacct_sim_factory):
    sim = intacct_sim_factory(multi_entity())
    sim.admin.add_records(sim.company_id, {"VENDOR": [{"VENDORID": "V1", "NAME": "Shared Carrier"}]})
    return Gateway(sim)


def _slide(gw: Gateway, auth: str, entity: str) -> tuple[str, str]:
    reply = gw.call(slide(entity), auth=auth)
    assert reply.status() == "success", reply.http.text
    api = reply.result().find("data/api")
    return api.findtext("sessionid"), api.findtext("locationid")


# --------------------------------------------------------------------------- getAPISession slide-in
def test_slide_in_is_a_new_session_and_the_top_level_one_stays(me):
    top = me.session()
    top_sid = top[len("<sessionid>"):-len("</sessionid>")]
    east_sid, loc = _slide(me, top, "E100")
    assert (loc, east_sid != top_sid, east_sid.endswith("..")) == ("E100", True, True)
    # the session the slide-in came from is still at the top level
    reply = me.call(SESSION, auth=top)
    assert reply.root.findtext("operation/authentication/locationid") == ""
    assert reply.root.findtext(".//api/sessionid") == top_sid
    assert reply.root.findtext(".//api/locationid") == ""
    # the new one is in East: what it creates belongs to East
    reply = me.call(fn(BILL.format(extra="")), auth=session_auth(east_sid))
    assert reply.root.findtext("operation/authentication/locationid") == "E100"
    assert reply.status() == "success", reply.http.text
    assert me.sim.records("APBILL")[0]["MEGAENTITYID"] == "E100"


def test_the_functions_after_a_slide_in_still_run_where_the_request_came_in(me):
    reply = me.call(slide("E100") + fn(BILL.format(extra=""), "f2"))
    assert reply.status(0) == "success"
    assert reply.result(1).findtext("status") == "failure"  # still the top level: a bill needs a location
    assert reply.errors(reply.result(1))[0]["description2"].startswith("Use of empty Location is invalid.")


def test_from_an_entity_to_another_and_back_to_the_top_level(me):
    c = me.sim.credentials
    east = login_auth(c.user_id, c.company_id, c.user_password, "E100")
    west_sid, loc = _slide(me, east, "E200")
    assert loc == "E200"
    top_sid, loc = _slide(me, session_auth(west_sid), "")
    assert loc == ""
    assert me.call(SESSION, auth=session_auth(top_sid)).root.findtext(".//api/locationid") == ""
    assert me.call(SESSION, auth=session_auth(west_sid)).root.findtext(".//api/locationid") == "E200"


def test_each_session_slides_its_own_timeout(me):
    top = me.session()
    east_sid, _ = _slide(me, top, "E100")
    me.sim.admin.advance_clock(20 * 3600)
    assert me.call(SESSION, auth=top).auth_status == "success"  # the top-level session slides on
    me.sim.admin.advance_clock(6 * 3600)
    assert me.call(SESSION, auth=top).auth_status == "success"
    reply = me.call(SESSION, auth=session_auth(east_sid))       # unused for 26 hours: expired
    assert reply.auth_status == "failure"
    assert reply.errors()[0]["description2"].startswith("Invalid session ")


def test_slide_in_to_an_unknown_entity_is_refused_and_no_session_is_made(me):
    top = me.session()
    reply = me.call(slide("E999"), auth=top)
    assert reply.auth_status == "success"
    assert reply.status() == "failure"
    assert reply.errors()[0] == {
        "errorno": "XL03000006", "description": "",
        "description2": "Invalid entity 'E999': no such entity in company 'ACME-TRUCKING'.",
        "correction": "Use the Location ID of an entity that exists in the company."}
    assert reply.result().find("data") is None


def test_a_user_restricted_to_an_entity_cannot_slide_to_another_or_to_the_top_level(me):
    me.sim.admin.change_user(me.sim.company_id, "alvys_ws", entities=["E100"])
    c = me.sim.credentials
    east = login_auth(c.user_id, c.company_id, c.user_password, "E100")
    reply = me.call(slide("E200") + slide("").replace('controlid="f1"', 'controlid="f2"'), auth=east)
    assert [reply.status(0), reply.status(1)] == ["failure", "failure"]
    assert reply.errors(reply.result(0))[0]["description2"] == \
        "User 'alvys_ws' does not have access to entity 'E200'."
    assert reply.errors(reply.result(1))[0]["description2"] == "User 'alvys_ws' does not have access to the top level."


def test_restrict_top_level_makes_slide_in_unavailable(me):
    top = me.session()
    me.sim.admin.change_company(me.sim.company_id, restrict_top_level=True)
    reply = me.call(slide("E100"), auth=top)
    assert reply.status() == "failure"
    assert reply.errors()[0]["description2"] == "User 'alvys_ws' does not have access to entity 'E100'."


# --------------------------------------------------------------------------- private entity records
VENDOR_QUERY = "<query><object>VENDOR</object><select><field>VENDORID</field></select>{options}</query>"
PRIVATE = "<options><showprivate>{}</showprivate></options>"


@pytest.fixture
def private(me):
    """V-EAST and a bill created in East; V1 shared from the top level."""
    c = me.sim.credentials
    east = login_auth(c.user_id, c.company_id, c.user_password, "E100")
    reply = me.call(fn("<create><VENDOR><VENDORID>V-EAST</VENDORID><NAME>East Carrier</NAME></VENDOR></create>")
                    + fn(BILL.replace("V1", "V-EAST").format(extra=""), "f2"), auth=east)
    assert [reply.status(0), reply.status(1)] == ["success", "success"], reply.http.text
    return me


def vendor_ids(reply, tag: str = "VENDOR") -> list[str]:
    return [v.findtext("VENDORID") for v in reply.result().iter(tag)]


def test_the_top_level_reads_do_not_return_an_entitys_records(private):
    recordno = next(v["RECORDNO"] for v in private.sim.records("VENDOR") if v["VENDORID"] == "V-EAST")
    reply = private.call(
        fn("<readByQuery><object>VENDOR</object><query></query><fields>VENDORID</fields></readByQuery>")
        + fn(f"<read><object>VENDOR</object><keys>{recordno}</keys><fields>*</fields></read>", "f2")
        + fn("<readByName><object>VENDOR</object><keys>V-EAST,V1</keys></readByName>", "f3")
        + fn("<read><object>VENDOR</object><keys></keys><fields>VENDORID</fields></read>", "f4")
        + fn(VENDOR_QUERY.format(options=""), "f5")
        + fn(VENDOR_QUERY.format(options=PRIVATE.format("false")), "f6"))
    assert [r.findtext("status") for r in reply.results()] == ["success"] * 6
    found = [[v.findtext("VENDORID") for v in r.find("data")] for r in reply.results()]
    assert found == [["V1"], [], ["V1"], ["V1"], ["V1"], ["V1"]]
    assert reply.result(0).find("data").get("totalcount") == "1"


def test_query_with_showprivate_reads_into_the_entities(private):
    reply = private.call(fn(VENDOR_QUERY.format(options=PRIVATE.format("true")))
                         + fn("<query><object>APBILLITEM</object><select><field>ACCOUNTNO</field></select>"
                              f"{PRIVATE.format('1')}</query>", "f2")
                         + fn("<query><object>APBILL</object><select><count>RECORDNO</count></select></query>", "f3"))
    assert vendor_ids(reply) == ["V1", "V-EAST"]
    assert reply.result(0).find("data").get("totalcount") == "2"
    assert [r.findtext("ACCOUNTNO") for r in reply.result(1).iter("APBILLITEM")] == ["5000"]
    assert reply.result(2).findtext("data/APBILL/COUNT.RECORDNO") == "0"   # without showprivate


def test_an_entity_sees_its_own_and_the_top_levels_records_never_another_entitys(private):
    c = private.sim.credentials
    east = login_auth(c.user_id, c.company_id, c.user_password, "E100")
    west = login_auth(c.user_id, c.company_id, c.user_password, "E200")
    assert vendor_ids(private.call(fn(VENDOR_QUERY.format(options="")), auth=east)) == ["V1", "V-EAST"]
    reply = private.call(fn(VENDOR_QUERY.format(options=PRIVATE.format("true"))), auth=west)
    assert vendor_ids(reply) == ["V1"]   # showprivate reads from the top level, not across entities


def test_read_more_at_the_top_level_pages_only_what_it_may_see(private):
    private.sim.admin.add_records(private.sim.company_id, {"VENDOR": [
        {"VENDORID": f"VE{i}", "NAME": f"East {i}", "MEGAENTITYID": "E100"} for i in range(3)]
        + [{"VENDORID": f"VT{i}", "NAME": f"Top {i}"} for i in range(3)]})
    reply = private.call(fn("<readByQuery><object>VENDOR</object><query></query><fields>VENDORID</fields>"
                            "<pagesize>2</pagesize></readByQuery>"))
    data = reply.result().find("data")
    assert (data.get("totalcount"), data.get("numremaining")) == ("4", "2")
    more = private.call(fn(f"<readMore><resultId>{data.get('resultId')}</resultId></readMore>"))
    assert vendor_ids(reply, "vendor") + vendor_ids(more, "vendor") == ["V1", "VT0", "VT1", "VT2"]


def test_a_showprivate_that_is_not_a_boolean_is_refused(private):
    reply = private.call(fn(VENDOR_QUERY.format(options=PRIVATE.format("yes"))))
    assert reply.status() == "failure"
    assert reply.errors()[0]["description2"] == "options/showprivate must be true or false; got 'yes'."


def test_legacy_get_list_reads_into_the_entities_only_with_its_showprivate_attribute(private):
    c = private.sim.credentials
    east = login_auth(c.user_id, c.company_id, c.user_password, "E100")
    made = private.call(fn("<create_supdocfolder><supdocfoldername>East PODs</supdocfoldername></create_supdocfolder>"),
                        auth=east)
    assert made.status() == "success", made.http.text
    totals = [private.call(fn(f'<get_list object="supdocfolder"{attr}/>')).result().find("listtype").get("total")
              for attr in ("", ' showprivate="false"', ' showprivate="true"')]
    assert totals == ["0", "0", "1"]
