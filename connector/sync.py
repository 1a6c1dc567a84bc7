"""Export: post this subsidiary's new documents to Sage exactly once, one bad document never blocking others.

Per run, in chunks of documents (memory stays flat in the number of documents): documents older than the
connection are ``not_migrated``; documents left ``posting`` by a lost answer or a killed run are looked up
in Sage (RECORDID) before they are posted again; the customers and vendors of the whole run are matched
in one lookup request; documents are posted in batches of independent functions (``transaction="false"``:
each succeeds or fails on its own); a failed document keeps Sage's error and advice, and the next run
posts exactly the failed and pending ones.

Nothing waits that need not: the API session opens while the first pass reads the ledger, a batch leaves
as soon as its documents are matched and checked (not when their whole chunk is), each document's function
is built once (the preflight's is the one posted), and one posting thread more than the concurrency limit
keeps a built request waiting at the limiter for the next free slot.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from itertools import chain, islice
from typing import Any

from intacct_harness.connector import mapping_gaps, preflight
from intacct_harness.connector.advice import advise
from intacct_harness.connector.export import BILL, INVOICE, SAGE_OBJECT, Document, chunked, iter_documents
from intacct_harness.connector.identity import Found, fingerprint, marker_of, same_amount, total
from intacct_harness.connector.intacct import Function, IntacctClient, IntacctError, UncertainOutcome
from intacct_harness.connector.intacct import functions as fn
from intacct_harness.connector.intacct.xmltext import Replaced, replacements
from intacct_harness.connector.ledger import DocKey, Ledger, State
from intacct_harness.connector.matching import Match, Matcher, MatchFailure
from intacct_harness.connector.runlock import LEASE_SECONDS, RunLock
from intacct_harness.connector.settings import ConnectionSettings
from intacct_harness.connector.tms.model import Dataset, Party, PartyKind

log = logging.getLogger("intacct_harness.connector.sync")
RECONCILE_CHUNK = 100
MAX_ROUNDS = 5
CHUNK = 1000          # documents read and reconciled at a time
NOTED_CHANGES = 10    # changed documents named in the report's note (all are listed in ``changed``)
POSTED_SAMPLE = 100   # posted outcomes a report keeps (it counts all of them; the ledger has each RECORDNO)


@dataclass(frozen=True)
class Outcome:
    number: str
    kind: str
    label: str
    recordno: str | None = None
    errorno: str | None = None
    message: str | None = None
    advice: str | None = None


@dataclass(frozen=True)
class Progress:
    """Counts of one run so far; ``failed`` are documents Sage refused, ``refused`` those never sent."""

    done: int        # documents sent so far
    total: int       # documents this run sends: lowered when one needs no sending after all (found in Sage, refused)
    posted: int
    failed: int      # sent, and refused by Sage
    refused: int = 0  # failed before sending: no Sage customer or vendor, or a TMS value without a dimension mapping

    def line(self) -> str:
        text = f"{self.done}/{self.total} documents sent: {self.posted} posted, {self.failed} failed"
        return text + (f"; {self.refused} not sent (unmatched or unmapped)" if self.refused else "")


@dataclass
class SyncReport:
    """What a run did. Posted documents are counted, not listed (a sync may post millions; the ledger has each
    one's RECORDNO); what a person acts on (failed, uncertain, not migrated) is listed in full."""

    subsidiary_id: str
    posted: int = 0
    posted_sample: list[Outcome] = field(default_factory=list)   # the first POSTED_SAMPLE posted documents
    failed: list[Outcome] = field(default_factory=list)
    not_migrated: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)     # found in Sage after a lost answer: not re-posted
    uncertain: list[str] = field(default_factory=list)     # not confirmed posted after every retry; pending
    already_posted: int = 0
    changed: list[Outcome] = field(default_factory=list)   # edited in the TMS after posting: never re-posted
    conflicts: list[str] = field(default_factory=list)     # another document in Sage has one of our numbers
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failed and not self.uncertain and self.error is None

    def to_dict(self) -> dict[str, Any]:
        def out(o: Outcome) -> dict[str, Any]:
            return {k: v for k, v in o.__dict__.items() if v is not None}
        return {"subsidiary_id": self.subsidiary_id, "ok": self.ok, "posted": self.posted,
                "posted_sample": [out(o) for o in self.posted_sample],
                "failed": [out(o) for o in self.failed], "not_migrated": self.not_migrated,
                "recovered": self.recovered, "uncertain": self.uncertain, "already_posted": self.already_posted,
                "changed": [out(o) for o in self.changed], "conflicts": self.conflicts,
                "notes": self.notes, "error": self.error}


