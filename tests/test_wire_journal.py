"""Journal entries on the wire: GLENTRY's LOCATION / DEPARTMENT and the other dimensions checked, debits
balance credits, TR_TYPE is 1 or -1."""

from __future__ import annotations

import pytest

from intacct_harness.simulator.testing import standard_company
from tests.wire import Gateway, fn


@pytest.fixture
def gw(intacct_sim_factory):
    sim = intacct_sim_factory(standard_company(user_dimensions=["TRAILER"]))
    sim.admin.add_records(sim.company_id, {
        "LOCATION": [{"LOCATIONID": "DAL", "NAME": "Dallas"}],
        "DEPARTMENT": [{"DEPARTMENTID": "OTR", "TITLE": "Over the road"}],
        "TRAILER": [{"ID": "T-53", "NAME": "53ft dry van"}],
        "GLACCOUNT": [{"ACCOUNTNO": "6000", "TITLE": "Needs dept", "REQUIREDEPT": "true"}]})
    return Gateway(sim)


def entry(account="5000", kind="1", amount="100", extra=""):
    return (f"<GLENTRY><ACCOUNTNO>{account}</ACCOUNTNO><TR_TYPE>{kind}</TR_TYPE><TRX_AMOUNT>{amount}</TRX_AMOUNT>"
            f"{extra}</GLENTRY>")


def batch(*entries):
    return ("<create><GLBATCH><JOURNAL>GJ</JOURNAL><BATCH_DATE>11/01/2026</BATCH_DATE><BATCH_TITLE>Fuel accrual"
            f"</BATCH_TITLE><ENTRIES>{''.join(entries)}</ENTRIES></GLBATCH></create>")


def test_a_balanced_entry_with_dimensions_posts(gw):
    reply = gw.call(fn(batch(
        entry("6000", "1", "250.10", "<LOCATION>DAL</LOCATION><DEPARTMENT>OTR</DEPARTMENT><GLDIMTRAILER>T-53"
              "</GLDIMTRAILER>"),
        entry("5000", "-1", "200"), entry("5100", "-1", "50.10"))))
    assert reply.status() == "success", reply.http.text
    key = reply.result().findtext("data/glbatch/RECORDNO")
    got = gw.call(fn(f"<read><object>GLBATCH</object><keys>{key}</keys><fields>*</fields></read>"))
    lines = got.result().findall("data/GLBATCH/ENTRIES/GLENTRY")
    assert [(e.findtext("ACCOUNTNO"), e.findtext("TR_TYPE"), e.findtext("LOCATION")) for e in lines] == [
        ("6000", "1", "DAL"), ("5000", "-1", None), ("5100", "-1", None)]


@pytest.mark.parametrize(("entries", "errorno", "text"), [
    ((entry("5000", "1", "100"), entry("5100", "-1", "99.99")), "BL01001973",
     "The journal entry is out of balance: debits 100, credits 99.99."),
    ((entry("5000", "2", "100"), entry("5100", "-1", "100")), "BL01001975",
     "Invalid value '2' for field TR_TYPE: expected 1 (debit) or -1 (credit)."),
    ((entry("5000", "1", "1", "<LOCATION>NOWHERE</LOCATION>"), entry("5100", "-1", "1")), "BL01001973",
     "Location 'NOWHERE' is not valid"),
    ((entry("5000", "1", "1", "<DEPARTMENT>NOPE</DEPARTMENT>"), entry("5100", "-1", "1")), "BL01001973",
     "Department 'NOPE' specified is not valid."),
    ((entry("6000", "1", "1"), entry("5100", "-1", "1")), "BL01001973",
     "This transaction is missing the Department dimension for the Account 6000"),
    ((entry("5000", "1", "1", "<LOCATIONID>DAL</LOCATIONID>"), entry("5100", "-1", "1")), "PL03000002",
     "Field 'LOCATIONID' is not defined on object GLENTRY."),
    ((entry("5000", "1", "1", "<GLDIMTRAILER>T-99</GLDIMTRAILER>"), entry("5100", "-1", "1")), "BL01001973",
     "Invalid Trailer 'T-99' specified."),
])
def test_journal_refusals(gw, entries, errorno, text):
    reply = gw.call(fn(batch(*entries)))
    err = reply.errors()[0]
    assert err["errorno"] == errorno and err["description2"].startswith(text), err
