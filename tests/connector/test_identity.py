"""What Sage holds equals what the TMS says: document identity, changed documents, cents, negative totals,
field lengths and mapping gaps, all through the wire (XML over httpx to the simulator)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from intacct_harness.connector import Ledger, State, TmsUser
from intacct_harness.connector.doctor import shared_prefixes
from intacct_harness.connector.export import documents_for
from intacct_harness.connector.identity import NotRepresentable, allocate, marker_of
from intacct_harness.connector.ledger import DocKey
from intacct_harness.connector.limits import MAX_LENGTH as CONNECTOR_LIMITS
from intacct_harness.connector.settings import GLAccounts
from intacct_harness.connector.tms.model import (
    Charge,
    ChargeKind,
    Dataset,
    Load,
    LoadStatus,
    Party,
    PartyKind,
    Settlement,
    SettlementLine,
    Subsidiary,
)
from intacct_harness.simulator.models.limits import MAX_LENGTH as SIMULATOR_LIMITS
from tests.connector.conftest import ESTABLISHED, connect, settings_for, writes

ADMIN = TmsUser("Dana", "Admin")
WHEN = ESTABLISHED + timedelta(days=2)


def load(number: str, sub: str, *amounts: str, customer: str = "cust-1", po: str = "PO-1") -> Load:
    kinds = [ChargeKind.LINEHAUL, ChargeKind.FUEL_SURCHARGE, ChargeKind.ACCESSORIAL]
    return Load(f"load-{sub}-{number}", number, sub, customer, LoadStatus.DELIVERED,
                [Charge(kinds[i % 3], f"Charge {i}", Decimal(a)) for i, a in enumerate(amounts)], WHEN, WHEN,
                "Omaha, NE", "Tulsa, OK", po)


def settlement(number: str, sub: str, *amounts: str) -> Settlement:
    return Settlement(f"st-{sub}-{number}", number, sub, PartyKind.CARRIER, "carr-1",
                      [SettlementLine(f"Line {i}", Decimal(a)) for i, a in enumerate(amounts)], WHEN)


def dataset(loads: list[Load], settlements: list[Settlement] = (), *, code2: str = "AE",
            customer_name: str = "Prairie Grain Co") -> Dataset:
    ext = {"SUB-1": "C-1001", "SUB-2": "C-1001"}
    return Dataset(subsidiaries=[Subsidiary("SUB-1", "Acme East", "AE"), Subsidiary("SUB-2", "Acme North", code2)],
                   parties=[Party("cust-1", PartyKind.CUSTOMER, customer_name, ext),
                            Party("carr-1", PartyKind.CARRIER, "Blue Ridge Carriers",
                                  {"SUB-1": "V-2001", "SUB-2": "V-2001"})],
                   loads=list(loads), settlements=list(settlements))


@pytest.fixture
def company(sim):
    sim.admin.add_records(sim.company_id, {"CUSTOMER": [{"CUSTOMERID": "C-1001", "NAME": "Prairie Grain Co"}],
                                           "VENDOR": [{"VENDORID": "V-2001", "NAME": "Blue Ridge Carriers"}]})
    return sim


def invoices(sim):
    return sim.records("ARINVOICE")


# --------------------------------------------------------------------------- document identity
def test_same_prefix_lookup_never_takes_the_other_subsidiarys_invoice(company, wire_factory):
    """SUB-1 and SUB-2 share prefix AE; SUB-1's answer is lost, and Sage holds SUB-2's AE-L100: a conflict
    note, SUB-1's invoice still posts, and each ledger points at its own record."""
    data = dataset([load("L100", "SUB-1", "1500.00"), load("L100", "SUB-2", "1750.00")])
    ledger = Ledger()
    north = connect(company, ledger=ledger, subsidiary_id="SUB-2").sync(data)
    assert north.ok and north.posted == 1
    lost = {"n": 0}

    def lose_first_post(request, _n):
        if writes(request) and lost["n"] == 0:
            lost["n"] += 1
            return "timeout"      # no answer, and (here) Sage never got it: uncertain
        return None

    _wire, http = wire_factory(lose_first_post)
    east = connect(company, http=http, ledger=ledger, subsidiary_id="SUB-1", settle_seconds=0).sync(data)
    assert east.recovered == [] and east.posted == 1 and not east.failed
    assert any("AE-L100" in c and "SUB-2" in c and "own document prefix" in c for c in east.conflicts)
    rows = {marker_of(r["DESCRIPTION"]): r for r in invoices(company)}
    assert set(rows) == {"SUB-1", "SUB-2"}
    assert Decimal(rows["SUB-1"]["TOTALENTERED"]) == Decimal("1500.00")
    mine = ledger.get(DocKey("SUB-1", "invoice", "AE-L100"))
    assert mine.state is State.POSTED and mine.recordno == rows["SUB-1"]["RECORDNO"]
    assert ledger.get(DocKey("SUB-2", "invoice", "AE-L100")).recordno == rows["SUB-2"]["RECORDNO"]


