"""The real fylein ``sageintacctsdk`` on issue 11 items 5 and 6: entity sessions, the entity slide-in
preference as Fyle's connector reads it, dimension relationships and query aggregates (see test_sdk_compat
for how the SDK is pointed at the simulator). Functions the SDK has no class for go through its own
``format_and_send_request``, as fylein's connectors send them."""

from __future__ import annotations

import pytest
from sageintacctsdk.exceptions import WrongParamsError

from tests.test_sdk_compat import _first_error, _session, connect, live, sdk  # noqa: F401  (fixtures)

ENTITIES = {"entities": [{"id": "E100", "name": "East"}, {"id": "E200", "name": "West"}]}


def _entity_slide_disabled(sdk) -> bool:  # noqa: F811
    """Fyle's connector, verbatim in what it sends and reads (``__get_entity_slide_preference``)."""
    company_prefs = sdk.api_base.format_and_send_request({
        "get_companyprefs": {"@application": "ME"}})["data"]["companypref"]
    info = list(filter(lambda item: item["preference"] == "DISABLEENTITYSLIDEIN", company_prefs))[0]
    return info["prefvalue"] == "true"


@pytest.mark.intacct(company=ENTITIES)
def test_fyle_reads_the_entity_slide_in_preference(sdk, live):  # noqa: F811
    assert _entity_slide_disabled(sdk) is False
    live.admin.change_company(live.company_id, restrict_top_level=True)
    assert _entity_slide_disabled(sdk) is True


def test_get_companyprefs_without_application_is_wrong_params(sdk):  # noqa: F811
    with pytest.raises(WrongParamsError) as info:
        sdk.api_base.format_and_send_request({"get_companyprefs": None})
    assert _first_error(info.value)["errorno"] == "XL03000003"


def test_dimension_relationships(sdk):  # noqa: F811
    rels = sdk.api_base.format_and_send_request({"getDimensionRelationships": None})["data"]["relationship"]
    assert rels[1] == {"dimension": "LOCATION", "object_id": "5003", "autofillrelated": "false",
                       "enableoverride": "false"}


@pytest.mark.intacct(company=ENTITIES)
def test_slide_in_through_the_sdk_answers_a_new_session(sdk):  # noqa: F811
    top = _session(sdk.api_base)
    api = sdk.api_base.format_and_send_request({"getAPISession": {"locationid": "E100"}})["data"]["api"]
    assert api["locationid"] == "E100" and api["sessionid"] != top
    again = sdk.api_base.format_and_send_request({"getAPISession": None})["data"]["api"]
    assert (again["sessionid"], again["locationid"]) == (top, None)   # the SDK's session stays at the top level
    with pytest.raises(WrongParamsError) as info:
        sdk.api_base.format_and_send_request({"getAPISession": {"locationid": "E999"}})
    assert _first_error(info.value)["description2"].startswith("Invalid entity 'E999'")


def test_query_aggregates_through_the_sdk(sdk):  # noqa: F811
    for i in range(2):
        sdk.vendors.post({"VENDORID": f"V-{i}", "NAME": f"Carrier {i}"})
    for i, amount in enumerate(("100", "250.50", "75")):
        sdk.bills.post({"WHENCREATED": "11/02/2026", "VENDORID": f"V-{i % 2}", "RECORDID": f"B-{i}",
                        "APBILLITEMS": {"APBILLITEM": [{"ACCOUNTNO": "5000", "TRX_AMOUNT": amount}]}})
    reply = sdk.bills.format_and_send_request({"query": {
        "object": "APBILL", "select": {"field": "VENDORID", "count": "RECORDNO", "sum": "TOTALENTERED"},
        "orderby": {"order": {"field": "VENDORID", "descending": None}}}})
    assert reply["data"]["@totalcount"] == "2"
    assert reply["data"]["APBILL"] == [{"VENDORID": "V-1", "COUNT.RECORDNO": "1", "SUM.TOTALENTERED": "250.5"},
                                       {"VENDORID": "V-0", "COUNT.RECORDNO": "2", "SUM.TOTALENTERED": "175"}]


@pytest.mark.intacct(company=ENTITIES)
def test_the_sdks_show_private_reads_into_the_entities_and_its_read_by_query_does_not(connect, live):  # noqa: F811
    live.admin.add_records(live.company_id, {"VENDOR": [
        {"VENDORID": "V-TOP", "NAME": "Shared Carrier"},
        {"VENDORID": "V-EAST", "NAME": "East Carrier", "MEGAENTITYID": "E100"}]})
    top, private = connect(), connect(show_private=True)
    assert [v["VENDORID"] for v in top.vendors.get_all(field="STATUS", value="active")] == ["V-TOP"]
    assert [v["VENDORID"] for v in private.vendors.get_all(field="STATUS", value="active")] == ["V-TOP", "V-EAST"]
    assert private.vendors.count() == 2 and top.vendors.count() == 1
    assert [v["NAME"] for v in private.vendors.get("VENDORID", "V-EAST")["VENDOR"]] == ["East Carrier"]  # query
    by_query = {"readByQuery": {"object": "VENDOR", "fields": "VENDORID", "query": "", "pagesize": "100"}}
    assert private.vendors.format_and_send_request(by_query)["data"]["vendor"] == {"VENDORID": "V-TOP"}
    east = connect(entity_id="E100")   # readByQuery has no showprivate: the entity's own session reads it
    assert [v["VENDORID"] for v in east.vendors.format_and_send_request(by_query)["data"]["vendor"]] == \
        ["V-TOP", "V-EAST"]


def test_database_characters_read_more_by_object_and_related_fields_through_the_sdk(sdk):  # noqa: F811
    sdk.vendors.post({"VENDORID": "V-A", "NAME": "Active Carrier"})
    sdk.vendors.post({"VENDORID": "V-I", "NAME": "Idle Carrier", "STATUS": "inactive"})
    for i in range(3):
        sdk.bills.post({"WHENCREATED": "11/02/2026", "VENDORID": "V-A", "RECORDID": f"B-{i}",
                        "APBILLITEMS": {"APBILLITEM": [{"ACCOUNTNO": "5000", "TRX_AMOUNT": "10"}]}})
    send = sdk.api_base.format_and_send_request
    inactive = send({"readByQuery": {"object": "VENDOR", "fields": "VENDORID", "query": "STATUS = 'F'",
                                     "pagesize": "10"}})
    assert inactive["data"]["vendor"] == {"VENDORID": "V-I"}
    first = send({"readByQuery": {"object": "APBILL", "fields": "RECORDID", "query": "STATE = 'A'", "pagesize": "2"}})
    assert first["data"]["@numremaining"] == "1"
    more = send({"readMore": {"object": "APBILL"}})   # the SDK's one session continues its readByQuery
    assert more["data"]["apbill"] == {"RECORDID": "B-2"}
    related = send({"query": {"object": "APBILL", "select": {"field": ["RECORDID", "VENDOR.NAME"]},
                              "filter": {"equalto": {"field": "VENDOR.STATUS", "value": "active"}}}})
    assert {r["VENDOR.NAME"] for r in related["data"]["APBILL"]} == {"Active Carrier"}
    with pytest.raises(WrongParamsError) as info:
        send({"readMore": {"object": "APBILL"}})
    assert _first_error(info.value)["errorno"] == "readMore failed"
