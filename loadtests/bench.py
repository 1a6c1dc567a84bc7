"""``make bench``: one table of side-by-side figures on this machine (printed, not timed tests).

    python -m loadtests.bench [--rows 1,2,3,4,5,6,7] [--seconds 3] [--rounds 3] [--growth 1000,100000,1000000]
                              [--memory-docs 20000,100000] [--in-flight 500] [--worker-classes gevent:2,gthread:2]
                              [--write loadtests/RESULTS.md]

1. writes: the simulator at 1 and 100 ``create APBILL`` functions per request (3 lines each) against the
   same-work baseline (loadtests/same_work.py: lxml parse, one SQLite transaction inserting the same rows
   with the same indexes, the same response), in-process and through Flask; the echo app as a second
   reference (loadtests/bench_writes.py);
2. connector end-to-end documents/s (in-process and over HTTP) vs raw gateway functions/s at the same batch;
3. tier-shaped (concurrency 2, 300 ms per request): connector documents/s vs the ceiling 2 x batch / 0.3 s;
4. growth: readByQuery by ID and by NAME at 1k / 100k / 1M records (p50, p95), and peak memory of the
   simulator and the connector syncing N documents;
5. ``pytest -n auto`` vs ``-n 0`` wall time;
6. 500 in-flight latency-modelled requests (300 ms) against the ideal rate, per gunicorn worker class
   (loadtests/bench_serving.py);
7. the read-page rows of loadtests/bench_reads.py (``rows(sizes)``, at the --growth sizes).

Every row compares figures measured in the same run (ratios), because absolute numbers on a shared
2-core box move by +-10 % from run to run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from intacct_harness.simulator.demo import served
from intacct_harness.simulator.testing import standard_seed
from intacct_harness.simulator.wire.protocol import GATEWAY_PATH
from loadtests import connector_driver as cd
from loadtests.common import (
    GatewayClient,
    Tier,
    apbill_batch,
    envelope,
    read_outcome,
    tier_company,
    tier_seed,
    write_seed,
)

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Row:
    name: str
    measured: str
    baseline: str
    ratio: float | None
    goal: str
    met: bool | None
    note: str = ""


SERVE_OPTIONS: list[str] = []   # --serve-class: rows 2-4 under a given worker class (default: serve's own)


@contextlib.contextmanager
def served_seed(seed: dict[str, Any], workers: int = 2) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        path = write_seed(os.path.join(tmp, "seed.yaml"), seed)
        with served(Path(path), workers=workers, extra=tuple(SERVE_OPTIONS)) as base:
            yield base


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:,.1f}"


# --------------------------------------------------------------------------- 1. writes vs the same work
WRITE_GOAL = 0.8


def row_writes(seconds: float, rounds: int = 3) -> list[Row]:
    """The simulator's write path against the same-work baseline (loadtests/bench_writes.py says how)."""
    from loadtests import bench_writes

    rows = []
    for n, m in bench_writes.measure(seconds, rounds).items():
        f = m["figures"]
        rows.append(Row(f"1. writes in-process, {n} create APBILL/request (x3 lines; parse + Backend.handle)",
                        f"{_fmt(f['sim_model'])} fn/s", f"same work {_fmt(f['base_model'])} fn/s", m["model"],
                        f">= {WRITE_GOAL}x", m["model"] >= WRITE_GOAL))
        rows.append(Row(f"1. writes through Flask, {n} create APBILL/request (one WSGI call)",
                        f"{_fmt(f['sim_flask'])} fn/s (response {m['response']:,} B)",
                        f"same work behind Flask {_fmt(f['base_flask'])} fn/s; echo app {_fmt(f['echo'])} fn/s "
                        f"({m['echo']:.2f}x)", m["flask"], f">= {WRITE_GOAL}x", m["flask"] >= WRITE_GOAL))
    return rows


# --------------------------------------------------------------------------- 2. connector vs raw gateway
def _raw_sequential(http: httpx.Client, base: str, company: str, batch: int, seconds: float) -> float:
    gw = GatewayClient(base, company, http=http)
    gw.open_session()
    bodies = [envelope(apbill_batch("R", batch), gw.auth) for _ in range(50)]
    done, t0, i = 0, time.perf_counter(), 0
    while time.perf_counter() - t0 < seconds:
        out = gw.post(bodies[i % len(bodies)])
        i += 1
        done += out.functions - len(out.failures)
    return done / (time.perf_counter() - t0)