def test_lost_answer_is_recovered_only_when_marker_party_and_total_agree(company, wire_factory):
    data = dataset([load("L100", "SUB-1", "1500.00")])
    _wire, http = wire_factory(lambda r, n: "lose" if writes(r) and n < 4 else None)
    report = connect(company, http=http, settle_seconds=0).sync(data)
    assert report.recovered == ["AE-L100"] and report.posted == 1 and len(invoices(company)) == 1
    assert marker_of(invoices(company)[0]["DESCRIPTION"]) == "SUB-1"


def test_record_marked_ours_with_another_total_is_a_conflict_not_a_recovery(company):
    """A record carrying our marker but not what we sent is neither taken as posted nor posted again."""
    data = dataset([load("L100", "SUB-1", "1500.00")])
    ledger = Ledger()
    key = DocKey("SUB-1", "invoice", "AE-L100")
    ledger.ensure([key])
    ledger.mark_posting([key], {key: ("f" * 32, "1500.00")})
    company.admin.add_records(company.company_id, {"ARINVOICE": [{
        "RECORDID": "AE-L100", "CUSTOMERID": "C-1001", "WHENCREATED": "01/17/2026",
        "DESCRIPTION": "Load L100: Omaha, NE to Tulsa, OK [Alvys SUB-1]",
        "ARINVOICEITEMS": {"ARINVOICEITEM": [{"ACCOUNTNO": "4000", "TRX_AMOUNT": "1400.00"}]}}]})
    report = connect(company, ledger=ledger, settle_seconds=0).sync(data)
    assert report.posted == 0 and [f.errorno for f in report.failed] == ["DOCUMENT-CONFLICT"]
    assert "1400" in report.failed[0].message and "1500.00" in report.failed[0].message
    assert "RECORDNO" in report.failed[0].advice and len(invoices(company)) == 1
    assert ledger.get(key).state is State.FAILED


def test_unmarked_record_from_before_markers_is_ours_when_party_and_total_agree(company):
    data = dataset([load("L100", "SUB-1", "1500.00")])
    ledger = Ledger()
    key = DocKey("SUB-1", "invoice", "AE-L100")
    ledger.ensure([key])
    ledger.mark_posting([key])
    company.admin.add_records(company.company_id, {"ARINVOICE": [{
        "RECORDID": "AE-L100", "CUSTOMERID": "C-1001", "WHENCREATED": "01/17/2026", "DESCRIPTION": "Load L100",
        "ARINVOICEITEMS": {"ARINVOICEITEM": [{"ACCOUNTNO": "4000", "TRX_AMOUNT": "1500.00"}]}}]})
    report = connect(company, ledger=ledger, settle_seconds=0).sync(data)
    assert report.recovered == ["AE-L100"] and report.posted == 0 and len(invoices(company)) == 1


def test_doctor_warns_when_two_subsidiaries_share_a_prefix_on_one_company(company):
    data = dataset([])
    one, two = settings_for(company), settings_for(company, subsidiary_id="SUB-2")
    peers = shared_prefixes([one, two], data)
    assert peers == {"SUB-1": ["SUB-2"], "SUB-2": ["SUB-1"]}
    assert shared_prefixes([one, two], dataset([], code2="AN")) == {"SUB-1": [], "SUB-2": []}
    assert shared_prefixes([one, settings_for(company, subsidiary_id="SUB-2", entity="E100")], data)["SUB-1"] == []
    report = connect(company).doctor(ADMIN, peers=peers["SUB-1"])
    check = report.check("document_prefix")
    assert check.status == "warn" and "SUB-2" in check.detail and "own document prefix" in check.fix
    assert report.ok      # a warning, not a failure
    alone = connect(company).doctor(ADMIN)
    assert alone.check("document_prefix").status == "pass"


