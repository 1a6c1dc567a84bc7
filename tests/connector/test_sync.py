"""Export through the wire: what posts, batching, one bad document, re-sync after a fix, entities, subsidiaries."""

from __future__ import annotations

import math
from collections import Counter

from intacct_harness.connector import CustomFieldMapping, DimensionMapping, Ledger, State, TmsUser
from intacct_harness.connector.export import documents_for
from intacct_harness.connector.ledger import DocKey
from intacct_harness.connector.tms.fake import Sizes, generate, sage_records
from tests.connector.conftest import ESTABLISHED, company_block, connect, writes


def expected(data, sub="SUB-1"):
    docs = documents_for(data, sub)
    new = [d for d in docs if d.created_at >= ESTABLISHED]
    return docs, new


def recordids(sim, obj):
    return Counter(r["RECORDID"] for r in sim.records(obj))


def test_sync_posts_new_documents_once_with_dimensions_and_custom_fields(seeded, data):
    conn = connect(seeded, dimensions=(DimensionMapping("DEPARTMENT", source="division"),
                                       DimensionMapping("CLASS", source="equipment", applies_to=frozenset({"bill"}))),
                   custom_fields=(CustomFieldMapping("LOAD_NUMBER", "number"),
                                  CustomFieldMapping("SETTLEMENT_NUMBER", "number", "bill"),
                                  CustomFieldMapping("LOAD_NUMBER", "number", "invoice", "line")))
    docs, new = expected(data)
    report = conn.sync(data)
    assert report.ok and report.error is None
    assert report.posted == len(new) and not report.failed
    assert sorted(report.not_migrated) == sorted(d.key.number for d in docs if d.created_at < ESTABLISHED)
    invoices, bills = seeded.records("ARINVOICE"), seeded.records("APBILL")
    assert len(invoices) + len(bills) == len(new)
    assert all(n == 1 for n in (recordids(seeded, "ARINVOICE") + recordids(seeded, "APBILL")).values())
    load = next(d.source for d in new if d.kind == "invoice")
    inv = next(r for r in invoices if r["RECORDID"] == f"S1-{load.number}")
    lines = inv["ARINVOICEITEMS"]["ARINVOICEITEM"]
    lines = lines if isinstance(lines, list) else [lines]
    assert [ln["ACCOUNTNO"] for ln in lines][:2] == ["4000", "4100"]
    assert {ln["DEPARTMENTID"] for ln in lines} == {load.division} and "CLASSID" not in lines[0]
    assert inv["customfields"]["customfield"]["customfieldvalue"] == load.number
    assert lines[0]["customfields"]["customfield"]["customfieldname"] == "LOAD_NUMBER"
    bill = bills[0]
    assert bill["SETTLEMENT_NUMBER"] == bill["RECORDID"].removeprefix("S1-")
    assert {r.number: r.recordno for r in report.posted_sample}[inv["RECORDID"]] == inv["RECORDNO"]
    again = conn.sync(data)
    assert again.ok and not again.posted and again.already_posted == len(new)
    assert len(seeded.records("ARINVOICE")) == len(invoices)
    status = conn.status()
    assert status.counts["posted"] == len(new) and status.counts["not_migrated"] == len(docs) - len(new)
    assert "posted" in status.render() and status.to_dict()["failed"] == []


def test_documents_are_batched(seeded, data, wire_factory):
    wire, http = wire_factory()
    conn = connect(seeded, http=http, batch_size=5)
    progress = []
    report = conn.sync(data, progress=progress.append)
    creates = [b for b in wire.bodies if b"<create_invoice>" in b or b"<create>" in b]
    assert len(creates) == math.ceil(report.posted / 5)
    assert max(b.count(b"<function ") for b in creates) == 5
    assert b'transaction="false"' in creates[0]
    assert progress[-1].done == progress[-1].total == report.posted and len(progress) == len(creates)
    assert len(wire.bodies) == 1 + 1 + len(creates)     # session, one request matching every party, posts


def test_one_bad_document_does_not_block_the_others(seeded, data):
    _, new = expected(data)
    victim = next(d for d in new if d.kind == "invoice")
    seeded.admin.add_records(seeded.company_id, {"CUSTOMER": [{"CUSTOMERID": "C-INACTIVE", "NAME": "Gone Co",
                                                               "STATUS": "inactive"}]})
    victim.party.external_ids["SUB-1"] = "C-INACTIVE"
    report = connect(seeded).sync(data)
    failed = {o.number: o for o in report.failed}
    bad = {d.key.number for d in new if d.party.id == victim.party.id}
    assert set(failed) == bad and report.posted == len(new) - len(bad)
    outcome = failed[victim.key.number]
    assert outcome.errorno == "MATCH-INACTIVE" and "Reactivate Customer C-INACTIVE in Sage" in outcome.advice