def _connector_docs_per_s(http: httpx.Client, base: str, company: str, data: Any, batch: int) -> tuple[float, Any]:
    cd.seed_company(http, company, data)
    conn = cd.settings(data, company, base_url=base, batch=batch, concurrency=64)
    t0 = time.perf_counter()
    result = cd.sync(conn, http, data)
    return result.posted / (time.perf_counter() - t0), result


def row_connector(seconds: float, workers: int, batch: int = 50) -> list[Row]:
    from intacct_harness.simulator.app import create_app
    from intacct_harness.simulator.testing import IN_PROCESS_BASE

    rows = []
    data = cd.dataset(11, loads=2500, settlements=1000)
    fast = Tier(concurrency=64)
    for where in ("in-process", "HTTP"):
        if where == "in-process":
            app = create_app({"LATENCY": False, "SEED": tier_seed(2, fast)})
            ctx: Any = contextlib.nullcontext(IN_PROCESS_BASE)
            make = lambda base, app=app: httpx.Client(transport=httpx.WSGITransport(app=app),  # noqa: E731
                                                      base_url=base, timeout=60)
        else:
            ctx = served_seed(tier_seed(2, fast), workers)
            make = lambda base: httpx.Client(base_url=base, timeout=60)  # noqa: E731
        with ctx as base, make(base) as http:
            raw = _raw_sequential(http, base, "LOAD-CO-00", batch, seconds)
            docs, result = _connector_docs_per_s(http, base, "LOAD-CO-01", data, batch)
        cost = raw / docs if docs else float("inf")
        rows.append(Row(f"2. connector docs/s {where}, batch {batch}, 1 subsidiary",
                        f"{_fmt(docs)} docs/s ({result.posted} posted, {result.failed} failed, "
                        f"{result.requests} requests)", f"raw gateway {_fmt(raw)} fn/s", 1 / cost if docs else 0.0,
                        ">= 0.5x (cost <= 2x)", cost <= 2.0))
    return rows


# --------------------------------------------------------------------------- 3. tier-shaped
TIER_MONTH_LOADS, TIER_MONTH_SETTLEMENTS = 2_500, 900


def tier_floor(batches: list[int], tier: Tier, batch: int) -> float:
    """The least time a sync of these subsidiaries (``batches`` posting requests each) can take on ``tier``.

    Each subsidiary's API session and party lookup are a round trip each before its first post (Sage
    wants the session in a request of its own; matching must answer before a document names its party),
    and the posts fill the company's slots in rounds, the last one maybe half empty.
    """
    slots = tier.concurrency
    fixed_rounds = 2 * math.ceil(len(batches) / slots)
    return (fixed_rounds + math.ceil(sum(batches) / slots)) * tier.request_seconds(batch)