# --------------------------------------------------------------------------- changed after posting
def test_document_changed_after_posting_is_reported_and_never_posted_twice(company):
    ld = load("L100", "SUB-1", "1500.00", "200.00")
    data = dataset([ld])
    ledger = Ledger()
    conn = connect(company, ledger=ledger)
    assert conn.sync(data).posted == 1
    same = conn.sync(data)
    assert same.changed == [] and same.already_posted == 1
    ld.charges.append(Charge(ChargeKind.ACCESSORIAL, "Detention", Decimal("150.00")))   # re-rated in the TMS
    report = conn.sync(data)
    assert report.posted == 0 and len(invoices(company)) == 1
    [changed] = report.changed
    assert changed.message.startswith("changed in the TMS after it posted to Sage: AR invoice AE-L100")
    assert "1700.00" in changed.message and "1850.00" in changed.message
    assert "Correct the AR invoice in Sage" in changed.advice and changed.recordno == invoices(company)[0]["RECORDNO"]
    assert any("changed in the TMS after" in n for n in report.notes)
    assert report.to_dict()["changed"][0]["errorno"] == "CHANGED-AFTER-POSTING"


def test_ledger_file_from_before_fingerprints_gains_the_columns(tmp_path):
    import sqlite3
    path = tmp_path / "old.sqlite3"
    con = sqlite3.connect(path)
    con.executescript("CREATE TABLE documents (subsidiary_id TEXT NOT NULL, kind TEXT NOT NULL, number TEXT NOT "
                      "NULL, state TEXT NOT NULL, recordno TEXT, errorno TEXT, message TEXT, advice TEXT, attempts "
                      "INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL, PRIMARY KEY (subsidiary_id, kind, "
                      "number)); INSERT INTO documents VALUES ('S','invoice','N','posted','7',NULL,NULL,NULL,1,'t');")
    con.close()
    ledger = Ledger(path)
    key = DocKey("S", "invoice", "N")
    assert ledger.get(key).recordno == "7" and ledger.sent([key]) == {}   # no fingerprint: never "changed"
    ledger.close()


# --------------------------------------------------------------------------- cents
def test_allocation_rule():
    assert allocate([Decimal("100.005"), Decimal("200.005")]) == [Decimal("100.01"), Decimal("200.00")]
    assert allocate([Decimal("0.333"), Decimal("0.333"), Decimal("0.334")]) == [Decimal("0.33")] * 2 + [
        Decimal("0.34")]
    assert allocate([Decimal("-10.005"), Decimal("20.005")]) == [Decimal("-10.00"), Decimal("20.00")]
    with pytest.raises(NotRepresentable, match="fraction of a cent"):
        allocate([Decimal("1.005")])


def test_fractions_of_a_cent_are_allocated_so_sage_total_equals_the_tms_total(company):
    data = dataset([load("L100", "SUB-1", "100.005", "200.005", "49.99"), load("L101", "SUB-1", "10.004")])
    report = connect(company).sync(data)
    assert report.posted == 1
    [inv] = invoices(company)
    assert Decimal(inv["TOTALENTERED"]) == Decimal("350.00") == data.loads[0].total
    assert [ln["TRX_AMOUNT"] for ln in inv["ARINVOICEITEMS"]["ARINVOICEITEM"]] == ["100.01", "200.00", "49.99"]
    [refused] = report.failed
    assert refused.number == "AE-L101" and refused.errorno == "AMOUNT-NOT-EXACT"
    assert "10.004" in refused.advice and "whole cents" in refused.advice


