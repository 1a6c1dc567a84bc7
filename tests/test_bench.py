"""``make bench``'s write and serving rows, bounded: tiny sizes, real work, no timing assertions.

The write rows compare the simulator with a same-work baseline (loadtests/same_work.py); the ratio only
means something if the baseline really does the same work, so that is what is checked here: the same
records with the same columns, the same journal rows, the same response shape.
"""

from __future__ import annotations

import json
import sqlite3

from lxml import etree

from loadtests import bench, bench_writes
from loadtests.common import apbill_batch, envelope


def _shape(body: bytes) -> list[str]:
    """Every element path of a response, in order (values aside)."""
    root = etree.fromstring(body)
    tree = root.getroottree()
    return [tree.getpath(el) for el in root.iter()]


def test_the_baseline_stores_and_answers_what_the_simulator_does(tmp_path) -> None:
    subjects = bench_writes.Subjects(str(tmp_path))
    body = envelope(apbill_batch("T", 3), subjects.session_auth())
    sim, base = subjects.sim_model(body), subjects.base_model(body)
    assert _shape(sim) == _shape(base)
    assert b"<status>failure</status>" not in sim

    def stored(name: str) -> tuple[list[dict], list[tuple]]:
        with sqlite3.connect(tmp_path / name) as conn:
            docs = [json.loads(d) for (d,) in conn.execute("SELECT doc FROM records WHERE object='APBILL' "
                                                           "ORDER BY recordno")]
            journal = list(conn.execute("SELECT function, object, controlid, status, records FROM journal "
                                        "WHERE function='create' ORDER BY seq"))
        return docs, journal

    sim_docs, sim_journal = stored("sim.sqlite3")
    base_docs, base_journal = stored("base.sqlite3")
    assert len(sim_docs) == len(base_docs) == 3 and sim_journal == base_journal
    for mine, theirs in zip(sim_docs, base_docs, strict=True):
        # the simulator also copies the vendor's name onto the bill: the one column the baseline cannot know
        assert set(mine) - set(theirs) == {"VENDORNAME"} and set(theirs) <= set(mine)
        assert {k: v for k, v in mine.items() if k not in ("RECORDNO", "RECORD_URL", "VENDORNAME", "APBILLITEMS",
                                                           "WHENMODIFIED")} == \
               {k: v for k, v in theirs.items() if k not in ("RECORDNO", "RECORD_URL", "APBILLITEMS", "WHENMODIFIED")}
        assert [set(x) for x in mine["APBILLITEMS"]["APBILLITEM"]] == \
               [set(x) for x in theirs["APBILLITEMS"]["APBILLITEM"]]


def test_write_rows_print_ratios_for_both_paths(tmp_path) -> None:
    rows = bench.row_writes(seconds=0.02, rounds=1)
    assert [r.name.split(",")[0] for r in rows] == ["1. writes in-process", "1. writes through Flask"] * 2
    assert all(r.ratio is not None and r.ratio > 0 for r in rows)
    assert "echo app" in rows[1].baseline


def test_read_rows_say_when_their_module_is_missing(monkeypatch) -> None:
    import sys

    import loadtests

    monkeypatch.setitem(sys.modules, "loadtests.bench_reads", None)  # an import of it fails
    monkeypatch.delattr(loadtests, "bench_reads", raising=False)      # even after another test imported it
    [row] = bench.row_reads([10])
    assert "pending" in row.measured and row.met is None


def test_in_flight_row_holds_its_requests_and_refuses_a_third_per_company() -> None:
    from loadtests import bench_serving

    run, ideal = bench_serving.measure("gevent", 1, in_flight_requests=4, seconds=1.0)
    assert ideal == 4 / 0.3
    assert run.ok > 0 and set(run.statuses) == {200} and not run.errors
    codes = bench_serving.over_limit("gevent")
    assert codes[200] == 2 and codes[429] == 1


def test_read_rows_from_another_copy_of_the_module_are_taken_field_by_field(monkeypatch) -> None:
    """Run as ``python -m loadtests.bench``, bench_reads' Row is ``loadtests.bench.Row``, not ``__main__.Row``."""
    from dataclasses import make_dataclass

    from loadtests import bench_reads

    other = make_dataclass("Row", [(f, object) for f in bench.Row.__dataclass_fields__])
    monkeypatch.setattr(bench_reads, "rows", lambda sizes: [other("R1. x", "1 ms", "2 ms", 0.5, "g", True, "")])
    [row] = bench.row_reads([10])
    assert isinstance(row, bench.Row) and row.name == "R1. x" and row.ratio == 0.5