def row_tier(batch: int = 50, workers: int = 2) -> list[Row]:
    """The sync is timed from the moment every subsidiary's connector is built (HTTP client, settings) to
    the last report; the breakdown comes from each exchange's send and answer times (``cd.Timeline``)."""
    tier = Tier(concurrency=2, base_ms=300)
    ceiling = tier.ceiling(batch)
    rows = []
    with served_seed(tier_seed(2, tier), workers) as base:
        for subs, company in ((1, "LOAD-CO-00"), (2, "LOAD-CO-01")):
            # A month of one customer's loads (a ~100-truck fleet: ~2,000 delivered loads, ~900 settlements),
            # shared among its subsidiaries: the same parties, their own document prefixes.
            sets = [cd.dataset(100, loads=TIER_MONTH_LOADS // subs, settlements=TIER_MONTH_SETTLEMENTS // subs,
                               subsidiary=i + 1) for i in range(subs)]
            results: list[Any] = [None] * subs
            with httpx.Client(base_url=base, timeout=60) as admin:
                for data in sets:
                    cd.seed_company(admin, company, data)
            timelines = [cd.Timeline() for _ in sets]
            ready = threading.Barrier(subs + 1)

            def run(i: int, data: Any, company: str = company, results: list[Any] = results,
                    timelines: list[Any] = timelines, ready: threading.Barrier = ready) -> None:
                with httpx.Client(base_url=base, timeout=60, transport=timelines[i]) as http:
                    conn = cd.settings(data, company, base_url=base, batch=batch, concurrency=2)
                    ready.wait()
                    results[i] = cd.sync(conn, http, data)

            threads = [threading.Thread(target=run, args=(i, d)) for i, d in enumerate(sets)]
            for t in threads:
                t.start()
            ready.wait()
            t0 = time.perf_counter()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - t0
            with httpx.Client(base_url=base, timeout=60) as admin:
                bills = admin.get(f"/__sim/companies/{company}/records/APBILL").json()["records"]
                invoices = admin.get(f"/__sim/companies/{company}/records/ARINVOICE").json()["records"]
            ids = [b.get("RECORDID") for b in bills] + [i.get("RECORDID") or i.get("INVOICENO") for i in invoices]
            expected = sum(cd.documents(d) for d in sets)
            posted = sum(r.posted for r in results)
            once = len(ids) == len(set(ids)) == expected == posted
            unhandled = sum(r.uncertain for r in results) + sum(1 for r in results if r.error)
            docs = posted / elapsed
            ratio = docs / ceiling
            floor = tier_floor([math.ceil(cd.documents(d) / batch) for d in sets], tier, batch)
            b = cd.breakdown([e for tl in timelines for e in tl.exchanges], t0, t0 + elapsed, tier.concurrency)
            note = (f"{elapsed:.2f} s; protocol floor {floor:.2f} s ({_fmt(posted / floor)} docs/s, this run "
                    f"{floor / elapsed:.2f}x of it); first request {b['first_request_s'] * 1000:.0f} ms, first post "
                    f"{b['first_post_s']:.2f} s; {b['fixed_requests']:.0f} fixed requests of {b['fixed_ms']:.0f} ms, "
                    f"{b['posts']:.0f} posts of {b['post_ms']:.0f} ms on average; slots busy "
                    f"{b['slots_busy']:.0%}")
            rows.append(Row(f"3. tier: concurrency 2, 300 ms/request, batch {batch}, {subs} subsidiar"
                            f"{'y' if subs == 1 else 'ies'} on one company",
                            f"{_fmt(docs)} docs/s ({posted}/{expected} posted, {len(ids)} in Sage, "
                            f"{sum(r.retries for r in results)} retries)",
                            f"ceiling {_fmt(ceiling)} docs/s", ratio, ">= 0.9x, exactly once, no 429 unhandled",
                            ratio >= 0.9 and once and not unhandled,
                            note if once else "documents missing or duplicated; " + note))
    return rows


# --------------------------------------------------------------------------- 4. growth and memory
def bulk_vendors(store: Any, company: str, n: int, chunk: int = 50000) -> None:
    """n VENDOR records straight into the store in one transaction (the shape the gateway writes)."""
    stamp = "11/25/2026 00:00:00"
    with store.transaction() as tx:
        start = tx.conn.execute("SELECT next FROM counters WHERE company=?", (company,)).fetchone()[0]
        for lo in range(0, n, chunk):
            rows = []
            for i in range(lo, min(lo + chunk, n)):
                rn = start + i
                vid, name = f"BV-{i:07d}", f"Bulk Vendor {i:07d}"
                doc = {"VENDORID": vid, "NAME": name, "RECORDNO": str(rn), "WHENCREATED": stamp,
                       "WHENMODIFIED": stamp, "STATUS": "active", "CREATEDBY": "Admin", "MODIFIEDBY": "Admin",
                       "MEGAENTITYKEY": "", "MEGAENTITYID": "", "MEGAENTITYNAME": ""}
                rows.append((company, "VENDOR", rn, vid, name.upper(), "", json.dumps(doc)))
            tx.conn.executemany("INSERT INTO records(company, object, recordno, key, name_ci, entity, doc) "
                                "VALUES(?,?,?,?,?,?,?)", rows)
        tx.conn.execute("UPDATE counters SET next=? WHERE company=?", (start + n, company))


def _lookup_times(client: Any, auth: str, n: int, field: str, samples: int) -> tuple[float, float, int]:
    import random

    rng = random.Random(n)
    times = []
    found = 0
    for _ in range(samples):
        i = rng.randrange(n)
        value = f"BV-{i:07d}" if field == "VENDORID" else f"Bulk Vendor {i:07d}"
        body = envelope(f'<function controlid="q"><readByQuery><object>VENDOR</object><fields>RECORDNO,VENDORID,NAME'
                        f"</fields><query>{field} = '{value}'</query><pagesize>10</pagesize></readByQuery></function>",
                        auth)
        t0 = time.perf_counter()
        resp = client.post(GATEWAY_PATH, data=body, content_type="application/xml")
        times.append((time.perf_counter() - t0) * 1000)
        out = read_outcome(resp.status_code, resp.data)
        found += out.functions - len(out.failures) if b'count="1"' in resp.data else 0
    q = statistics.quantiles(times, n=20)
    return statistics.median(times), q[18], found