# --------------------------------------------------------------------------- negative totals
def test_net_negative_settlement_is_refused_with_advice_never_posted_as_a_negative_bill(company):
    data = dataset([], [settlement("ST1", "SUB-1", "500.00", "-700.00"), settlement("ST2", "SUB-1", "900.00")])
    report = connect(company).sync(data)
    assert report.posted == 1 and [r["RECORDID"] for r in company.records("APBILL")] == ["AE-ST2"]
    [refused] = report.failed
    assert refused.errorno == "NEGATIVE-TOTAL" and "AP adjustment" in refused.advice and "-200.00" in refused.advice


def test_negative_invoice_is_refused(company):
    report = connect(company).sync(dataset([load("L100", "SUB-1", "100.00", "-300.00")]))
    assert [f.errorno for f in report.failed] == ["NEGATIVE-TOTAL"] and not invoices(company)


def test_negative_settlement_policy_is_validated(company):
    from intacct_harness.connector.errors import SettingsError
    with pytest.raises(SettingsError, match="negative_settlements"):
        settings_for(company, negative_settlements="bill")
    assert settings_for(company, negative_settlements="adjustment").negative_settlements == "adjustment"


# --------------------------------------------------------------------------- field lengths
def test_connector_and_simulator_hold_the_same_field_lengths():
    assert {k: v[0] for k, v in SIMULATOR_LIMITS.items()} == CONNECTOR_LIMITS


def test_too_long_party_name_is_not_created_and_names_field_limit_and_profile(sim):
    long_name = "Transcontinental Refrigerated Freight Brokerage and Logistics Services of the Greater Midwest " \
                "Region LLC"
    data = dataset([load("L100", "SUB-1", "100.00")], customer_name=long_name)
    data.parties[0].external_ids.clear()
    report = connect(sim, unmatched="create").sync(data)
    assert report.posted == 0 and not sim.records("CUSTOMER")
    [failed] = report.failed
    assert failed.errorno == "FIELD-TOO-LONG"
    assert "NAME" in failed.advice and "100 characters" in failed.advice and "customer profile" in failed.advice


def test_too_long_po_number_fails_that_document_before_sending(company, wire_factory):
    wire, http = wire_factory()
    data = dataset([load("L100", "SUB-1", "100.00", po="P" * 60), load("L101", "SUB-1", "90.00")])
    report = connect(company, http=http).sync(data)
    assert report.posted == 1 and [f.errorno for f in report.failed] == ["FIELD-TOO-LONG"]
    assert "PONUMBER" in report.failed[0].advice and "45 characters" in report.failed[0].advice
    assert b"P" * 60 not in b"".join(wire.bodies)


# --------------------------------------------------------------------------- mapping gaps
def test_blank_gl_account_is_a_doctor_failure_and_a_per_document_refusal(company, wire_factory):
    gl = GLAccounts(linehaul=" ")
    doctor = connect(company, gl_accounts=gl).doctor(ADMIN)
    check = doctor.check("gl_accounts")
    assert check.status == "fail" and "linehaul not set" in check.detail and "(missing)" not in check.detail
    assert "gl_accounts.linehaul" in check.fix and "Settings > Connections" in check.fix
    wire, http = wire_factory()
    data = dataset([load("L100", "SUB-1", "100.00")], [settlement("ST1", "SUB-1", "80.00")])
    report = connect(company, http=http, gl_accounts=gl).sync(data)
    assert report.posted == 1 and company.records("APBILL") and not invoices(company)
    [refused] = report.failed
    assert refused.errorno == "SETTING-NOT-SET" and "linehaul revenue" in refused.advice
    assert b"<glaccountno> </glaccountno>" not in b"".join(wire.bodies)


def test_documents_for_uses_the_shared_prefix():
    data = dataset([load("L100", "SUB-1", "1.00"), load("L100", "SUB-2", "2.00")])
    assert [d.key.number for d in documents_for(data, "SUB-2")] == ["AE-L100"]


