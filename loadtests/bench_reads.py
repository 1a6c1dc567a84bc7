"""Read benchmark: readByQuery pages as a company grows, a large page against a minimal SQLite + lxml
script, and one company's heavy request beside another company's sign-in (issue 10).

    python -m loadtests.bench_reads [--sizes 1000,100000,1000000] [--samples 15] [--heavy-records 1000]
                                    [--heavy-kb 372]

Rows (figures are printed, never asserted; ratios compare numbers measured in the same run, their samples
taken in turns; R1 and R2 are CPU milliseconds of this single-threaded process, R3 wall time):

- first page of 100 (no query, a filter on a field the definition indexes, a filter on STATUS, and one on a
  field without index) at each size, and the ratio largest / smallest (goal: within 2x; none for the field
  without index, whose total needs every record checked);
- a 1,000-record page through the gateway against a bare ``SELECT doc ... LIMIT 1000`` + lxml serialise of
  the same rows (goal: >= 0.5x);
- a ~372 KB request of ``FORM1099TYPE IN (...)`` readByQuery functions (a field without index) for one company
  while a second company signs in: the sign-in's latency beside its latency alone (goal: not delayed
  beyond its own work).

Records are bulk-inserted straight through the store (``Tx.insert_records``), not through the gateway,
so a million loads in seconds. ``rows()`` is what ``loadtests.bench`` calls for its read rows.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

from lxml import etree

from intacct_harness.simulator.store import Record, Store
from intacct_harness.simulator.testing import standard_company, standard_seed
from intacct_harness.simulator.wire.protocol import GATEWAY_PATH
from loadtests.common import envelope, login_auth

STAMP = "11/25/2026 00:00:00"
VENDTYPES = 10      # VENDTYPE = 'T7' and FORM1099TYPE = 'F7' match 1 record in 10: a full page of 100 at 1,000
QUERIES = {
    "no query": "",
    "filter on a declared field index (VENDTYPE = 'T7')": "VENDTYPE = 'T7'",
    "indexed filter (STATUS = 'active')": "STATUS = 'active'",
    "filter on a field without index (FORM1099TYPE = 'F7')": "FORM1099TYPE = 'F7'",
}
UNINDEXED = "filter on a field without index (FORM1099TYPE = 'F7')"   # O(records): printed, no goal


def vendor_doc(i: int, recordno: int) -> dict[str, str]:
    """The shape the gateway writes for a VENDOR, with a type and a status for the filters."""
    return {"VENDORID": f"BV-{i:07d}", "NAME": f"Bulk Vendor {i:07d}", "VENDTYPE": f"T{i % VENDTYPES}",
            "FORM1099TYPE": f"F{i % VENDTYPES}",
            "RECORDNO": str(recordno), "WHENCREATED": STAMP, "WHENMODIFIED": STAMP,
            "STATUS": "inactive" if i % 10 == 0 else "active", "CREATEDBY": "Admin", "MODIFIEDBY": "Admin",
            "MEGAENTITYKEY": "", "MEGAENTITYID": "", "MEGAENTITYNAME": ""}


def load_vendors(store: Store, company: str, n: int, chunk: int = 50_000) -> None:
    """``n`` VENDORs straight into the store, one transaction, in chunks (RECORDNOs from the company counter)."""
    with store.transaction() as tx:
        start = tx.next_recordno(company)
        for lo in range(0, n, chunk):
            recs = [(Record("VENDOR", start + i, f"BV-{i:07d}", "", vendor_doc(i, start + i)), f"Bulk Vendor {i:07d}")
                    for i in range(lo, min(lo + chunk, n))]
            if hasattr(tx, "insert_records"):
                tx.insert_records(company, recs)
            else:  # the store before issue 10 had no bulk insert
                tx.conn.executemany(
                    "INSERT INTO records(company, object, recordno, key, name_ci, entity, doc) VALUES(?,?,?,?,?,?,?)",
                    [(company, r.object, r.recordno, r.key, name.upper(), "", json.dumps(r.doc)) for r, name in recs])
        tx.conn.execute("UPDATE counters SET next=? WHERE company=?", (start + n, company))


@contextlib.contextmanager
def gateway(companies: dict[str, int], state_file: str | None = None) -> Iterator[Any]:
    """An in-process app (Flask test client) whose companies hold the given number of bulk VENDORs."""
    from intacct_harness.simulator.app import backend_of, create_app

    config: dict[str, Any] = {"LATENCY": False, "SEED": standard_seed(
        *(standard_company(cid, concurrency_limit=64) for cid in companies))}
    if state_file:
        config["STATE_FILE"] = state_file
    app = create_app(config)
    for cid, n in companies.items():
        load_vendors(backend_of(app).store, cid, n)
    yield app.test_client()


def read_by_query(client: Any, company: str, query: str, pagesize: int = 100, fields: str = "*") -> tuple[float, bytes]:
    """(CPU ms, response) of one readByQuery. CPU time of this single-threaded process: the request's own
    work, which other jobs on a shared machine do not stretch (wall time moved 2x between rounds of one run)."""
    body = envelope(f'<function controlid="q"><readByQuery><object>VENDOR</object><fields>{fields}</fields>'
                    f"<query>{query}</query><pagesize>{pagesize}</pagesize></readByQuery></function>",
                    login_auth(company))
    t0 = time.process_time()
    resp = client.post(GATEWAY_PATH, data=body, content_type="application/xml")
    ms = (time.process_time() - t0) * 1000
    if b"<status>success</status>" not in resp.data or b"<result>" not in resp.data:
        raise RuntimeError(f"readByQuery failed: {resp.data[:600]!r}")
    return ms, resp.data


def _interleaved(subjects: dict[Any, Any], samples: int) -> dict[Any, float]:
    """Median of ``samples`` calls of each subject, taken in turns (one call of each per round) after a
    warm-up call of each, so a slower stretch of a shared machine falls on every subject alike."""
    for fn in subjects.values():
        fn()
    taken: dict[Any, list[float]] = {k: [] for k in subjects}
    for _ in range(samples):
        for k, fn in subjects.items():
            taken[k].append(fn())
    return {k: statistics.median(v) for k, v in taken.items()}


# --------------------------------------------------------------------------- rows
def first_pages(sizes: list[int], samples: int) -> dict[str, dict[int, float]]:
    """Median first-page CPU ms per query and size. Every size is its own app and store, all alive at once,
    and each query's samples alternate between the sizes (the ratio compares figures of the same minutes)."""
    out: dict[str, dict[int, float]] = {}
    with contextlib.ExitStack() as stack:
        clients = {n: stack.enter_context(gateway({"GROW": n})) for n in sizes}
        for label, query in QUERIES.items():
            out[label] = _interleaved({n: (lambda c=c, q=query: read_by_query(c, "GROW", q)[0])
                                       for n, c in clients.items()}, samples)
    return out