def row_growth(sizes: list[int], samples: int = 300) -> list[Row]:
    from intacct_harness.simulator.app import backend_of, create_app

    results: dict[int, dict[str, tuple[float, float, int]]] = {}
    build: dict[int, float] = {}
    for n in sizes:
        app = create_app({"LATENCY": False, "SEED": standard_seed(tier_company("GROW", Tier(64), vendors=0,
                                                                               customers=0))})
        t0 = time.perf_counter()
        bulk_vendors(backend_of(app).store, "GROW", n)
        build[n] = time.perf_counter() - t0
        client = app.test_client()
        gw_auth = ("<login><userid>alvys_ws</userid><companyid>GROW</companyid>"
                   "<password>sim-user-secret</password></login>")
        results[n] = {f: _lookup_times(client, gw_auth, n, f, samples) for f in ("VENDORID", "NAME")}
        del app, client
    rows = []
    small, big = sizes[0], sizes[-1]
    for f in ("VENDORID", "NAME"):
        detail = ", ".join(f"{n:,}: p50 {results[n][f][0]:.2f} / p95 {results[n][f][1]:.2f} ms"
                           f"{'' if results[n][f][2] == samples else f' ({results[n][f][2]} found)'}" for n in sizes)
        ratio = results[big][f][0] / results[small][f][0]
        rows.append(Row(f"4. readByQuery by {'ID' if f == 'VENDORID' else 'NAME'}, {small:,} -> {big:,} VENDORs",
                        detail, f"bulk load {', '.join(f'{n:,} in {build[n]:.1f}s' for n in sizes)}", ratio,
                        "p50 within 2x", ratio <= 2.0))
    return rows


def _rss_tree(pid: int) -> dict[int, int]:
    import psutil

    out = {}
    with contextlib.suppress(psutil.Error):
        for p in [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                out[p.pid] = p.memory_info().rss
    return out


def memory_child(docs: int, base: str) -> None:
    """Run in a subprocess: generate ``docs`` documents, sync them over HTTP, print peak RSS above baseline.

    The ledger is a file, as in production (an in-memory SQLite ledger would count its rows as the
    connector's memory).
    """
    import psutil

    from intacct_harness.connector.ledger import Ledger

    me = psutil.Process()
    loads = int(docs * 0.7 / 0.8)   # ~80 % of loads are delivered -> invoices
    data = cd.dataset(5, loads=loads, settlements=docs - int(loads * 0.8), parties=60)
    baseline = me.memory_info().rss
    peak = [baseline]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], me.memory_info().rss)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with tempfile.TemporaryDirectory() as tmp, httpx.Client(base_url=base, timeout=120) as http:
        cd.seed_company(http, "LOAD-CO-00", data)
        conn = cd.settings(data, "LOAD-CO-00", base_url=base, batch=100, concurrency=64)
        ledger = Ledger(Path(tmp) / "ledger.sqlite3")
        t0 = time.perf_counter()
        result = cd.sync(conn, http, data, ledger=ledger)
        elapsed = time.perf_counter() - t0
        ledger.close()
    stop.set()
    sampler.join()
    print(json.dumps({"documents": cd.documents(data), "posted": result.posted, "failed": result.failed,
                      "seconds": elapsed, "baseline": baseline, "peak": peak[0]}))