def test_blank_dimension_value_target_is_a_doctor_failure_and_a_refusal(company):
    from intacct_harness.connector import DimensionMapping
    company.admin.add_records(company.company_id, {"DEPARTMENT": [{"DEPARTMENTID": "D-OTR", "TITLE": "OTR"}]})
    dims = (DimensionMapping("DEPARTMENT", source="division", values={"OTR": "D-OTR", "REG": " "}),)
    doctor = connect(company, dimensions=dims).doctor(ADMIN)
    check = doctor.check("dimensions")
    assert check.status == "fail" and "DEPARTMENT value for REG not set" in check.detail
    assert "values REG" in check.fix and "step 6" in check.fix
    otr, reg = load("L100", "SUB-1", "100.00"), load("L101", "SUB-1", "90.00")
    otr.division, reg.division = "OTR", "REG"
    report = connect(company, dimensions=dims).sync(dataset([otr, reg]))
    assert report.posted == 1 and [(f.number, f.errorno) for f in report.failed] == [("AE-L101", "SETTING-NOT-SET")]
    assert "DEPARTMENT dimension value for REG" in report.failed[0].advice


def test_net_negative_settlement_posts_as_an_ap_adjustment_by_setting(company, wire_factory):
    data = dataset([], [settlement("ST1", "SUB-1", "500.00", "-700.00"), settlement("ST2", "SUB-1", "900.00")])
    lost = {"n": 0}

    def lose_the_adjustment(request, _n):
        if b"<create_apadjustment>" in request.content and not lost["n"]:
            lost["n"] += 1
            return "lose"            # Sage ran it; the answer never arrives
        return None

    wire, http = wire_factory(lose_the_adjustment)
    ledger = Ledger()
    report = connect(company, http=http, ledger=ledger, negative_settlements="adjustment",
                     settle_seconds=0).sync(data)
    assert report.posted == 2 and not report.failed and sorted(report.recovered) == ["AE-ST1", "AE-ST2"]
    assert [r["RECORDID"] for r in company.records("APBILL")] == ["AE-ST2"]
    [adj] = company.records("APADJUSTMENT")
    assert adj["RECORDID"] == "AE-ST1" and Decimal(adj["TOTALENTERED"]) == Decimal("-200.00")
    assert marker_of(adj["DESCRIPTION"]) == "SUB-1" and adj["VENDORID"] == "V-2001"
    assert b"<create_apadjustment>" in b"".join(wire.bodies)
    again = connect(company, ledger=ledger, negative_settlements="adjustment").sync(data)
    assert again.posted == 0 and len(company.records("APADJUSTMENT")) == 1


def test_lookup_retried_per_document_still_proves_each_record_ours_by_marker_party_and_total(company):
    """The chunk lookup fails once, so each uncertain document is looked up alone: one record carrying our
    marker with another total is a conflict, the other (marker, party and total agree) is recovered."""
    data = dataset([load("L100", "SUB-1", "1500.00"), load("L200", "SUB-1", "900.00")])
    ledger = Ledger()
    keys = [DocKey("SUB-1", "invoice", "AE-L100"), DocKey("SUB-1", "invoice", "AE-L200")]
    ledger.ensure(keys)
    ledger.mark_posting(keys, {keys[0]: ("f" * 32, "1500.00"), keys[1]: ("e" * 32, "900.00")})
    company.admin.add_records(company.company_id, {"ARINVOICE": [{
        "RECORDID": f"AE-{n}", "CUSTOMERID": "C-1001", "WHENCREATED": "01/17/2026",
        "DESCRIPTION": f"Load {n}: Omaha, NE to Tulsa, OK [Alvys SUB-1]",
        "ARINVOICEITEMS": {"ARINVOICEITEM": [{"ACCOUNTNO": "4000", "TRX_AMOUNT": amount}]}}
        for n, amount in (("L100", "1400.00"), ("L200", "900.00"))]})
    company.admin.add_fault(action="error", function="readByQuery", object="ARINVOICE", times=1,
                            error={"name": "PermissionDenied"})
    report = connect(company, ledger=ledger, settle_seconds=0).sync(data)
    assert report.recovered == ["AE-L200"] and report.posted == 0 and len(invoices(company)) == 2
    assert [(f.number, f.errorno) for f in report.failed] == [("AE-L100", "DOCUMENT-CONFLICT")]
    assert ledger.get(keys[0]).state is State.FAILED and ledger.get(keys[1]).state is State.POSTED
    assert not report.uncertain
