"""Chaos soak: sync thousands of documents while the gateway fails every way it can; count what broke.

Two runs, both ending with the same audit (Sage's records against the ledger and the TMS data, by
subsidiary and number, comparing each record's total with the TMS total, not only counts):

- ``soak``: in-process, two subsidiaries posting to one Sage company with the same document prefix and the
  same load and settlement numbers (different amounts), so every lookup after a lost answer also finds the
  other subsidiary's document. The simulator's fault rules make 10-20 % of requests fail, spread evenly
  over every kind (429, 502, 503, 524 after the work, 524 while Sage is still processing, resets,
  responses lost after the post, empty and truncated bodies, injected server errors, latency).
  The connector syncs round after round until nothing is left, then one clean round.
- ``overlaps``: over real sockets, several ``intacct-connector sync`` processes started at once on one
  ledger, round after round (a cron run overlapping a manual one); every other round the run holding the
  ledger's run lock is SIGKILLed, so the next round finds a dead holder's lock to take over.
- ``kills``: over real sockets. ``intacct-connector sync`` runs as a process against a served
  simulator and is SIGKILLed at random moments, many times; each time it is started again on the
  same ledger file, then once more to the end.

``python -m loadtests.chaos`` (``make chaos``) prints a table whose last two lines read
``duplicates: N`` and ``lost: N``; it exits non-zero unless both are 0 and every amount agrees.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import yaml

from intacct_harness.connector.cli import dataset_from_config
from intacct_harness.connector.connection import Connection
from intacct_harness.connector.export import documents_for
from intacct_harness.connector.identity import marker_of, total
from intacct_harness.connector.intacct import RetryPolicy
from intacct_harness.connector.ledger import Ledger, State
from intacct_harness.connector.secrets import Secret
from intacct_harness.connector.settings import SENDER_PASSWORD_ENV, ConnectionSettings
from intacct_harness.connector.tms.fake import DEFAULT_START, sage_records
from intacct_harness.connector.tms.model import Dataset, Subsidiary
from intacct_harness.simulator.testing import (
    DEFAULT_SENDER,
    DEFAULT_USER,
    Admin,
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
# slowest "still processing" fault (100 ms, landing later still on a loaded machine: a 0.5 s margin once
# proved too thin under `make test`), or the soak would (rightly) find duplicates.
SETTLE_SECONDS = 2.0
ENV = {SENDER_PASSWORD_ENV: DEFAULT_SENDER[1]}


# A kind that matches only some requests fires on fewer of them: the create-only server error fired 5 times in a
# 743-request soak (the others 8 to 18), so now and then a soak saw none and failed "every kind fired". Doubling
# its probability brings it in line (3x gave 24 in 728).
_FILTERED_BOOST = {"server-error-DL02000001": 2.0}


def fault_rules(rate: float) -> list[dict[str, Any]]:
    """Rules whose first-match-wins chain fires each kind with probability about rate / kinds."""
    share, rules = rate / len(FAULT_KINDS), []
    for i, kind in enumerate(FAULT_KINDS):
        boost = _FILTERED_BOOST.get(kind["id"], 1.0)
        rules.append({**kind, "probability": min(1.0, boost * share / (1 - i * share))})
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


def twin(data: Dataset) -> Dataset:
    """``data`` plus a second subsidiary with the first one's code and document numbers, other amounts."""
    first = data.subsidiaries[0]
    second = Subsidiary("SUB-TWIN", f"{first.name} (twin)", first.code)
    for party in data.parties:
        if first.id in party.external_ids:
            party.external_ids[second.id] = party.external_ids[first.id]
    loads = [dataclasses.replace(ld, id=f"twin-{ld.id}", subsidiary_id=second.id,
                                 charges=[dataclasses.replace(c, amount=c.amount + Decimal("1.11"))
                                          for c in ld.charges])
             for ld in data.loads if ld.subsidiary_id == first.id]
    settlements = [dataclasses.replace(st, id=f"twin-{st.id}", subsidiary_id=second.id,
                                       lines=[dataclasses.replace(ln, amount=ln.amount + Decimal("2.22"))
                                              for ln in st.lines])
                   for st in data.settlements if st.subsidiary_id == first.id]
    return Dataset([*data.subsidiaries, second], data.parties, data.loads + loads, data.settlements + settlements)


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
    wrong_amounts: list[str] = field(default_factory=list)  # Sage's total is not the TMS total


