"""Chaos soak: sync thousands of documents while the gateway fails every way it can; count what broke.

Two runs, both ending with the same audit (Sage's records against the ledger and the TMS data):

- ``soak``: in-process. The simulator's fault rules make 10-20 % of requests fail, spread evenly
  over every kind (429, 502, 503, 524 after the work, 524 while Sage is still processing, resets,
  responses lost after the post, empty and truncated bodies, injected server errors, latency).
  The connector syncs round after round until nothing is left, then one clean round.
- ``kills``: over real sockets. ``intacct-connector sync`` runs as a process against a served
  simulator and is SIGKILLed at random moments, many times; each time it is started again on the
  same ledger file, then once more to the end.

``python -m loadtests.chaos`` (``make chaos``) prints a table whose last two lines read
``duplicates: N`` and ``lost: N``; it exits non-zero unless both are 0.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml

from intacct_harness.connector.cli import dataset_from_config
from intacct_harness.connector.connection import Connection
from intacct_harness.connector.export import documents_for
from intacct_harness.connector.intacct import RetryPolicy
from intacct_harness.connector.ledger import Ledger, State
from intacct_harness.connector.secrets import Secret
from intacct_harness.connector.settings import SENDER_PASSWORD_ENV, ConnectionSettings
from intacct_harness.connector.tms.fake import DEFAULT_START, sage_records
from intacct_harness.connector.tms.model import Dataset
from intacct_harness.simulator.testing import (
    DEFAULT_SENDER,
    DEFAULT_USER,
    simulated_company,
    standard_company,
    standard_seed,
)

FAULT_KINDS: list[dict[str, Any]] = [
    {"id": "http-429", "action": "http", "status": 429},
    {"id": "http-502", "action": "http", "status": 502},
    {"id": "http-503", "action": "http", "status": 503},
    {"id": "http-524-after-work", "action": "http", "status": 524},
    {"id": "reset-before-work", "action": "reset"},
    {"id": "lost-response-after-work", "action": "lost_response"},
    {"id": "empty-body", "action": "empty"},
    {"id": "truncated-body", "action": "truncated"},
    {"id": "server-error-DL02000001", "action": "error", "function": "create", "error": {"name": "InternalError"}},
    {"id": "latency-50ms", "action": "latency", "ms": 50},
    {"id": "524-still-processing", "action": "still_processing", "ms": 100},
]
# How long an unanswered post may still land in Sage: the connection's settle_seconds must cover the
# slowest "still processing" fault, or the soak would (rightly) find duplicates.
SETTLE_SECONDS = 0.5
ENV = {SENDER_PASSWORD_ENV: DEFAULT_SENDER[1]}


def fault_rules(rate: float) -> list[dict[str, Any]]:
    """Rules whose first-match-wins chain fires each kind with probability rate / kinds."""
    share, rules = rate / len(FAULT_KINDS), []
    for i, kind in enumerate(FAULT_KINDS):
        rules.append({**kind, "probability": min(1.0, share / (1 - i * share))})
    return rules


def tms_spec(docs: int, seed: int) -> dict[str, int]:
    """The TMS data set as a connector config's ``tms`` block, so the CLI builds exactly the same one.

    About 80 % of loads are delivered, so ~``docs`` documents need ~1.25 docs // 1 loads and settlements.
    """
    loads = int(docs * 0.75)
    return {"seed": seed, "customers": max(5, docs // 200), "carriers": max(4, docs // 250),
            "drivers": max(3, docs // 300), "loads": loads, "settlements": docs - int(loads * 0.8)}


def dataset(docs: int, seed: int) -> Dataset:
    return dataset_from_config(tms_spec(docs, seed))


def company_for(data: Dataset, concurrency: int = 4) -> dict[str, Any]:
    sub = data.subsidiaries[0].id
    company = standard_company(concurrency_limit=concurrency)
    company["records"].update(sage_records(data, sub, name_only_ratio=1.0))
    return company


@dataclass
class Audit:
    expected: int
    in_sage: int
    duplicates: int
    lost: int
    ledger: dict[str, int]
    unexplained: list[str] = field(default_factory=list)   # ledger says posted but Sage disagrees, or vice versa


def audit(records: list[dict[str, Any]], data: Dataset, ledger: Ledger, subsidiary: str) -> Audit:
    expected = {d.key.number for d in documents_for(data, subsidiary)}
    seen = collections.Counter(r.get("RECORDID") for r in records)
    duplicates = sum(n - 1 for n in seen.values() if n > 1)
    lost = len(expected - set(seen))
    by_number = {r.get("RECORDID"): r.get("RECORDNO") for r in records}
    unexplained = []
    for entry in ledger.entries(subsidiary):
        in_sage = by_number.get(entry.key.number)
        if entry.state == State.POSTED and in_sage != entry.recordno:
            unexplained.append(f"{entry.key.number}: ledger posted as {entry.recordno}, Sage has {in_sage}")
        if entry.state != State.POSTED and in_sage is not None:
            unexplained.append(f"{entry.key.number}: in Sage as {in_sage} but ledger says {entry.state}")
    return Audit(len(expected), len(seen), duplicates, lost, ledger.counts(subsidiary), unexplained)


@dataclass
class SoakResult:
    docs: int
    rounds: int
    seconds: float
    requests: int
    faults: dict[str, int]
    audit: Audit
    pending_reasons: list[str]


def soak(docs: int = 10_000, rate: float = 0.15, seed: int = 7, batch: int = 20, max_rounds: int = 40) -> SoakResult:
    data = dataset(docs, seed)
    sim = simulated_company(company_for(data), config={"FAULT_SEED": seed})
    sub = data.subsidiaries[0].id
    settings = ConnectionSettings(
        subsidiary_id=sub, company_id=sim.company_id, user_id=DEFAULT_USER[0], user_password=Secret(DEFAULT_USER[1]),
        established_at=DEFAULT_START - timedelta(days=1), endpoint=sim.url, batch_size=batch, concurrency_limit=4,
        settle_seconds=SETTLE_SECONDS)
    ledger = Ledger()
    retry = RetryPolicy(attempts=8, base_delay=0.002, max_delay=0.02, rng=random.Random(seed))
    conn = Connection(settings, sim.client(timeout=30), ledger=ledger, environ=ENV, retry=retry, timeout=30)
    sim.admin.set_faults(fault_rules(rate))
    started, rounds, requests = time.perf_counter(), 0, 0
    while rounds < max_rounds:
        rounds += 1
        report = conn.sync(data)
        counts = ledger.counts(sub)
        if not counts.get("pending") and not counts.get("posting") and not counts.get("failed"):
            break
        if report.uncertain:
            time.sleep(SETTLE_SECONDS)  # unanswered posts are re-checked only once they have settled
    faults = collections.Counter(e["message"].split()[2] for e in sim.admin.journal(
        sim.company_id, function="(fault)", limit=100_000))
    sim.admin.clear_faults()
    time.sleep(SETTLE_SECONDS)
    conn.sync(data)  # a clean round settles anything the last chaotic round left uncertain
    requests = conn.client.stats.get("requests", 0)
    elapsed = time.perf_counter() - started
    records = sim.records("ARINVOICE") + sim.records("APBILL")
    reasons = [f"{e.key.number}: {e.state} {e.errorno or ''} {e.message or ''}".strip()
               for e in ledger.entries(sub) if e.state not in (State.POSTED, State.NOT_MIGRATED)]
    result = SoakResult(docs, rounds + 1, elapsed, requests, dict(faults), audit(records, data, ledger, sub), reasons)
    sim.close()
    return result


# --------------------------------------------------------------------------- SIGKILL the connector process
@dataclass
class KillResult:
    kills: int
    survived: int
    seconds: float
    audit: Audit
    posted_at_kill: list[int] = field(default_factory=list)   # ledger 'posted' count after each kill
    posting_at_kill: list[int] = field(default_factory=list)  # documents caught mid-post by a kill


def _posted(ledger_file: Path, subsidiary: str) -> int:
    """The ledger's posted count, read-only, while the connector process writes it."""
    if not ledger_file.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{ledger_file}?mode=ro", uri=True, timeout=5)) as db:
            return db.execute("SELECT count(*) FROM documents WHERE subsidiary_id=? AND state='posted'",
                              (subsidiary,)).fetchone()[0]
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0


