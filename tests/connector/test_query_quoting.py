"""One quoting rule for readByQuery string literals, shared by the connector and the simulator's lexer.

Sage's PHP SDK writes a quote as ``\\'``; the connector also writes a backslash as ``\\\\`` (the simulator reads
both), so a document number holding quotes or backslashes, at either end or anywhere, is found after a lost
answer and never posted twice.
"""

from __future__ import annotations

import pytest

from intacct_harness.connector.intacct import functions as fn
from intacct_harness.connector.tms.model import LoadStatus
from intacct_harness.simulator.query.condition import parse_condition
from tests.connector.conftest import connect
from tests.connector.test_faults import assert_exactly_once, first_writes

ODD = ["plain", "O'Brien", "'lead", "trail'", "''", "'", "DBL\\\\1", "one\\1", "ends\\", "\\starts", "\\", "\\\\",
       "\\'", "x\\'y", "'\\", "\\''\\", "it''s\\\\'", "tab\tand\nnewline", "%_like_%"]


@pytest.mark.parametrize("value", ODD)
def test_the_connectors_literal_reads_back_as_the_value(value):
    assert parse_condition(fn.in_condition("RECORDID", [value])).value == value
    assert parse_condition(fn.in_condition("RECORDID", [value, "other"])).values == (value, "other")


def test_readbyquery_over_the_wire_finds_each_odd_value_exactly(sim):
    sim.admin.add_records(sim.company_id, {"CLASS": [{"CLASSID": f"ODD{i}", "NAME": v} for i, v in enumerate(ODD)]})
    client = connect(sim).client
    results = client.execute([fn.read_by_query("CLASS", fn.in_condition("NAME", [v]), ["NAME"]) for v in ODD])
    for value, result in zip(ODD, results, strict=True):
        assert result.ok, (value, result.errors)
        assert [r["NAME"] for r in result.records()] == [value]
    (result,) = client.execute([fn.read_by_query("CLASS", fn.in_condition("NAME", ODD), ["NAME"])])
    assert sorted(r["NAME"] for r in result.records()) == sorted(ODD)


def test_documents_with_quotes_and_backslashes_are_found_after_a_lost_answer(seeded, data, wire_factory):
    delivered = [ld for ld in data.loads if ld.subsidiary_id == "SUB-1" and ld.status is LoadStatus.DELIVERED]
    for load, odd in zip(delivered, ["DBL\\\\1", "ends\\", "\\'", "O'Brien'", "\\"], strict=False):
        load.number = f"{load.number}{odd}"
    _, http = wire_factory(first_writes(["lose", "lose", "lose"]))
    report = connect(seeded, http=http, batch_size=50, settle_seconds=0).sync(data)
    assert report.ok, (report.error, report.notes)
    assert report.recovered and not report.uncertain
    assert_exactly_once(seeded, data)
