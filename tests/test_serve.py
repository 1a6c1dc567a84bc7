"""`intacct-sim serve` under gunicorn with two worker processes: shared state, shared limits."""

from __future__ import annotations

import concurrent.futures

import httpx
import yaml

from intacct_harness.simulator.demo import served
from intacct_harness.simulator.testing import standard_company, standard_seed
from tests.wire import envelope, fn, login_auth


def _body(functions: str) -> str:
    return envelope(functions, sender="AlvysMPP", sender_password="sim-sender-secret",
                    auth=login_auth("alvys_ws", "ACME-TRUCKING", "sim-user-secret"))


def test_two_workers_share_records_and_the_concurrency_limit(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text(yaml.safe_dump(standard_seed(standard_company(concurrency_limit=1,
                                                                  latency={"base_ms": 1500}))))
    with served(seed, workers=2) as base:
        url = base + "/ia/xml/xmlgw.phtml"
        create = _body(fn("<create><CLASS><CLASSID>W1</CLASSID><NAME>from a worker</NAME></CLASS></create>"))
        assert b"<result><status>success</status>" in httpx.post(url, content=create, timeout=10).content
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            codes = sorted(pool.map(lambda _: httpx.post(url, content=_body(fn("<getAPISession/>")),
                                                         timeout=10).status_code, range(4)))
        assert codes.count(429) >= 2 and codes.count(200) >= 1, codes
        classes = httpx.get(f"{base}/__sim/companies/ACME-TRUCKING/records/CLASS").json()["records"]
        assert [c["CLASSID"] for c in classes] == ["W1"]


def test_bad_seed_file_exits_with_message(tmp_path):
    import subprocess
    import sys
    seed = tmp_path / "bad.yaml"
    seed.write_text("senders: []\ncompanies:\n  - id: X\n    colour: blue\n")
    proc = subprocess.run([sys.executable, "-m", "intacct_harness.simulator.cli", "serve", "--seed", str(seed),
                           "--port", "0"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert f"{seed}:4: seed.companies[0] (X).colour: unknown key" in proc.stderr



def _held_over_limit(tmp_path, *extra: str) -> tuple[list[int], int]:
    """10 requests in flight within their limits (5 companies of limit 2, 1.5 s each), then an 11th for the first
    company: (the ten statuses, the 11th's status)."""
    import time

    companies = [standard_company(f"CO-{i}", concurrency_limit=2, latency={"base_ms": 1500}) for i in range(5)]
    seed = tmp_path / "seed.yaml"
    seed.write_text(yaml.safe_dump(standard_seed(*companies)))

    def post(company: str) -> int:
        body = envelope(fn("<getAPISession/>"), sender="AlvysMPP", sender_password="sim-sender-secret",
                        auth=login_auth("alvys_ws", company, "sim-user-secret"))
        return httpx.post(url, content=body, timeout=30).status_code

    with served(seed, workers=1, extra=extra) as base, concurrent.futures.ThreadPoolExecutor(11) as pool:
        url = base + "/ia/xml/xmlgw.phtml"
        held = [pool.submit(post, c["id"]) for c in companies for _ in range(2)]
        time.sleep(0.5)  # the ten are in flight
        over = pool.submit(post, "CO-0")
        return [f.result() for f in held], over.result()


def test_requests_over_the_limit_are_refused_not_queued(tmp_path):
    """The default serve mode (gevent) holds every request it accepts, so one over its company's limit is refused
    with 429 GW-0010 at once, as the limits model, while ten others are in flight. (gthread with 8 threads
    answers the 11th 200 after a 1.5 s wait: it queued behind the threads, and the limit never showed.)"""
    held, over = _held_over_limit(tmp_path)
    assert held == [200] * 10
    assert over == 429



def test_a_writer_waits_out_another_process_holding_the_lock(intacct_sim_factory, tmp_path):
    """SQLite's busy handler is off (it sleeps in C, stalling a gevent worker's every request); the store waits in
    Python instead, so a write that meets another process's lock still succeeds once that lock goes."""
    import sqlite3
    import threading

    from tests.wire import Gateway

    state = tmp_path / "state.sqlite3"
    sim = intacct_sim_factory(config={"STATE_FILE": str(state), "BUSY_TIMEOUT": 20})
    gw = Gateway(sim)
    holder = sqlite3.connect(state, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, lambda: holder.execute("ROLLBACK"))
    release.start()
    try:
        reply = gw.call(fn("<create><CLASS><CLASSID>WAITED</CLASSID><NAME>after the lock</NAME></CLASS></create>"))
    finally:
        release.join()
        holder.close()
    assert reply.status() == "success"
    assert [c["CLASSID"] for c in sim.records("CLASS")] == ["WAITED"]


def test_one_gevent_worker_holds_300_requests_in_flight_within_512_open_files(tmp_path):
    """Each store transaction borrows a pooled SQLite connection and gives it back, so a request waiting out
    its modelled latency holds its socket and no SQLite file: 300 in flight fit in a worker allowed 512 open
    files (half Linux's usual soft limit). With a connection per request (three files each) they did not: 163
    answered 200, the other 137 gunicorn's HTML 500 page ('unable to open database file')."""
    import asyncio
    import time
    from collections import Counter

    ids = [f"FD-{i:03d}" for i in range(150)]
    seed = tmp_path / "seed.yaml"
    seed.write_text(yaml.safe_dump(standard_seed(*(standard_company(c, concurrency_limit=2,
                                                                    latency={"base_ms": 1500}) for c in ids))))

    def sign_in(company: str) -> str:
        return envelope(fn("<getAPISession/>"), sender="AlvysMPP", sender_password="sim-sender-secret",
                        auth=login_auth("alvys_ws", company, "sim-user-secret"))

    async def all_at_once(base: str) -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=300, max_keepalive_connections=300)
        async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
            return await asyncio.gather(*(client.post("/ia/xml/xmlgw.phtml", content=sign_in(c))
                                          for c in ids for _ in range(2)))

    with served(seed, workers=1, extra=("--worker-class", "gevent"), open_files=512) as base:
        t0 = time.monotonic()
        responses = asyncio.run(all_at_once(base))
        elapsed = time.monotonic() - t0
    assert Counter(r.status_code for r in responses) == {200: 300}, [r.text[:300] for r in responses
                                                                     if r.status_code != 200][:3]
    assert all(b"<sessionid>" in r.content for r in responses)
    assert elapsed < 60, elapsed   # in flight together: 1.5 s each, 225 s two at a time


def test_a_long_read_statement_lets_the_workers_other_requests_in(tmp_path):
    """One SQL statement can run for seconds (a filter on a field without index over a company's every record);
    in a gevent worker, which switches requests only when one waits, it used to hold every other request of
    the worker, every company's, until it ended. A read now pauses inside SQLite (its progress handler) every
    few milliseconds: another company's sign-in sent while the scan runs is answered before the scan ends."""
    import threading
    import time

    from intacct_harness.simulator.store import Store
    from loadtests.bench_reads import load_vendors

    seed = tmp_path / "seed.yaml"
    seed.write_text(yaml.safe_dump(standard_seed(*(standard_company(c) for c in ("HEAVY", "OTHER")))))
    state = tmp_path / "state.sqlite3"
    scan = envelope(fn("<readByQuery><object>VENDOR</object><fields>RECORDNO</fields>"
                       "<query>FORM1099TYPE = 'F7'</query><pagesize>10</pagesize></readByQuery>"),
                    sender="AlvysMPP", sender_password="sim-sender-secret",
                    auth=login_auth("alvys_ws", "HEAVY", "sim-user-secret"))
    sign_in = envelope(fn("<getAPISession/>"), sender="AlvysMPP", sender_password="sim-sender-secret",
                       auth=login_auth("alvys_ws", "OTHER", "sim-user-secret"))
    done: dict[str, float] = {}
    with served(seed, workers=1, extra=("--worker-class", "gevent", "--state", str(state))) as base:
        load_vendors(Store(str(state)), "HEAVY", 150_000)
        url = base + "/ia/xml/xmlgw.phtml"
        with httpx.Client(timeout=60) as http:
            assert b"<sessionid>" in http.post(url, content=sign_in).content   # each once, first: the scan's time
            t0 = time.monotonic()
            assert b"totalcount=\"15000\"" in http.post(url, content=scan).content
            alone = time.monotonic() - t0
        replies: dict[str, bytes] = {}

        def run_scan() -> None:
            with httpx.Client(timeout=60) as http:
                replies["scan"] = http.post(url, content=scan).content
            done["scan"] = time.monotonic()

        thread = threading.Thread(target=run_scan)
        thread.start()
        time.sleep(alone / 4)   # the scan is under way
        with httpx.Client(timeout=60) as http:
            replies["sign-in"] = http.post(url, content=sign_in).content
        done["sign-in"] = time.monotonic()
        thread.join()
    assert b"totalcount=\"15000\"" in replies["scan"] and b"<sessionid>" in replies["sign-in"]
    assert done["sign-in"] < done["scan"], (done, alone)


def _limits_after_raise(shell_limits: str, in_flight: int) -> tuple[str, int, int]:
    """``raise_open_files(in_flight)`` in a fresh interpreter started under ``shell_limits`` (ulimit options):
    (its warning, the soft and hard limits after)."""
    import subprocess
    import sys

    code = ("import resource; from intacct_harness.simulator.serving import raise_open_files as r; "
            f"print(r({in_flight})); print(*resource.getrlimit(resource.RLIMIT_NOFILE))")
    out = subprocess.run(["/bin/sh", "-c", f'{shell_limits} && exec "$0" -c "$1"', sys.executable, code],
                         capture_output=True, text=True, timeout=60, check=True).stdout.splitlines()
    soft, hard = (int(x) for x in out[1].split())
    return out[0], soft, hard


def test_serve_raises_a_low_soft_limit_of_open_files_to_what_its_connections_need():
    """macOS's soft limit is 256 files, Linux's 1,024, below a gevent worker's 1,000 requests in flight: serve
    raises it (up to the hard limit) before the workers start, so they inherit it."""
    warning, soft, hard = _limits_after_raise("ulimit -Sn 256 && ulimit -Hn 4096", 1000)
    assert (warning, soft, hard) == ("None", 1128, 4096)


def test_serve_warns_when_the_hard_limit_of_open_files_is_below_its_connections():
    warning, soft, hard = _limits_after_raise("ulimit -n 512", 1000)
    assert (soft, hard) == (512, 512)
    assert "holds about 384 requests in flight, not 1000" in warning and "ulimit -Hn 1128" in warning
    assert warning.endswith("or lower --connections")