def _kill_at_random_point(proc: subprocess.Popen, ledger_file: Path, subsidiary: str, rng: random.Random,
                          point: int) -> None:
    """Return when it is time to kill ``proc``: a point of its sync chosen by progress, not by the clock.

    One kill in five strikes before the first post lands (start-up, login, matching); the others once
    ``point`` documents are posted (at least one more than when it started), so a fast machine cannot finish
    the sync before the kill.
    """
    start = _posted(ledger_file, subsidiary)
    early = rng.random() < 0.2
    delay = rng.uniform(0.0, 0.4)
    if early:
        time.sleep(delay)
        proc.poll()
        return
    target = max(start + 1, point)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if _posted(ledger_file, subsidiary) >= target:
            return
        time.sleep(0.01)


def kills(docs: int = 2_000, kills: int = 15, seed: int = 7, rate: float = 0.0) -> KillResult:
    from intacct_harness.simulator.demo import served

    data = dataset(docs, seed)
    sub = data.subsidiaries[0].id
    work = Path(tempfile.mkdtemp(prefix="chaos-"))
    seed_file = work / "seed.yaml"
    sim_seed = standard_seed(company_for(data, concurrency=4))
    if rate:
        sim_seed["faults"] = fault_rules(rate)
    seed_file.write_text(yaml.safe_dump(sim_seed), encoding="utf-8")
    rng = random.Random(seed)
    started = time.perf_counter()
    survived = 0
    posted_at_kill: list[int] = []
    posting_at_kill: list[int] = []
    with served(seed_file, workers=2) as base:
        config = work / "connector.yaml"
        config.write_text(yaml.safe_dump({
            "connection": {"subsidiary_id": sub, "company_id": "ACME-TRUCKING", "user_id": DEFAULT_USER[0],
                           "user_password": DEFAULT_USER[1], "endpoint": f"{base}/ia/xml/xmlgw.phtml",
                           "established_at": (DEFAULT_START - timedelta(days=1)).isoformat(), "batch_size": 50,
                           "settle_seconds": SETTLE_SECONDS},
            "ledger": "ledger.sqlite3", "tms": tms_spec(docs, seed)}), encoding="utf-8")
        cmd = [sys.executable, "-m", "intacct_harness.connector.cli", "sync", "-c", str(config)]
        env = {**os.environ, **ENV}
        ledger_file = work / "ledger.sqlite3"
        total = len(documents_for(data, sub))
        # the kills' points, spread over the whole sync (in posted documents)
        points = sorted(int(rng.uniform(0.02, 0.98) * total) for _ in range(kills))
        for point in points:
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _kill_at_random_point(proc, ledger_file, sub, rng, point)
            if proc.returncode is None:
                proc.send_signal(signal.SIGKILL)
            else:
                survived += 1
            proc.wait()
            if (work / "ledger.sqlite3").exists():
                peek = Ledger(work / "ledger.sqlite3")
                counts = peek.counts(sub)
                peek.close()
                posted_at_kill.append(counts.get("posted", 0))
                posting_at_kill.append(counts.get("posting", 0))
        time.sleep(SETTLE_SECONDS)  # what the last killed run had in flight has settled
        final = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        if final.returncode not in (0, 1):
            raise RuntimeError(f"the resumed sync could not run: {final.stderr[-2000:]}")
        with httpx.Client(base_url=base, timeout=60) as http:
            records = [r for obj in ("ARINVOICE", "APBILL")
                       for r in http.get(f"/__sim/companies/ACME-TRUCKING/records/{obj}").json()["records"]]
    ledger = Ledger(work / "ledger.sqlite3")
    result = KillResult(kills, survived, time.perf_counter() - started, audit(records, data, ledger, sub),
                      posted_at_kill, posting_at_kill)
    ledger.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="loadtests.chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=0.15, help="share of requests that fail (0.10-0.20)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs of the connector process")
    parser.add_argument("--kill-docs", type=int, default=3_000)
    args = parser.parse_args(argv)
    s = soak(args.docs, args.rate, args.seed)
    k = kills(args.kill_docs, args.kills, args.seed)
    print(f"Chaos soak: {s.docs} documents, {args.rate:.0%} of requests faulted, {s.rounds} sync rounds, "
          f"{s.requests} requests, {s.seconds:.1f} s")
    for kind, n in sorted(s.faults.items()):
        print(f"  fault {kind:28} {n:6}")
    print(f"  faults injected in all      {sum(s.faults.values()):6}")
    print(f"  ledger: {s.audit.ledger}")
    for reason in s.pending_reasons[:10]:
        print(f"  still not posted: {reason}")
    print(f"Kill soak: {k.kills} SIGKILLs of `intacct-connector sync` ({k.survived} runs finished before their kill), "
          f"{k.audit.expected} documents, {k.seconds:.1f} s; ledger {k.audit.ledger}")
    print(f"  posted after each kill: {k.posted_at_kill}")
    print(f"  caught mid-post by a kill: {sum(1 for n in k.posting_at_kill if n)} of {k.kills} kills")
    for line in (s.audit.unexplained + k.audit.unexplained)[:10]:
        print(f"  ledger and Sage disagree: {line}")
    duplicates = s.audit.duplicates + k.audit.duplicates
    lost = s.audit.lost + k.audit.lost
    print(f"duplicates: {duplicates}")
    print(f"lost: {lost}")
    return 0 if duplicates == 0 and lost == 0 and not s.audit.unexplained and not k.audit.unexplained else 1


if __name__ == "__main__":
    raise SystemExit(main())