def test_missing_ap_permission_then_fix_posts_exactly_what_failed(seeded, data):
    seeded.set_permission("Accounts Payable", "Read only")
    conn = connect(seeded)
    _, new = expected(data)
    first = conn.sync(data)
    bills = {d.key.number for d in new if d.kind == "bill"}
    assert {o.number for o in first.failed} == bills and not first.ok
    advice = first.failed[0].advice
    assert 'set Accounts Payable to "All"' in advice and "AP bills for carrier and driver settlements" in advice
    assert "step 4" in advice
    status = conn.status()
    assert {e.key.number for e in status.failed} == bills and "FAILED bill" in status.render()
    seeded.set_permission("Accounts Payable", "All")
    second = conn.sync(data)
    assert second.ok and {o.number for o in second.posted_sample} == bills and second.posted == len(bills)
    assert second.already_posted == len(new) - len(bills)
    assert all(n == 1 for n in recordids(seeded, "APBILL").values()) and len(seeded.records("APBILL")) == len(bills)


def test_missing_party_fails_the_document_with_the_policy_message(sim, data):
    report = connect(sim).sync(data)
    assert not report.posted and report.failed
    assert {o.errorno for o in report.failed} <= {"MATCH-ID-UNKNOWN", "MATCH-NONE"}


def test_create_policy_creates_missing_parties(sim, data):
    sim.admin.add_records(sim.company_id, sage_records(data, "SUB-1", name_only_ratio=0.0))
    report = connect(sim, unmatched="create").sync(data)
    assert report.ok and any("was created in Sage" in n for n in report.notes)


def test_lookup_without_permission_fails_documents_with_advice(seeded, data):
    seeded.set_permission("Accounts Receivable", "None")
    report = connect(seeded).sync(data)
    inv = [o for o in report.failed if o.kind == "invoice"]
    assert inv and 'set Accounts Receivable to "All"' in inv[0].advice
    assert report.posted and all(o.kind == "bill" for o in report.posted_sample)


def test_entity_is_used_on_lines(intacct_sim_factory, data):
    sim = intacct_sim_factory(company_block(entities=[{"id": "E100", "name": "East"}]))
    sim.admin.add_records(sim.company_id, sage_records(data, "SUB-1"))
    report = connect(sim, entity="E100").sync(data)
    assert report.ok
    bill = sim.records("APBILL")[0]
    line = bill["APBILLITEMS"]["APBILLITEM"]
    assert (line[0] if isinstance(line, list) else line)["LOCATIONID"] == "E100"
    top = connect(sim, ledger=Ledger()).sync(generate(9, Sizes(loads=4, settlements=0, customers=1)))
    assert not top.ok


def test_top_level_of_multi_entity_company_gets_location_advice(intacct_sim_factory, data):
    sim = intacct_sim_factory(company_block(entities=[{"id": "E100", "name": "East"}]))
    sim.admin.add_records(sim.company_id, sage_records(data, "SUB-1"))
    report = connect(sim).sync(data)
    assert report.failed and not report.posted
    assert "set the entity (Location ID)" in report.failed[0].advice


def test_invalid_dimension_value_and_custom_field_advice(seeded, data):
    report = connect(seeded, dimensions=(DimensionMapping("CLASS", value="NOPE"),)).sync(data)
    assert report.failed and "correct the CLASS dimension mapping" in report.failed[0].advice.replace("Class", "CLASS")
    ledger = Ledger()
    report = connect(seeded, ledger=ledger, custom_fields=(CustomFieldMapping("TRIP", "number"),)).sync(data)
    inv = [o for o in report.failed if o.kind == "invoice"]
    assert inv and "custom field mapping" in inv[0].advice and "step 7" in inv[0].advice


def test_two_subsidiaries_share_one_company(sim):
    seeded = sim
    data = generate(21, Sizes(subsidiaries=2, loads=20, settlements=6), external_id_ratio=1.0)
    seeded.admin.add_records(seeded.company_id, sage_records(data, "SUB-1"))
    seeded.admin.add_records(seeded.company_id, sage_records(data, "SUB-2"))
    first = connect(seeded)
    second_settings = first.settings.as_template(TmsUser("Ana", "Partner Admin"), "SUB-2", established_at=ESTABLISHED)
    ledger = first.ledger
    r1 = first.sync(data)
    from intacct_harness.connector import Connection
    from tests.connector.conftest import environ_for
    r2 = Connection(second_settings, seeded.client(), ledger=ledger, environ=environ_for(seeded)).sync(data)
    assert r1.ok and r2.ok and r1.posted and r2.posted
    ids = recordids(seeded, "ARINVOICE") + recordids(seeded, "APBILL")
    assert all(n == 1 for n in ids.values()) and {k[:3] for k in ids} == {"S1-", "S2-"}


def test_ledger_states(tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite3")
    key = DocKey("S", "bill", "S-1")
    ledger.ensure([key])
    ledger.mark_posting([key])
    assert ledger.get(key).state is State.POSTING and ledger.get(key).attempts == 1
    ledger.mark_failed(key, "E1", "bad", "fix it")
    ledger.ensure([key])
    assert ledger.get(key).errorno == "E1"
    ledger.mark_posted(key, "42")
    ledger.mark_posting([key])
    assert ledger.get(key).state is State.POSTED and ledger.get(DocKey("S", "bill", "x")) is None
    ledger.close()
    assert Ledger(tmp_path / "l.sqlite3").counts("S")["posted"] == 1


def test_writes_helper_sees_creates():
    import httpx
    assert writes(httpx.Request("POST", "http://x", content=b"<create_invoice>"))