def minimal_page(db_path: str, company: str, pagesize: int) -> float:
    """The same-work baseline: one SELECT of the rows, JSON decode, lxml elements, serialise."""
    import sqlite3

    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        t0 = time.process_time()
        root = etree.Element("data")
        for (doc,) in conn.execute("SELECT doc FROM records WHERE company=? AND object='VENDOR' ORDER BY recordno "
                                   "LIMIT ?", (company, pagesize)):
            el = etree.SubElement(root, "vendor")
            for k, v in json.loads(doc).items():
                etree.SubElement(el, k).text = v
        etree.tostring(root, encoding="UTF-8")
        return (time.process_time() - t0) * 1000
    finally:
        conn.close()


def big_page(records: int, samples: int, pagesize: int = 1000) -> tuple[float, float]:
    """(simulator ms, minimal select + serialise ms) for one page of ``pagesize`` records."""
    with tempfile.TemporaryDirectory(prefix="bench-reads-") as tmp:
        state = os.path.join(tmp, "state.sqlite3")
        with gateway({"PAGE": records}, state) as client:
            got = _interleaved({"sim": lambda: read_by_query(client, "PAGE", "", pagesize)[0],
                                "base": lambda: minimal_page(state, "PAGE", pagesize)}, samples)
    return got["sim"], got["base"]


def heavy_in_query(kb: int, values_per_function: int = 4000) -> str:
    """readByQuery functions whose ``FORM1099TYPE IN (...)`` lists (no value matches) add up to ``kb`` KB."""
    functions = []
    size = n = 0
    while size < kb * 1024:
        values = ",".join(f"'NOPE-{n + i:08d}'" for i in range(values_per_function))
        n += values_per_function
        text = (f'<function controlid="h{len(functions)}"><readByQuery><object>VENDOR</object><fields>RECORDNO'
                f"</fields><query>FORM1099TYPE IN ({values})</query><pagesize>100</pagesize></readByQuery></function>")
        functions.append(text)
        size += len(text)
    return "".join(functions)