class SyncAborted(Exception):
    """The connection itself failed (authentication, throttling beyond retries): nothing more can post."""


class _Unsent(Exception):
    """Raised inside the concurrency slot, before anything is marked or sent: the sync is stopping."""


Ready = tuple[Document, str, Function]     # a document, its Sage customer or vendor ID, the function that posts it


class Syncer:
    def __init__(self, client: IntacctClient, settings: ConnectionSettings, ledger: Ledger, *,
                 progress: Callable[[Progress], None] | None = None, chunk_size: int = CHUNK,
                 lease: float = LEASE_SECONDS) -> None:
        self.client = client
        self.settings = settings
        self.ledger = ledger
        self.progress = progress
        self.chunk_size = max(1, chunk_size)
        self.sub = settings.subsidiary_id
        self._report_lock = threading.Lock()
        self._total = 0
        self._refused = 0
        self.lease = lease
        self._run_lock: RunLock | None = None
        self._xml_noted: set[str] = set()
        self._stopping = threading.Event()     # a batch aborted the sync: batches not yet sent stay pending

    def run(self, data: Dataset) -> SyncReport:
        """One sync, holding the subsidiary's run lock: raises ``RunLocked`` if another sync holds it."""
        report = SyncReport(self.sub)
        with RunLock(self.ledger, self.sub, lease=self.lease) as lock:
            self._run_lock = lock
            if lock.taken_over is not None:
                report.notes.append(f"took over the run lock left by a sync that is gone ({lock.taken_over.describe()}"
                                    "); its unanswered documents are checked in Sage before anything is posted")
            try:
                self._total, parties = self._survey(data, report)
                self._post(self._ready_batches(data, report, parties), report)
            except SyncAborted as exc:
                report.error = str(exc)
            self.ledger.set_meta(self.sub, "last_sync", datetime.now(UTC).isoformat(timespec="seconds"))
            self.ledger.set_meta(self.sub, "last_error", report.error)
        return report

    def _to_send(self, doc: Document, state: State | None) -> bool:
        return state is not State.POSTED and doc.created_at >= self.settings.established_at

    def _survey(self, data: Dataset, report: SyncReport) -> tuple[int, dict[str, Party]]:
        """First pass, chunk by chunk: record new documents, set old ones aside.

        Returns how many documents are to send and their parties (as many as the TMS has customers,
        carriers and drivers, not documents), so one lookup request matches them all. Once there is one
        to send, the API session (which any sending needs) opens meanwhile.
        """
        total = 0
        early = False
        parties: dict[str, Party] = {}
        docs = iter_documents(data, self.sub)
        # a short first chunk: the session starts opening as soon as one document is found to send
        first = list(islice(docs, min(self.chunk_size, self.settings.batch_size)))
        for chunk in chain([first] if first else [], chunked(docs, self.chunk_size)):
            self.ledger.ensure(d.key for d in chunk)
            state = self.ledger.states(d.key for d in chunk)
            self._changed(report, [d for d in chunk if state.get(d.key) is State.POSTED])
            old: list[Document] = []
            for doc in chunk:
                st = state.get(doc.key, State.PENDING)
                if st is State.POSTED:
                    report.already_posted += 1
                elif self._to_send(doc, st):
                    total += 1
                    parties.setdefault(doc.party.id, doc.party)
                else:
                    if st is not State.NOT_MIGRATED:
                        old.append(doc)
                    report.not_migrated.append(doc.key.number)
            self.ledger.mark_not_migrated(d.key for d in old)   # one ledger transaction per chunk
            if total and not early:
                early = True
                self.client.open_session_early()
        return total, parties

    def _changed(self, report: SyncReport, posted: list[Document]) -> None:
        """Report posted documents whose TMS content is no longer what was posted (they are not posted again)."""
        if not posted:
            return
        sent = self.ledger.sent(d.key for d in posted)
        for doc in posted:
            was = sent.get(doc.key)
            if was is None or was.fingerprint == fingerprint(doc.source, doc.party.id):
                continue
            now = total(doc.source)
            what = (f"its total was {Decimal(was.amount):.2f} and is now {now:.2f}" if was.amount and
                    Decimal(was.amount) != now else "its lines, date or party changed")
            kind = "AR invoice" if doc.kind == INVOICE else "AP bill"
            message = f"changed in the TMS after it posted to Sage: {doc.label} ({what})"
            advice = (f"{doc.label} is in Sage as RECORDNO {was.recordno} as first posted, and the connector does "
                      f"not post it a second time. Correct the {kind} in Sage to match the TMS (or reverse it and "
                      "enter the corrected one), or undo the change in the TMS")
            report.changed.append(Outcome(doc.key.number, doc.kind, doc.label, recordno=was.recordno,
                                          errorno="CHANGED-AFTER-POSTING", message=message, advice=advice))
        if report.changed:
            shown = "; ".join(c.label for c in report.changed[:NOTED_CHANGES])
            more = len(report.changed) - NOTED_CHANGES
            note = (f"changed in the TMS after it posted to Sage: {shown}" + (f" and {more} more" if more > 0 else "")
                    + ". They are not posted a second time: correct them in Sage to match the TMS (or reverse and "
                      "re-enter them), or undo the change in the TMS")
            report.notes = [n for n in report.notes if not n.startswith("changed in the TMS after")] + [note]

    def _ready_batches(self, data: Dataset, report: SyncReport,
                       parties: dict[str, Party]) -> Iterator[list[Ready]]:
        """Second pass, chunk by chunk: reconcile uncertain documents, match parties; yields full posting batches.

        Every party is matched up front in one request (the matcher keeps the answers for the run). Run lazily
        by ``_post`` while earlier batches are in flight: a chunk's states are read when it is reached, and no
        document of a chunk not yet reached has been sent by this run. A chunk is matched and checked one
        batch at a time, so the first batch leaves without waiting for the rest of its chunk.
        """
        matcher = Matcher(self.client, self.sub, unmatched=self.settings.unmatched)
        resolved: dict[str, Match | MatchFailure] | None = None
        noted: set[str] = set()
        size = self.settings.batch_size
        ready: list[Ready] = []
        for chunk in chunked(iter_documents(data, self.sub), self.chunk_size):
            state = self.ledger.states(d.key for d in chunk)
            todo = [d for d in chunk if self._to_send(d, state.get(d.key))]
            planned = len(todo)
            uncertain = [d for d in todo if state.get(d.key) is State.POSTING]
            if resolved is None:     # after the first chunk is read: its reading overlaps the session opening
                resolved = self._resolve(matcher, parties.values())
            if uncertain:
                sage_party = {d.key.number: m.sage_id for d in uncertain
                              if isinstance(m := resolved.get(d.party.id), Match)}
                found, held = self._reconcile(uncertain, report, sage_party)
                with self._report_lock:
                    report.recovered.extend(found)
                todo = [d for d in todo if d.key.number not in found and d.key.number not in held]
            self._total -= planned - len(todo)        # found in Sage or still settling
            for i in range(0, len(todo), size):
                part = todo[i:i + size]
                matched = self._preflight(self._match(part, report, matcher, noted), report)
                self._total -= len(part) - len(matched)   # no party to post for, or refused before sending
                ready += matched
                while len(ready) >= size:
                    yield ready[:size]
                    del ready[:size]
        if ready:
            yield ready

    # -- exactly once -------------------------------------------------------------------------
    def _reconcile(self, docs: Sequence[Document], report: SyncReport,
                   sage_party: dict[str, str]) -> tuple[dict[str, str], set[str]]:
        """Look uncertain documents up in Sage by RECORDID; record those proved ours as posted.

        Returns (found: number -> RECORDNO, held: numbers not to post now). A record is ours when its marker
        names this subsidiary and its customer or vendor (``sage_party``, where known) and its total are what
        we sent; another subsidiary's record with the same number is a conflict, reported with both documents
        named, and does not count as ours. Held are those not found yet but possibly still running in Sage: a
        document is only made pending again, to be posted, once ``settle_seconds`` have passed since it was
        sent, since before that not finding it proves nothing. Held are also those failed as conflicted
        (Sage's record carries our marker but not what we sent), and those whose own lookup failed: a lookup
        that fails is retried one document per function, so one document Sage cannot look up stays uncertain
        alone and never stops the others.
        """
        rows: dict[str, list[Found]] = {}
        unchecked: dict[str, str] = {}      # number -> why Sage could not look it up
        objects = [(INVOICE, SAGE_OBJECT[INVOICE]), (BILL, SAGE_OBJECT[BILL])]
        if self.settings.negative_settlements == "adjustment":    # a net-negative settlement is an AP adjustment
            objects.append((BILL, "APADJUSTMENT"))
        for kind, object_name in objects:
            numbers = [d.key.number for d in docs if d.kind == kind]
            chunks = [numbers[i:i + RECONCILE_CHUNK] for i in range(0, len(numbers), RECONCILE_CHUNK)]
            for chunk, _why in self._look_up(kind, object_name, chunks, rows):
                for (number,), why in self._look_up(kind, object_name, [[n] for n in chunk], rows):
                    unchecked[number] = why
        sent = self.ledger.sent(d.key for d in docs)
        found: dict[str, str] = {}
        conflicted: list[tuple[Document, str, str]] = []     # (document, message, advice)
        settling: list[str] = []
        again: list[Document] = []
        for doc in docs:
            was = sent.get(doc.key)
            verdict = None
            if doc.key.number not in unchecked:
                verdict = self._ours(doc, rows.get(f"{doc.kind}:{doc.key.number}", []),
                                     sage_party.get(doc.key.number), was.amount if was else None, report)
            if isinstance(verdict, str):
                found[doc.key.number] = verdict
                log.info("%s was already in Sage (RECORDNO %s); not posting it again", doc.label, verdict)
            elif verdict is not None:
                conflicted.append((doc, *verdict))
            elif (why := unchecked.get(doc.key.number)) is not None:
                log.warning("%s could not be checked in Sage: %s", doc.label, why)
                with self._report_lock:
                    if doc.key.number not in report.uncertain:
                        report.uncertain.append(doc.key.number)
                    report.notes.append(f"{doc.label} got no answer from Sage and could not be looked up in Sage "
                                        f"({why}); it is not posted again until a sync can check that it is not "
                                        "in Sage")
            elif self._settling(doc):
                settling.append(doc.key.number)
            else:
                again.append(doc)
        self.ledger.record_answers(posted=[(d.key, found[d.key.number]) for d in docs if d.key.number in found],
                                   failed=[(d.key, "DOCUMENT-CONFLICT", msg, advice) for d, msg, advice in conflicted])
        with self._report_lock:
            report.failed.extend(Outcome(d.key.number, d.kind, d.label, errorno="DOCUMENT-CONFLICT", message=msg,
                                         advice=advice) for d, msg, advice in conflicted)
        self.ledger.mark_pending(d.key for d in again)
        if settling:
            self._note_settling(report, settling)
        return found, set(settling) | set(unchecked) | {d.key.number for d, _, _ in conflicted}

    def _look_up(self, kind: str, object_name: str, chunks: list[list[str]],
                 rows: dict[str, list[Found]]) -> list[tuple[list[str], str]]:
        """One readByQuery of ``object_name`` per chunk of numbers, in one request; adds what Sage has to
        ``rows`` (keyed ``kind:number``, with what proves a record ours) and returns the chunks whose lookup
        failed, with why. A failure of the whole request (sign-in, throttling) stops the sync."""
        if not chunks:
            return []
        party_field = "CUSTOMERID" if kind == INVOICE else "VENDORID"
        functions = [fn.read_by_query(object_name, fn.in_condition("RECORDID", c),
                                      ["RECORDNO", "RECORDID", party_field, "TOTALENTERED", "DESCRIPTION"])
                     for c in chunks]
        try:
            results = self.client.execute(functions)
        except IntacctError as exc:
            raise SyncAborted(f"could not check Sage for documents whose posting is uncertain: "
                              f"{advise(exc.errors, what='Checking Sage for uncertain documents')}") from None
        failed: list[tuple[list[str], str]] = []
        for chunk, result in zip(chunks, results, strict=True):
            if not result.ok:
                failed.append((chunk, str(advise(result.errors, what="Checking Sage for uncertain documents"))))
                continue
            for row in result.records():
                rows.setdefault(f"{kind}:{row.get('RECORDID', '')}", []).append(Found(
                    row.get("RECORDNO", ""), row.get(party_field, ""), row.get("TOTALENTERED", ""),
                    row.get("DESCRIPTION", "")))
        return failed

    def _ours(self, doc: Document, candidates: list[Found], party: str | None, amount: str | None,
              report: SyncReport) -> str | tuple[str, str] | None:
        """The RECORDNO of the Sage record that is ``doc``, a (message, advice) conflict, or None if not in Sage."""
        expected = amount or f"{total(doc.source):.2f}"
        mine = [f for f in candidates if marker_of(f.description) == self.sub]
        for f in mine + [f for f in candidates if marker_of(f.description) is None]:
            if (party is None or f.party_id == party) and same_amount(f, expected):
                return f.recordno
        kind = "AR invoice" if doc.kind == INVOICE else "AP bill"
        if mine:
            f = mine[0]
            message = (f"Sage holds {kind} {doc.key.number} (RECORDNO {f.recordno}, {f.party_id}, total {f.total}) "
                       f"marked as this subsidiary's, but this connection sent {doc.label} for {party or 'another'} "
                       f"party, total {expected}")
            return message, (f"{doc.label} is not posted again and not taken as posted: compare Sage's {kind} "
                             f"RECORDNO {f.recordno} with the TMS, correct the one that is wrong, then sync again")
        for f in candidates:
            owner = marker_of(f.description)
            note = (f"{doc.label} of subsidiary {self.sub} has the same number as Sage's {kind} {doc.key.number} "
                    f"(RECORDNO {f.recordno}, {f.party_id}, total {f.total}"
                    + (f", posted by subsidiary {owner}" if owner else ", not posted by this connection")
                    + "): that record is not this document, so it is not taken as posted. Give each subsidiary on "
                      "one Sage company its own document prefix")
            with self._report_lock:
                if note not in report.conflicts:
                    report.conflicts.append(note)
                    report.notes.append(note)
        return None

    def _settling(self, doc: Document) -> bool:
        """Sent less than ``settle_seconds`` ago: Sage may still be running the request."""
        entry = self.ledger.get(doc.key)
        if entry is None or self.settings.settle_seconds <= 0:
            return False
        sent = datetime.fromisoformat(entry.updated_at)
        return (datetime.now(UTC) - sent).total_seconds() < self.settings.settle_seconds

    def _note_settling(self, report: SyncReport, numbers: list[str]) -> None:
        with self._report_lock:
            report.uncertain.extend(n for n in numbers if n not in report.uncertain)
            note = (f"{len(report.uncertain)} document(s) got no answer from Sage and are not in Sage yet; Sage may "
                    f"still be processing them, so they are not posted again now. The next sync after "
                    f"{self.settings.settle_seconds:g} s checks Sage again and posts only what is not there.")
            report.notes = [n for n in report.notes if "got no answer from Sage" not in n] + [note]

    # -- matching -----------------------------------------------------------------------------
    @staticmethod
    def _resolve(matcher: Matcher, parties: Iterable[Party]) -> dict[str, Match | MatchFailure]:
        try:
            return matcher.resolve(parties)
        except IntacctError as exc:
            raise SyncAborted(str(advise(exc.errors, what="Matching customers and vendors in Sage"))
                              if exc.errors else f"Matching customers and vendors in Sage failed: {exc}") from None

    def _match(self, docs: list[Document], report: SyncReport, matcher: Matcher,
               noted: set[str]) -> list[tuple[Document, str]]:
        """Match the parties of ``docs``: only parties the matcher has not seen this run cost a lookup."""
        matches = self._resolve(matcher, {d.party.id: d.party for d in docs}.values())
        ready: list[tuple[Document, str]] = []
        for doc in docs:
            m = matches[doc.party.id]
            if isinstance(m, MatchFailure):
                advice = str(advise(m.errors, what=f"{doc.label} did not post")) if m.errors else m.message
                self._refuse(report, doc, m.code, m.message, advice)
                continue
            if m.note and m.party_id not in noted:
                noted.add(m.party_id)
                with self._report_lock:
                    report.notes.append(m.note)
            gaps = mapping_gaps.unmapped_dimensions(doc, m.sage_id, self.settings)
            if gaps and not self._untagged(report, doc, gaps, noted):
                continue
            ready.append((doc, m.sage_id))
        return ready

    def _refuse(self, report: SyncReport, doc: Document, code: str, message: str, advice: str) -> None:
        """A document failed before it was sent: kept in the ledger with its advice, counted apart."""
        self.ledger.mark_failed(doc.key, code, message, advice)
        self._refused += 1
        with self._report_lock:
            report.failed.append(Outcome(doc.key.number, doc.kind, doc.label, errorno=code, message=message,
                                         advice=advice))

    def _untagged(self, report: SyncReport, doc: Document, gaps: list[mapping_gaps.Unmapped], noted: set[str]) -> bool:
        """Whether ``doc`` posts although TMS values lack a dimension mapping (``unmapped_dimensions``)."""
        if self.settings.unmapped_dimensions != "post_untagged":
            self._refuse(report, doc, mapping_gaps.CODE, *mapping_gaps.refusal(doc, gaps))
            return False
        for g in gaps:
            if (tag := f"unmapped:{g.dimension}:{g.value}") not in noted:
                noted.add(tag)
                with self._report_lock:
                    report.notes.append(mapping_gaps.untagged_note(doc, g))
        return True

    def _preflight(self, ready: list[tuple[Document, str]], report: SyncReport) -> list[Ready]:
        """Fail, with advice, the documents Sage would refuse or store wrong; the others go on to post, each
        with its function (built here once)."""
        out: list[Ready] = []
        refused: list[tuple[Document, preflight.Refusal]] = []
        for doc, party in ready:
            with replacements() as replaced:
                r = preflight.check(doc, party, self.settings)
            if isinstance(r, preflight.Refusal):
                refused.append((doc, r))
            else:
                self._note_replaced(report, doc, replaced)
                out.append((doc, party, r))
        if refused:
            self._refused += len(refused)
            self.ledger.record_answers(failed=[(d.key, r.code, r.message, r.advice) for d, r in refused])
            with self._report_lock:
                report.failed.extend(Outcome(d.key.number, d.kind, d.label, errorno=r.code, message=r.message,
                                             advice=r.advice) for d, r in refused)
        return out

    # -- posting ------------------------------------------------------------------------------
    def _post(self, batches: Iterator[list[Ready]], report: SyncReport) -> None:
        """Post batches, up to the company's concurrency limit of them at once.

        Sage allows a company a few concurrent requests (Tier 1: 2); one batch at a time would leave
        half of that idle. Every request still takes a slot of the shared limiter. One thread more than
        the limit posts, so a built request is already waiting at the limiter when a slot frees (it is
        marked ``posting`` only once it has the slot). Batches are drawn from ``batches`` only as slots
        free up (at most twice the limit are submitted and not done), so the documents held stay bounded
        however many the run sends. A batch that aborts the sync stops the batches not yet sent (their
        documents stay pending, never marked).
        """
        done = 0
        workers = max(1, self.settings.concurrency_limit)
        if workers == 1:
            for batch in batches:
                self._post_batch(batch, report)
                done += len(batch)
                self._report_progress(done, report)
            return
        pool = ThreadPoolExecutor(max_workers=workers + 1, thread_name_prefix="post")
        running: dict[Future[None], int] = {}
        aborted: SyncAborted | None = None

        def collect(finished: set[Future[None]]) -> None:
            nonlocal aborted, done
            for future in finished:
                size = running.pop(future)
                if future.cancelled():
                    continue
                try:
                    future.result()
                except SyncAborted as exc:
                    aborted = aborted or exc
                    self._stopping.set()
                    for other in running:
                        other.cancel()
                    continue
                done += size
                self._report_progress(done, report)

        try:
            try:
                for batch in batches:
                    running[pool.submit(self._post_batch, batch, report)] = len(batch)
                    while len(running) >= 2 * workers and aborted is None:
                        collect(wait(running, return_when=FIRST_COMPLETED).done)
                    if aborted is not None:
                        break
            except SyncAborted as exc:     # reconciling or matching a later chunk failed: finish what is in flight
                aborted = exc
                self._stopping.set()
            while running:
                collect(wait(running, return_when=FIRST_COMPLETED).done)
        except BaseException:
            # The process is going down (KeyboardInterrupt, a kill in tests): start nothing more.
            self._stopping.set()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        if aborted is not None:
            raise aborted

    def _report_progress(self, done: int, report: SyncReport) -> None:
        if self.progress:
            self.progress(Progress(done, self._total, report.posted, len(report.failed) - self._refused, self._refused))

    def _record_posted(self, report: SyncReport, doc: Document, recordno: str | None) -> None:
        with self._report_lock:
            report.posted += 1
            if len(report.posted_sample) < POSTED_SAMPLE:
                report.posted_sample.append(Outcome(doc.key.number, doc.kind, doc.label, recordno=recordno))

    def _mark_sending(self, keys: list[DocKey], facts: dict[DocKey, tuple[str, str]], first: bool) -> None:
        """Committed just before the request leaves, inside its concurrency slot: ``posting`` with what is sent
        (fingerprint and total) on the first attempt, the settle clock restarted on a retry (Sage may get the
        post as late as that). A first attempt of a stopping sync is not sent (``_Unsent``)."""
        if first:
            if self._stopping.is_set():
                raise _Unsent
            self.ledger.mark_posting(keys, facts)
        else:
            self.ledger.mark_sent(keys)

    def _note_replaced(self, report: SyncReport, doc: Document, replaced: list[Replaced]) -> None:
        """Name the document whose text XML cannot carry was replaced by a space in its function."""
        if replaced:
            with self._report_lock:
                if doc.key.number not in self._xml_noted:
                    self._xml_noted.add(doc.key.number)
                    where = "; ".join(str(r) for r in replaced)
                    log.warning("%s: replaced characters XML cannot carry (%s)", doc.label, where)
                    report.notes.append(f"{doc.label}: its TMS text held characters XML cannot carry ({where}); "
                                        "each was replaced by a space. Correct the text in Alvys if it matters.")

    def _post_batch(self, batch: list[Ready], report: SyncReport) -> None:
        pending = batch
        for round_no in range(MAX_ROUNDS):
            if not pending:
                return
            if self._run_lock is not None and self._run_lock.lost:
                raise SyncAborted("another sync took over this subsidiary's run lock (this one stalled longer than "
                                  f"{self.lease:g} s); it posts the rest, this one stopped posting")
            keys = [d.key for d, _, _ in pending]
            facts = {d.key: (fingerprint(d.source, d.party.id), f"{total(d.source):.2f}") for d, _, _ in pending}
            try:
                results = self.client.execute([f for _, _, f in pending], writes=True,
                                              on_send=functools.partial(self._mark_sending, keys, facts))
            except _Unsent:
                return                               # never marked, never sent: pending for the next sync
            except UncertainOutcome as exc:
                self.ledger.mark_sent(keys)          # Sage may have got it as late as now: settle from here
                log.warning("answer lost for %d document(s) (%s); checking Sage before posting again", len(pending),
                            exc)
                found, held = self._reconcile([d for d, _, _ in pending], report,
                                              {d.key.number: p for d, p, _ in pending})
                with self._report_lock:
                    report.recovered.extend(n for n in found if n not in report.recovered)
                for doc, _, _ in pending:
                    if (recordno := found.get(doc.key.number)) is not None:
                        self._record_posted(report, doc, recordno)
                pending = [r for r in pending if r[0].key.number not in found and r[0].key.number not in held]
                self.client.retry.sleep(self.client.retry.delay(round_no))
                continue
            except IntacctError as exc:
                self.ledger.mark_pending(keys)       # nothing ran: certain
                raise SyncAborted(str(advise(exc.errors, what=f"Posting {len(keys)} document(s)"))
                                  if exc.errors else f"Posting {len(keys)} document(s) failed: {exc}") from None
            posted: list[tuple[Document, str | None]] = []
            failed: list[tuple[Document, str, str, str]] = []    # (document, errorno, message, advice)
            for (doc, _, _), result in zip(pending, results, strict=True):
                if result.ok:
                    posted.append((doc, result.recordno))
                else:
                    party = "customer" if doc.party.kind is PartyKind.CUSTOMER else doc.party.kind.value
                    advice = advise(result.errors, what=f"{doc.label} did not post", party_hint=party)
                    errorno = result.errors[0].errorno if result.errors else "failure"
                    failed.append((doc, errorno, "; ".join(str(e) for e in result.errors), str(advice)))
            # one ledger transaction for the whole answer: a disk sync per batch, not per document
            self.ledger.record_answers(posted=[(d.key, recordno) for d, recordno in posted],
                                       failed=[(d.key, errorno, message, advice) for d, errorno, message, advice
                                               in failed])
            for doc, recordno in posted:
                self._record_posted(report, doc, recordno)
            with self._report_lock:
                report.failed.extend(Outcome(d.key.number, d.kind, d.label, errorno=errorno, message=message,
                                             advice=advice) for d, errorno, message, advice in failed)
            return
        # Checked after every lost answer: these are known not to be in Sage; they stay pending for the next run.
        report.uncertain.extend(d.key.number for d, _, _ in pending)
        report.error = report.error or (f"the Sage gateway failed {MAX_ROUNDS} times in a row; {len(pending)} "
                                        "document(s) were confirmed not posted and stay pending for the next sync")
