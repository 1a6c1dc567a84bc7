"""The state file survives SIGKILL of the server mid-load: no corruption, every answered write kept."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import sqlite3
import subprocess
import sys
import time

import httpx
import yaml

from intacct_harness.simulator.demo import free_port
from intacct_harness.simulator.testing import standard_company, standard_seed
from tests.wire import envelope, fn, login_auth


def _start(state: str, port: int, seed: str | None = None) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "intacct_harness.simulator.cli", "serve", "--port", str(port), "--state", state,
            "--workers", "2"]
    if seed:
        args += ["--seed", seed]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/__sim/health", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError("server did not start")


_http = httpx.Client(timeout=5)  # one client: building one costs ~50 ms (SSL context), far more than a request


def _create(port: int, n: int) -> str | None:
    body = envelope(fn(f"<create><CLASS><CLASSID>K{n}</CLASSID><NAME>n{n}</NAME></CLASS></create>"),
                    sender="AlvysMPP", sender_password="sim-sender-secret",
                    auth=login_auth("alvys_ws", "ACME-TRUCKING", "sim-user-secret"))
    try:
        resp = _http.post(f"http://127.0.0.1:{port}/ia/xml/xmlgw.phtml", content=body)
    except httpx.TransportError:
        return None
    return f"K{n}" if b"<result><status>success</status>" in resp.content else None


def test_state_survives_sigkill_mid_load(tmp_path):
    state, seed = str(tmp_path / "state.sqlite3"), tmp_path / "seed.yaml"
    seed.write_text(yaml.safe_dump(standard_seed(standard_company(concurrency_limit=50))))
    port = free_port()
    proc = _start(state, port, str(seed))
    acknowledged: list[str] = []
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(_create, port, n) for n in range(600)]
        deadline = time.monotonic() + 20
        while sum(f.done() for f in futures) < 50 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)  # master and workers, mid-write
        proc.wait(timeout=10)
        acknowledged = [k for f in futures if (k := f.result())]
    assert acknowledged, "no write was acknowledged before the kill"
    with sqlite3.connect(state) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    port = free_port()
    proc = _start(state, port)  # restart on the same file, no seed
    try:
        classes = _http.get(f"http://127.0.0.1:{port}/__sim/companies/ACME-TRUCKING/records/CLASS").json()["records"]
        stored = {c["CLASSID"] for c in classes}
        assert set(acknowledged) <= stored  # every write the client saw succeed is there
        assert _create(port, 10_000) == "K10000"  # and the restarted server takes new writes
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