def audit(records: list[dict[str, Any]], data: Dataset, ledger: Ledger, subsidiaries: str | list[str]) -> Audit:
    """Sage's records against the TMS and the ledger, by (subsidiary marker, number): counts and amounts."""
    subs = [subsidiaries] if isinstance(subsidiaries, str) else subsidiaries
    expected = {(sub, d.key.number): total(d.source) for sub in subs for d in documents_for(data, sub)}
    seen = collections.Counter((marker_of(r.get("DESCRIPTION")), r.get("RECORDID")) for r in records)
    duplicates = sum(n - 1 for n in seen.values() if n > 1)
    lost = len(set(expected) - set(seen))
    by_key = {(marker_of(r.get("DESCRIPTION")), r.get("RECORDID")): r for r in records}
    unexplained = [f"{number}: in Sage as {r.get('RECORDNO')} without this connector's marker"
                   for (owner, number), r in by_key.items() if owner not in subs]
    wrong = [f"{sub} {number}: Sage total {r.get('TOTALENTERED')}, TMS total {expected[sub, number]}"
             for (sub, number), r in by_key.items() if (sub, number) in expected
             and Decimal(str(r.get("TOTALENTERED"))) != expected[sub, number]]
    counts: collections.Counter[str] = collections.Counter()
    for sub in subs:
        counts.update(ledger.counts(sub))
        for entry in ledger.entries(sub):
            in_sage = by_key.get((sub, entry.key.number), {}).get("RECORDNO")
            if entry.state == State.POSTED and in_sage != entry.recordno:
                unexplained.append(f"{sub} {entry.key.number}: ledger posted as {entry.recordno}, Sage has {in_sage}")
            if entry.state != State.POSTED and in_sage is not None:
                unexplained.append(f"{sub} {entry.key.number}: in Sage as {in_sage} but ledger says {entry.state}")
    return Audit(len(expected), len(seen), duplicates, lost, dict(counts), unexplained, wrong)


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
    data = twin(dataset(docs // 2, seed))     # two subsidiaries, one prefix, the same numbers: ~docs in all
    sim = simulated_company(company_for(data), config={"FAULT_SEED": seed})
    subs = [s.id for s in data.subsidiaries]
    ledger = Ledger()
    conns = []
    for sub in subs:
        settings = ConnectionSettings(
            subsidiary_id=sub, company_id=sim.company_id, user_id=DEFAULT_USER[0],
            user_password=Secret(DEFAULT_USER[1]), established_at=DEFAULT_START - timedelta(days=1), endpoint=sim.url,
            batch_size=batch, concurrency_limit=4, settle_seconds=SETTLE_SECONDS)
        retry = RetryPolicy(attempts=8, base_delay=0.002, max_delay=0.02, rng=random.Random(seed))
        conns.append(Connection(settings, sim.client(timeout=30), ledger=ledger, environ=ENV, retry=retry,
                                timeout=30))
    sim.admin.set_faults(fault_rules(rate))
    started, rounds, requests = time.perf_counter(), 0, 0
    while rounds < max_rounds:
        rounds += 1
        reports = [conn.sync(data) for conn in conns]
        counts = collections.Counter[str]()
        for sub in subs:
            counts.update(ledger.counts(sub))
        if not counts.get("pending") and not counts.get("posting") and not counts.get("failed"):
            break
        if any(r.uncertain for r in reports):
            time.sleep(SETTLE_SECONDS)  # unanswered posts are re-checked only once they have settled
    faults = collections.Counter(e["message"].split()[2] for e in sim.admin.journal(
        sim.company_id, function="(fault)", limit=100_000))
    sim.admin.clear_faults()
    time.sleep(SETTLE_SECONDS)
    for conn in conns:
        conn.sync(data)  # a clean round settles anything the last chaotic round left uncertain
    requests = sum(conn.client.stats.get("requests", 0) for conn in conns)
    elapsed = time.perf_counter() - started
    records = sim.records("ARINVOICE") + sim.records("APBILL")
    reasons = [f"{e.key.subsidiary_id} {e.key.number}: {e.state} {e.errorno or ''} {e.message or ''}".strip()
               for sub in subs for e in ledger.entries(sub) if e.state not in (State.POSTED, State.NOT_MIGRATED)]
    result = SoakResult(docs, rounds + 1, elapsed, requests, dict(faults), audit(records, data, ledger, subs), reasons)
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


@dataclass
class Served:
    """A served simulator seeded for ``data`` and a connector config for it: the ``intacct-connector sync`` command."""

    work: Path
    base: str
    cmd: list[str]
    env: dict[str, str]
    data: Dataset
    sub: str

    @property
    def ledger_file(self) -> Path:
        return self.work / "ledger.sqlite3"

    def sync(self, *extra: str, capture: bool = False) -> subprocess.Popen[bytes]:
        """Start a sync; with ``capture`` its output goes to files (``outputs`` reads them), never a full pipe."""
        out = tempfile.TemporaryFile(dir=self.work) if capture else subprocess.DEVNULL  # noqa: SIM115 - closed by outputs()
        err = tempfile.TemporaryFile(dir=self.work) if capture else subprocess.DEVNULL  # noqa: SIM115
        proc = subprocess.Popen([*self.cmd, *extra], env=self.env, stdout=out, stderr=err)
        proc.captured = (out, err)  # type: ignore[attr-defined]
        return proc

    @staticmethod
    def outputs(proc: subprocess.Popen[bytes]) -> tuple[str, str]:
        texts = []
        for f in proc.captured:  # type: ignore[attr-defined]
            f.seek(0)
            texts.append(f.read().decode("utf-8", "replace"))
            f.close()
        return texts[0], texts[1]

    @contextlib.contextmanager
    def slowed(self, ms: float) -> Iterator[None]:
        """Every gateway request waits ``ms`` while the block runs (a latency fault), then the rules are cleared."""
        with httpx.Client(base_url=self.base, timeout=60) as http:
            admin = Admin(http)
            admin.set_faults([{"id": "slow-while-others-start", "action": "latency", "ms": ms}])
            try:
                yield
            finally:
                admin.clear_faults()

    def finish(self) -> None:
        """One more sync to the end, once what a killed run had in flight has settled."""
        time.sleep(SETTLE_SECONDS)
        final = subprocess.run(self.cmd, env=self.env, capture_output=True, text=True, timeout=600)
        if final.returncode not in (0, 1):
            raise RuntimeError(f"the resumed sync could not run: {final.stderr[-2000:]}")

    def audit(self) -> Audit:
        with httpx.Client(base_url=self.base, timeout=60) as http:
            records = [r for obj in ("ARINVOICE", "APBILL")
                       for r in http.get(f"/__sim/companies/ACME-TRUCKING/records/{obj}").json()["records"]]
        ledger = Ledger(self.ledger_file)
        try:
            return audit(records, self.data, ledger, self.sub)
        finally:
            ledger.close()


@contextlib.contextmanager
def served_connector(docs: int, seed: int, rate: float = 0.0) -> Iterator[Served]:
    from intacct_harness.simulator.demo import served

    data = dataset(docs, seed)
    sub = data.subsidiaries[0].id
    work = Path(tempfile.mkdtemp(prefix="chaos-"))
    seed_file = work / "seed.yaml"
    sim_seed = standard_seed(company_for(data, concurrency=4))
    if rate:
        sim_seed["faults"] = fault_rules(rate)
    seed_file.write_text(yaml.safe_dump(sim_seed), encoding="utf-8")
    with served(seed_file, workers=2) as base:
        config = work / "connector.yaml"
        config.write_text(yaml.safe_dump({
            "connection": {"subsidiary_id": sub, "company_id": "ACME-TRUCKING", "user_id": DEFAULT_USER[0],
                           "user_password": DEFAULT_USER[1], "endpoint": f"{base}/ia/xml/xmlgw.phtml",
                           "established_at": (DEFAULT_START - timedelta(days=1)).isoformat(), "batch_size": 50,
                           "settle_seconds": SETTLE_SECONDS},
            "ledger": "ledger.sqlite3", "tms": tms_spec(docs, seed)}), encoding="utf-8")
        cmd = [sys.executable, "-m", "intacct_harness.connector.cli", "sync", "-c", str(config)]
        yield Served(work, base, cmd, {**os.environ, **ENV}, data, sub)


def kills(docs: int = 2_000, kills: int = 15, seed: int = 7, rate: float = 0.0) -> KillResult:
    rng = random.Random(seed)
    started = time.perf_counter()
    survived = 0
    posted_at_kill: list[int] = []
    posting_at_kill: list[int] = []
    with served_connector(docs, seed, rate) as srv:
        total = len(documents_for(srv.data, srv.sub))
        # the kills' points, spread over the whole sync (in posted documents)
        points = sorted(int(rng.uniform(0.02, 0.98) * total) for _ in range(kills))
        for point in points:
            proc = srv.sync()
            _kill_at_random_point(proc, srv.ledger_file, srv.sub, rng, point)
            if proc.returncode is None:
                proc.send_signal(signal.SIGKILL)
            else:
                survived += 1
            proc.wait()
            if srv.ledger_file.exists():
                peek = Ledger(srv.ledger_file)
                counts = peek.counts(srv.sub)
                peek.close()
                posted_at_kill.append(counts.get("posted", 0))
                posting_at_kill.append(counts.get("posting", 0))
        srv.finish()
        result = KillResult(kills, survived, time.perf_counter() - started, srv.audit(), posted_at_kill,
                            posting_at_kill)
    return result


# --------------------------------------------------------------------------- overlapping syncs on one ledger
@dataclass
class OverlapResult:
    rounds: int
    runs: int            # sync processes started in all
    refused: int         # ... that refused because another held the ledger's run lock (exit 2)
    worked: int          # ... that ran their sync (held the lock)
    killed: int          # ... SIGKILLed while holding the lock
    took_over: int       # runs that took over the lock a killed run left
    seconds: float
    audit: Audit
    problems: list[str] = field(default_factory=list)   # runs that ended any other way


def overlaps(docs: int = 1_500, rounds: int = 6, runs: int = 3, seed: int = 7) -> OverlapResult:
    """``runs`` syncs on one ledger, the others started while the first holds its lock, ``rounds`` times; in every
    other round the run holding the lock is SIGKILLed mid-sync, so the next round's first run finds a dead
    holder's lock and takes it over."""
    rng = random.Random(seed)
    started = time.perf_counter()
    refused = worked = killed = took_over = 0
    problems: list[str] = []
    with served_connector(docs, seed) as srv:
        total = len(documents_for(srv.data, srv.sub))
        for round_no in range(rounds):
            # The first run takes the lock; the others start while it surely runs: its every request waits 1 s
            # until they have ended, so a loaded machine's slow start-up cannot let them miss the overlap.
            with srv.slowed(1000):
                first = srv.sync("--json", capture=True)
                holder = _holder_of([first], srv)
                others = [srv.sync("--json", capture=True) for _ in range(runs - 1)]
                for proc in others:
                    proc.wait(timeout=600)
            procs = [first, *others]
            if round_no % 2 == 0 and holder is not None:   # kill the lock's holder once it has posted a little more
                _kill_at_random_point(holder, srv.ledger_file, srv.sub, rng,
                                      _posted(srv.ledger_file, srv.sub) + max(1, total // (2 * rounds)))
                if holder.poll() is None:
                    holder.send_signal(signal.SIGKILL)
                    killed += 1
            for proc in procs:
                proc.wait(timeout=600)
                out, err = srv.outputs(proc)
                if proc.returncode == -signal.SIGKILL:
                    continue
                if proc.returncode == 2 and "is running on the ledger" in err:
                    refused += 1
                elif proc.returncode in (0, 1):
                    worked += 1
                    took_over += "took over the run lock" in out
                else:
                    problems.append(f"round {round_no}: exit {proc.returncode}: {err.strip()[-300:]}")
        srv.finish()
        result = OverlapResult(rounds, rounds * runs, refused, worked, killed, took_over,
                               time.perf_counter() - started, srv.audit(), problems)
    return result


def _holder_of(procs: list[subprocess.Popen[bytes]], srv: Served) -> subprocess.Popen[bytes] | None:
    """The one of ``procs`` that holds the run lock, once it has it (None if all ended first)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and any(p.poll() is None for p in procs):
        pid = _lock_pid(srv.ledger_file, srv.sub)
        for proc in procs:
            if proc.pid == pid and proc.poll() is None:
                return proc
        time.sleep(0.01)
    return None


def _lock_pid(ledger_file: Path, subsidiary: str) -> int | None:
    """The pid holding the subsidiary's run lock now, read-only."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{ledger_file}?mode=ro", uri=True, timeout=5)) as db:
            row = db.execute("SELECT pid FROM run_locks WHERE subsidiary_id=?", (subsidiary,)).fetchone()
    except sqlite3.OperationalError:
        return None
    return int(row[0]) if row else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="loadtests.chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=0.15, help="share of requests that fail (0.10-0.20)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs of the connector process")
    parser.add_argument("--kill-docs", type=int, default=3_000)
    parser.add_argument("--overlap-rounds", type=int, default=8, help="rounds of syncs started at once on one ledger")
    parser.add_argument("--overlap-runs", type=int, default=3, help="syncs started at once per round")
    parser.add_argument("--overlap-docs", type=int, default=3_000)
    args = parser.parse_args(argv)
    s = soak(args.docs, args.rate, args.seed)
    k = kills(args.kill_docs, args.kills, args.seed)
    o = overlaps(args.overlap_docs, args.overlap_rounds, args.overlap_runs, args.seed)
    print(f"Chaos soak: {s.docs} documents, {args.rate:.0%} of requests faulted, {s.rounds} sync rounds, "
          f"{s.requests} requests, {s.seconds:.1f} s")
    for kind, n in sorted(s.faults.items()):
        print(f"  fault {kind:28} {n:6}")
    print(f"  faults injected in all      {sum(s.faults.values()):6}")
    print(f"  two subsidiaries, one document prefix: {s.audit.expected} documents, {s.audit.in_sage} in Sage")
    print(f"  ledger: {s.audit.ledger}")
    for reason in s.pending_reasons[:10]:
        print(f"  still not posted: {reason}")
    print(f"Kill soak: {k.kills} SIGKILLs of `intacct-connector sync` ({k.survived} runs finished before their kill), "
          f"{k.audit.expected} documents, {k.seconds:.1f} s; ledger {k.audit.ledger}")
    print(f"  posted after each kill: {k.posted_at_kill}")
    print(f"  caught mid-post by a kill: {sum(1 for n in k.posting_at_kill if n)} of {k.kills} kills")
    print(f"Overlap soak: {o.rounds} rounds of {o.runs // max(1, o.rounds)} `intacct-connector sync` runs started at "
          f"once on one ledger, {o.audit.expected} documents, {o.seconds:.1f} s; ledger {o.audit.ledger}")
    print(f"  {o.worked} ran, {o.refused} refused (lock held, exit 2), {o.killed} SIGKILLed holding the lock, "
          f"{o.took_over} took over a killed run's lock")
    for line in o.problems[:10]:
        print(f"  run ended otherwise: {line}")
    unexplained = s.audit.unexplained + k.audit.unexplained + o.audit.unexplained
    for line in unexplained[:10]:
        print(f"  ledger and Sage disagree: {line}")
    wrong_amounts = s.audit.wrong_amounts + k.audit.wrong_amounts + o.audit.wrong_amounts
    for line in wrong_amounts[:10]:
        print(f"  amount differs: {line}")
    print(f"amounts differing from the TMS: {len(wrong_amounts)}")
    duplicates = s.audit.duplicates + k.audit.duplicates + o.audit.duplicates
    lost = s.audit.lost + k.audit.lost + o.audit.lost
    print(f"duplicates: {duplicates}")
    print(f"lost: {lost}")
    clean = not (unexplained or wrong_amounts or o.problems)
    return 0 if duplicates == 0 and lost == 0 and clean else 1


if __name__ == "__main__":
    raise SystemExit(main())
