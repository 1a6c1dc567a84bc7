"""``loadtests.bench_reads`` at tiny sizes: every row prints, with figures and a ratio (no timing asserts)."""

from __future__ import annotations

import re

import pytest

from loadtests import bench_reads


def test_the_read_benchmark_prints_its_rows(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_reads.main(["--sizes", "20,60", "--samples", "1", "--heavy-records", "30", "--heavy-kb", "8",
                             "--page-records", "1000"]) == 0
    lines = capsys.readouterr().out.splitlines()
    prefixes = ["R1. readByQuery first page of 100, no query",
                "R1. readByQuery first page of 100, filter on a declared field index",
                "R1. readByQuery first page of 100, indexed", "R1. readByQuery first page of 100, filter on a field "
                "without index", "R2. readByQuery page of 1,000 records", "R3. sign-in of company B during a "]
    assert len(lines) == len(prefixes)
    assert all(line.startswith(prefix) for line, prefix in zip(lines, prefixes, strict=True)), lines
    for line in lines:
        assert re.search(r"-> \d+\.\d\dx \(.+: (met|MISSED|n/a)\)$", line), line
    assert lines[3].endswith(": n/a)")   # a field without index has no flatness goal
    assert "20: " in lines[0] and "60: " in lines[0]


def test_bulk_loaded_vendors_are_readable_through_the_gateway() -> None:
    with bench_reads.gateway({"GROW": 250}) as client:
        _, body = bench_reads.read_by_query(client, "GROW", "VENDTYPE = 'T7'", fields="VENDORID")
    assert b'totalcount="25"' in body and b"<VENDORID>BV-0000007</VENDORID>" in body