def sign_in_beside_heavy(heavy_records: int, kb: int, samples: int) -> tuple[float, float, float, float, int]:
    """Company B's sign-in alone and while company A's heavy request runs (median and worst, ms), the heavy
    request's ms and its size. Sign-ins follow one another for as long as the heavy request runs."""
    def sign_in(client: Any) -> float:
        body = envelope('<function controlid="s"><getAPISession/></function>', login_auth("OTHER"))
        t0 = time.perf_counter()
        resp = client.post(GATEWAY_PATH, data=body, content_type="application/xml")
        if b"<sessionid>" not in resp.data:
            raise RuntimeError(f"sign-in failed: {resp.status_code} {resp.data[:300]!r}")
        return (time.perf_counter() - t0) * 1000

    with tempfile.TemporaryDirectory(prefix="bench-reads-") as tmp, \
            gateway({"HEAVY": heavy_records, "OTHER": 10}, os.path.join(tmp, "state.sqlite3")) as client:
        alone = _interleaved({"alone": lambda: sign_in(client)}, samples)["alone"]
        body = envelope(heavy_in_query(kb), login_auth("HEAVY"))
        heavy: dict[str, float] = {}

        def run_heavy() -> None:
            t0 = time.perf_counter()
            resp = client.post(GATEWAY_PATH, data=body, content_type="application/xml")
            heavy["ms"] = (time.perf_counter() - t0) * 1000
            if b"<status>success</status>" not in resp.data:
                raise RuntimeError(f"the heavy request failed: {resp.data[:300]!r}")

        thread = threading.Thread(target=run_heavy, daemon=True)
        thread.start()
        time.sleep(0.02)  # the heavy request is under way
        during = [sign_in(client)]
        while thread.is_alive():
            during.append(sign_in(client))
        thread.join()
    return alone, statistics.median(during), max(during), heavy["ms"], len(body)


def rows(sizes: list[int] | None = None, samples: int = 15, heavy_records: int = 1000, heavy_kb: int = 372,
         page_records: int = 5000, which: str = "1,2,3") -> list[Any]:
    """The read rows (R1, R2, R3 as ``which`` lists them) for ``loadtests.bench``'s table (its ``Row``)."""
    from loadtests.bench import Row

    sizes = sizes or [1000, 100_000, 1_000_000]
    wanted = {w.strip() for w in which.split(",")}
    out: list[Any] = []
    if "1" in wanted:
        pages = first_pages(sizes, samples)
        small, big = sizes[0], sizes[-1]
        for label, by_size in pages.items():
            ratio = by_size[big] / by_size[small]
            goal = label != UNINDEXED   # every record is checked: declare the field under ``indexes``
            out.append(Row(f"R1. readByQuery first page of 100, {label}, {small:,} -> {big:,} VENDORs",
                           ", ".join(f"{n:,}: {ms:.1f} ms" for n, ms in by_size.items()), f"{small:,}: "
                           f"{by_size[small]:.1f} ms", ratio, "within 2x" if goal else "n/a (grows with records)",
                           ratio <= 2.0 if goal else None))
    if "2" in wanted:
        sim, base = big_page(page_records, samples)
        out.append(Row("R2. readByQuery page of 1,000 records (fields *)", f"{sim:.1f} ms",
                       f"SELECT + json + lxml serialise {base:.1f} ms", base / sim, ">= 0.5x", base / sim >= 0.5))
    if "3" not in wanted:
        return out
    alone, during, worst, heavy_ms, size = sign_in_beside_heavy(heavy_records, heavy_kb, samples)
    out.append(Row(f"R3. sign-in of company B during a {size // 1024} KB IN request of company A "
                   f"({heavy_records:,} records; it took {heavy_ms:.0f} ms), one process",
                   f"p50 {during:.1f} ms, worst {worst:.1f} ms", f"alone {alone:.1f} ms", worst / alone,
                   "worst <= 2x (its own work)", worst / alone <= 2.0))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m loadtests.bench_reads", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="1000,100000,1000000", help="VENDOR counts for the first-page rows")
    p.add_argument("--samples", type=int, default=15)
    p.add_argument("--heavy-records", type=int, default=1000)
    p.add_argument("--heavy-kb", type=int, default=372)
    p.add_argument("--page-records", type=int, default=5000, help="records behind the 1,000-record page")
    p.add_argument("--rows", default="1,2,3", help="which of R1, R2, R3 to run")
    args = p.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    for r in rows(sizes, args.samples, args.heavy_records, args.heavy_kb, args.page_records, args.rows):
        verdict = "n/a" if r.met is None else ("met" if r.met else "MISSED")
        ratio = "n/a" if r.ratio is None else f"{r.ratio:.2f}x"
        print(f"{r.name}: {r.measured} vs {r.baseline} -> {ratio} ({r.goal}: {verdict})", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
