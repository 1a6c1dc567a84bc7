"""A sync in chunks: everything posts exactly once, each party is matched once, the report stays small."""

from __future__ import annotations

import pytest
from lxml import etree

from intacct_harness.connector import Ledger
from intacct_harness.connector.export import documents_for
from intacct_harness.connector.sync import POSTED_SAMPLE, Syncer
from intacct_harness.connector.tms.fake import Sizes, generate, sage_records
from tests.connector.conftest import Killed, company_block, connect
from tests.connector.test_faults import assert_exactly_once, first_writes, new_docs


def lookups(bodies):
    """The values each party lookup (``query`` on CUSTOMER/VENDOR) asked for, one list per request."""
    out = []
    for body in bodies:
        root = etree.fromstring(body)
        queries = [q for q in root.iter("query") if q.findtext("object") in ("CUSTOMER", "VENDOR")]
        if queries:
            out.append([v.text for q in queries for v in q.iter("value")])
    return out


def chunked_sync(conn, data, chunk_size, progress=None):
    return Syncer(conn.client, conn.settings, conn.ledger, progress=progress, chunk_size=chunk_size).run(data)


def test_chunks_smaller_than_the_data_set_post_everything_once_and_match_each_party_once(seeded, data, wire_factory):
    wire, http = wire_factory()
    conn = connect(seeded, http=http, batch_size=4)
    new = new_docs(data)
    assert len(new) > 3 * 7, "the data set must span several chunks"
    report = chunked_sync(conn, data, chunk_size=7)
    assert report.ok and report.posted == len(new)
    assert_exactly_once(seeded, data)
    asked = lookups(wire.bodies)
    values = [v for request in asked for v in request]
    parties = {d.party.id: d.party for d in new}
    assert len(values) == len(set(values)) == len(parties)        # every party looked up, none twice
    assert len(asked) == 1                                        # one lookup request for the whole run
    creates = [b for b in wire.bodies if b"<create_invoice>" in b or b"<create>" in b]
    assert [b.count(b"<function ") for b in creates[:-1]] == [4] * (len(creates) - 1)   # batches span chunks
    assert conn.ledger.counts("SUB-1")["posted"] == len(new)
    again = chunked_sync(conn, data, chunk_size=7)
    assert again.ok and again.posted == 0 and again.already_posted == len(new)


def test_match_notes_are_given_once_per_party_across_chunks(intacct_sim_factory, data):
    one, many = (intacct_sim_factory(company_block()) for _ in range(2))
    for sim in (one, many):
        sim.admin.add_records(sim.company_id, sage_records(data, "SUB-1", name_only_ratio=1.0))
    whole = connect(one).sync(data)
    chunked = chunked_sync(connect(many), data, chunk_size=5)
    assert whole.notes and sorted(chunked.notes) == sorted(whole.notes)
    assert len(chunked.notes) == len(set(chunked.notes))


def test_report_counts_posted_documents_but_keeps_only_a_sample(sim):
    data = generate(5, Sizes(customers=6, carriers=5, drivers=4, loads=400, settlements=120))
    sim.admin.add_records(sim.company_id, sage_records(data, "SUB-1"))
    new = new_docs(data)
    assert len(new) > POSTED_SAMPLE
    conn = connect(sim, batch_size=100)
    report = conn.sync(data)
    assert report.ok and report.posted == len(new)
    assert len(report.posted_sample) == POSTED_SAMPLE
    out = report.to_dict()
    assert out["posted"] == len(new) and len(out["posted_sample"]) == POSTED_SAMPLE
    recordnos = {e.key.number: e.recordno for e in conn.ledger.entries("SUB-1")}    # every RECORDNO is in the ledger
    assert all(recordnos[o.number] == o.recordno for o in report.posted_sample)
    assert sum(1 for r in recordnos.values() if r) == len(new)