def row_memory(sizes: list[int], workers: int = 2) -> list[Row]:
    per: dict[int, dict[str, Any]] = {}
    for docs in sizes:
        with served_seed(tier_seed(1, Tier(64)), workers) as base:
            import psutil

            server_pids = [c.pid for c in psutil.Process().children(recursive=True)]
            peak_server = [0]
            stop = threading.Event()

            def sample(pids: list[int] = server_pids, stop: threading.Event = stop,
                       peak_server: list[int] = peak_server) -> None:
                while not stop.is_set():
                    total = sum(sum(_rss_tree(p).values()) for p in pids if psutil.pid_exists(p))
                    peak_server[0] = max(peak_server[0], total)
                    time.sleep(0.1)

            before = sum(sum(_rss_tree(p).values()) for p in server_pids)
            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            out = subprocess.run([sys.executable, "-m", "loadtests.bench", "--memory-child", str(docs), "--base", base],
                                 cwd=ROOT, capture_output=True, text=True, timeout=3600, check=True)
            stop.set()
            sampler.join()
            per[docs] = json.loads(out.stdout.strip().splitlines()[-1]) | {"server_before": before,
                                                                           "server_peak": peak_server[0]}
    mb = 1 / (1024 * 1024)
    small, big = sizes[0], sizes[-1]

    def conn_delta(d: int) -> float:
        return (per[d]["peak"] - per[d]["baseline"]) * mb

    def srv_peak(d: int) -> float:
        return per[d]["server_peak"] * mb

    detail = "; ".join(f"{per[d]['posted']:,} docs in {per[d]['seconds']:.0f}s: connector +{conn_delta(d):.0f} MB "
                       f"over its data set, simulator (master + {workers} workers) peak {srv_peak(d):.0f} MB"
                       for d in sizes)
    ratio = conn_delta(big) / conn_delta(small) if conn_delta(small) > 0 else None
    srv_ratio = srv_peak(big) / srv_peak(small)
    return [Row(f"4. peak memory syncing {small:,} -> {big:,} documents over HTTP", detail,
                f"x{big / small:.0f} documents; simulator peak x{srv_ratio:.2f}", ratio,
                "flat in documents", ratio is not None and ratio <= 1.5 and srv_ratio <= 1.5)]


# --------------------------------------------------------------------------- 5. the suite
def row_suite() -> list[Row]:
    times = {}
    for n in ("auto", "0"):
        t0 = time.perf_counter()
        dist = ["--dist", "loadgroup"] if n == "auto" else []   # as `make test` schedules it
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", n, *dist, "-p", "no:cacheprovider",
                               "--ignore=tests/test_loadtests.py"], cwd=ROOT, capture_output=True, text=True,
                              timeout=1800, check=False)
        times[n] = (time.perf_counter() - t0, proc.stdout.strip().splitlines()[-1] if proc.stdout else "")
    ratio = times["0"][0] / times["auto"][0]
    return [Row("5. pytest -n auto vs -n 0 (wall time)", f"-n auto {times['auto'][0]:.1f}s ({times['auto'][1]})",
                f"-n 0 {times['0'][0]:.1f}s", ratio, ">= 1.6x", ratio >= 1.6)]


# --------------------------------------------------------------------------- 6. in flight
SERVING_GOAL = 0.9


def row_in_flight(seconds: float, in_flight: int, classes: str, function: str) -> list[Row]:
    """``in_flight`` latency-modelled requests (300 ms, 2 per company) per worker class: rate vs ideal."""
    from loadtests import bench_serving

    rows = []
    for spec in classes.split(","):
        worker_class, workers, threads = ([*spec.strip().split(":"), "", ""])[:3]
        run, ideal = bench_serving.measure(worker_class, int(workers or 2), in_flight, seconds, int(threads or 256),
                                           function)
        ratio = run.rate / ideal
        others = {k: v for k, v in sorted(run.statuses.items()) if k != 200}
        shape = f"{workers or 2} workers" + (f" x {threads or 256} threads" if worker_class == "gthread" else "")
        rows.append(Row(f"6. {in_flight} in flight, 300 ms model, {function}: {worker_class} x {shape}",
                        f"{_fmt(run.rate)} req/s (p50 {run.p(50):.0f} ms, p95 "
                        f"{run.p(95):.0f} ms{', other statuses ' + str(others) if others else ''}"
                        f"{', errors ' + str(dict(run.errors)) if run.errors else ''}; cores busy: client "
                        f"{run.cpu_share('client'):.2f}, server {run.cpu_share('server'):.2f}, machine "
                        f"{run.cpu_share('machine'):.2f}; server {run.peak_files:,} open files, "
                        f"{run.peak_rss_mb:,.0f} MB)",
                        f"ideal {_fmt(ideal)} req/s", ratio, f">= {SERVING_GOAL}x", ratio >= SERVING_GOAL))
    return rows


# --------------------------------------------------------------------------- 7. read pages (helper module)
def row_reads(sizes: list[int]) -> list[Row]:
    """The read-page rows live in loadtests/bench_reads.py (``rows(sizes)``); absent, the table says so."""
    try:
        from loadtests import bench_reads  # type: ignore[attr-defined]
    except ImportError:
        return [Row("7. read pages (loadtests/bench_reads.py)", "pending: the module has not landed", "", None,
                    "", None)]
    # bench_reads builds ``loadtests.bench.Row``; run as ``python -m loadtests.bench`` this module is __main__,
    # a second copy with a Row class of its own, so rows are copied field by field.
    return [Row(**{f: getattr(r, f) for f in Row.__dataclass_fields__}) for r in bench_reads.rows(sizes)]


