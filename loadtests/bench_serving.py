"""``make bench`` row 6: hundreds of in-flight latency-modelled requests against the ideal rate.

``companies`` companies of concurrency 2 and a 300 ms latency model, two kept-alive connections each
(``2 x companies`` requests in flight, every company at its limit, none over it), each posting one
request after another for ``seconds``: by default ``getAPISession`` on an open session, the lightest
real request, so the row measures how many requests the server holds in flight rather than how much
CPU each costs (row 1 prices that); ``function="create"`` posts one ``create APBILL`` instead.
The ideal rate is in-flight / 0.3 s: what a server that held every request for exactly its modelled time
would answer. The client is one asyncio loop over raw HTTP/1.1 sockets (~50 µs per request), so it takes
little of the CPU the server needs.

``over_limit`` checks the other half of the tier model: a third connection per company must be refused
with 429 GW-0010 at once, not queued behind the two in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psutil
from lxml import etree

from intacct_harness.simulator.demo import served
from intacct_harness.simulator.wire.protocol import GATEWAY_PATH
from loadtests.common import Tier, apbill_batch, company_id, envelope, login_auth, tier_seed, write_seed

TIER = Tier(concurrency=2, base_ms=300)


@dataclass
class Run:
    seconds: float = 0.0
    ok: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    cpu: dict[str, float] = field(default_factory=dict)   # CPU seconds in the window: client, server, machine
    peak_files: int = 0      # open file descriptors of the server's processes (sampled), master included
    peak_rss_mb: float = 0.0  # their resident memory

    def cpu_share(self, who: str) -> float:
        """Cores ``who`` kept busy over the window (client, server, or machine: every process on the box)."""
        return self.cpu.get(who, 0.0) / self.seconds if self.seconds else 0.0

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def p(self, q: float) -> float:
        if len(self.latencies) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100)[int(q) - 1] * 1000


class CpuMeter:
    """CPU seconds of this process (the client), of its child processes (the served gunicorn master and workers)
    and of the whole machine (/proc/stat, every agent's work included), between ``start`` and ``stop``."""

    def __init__(self) -> None:
        self.me = psutil.Process()
        self.children: list[psutil.Process] = []
        self.marks: dict[str, float] = {}

    def _server(self) -> float:
        total = 0.0
        for proc in self.children:
            with contextlib.suppress(psutil.Error):
                t = proc.cpu_times()
                total += t.user + t.system
        return total

    def _now(self) -> dict[str, float]:
        mine = self.me.cpu_times()
        machine = psutil.cpu_times()
        return {"client": mine.user + mine.system, "server": self._server(),
                "machine": machine.user + machine.nice + machine.system + machine.irq + machine.softirq}

    def start(self) -> None:
        self.children = self.me.children(recursive=True)
        self.marks = self._now()

    def stop(self) -> dict[str, float]:
        return {k: v - self.marks[k] for k, v in self._now().items()}

    def server_files_and_rss(self) -> tuple[int, float]:
        """Open files and resident MB of the server's processes now (a worker holds a socket per request)."""
        files, rss = 0, 0
        for proc in self.children:
            with contextlib.suppress(psutil.Error):
                files += proc.num_fds()
                rss += proc.memory_info().rss
        return files, rss / 2**20


class Conn:
    """One kept-alive HTTP/1.1 connection (reopened when the server closes it)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (f"POST {GATEWAY_PATH} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/xml\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        try:
            raw = await self.reader.readuntil(b"\r\n\r\n")
            lines = raw.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
            data = await self.reader.readexactly(int(headers.get("content-length", "0")))
        except (OSError, asyncio.IncompleteReadError, ValueError):
            await self.close()
            raise
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, data

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def _sessions(host: str, port: int, companies: int) -> list[str]:
    """One API session per company (each a 300 ms request of its own, all at once)."""
    async def one(n: int) -> str:
        conn = Conn(host, port)
        _, data = await conn.post(envelope('<function controlid="s"><getAPISession/></function>',
                                           login_auth(company_id(n))))
        await conn.close()
        sid = etree.fromstring(data).findtext("operation/result/data/api/sessionid")
        if not sid:
            raise RuntimeError(f"no session for {company_id(n)}: {data[:300]!r}")
        return f"<sessionid>{sid}</sessionid>"
    return list(await asyncio.gather(*(one(n) for n in range(companies))))


FUNCTIONS = {"getAPISession": lambda n: '<function controlid="g"><getAPISession/></function>',
             "create": lambda n: apbill_batch(f"S{n}", 1)}


async def _drive(base: str, companies: int, per_company: int, seconds: float, warmup: float,
                 function: str) -> Run:
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    auths = await _sessions(host, port, companies)
    run = Run()
    measuring = False
    stop = False

    async def user(n: int) -> None:
        conn = Conn(host, port)
        bodies = [envelope(FUNCTIONS[function](n), auths[n % companies]) for _ in range(20)]
        i = 0
        while not stop:
            t0 = time.perf_counter()
            try:
                status, data = await conn.post(bodies[i % len(bodies)])
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                if measuring:
                    run.errors[type(exc).__name__] += 1
                await asyncio.sleep(0.05)
                continue
            i += 1
            if measuring:
                run.statuses[status] += 1
                if status == 200 and b"<status>failure</status>" not in data:
                    run.ok += 1
                    run.latencies.append(time.perf_counter() - t0)
            if status == 429:
                await asyncio.sleep(0.05)
        await conn.close()

    tasks = [asyncio.create_task(user(n)) for n in range(companies * per_company)]
    await asyncio.sleep(warmup)
    meter = CpuMeter()
    meter.start()
    measuring = True
    t0 = time.perf_counter()
    while (left := seconds - (time.perf_counter() - t0)) > 0:
        files, rss = meter.server_files_and_rss()
        run.peak_files, run.peak_rss_mb = max(run.peak_files, files), max(run.peak_rss_mb, rss)
        await asyncio.sleep(min(0.5, left))
    measuring = False
    run.seconds = time.perf_counter() - t0
    run.cpu = meter.stop()
    stop = True
    await asyncio.gather(*tasks, return_exceptions=True)
    return run


def in_flight(base: str, companies: int, seconds: float, per_company: int = 2, warmup: float = 2.0,
              function: str = "getAPISession") -> Run:
    return asyncio.run(_drive(base, companies, per_company, seconds, warmup, function))


def measure(worker_class: str, workers: int, in_flight_requests: int = 500, seconds: float = 10.0,
            threads: int = 256, function: str = "getAPISession") -> tuple[Run, float]:
    """(run, ideal req/s) for ``in_flight_requests`` against ``intacct-sim serve`` with this worker class."""
    companies = in_flight_requests // TIER.concurrency
    with tempfile.TemporaryDirectory(prefix="bench-serving-") as tmp:
        seed = write_seed(os.path.join(tmp, "seed.yaml"), tier_seed(companies, TIER))
        extra = ("--worker-class", worker_class, "--threads", str(threads))
        with served(Path(seed), workers=workers, extra=extra) as base:
            run = in_flight(base, companies, seconds, function=function)
    return run, companies * TIER.concurrency / TIER.request_seconds(1)


def over_limit(worker_class: str, workers: int = 1, threads: int = 8) -> Counter[int]:
    """Three requests at once to one company of limit 2 (300 ms each): statuses, e.g. {200: 2, 429: 1}."""
    async def go(base: str) -> Counter[int]:
        parts = urlsplit(base)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        auth = (await _sessions(host, port, 1))[0]
        conns = [Conn(host, port) for _ in range(3)]
        started = time.perf_counter()
        out = await asyncio.gather(*(c.post(envelope(apbill_batch("L", 1), auth)) for c in conns))
        elapsed = time.perf_counter() - started
        for c in conns:
            await c.close()
        codes = Counter(status for status, _ in out)
        codes[-1] = int(elapsed * 1000)  # the wall time of the three, in ms (a queued third would take 600)
        return codes

    with tempfile.TemporaryDirectory(prefix="bench-limit-") as tmp:
        seed = write_seed(os.path.join(tmp, "seed.yaml"), tier_seed(1, TIER))
        with served(Path(seed), workers=workers, extra=("--worker-class", worker_class, "--threads",
                                                        str(threads))) as base:
            return asyncio.run(go(base))


@dataclass
class Beside:
    """Company B's sign-ins alone and while company A's heavy request runs, served over HTTP (ms)."""

    alone: float = 0.0
    during: list[float] = field(default_factory=list)
    heavy_ms: list[float] = field(default_factory=list)
    heavy_bytes: int = 0

    @property
    def worst(self) -> float:
        return max(self.during) if self.during else float("nan")

    @property
    def median(self) -> float:
        return statistics.median(self.during) if self.during else float("nan")


async def _beside(base: str, heavy_body: bytes, repeats: int, connections: int, samples: int) -> Beside:
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    sign_in = envelope('<function controlid="s"><getAPISession/></function>', login_auth("OTHER"))
    conns = [Conn(host, port) for _ in range(connections)]   # kept alive; the workers' accepts share them out
    await asyncio.gather(*(c.post(sign_in) for c in conns))  # all open at once, so both workers hold some
    out = Beside(heavy_bytes=len(heavy_body))
    n = 0

    async def one() -> float:
        nonlocal n
        conn = conns[n % len(conns)]
        n += 1
        t0 = time.perf_counter()
        status, data = await conn.post(sign_in)
        if status != 200 or b"<sessionid>" not in data:
            raise RuntimeError(f"sign-in failed: {status} {data[:300]!r}")
        return (time.perf_counter() - t0) * 1000

    alone = [await one() for _ in range(samples * connections)]
    out.alone = statistics.median(alone)
    heavy_conn = Conn(host, port)
    done = False

    async def heavy() -> None:
        nonlocal done
        for _ in range(repeats):
            t0 = time.perf_counter()
            status, data = await heavy_conn.post(heavy_body)
            out.heavy_ms.append((time.perf_counter() - t0) * 1000)
            if status != 200 or b"<status>success</status>" not in data:
                raise RuntimeError(f"the heavy request failed: {status} {data[:300]!r}")
        done = True

    task = asyncio.create_task(heavy())
    await asyncio.sleep(0.005)
    while not done and not task.done():
        out.during.append(await one())
    await task
    for c in [*conns, heavy_conn]:
        await c.close()
    return out


SCAN = ('<function controlid="scan"><readByQuery><object>VENDOR</object><fields>RECORDNO</fields>'
        "<query>FORM1099TYPE = 'F7'</query><pagesize>100</pagesize></readByQuery></function>")


def beside_heavy(worker_class: str = "gevent", workers: int = 2, heavy_records: int = 1000, heavy_kb: int = 372,
                 repeats: int = 20, connections: int = 8, samples: int = 5, heavy: str = "in") -> Beside:
    """Company B signs in, one request at a time over ``connections`` kept-alive connections, while company A
    posts its heavy request ``repeats`` times in a row, to ``intacct-sim serve`` (no latency model: the
    figures are the work and the waits). ``heavy="in"``: the ~372 KB ``FORM1099TYPE IN (...)`` request of
    loadtests/bench_reads.py; ``"scan"``: one readByQuery on that field without index, a single SQL statement
    over all ``heavy_records``."""
    from intacct_harness.simulator.store import Store
    from intacct_harness.simulator.testing import standard_company, standard_seed
    from loadtests.bench_reads import heavy_in_query, load_vendors

    functions = {"in": lambda: heavy_in_query(heavy_kb), "scan": lambda: SCAN}[heavy]()
    with tempfile.TemporaryDirectory(prefix="bench-beside-") as tmp:
        seed = write_seed(os.path.join(tmp, "seed.yaml"), standard_seed(
            *(standard_company(cid, concurrency_limit=64) for cid in ("HEAVY", "OTHER"))))
        state = os.path.join(tmp, "state.sqlite3")
        extra = ("--worker-class", worker_class, "--state", state)
        with served(Path(seed), workers=workers, extra=extra) as base:
            store = Store(state)   # the bulk records straight into the served state file
            load_vendors(store, "HEAVY", heavy_records)
            del store
            return asyncio.run(_beside(base, envelope(functions, login_auth("HEAVY")), repeats, connections,
                                       samples))


def main(argv: list[str] | None = None) -> int:
    """The serving figures on their own (row 6 of ``make bench`` runs ``measure``)."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m loadtests.bench_serving", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="what", required=True)
    fl = sub.add_parser("in-flight", help="latency-modelled requests in flight against the ideal rate")
    fl.add_argument("--worker-class", choices=("gevent", "gthread"), default="gevent")
    fl.add_argument("--workers", type=int, default=2)
    fl.add_argument("--in-flight", type=int, default=500)
    fl.add_argument("--seconds", type=float, default=10.0)
    fl.add_argument("--function", choices=tuple(FUNCTIONS), default="getAPISession")
    bs = sub.add_parser("beside", help="company B's sign-in while company A's heavy request runs")
    bs.add_argument("--worker-class", choices=("gevent", "gthread"), default="gevent")
    bs.add_argument("--workers", type=int, default=2)
    bs.add_argument("--heavy", choices=("in", "scan"), default="in")
    bs.add_argument("--records", type=int, default=None, help="company A's VENDORs (in: 1,000; scan: 200,000)")
    bs.add_argument("--repeats", type=int, default=None, help="heavy requests in a row (in: 20; scan: 5)")
    bs.add_argument("--runs", type=int, default=3, help="separate servers, one after the other")
    args = p.parse_args(argv)
    if args.what == "in-flight":
        run, ideal = measure(args.worker_class, args.workers, args.in_flight, args.seconds, function=args.function)
        print(f"{args.in_flight} in flight, {args.function}, {args.worker_class} x {args.workers}: "
              f"{run.rate:,.0f} req/s vs ideal {ideal:,.0f} ({run.rate / ideal:.2f}x), p50 {run.p(50):.0f} ms, "
              f"p95 {run.p(95):.0f} ms; cores: client {run.cpu_share('client'):.2f}, server "
              f"{run.cpu_share('server'):.2f}, machine {run.cpu_share('machine'):.2f}; server {run.peak_files:,} "
              f"open files, {run.peak_rss_mb:,.0f} MB; statuses {dict(run.statuses)}", flush=True)
        return 0
    records = args.records or (200_000 if args.heavy == "scan" else 1000)
    repeats = args.repeats or (5 if args.heavy == "scan" else 20)
    for n in range(args.runs):
        b = beside_heavy(args.worker_class, args.workers, records, repeats=repeats, heavy=args.heavy)
        print(f"run {n + 1}: {args.heavy} over {records:,} records ({len(b.heavy_ms)} x {min(b.heavy_ms):.0f}-"
              f"{max(b.heavy_ms):.0f} ms), {args.worker_class} x {args.workers}: B's sign-in alone "
              f"{b.alone:.2f} ms, during p50 {b.median:.2f} ms, worst {b.worst:.2f} ms ({b.worst / b.alone:.1f}x),"
              f" {len(b.during)} sign-ins", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