def test_progress_ends_at_its_total_when_chunks_drop_unmatched_documents(seeded, data):
    victim = next(d for d in new_docs(data) if d.kind == "invoice")
    victim.party.external_ids["SUB-1"] = "C-NOT-IN-SAGE"
    progress = []
    report = chunked_sync(connect(seeded, batch_size=3), data, chunk_size=6, progress=progress.append)
    bad = {d.key.number for d in new_docs(data) if d.party.id == victim.party.id}
    assert {o.number for o in report.failed} == bad and report.posted == len(new_docs(data)) - len(bad)
    assert progress[-1].done == progress[-1].total == report.posted
    assert all(a.total >= b.total for a, b in zip(progress, progress[1:], strict=False))
    assert progress[-1].posted == report.posted and progress[-1].failed == 0 and progress[-1].refused == len(bad)
    assert progress[-1].line().endswith(f"{report.posted} posted, 0 failed; {len(bad)} not sent (unmatched or "
                                        "unmapped)")


def test_killed_in_a_later_chunk_then_resumed_without_duplicates(seeded, data, wire_factory, tmp_path):
    path = tmp_path / "ledger.sqlite3"
    _, http = wire_factory(first_writes([None, None, None, "kill"]))   # the 4th batch spans chunks 2 and 3
    conn = connect(seeded, http=http, ledger=Ledger(path), batch_size=3, concurrency_limit=1)
    with pytest.raises(Killed):
        chunked_sync(conn, data, chunk_size=5)
    conn.ledger.close()
    ledger = Ledger(path)
    assert ledger.counts("SUB-1")["posted"] == 9 and ledger.counts("SUB-1")["posting"] == 3
    resumed = chunked_sync(connect(seeded, ledger=ledger, batch_size=3), data, chunk_size=5)
    assert resumed.ok and len(resumed.recovered) == 3 and resumed.posted == len(new_docs(data)) - 12
    assert_exactly_once(seeded, data)


def test_a_later_chunk_that_cannot_be_checked_holds_only_its_documents(seeded, data):
    """Chunk 3 holds invoices a dead run left ``posting``, and Sage refuses to look them up: those three stay
    uncertain (never posted blind), every other document posts, and the next sync posts the three exactly once."""
    docs = documents_for(data, "SUB-1")
    new = {d.key.number for d in new_docs(data)}
    later = [d for d in docs[10:] if d.kind == "invoice" and d.key.number in new][:3]
    assert len(later) == 3
    conn = connect(seeded, batch_size=2, concurrency_limit=2, settle_seconds=0)
    conn.ledger.ensure(d.key for d in docs)
    conn.ledger.mark_posting([d.key for d in later])                    # as a killed run leaves them
    seeded.admin.add_fault(action="error", function="readByQuery", object="ARINVOICE",
                           error={"name": "PermissionDenied"})
    report = chunked_sync(conn, data, chunk_size=5)
    assert report.error is None and not report.ok
    assert sorted(report.uncertain) == sorted(d.key.number for d in later)
    assert sum("could not be looked up in Sage" in n for n in report.notes) == 3
    counts = conn.ledger.counts("SUB-1")
    assert report.posted == len(new) - 3 and counts["posted"] == report.posted and counts["posting"] == 3
    assert len(seeded.records("ARINVOICE")) + len(seeded.records("APBILL")) == report.posted
    seeded.admin.clear_faults()
    resumed = chunked_sync(conn, data, chunk_size=5)
    assert resumed.ok and resumed.posted == 3
    assert_exactly_once(seeded, data)


def test_a_batch_that_aborts_the_sync_stops_the_batches_not_yet_started(seeded, data):
    """Side-by-side posting: a control-level refusal of one post aborts the run; queued batches never leave."""
    new = new_docs(data)
    seeded.admin.add_fault(action="error", function="create", times=1, error={"name": "InvalidSender"})
    conn = connect(seeded, batch_size=2, concurrency_limit=2)
    report = chunked_sync(conn, data, chunk_size=50)
    assert report.error and report.posted < len(new) - 2
    counts = conn.ledger.counts("SUB-1")
    assert counts["posting"] == 0 and counts["posted"] == report.posted        # the refused batch is pending again
    assert len(seeded.records("ARINVOICE")) + len(seeded.records("APBILL")) == report.posted
    resumed = chunked_sync(conn, data, chunk_size=50)
    assert resumed.ok and resumed.posted == len(new) - report.posted
    assert_exactly_once(seeded, data)