# --------------------------------------------------------------------------- the table
def table(rows: list[Row]) -> str:
    lines = ["| row | measured | against | ratio | goal | met |", "|---|---|---|---|---|---|"]
    for r in rows:
        met = "n/a" if r.met is None else ("yes" if r.met else "**no**")
        ratio = "n/a" if r.ratio is None else f"{r.ratio:.2f}x"
        lines.append(f"| {r.name} | {r.measured} | {r.baseline} | {ratio} | {r.goal} | {met}"
                     f"{' (' + r.note + ')' if r.note else ''} |")
    return "\n".join(lines)


def machine() -> str:
    import psutil

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (f"{platform.node()}: {os.cpu_count()} CPUs ({cpu}), {psutil.virtual_memory().total / 2**30:.0f} GiB, "
            f"{platform.platform()}, Python {platform.python_version()}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m loadtests.bench", description="side-by-side benchmark table")
    p.add_argument("--rows", default=os.environ.get("BENCH_ROWS", "1,2,3,4,5,6,7"))
    p.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", "3")))
    p.add_argument("--serve-class", choices=("gevent", "gthread"), help="rows 2-4: serve's --worker-class")
    p.add_argument("--rounds", type=int, default=3, help="row 1: alternating rounds of --seconds each")
    p.add_argument("--workers", type=int, default=2, help="simulator gunicorn workers (rows 2-4)")
    p.add_argument("--in-flight", type=int, default=500, help="row 6: requests in flight (2 per company)")
    p.add_argument("--in-flight-seconds", type=float, default=15.0)
    p.add_argument("--in-flight-function", choices=("getAPISession", "create"), default="getAPISession",
                   help="row 6: what each request runs (create: one create APBILL)")
    p.add_argument("--worker-classes", default="gevent:2,gevent:1,gthread:2",
                   help="row 6: CLASS:WORKERS[:THREADS] to compare (gthread: 256 threads per worker unless given)")
    p.add_argument("--growth", default=os.environ.get("BENCH_GROWTH", "1000,100000,1000000"))
    p.add_argument("--memory-docs", default=os.environ.get("BENCH_MEMORY_DOCS", "10000,100000"))
    p.add_argument("--write", default=os.environ.get("BENCH_WRITE", ""), help="append the table to this file")
    p.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    p.add_argument("--base", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child, args.base)
        return 0
    if args.serve_class:
        SERVE_OPTIONS[:] = ["--worker-class", args.serve_class]
    wanted = {int(x) for x in args.rows.split(",") if x.strip()}
    steps: list[tuple[int, Callable[[], list[Row]]]] = [
        (1, lambda: row_writes(args.seconds, args.rounds)),
        (2, lambda: row_connector(args.seconds, args.workers)),
        (3, lambda: row_tier(workers=args.workers)),
        (4, lambda: row_growth([int(x) for x in args.growth.split(",")])),
        (4, lambda: row_memory([int(x) for x in args.memory_docs.split(",")], args.workers)),
        (5, row_suite),
        (6, lambda: row_in_flight(args.in_flight_seconds, args.in_flight, args.worker_classes,
                                  args.in_flight_function)),
        (7, lambda: row_reads([int(x) for x in args.growth.split(",")])),
    ]
    rows: list[Row] = []
    started = datetime.now(UTC)
    for number, step in steps:
        if number in wanted:
            t0 = time.perf_counter()
            new = step()
            rows.extend(new)
            for r in new:
                verdict = "n/a" if r.met is None else ("met" if r.met else "MISSED")
                print(f"{r.name}: {r.measured} vs {r.baseline} -> "
                      f"{'n/a' if r.ratio is None else f'{r.ratio:.2f}x'} ({r.goal}: {verdict}) "
                      f"[{time.perf_counter() - t0:.0f}s]", flush=True)
    text = (f"### {started:%Y-%m-%d %H:%M} UTC\n\n{machine()}\n\n{table(rows)}\n")
    print("\n" + text)
    if args.write:
        with open(args.write, "a", encoding="utf-8") as fh:
            fh.write("\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
