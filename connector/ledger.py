"""The export ledger: every document's state in an embedded SQLite database (a file, or memory for tests).

States: pending -> posting -> posted (RECORDNO) | failed (errorno, message, advice); not_migrated for
documents older than the connection. A document is marked ``posting`` and committed *before* its
request is sent, so after a lost answer or a killed process the ledger knows which documents are
uncertain; the sync checks Sage for those before posting anything again.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from intacct_harness.connector.errors import ConnectorError
from intacct_harness.connector.runlock import Holder, holder


class State(StrEnum):
    PENDING = "pending"
    POSTING = "posting"
    POSTED = "posted"
    FAILED = "failed"
    NOT_MIGRATED = "not_migrated"


@dataclass(frozen=True)
class DocKey:
    subsidiary_id: str
    kind: str         # "invoice" | "bill"
    number: str       # our document number, sent to Sage as RECORDID


@dataclass(frozen=True)
class Sent:
    """What the ledger knows was sent for a document: its fingerprint and total, and Sage's RECORDNO."""

    state: State
    fingerprint: str
    amount: str | None
    recordno: str | None


@dataclass(frozen=True)
class Entry:
    key: DocKey
    state: State
    recordno: str | None
    errorno: str | None
    message: str | None
    advice: str | None
    attempts: int
    updated_at: str


_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    subsidiary_id TEXT NOT NULL, kind TEXT NOT NULL, number TEXT NOT NULL,
    state TEXT NOT NULL, recordno TEXT, errorno TEXT, message TEXT, advice TEXT,
    attempts INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL, fingerprint TEXT, amount TEXT,
    PRIMARY KEY (subsidiary_id, kind, number));
CREATE INDEX IF NOT EXISTS documents_state ON documents(subsidiary_id, state);
CREATE TABLE IF NOT EXISTS meta (subsidiary_id TEXT NOT NULL, name TEXT NOT NULL, value TEXT,
    PRIMARY KEY (subsidiary_id, name));
"""
# Columns added after the first release: a ledger file made before them gains them when opened.
_ADDED_COLUMNS = {"fingerprint": "TEXT", "amount": "TEXT"}


_IN_CHUNK = 500   # numbers per ``IN (...)`` (well under SQLite's limit on parameters)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class LedgerError(ConnectorError):
    """The ledger file cannot be used; nothing was sent. The message names the file and what to do."""

    def __init__(self, path: str, why: str) -> None:
        self.path = path
        super().__init__(f"could not run: the ledger {path} cannot be used: {why}")

    @classmethod
    def of(cls, path: str, exc: sqlite3.Error) -> LedgerError:
        text = str(exc)
        if "not a database" in text or "malformed" in text:
            why = ("it is not a connector ledger or it is damaged. Restore it from a backup; do not delete it: "
                   "without it the connector cannot tell which documents are already in Sage")
        elif "locked" in text or "busy" in text:
            why = "another program holds it locked; close that program (or wait for it) and run again"
        elif "readonly" in text or "unable to open" in text:
            why = f"it cannot be opened for writing ({text}); check the path and its permissions"
        else:
            why = text
        return cls(path, why)


class Ledger:
    """Thread-safe; every change is committed at once (a kill loses nothing already recorded)."""

    def __init__(self, path: str | Path = ":memory:", *, timeout: float = 30.0) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        if self.path != ":memory:" and Path(self.path).is_dir():
            raise LedgerError(self.path, "it is a directory; set 'ledger' to a file path such as "
                              "intacct-ledger.sqlite3")
        try:
            self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=timeout)
            if self.path != ":memory:":
                self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.executescript(_SCHEMA)
            have = {row[1] for row in self._conn.execute("PRAGMA table_info(documents)")}
            for name, kind in _ADDED_COLUMNS.items():
                if name not in have:
                    self._conn.execute(f"ALTER TABLE documents ADD COLUMN {name} {kind}")
        except sqlite3.Error as exc:
            raise LedgerError.of(self.path, exc) from None

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``), committed on leaving: for the run lock, beside the ledger."""
        return self._tx()

    # -- reading ------------------------------------------------------------------------------
    def get(self, key: DocKey) -> Entry | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT subsidiary_id, kind, number, state, recordno, errorno, message, advice, attempts, updated_at "
                "FROM documents WHERE subsidiary_id=? AND kind=? AND number=?",
                (key.subsidiary_id, key.kind, key.number)).fetchone()
        return _entry(row) if row else None

    def entries(self, subsidiary_id: str, state: State | None = None) -> list[Entry]:
        sql = ("SELECT subsidiary_id, kind, number, state, recordno, errorno, message, advice, attempts, updated_at "
               "FROM documents WHERE subsidiary_id=?")
        args: tuple[str, ...] = (subsidiary_id,)
        if state is not None:
            sql += " AND state=?"
            args += (state.value,)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY kind, number", args).fetchall()
        return [_entry(r) for r in rows]

    def states(self, keys: Iterable[DocKey]) -> dict[DocKey, State]:
        """The states of these documents (those the ledger knows): a sync reads one chunk's, not the whole ledger."""
        return {key: State(row[0]) for key, row in self._select(keys, "state").items()}

    def sent(self, keys: Iterable[DocKey]) -> dict[DocKey, Sent]:
        """What was sent to Sage for these documents (those with a fingerprint): what a posted one looked like."""
        return {key: Sent(State(row[0]), row[1], row[2], row[3])
                for key, row in self._select(keys, "state, fingerprint, amount, recordno").items() if row[1]}

    def _select(self, keys: Iterable[DocKey], columns: str) -> dict[DocKey, tuple[Any, ...]]:
        groups: dict[tuple[str, str], set[str]] = {}
        for k in keys:
            groups.setdefault((k.subsidiary_id, k.kind), set()).add(k.number)
        out: dict[DocKey, tuple[Any, ...]] = {}
        for (sub, kind), wanted in groups.items():
            numbers = sorted(wanted)
            for i in range(0, len(numbers), _IN_CHUNK):    # primary-key lookups, never a scan of the ledger
                part = numbers[i:i + _IN_CHUNK]
                with self._lock:
                    rows = self._conn.execute(
                        f"SELECT number, {columns} FROM documents WHERE subsidiary_id=? AND kind=? AND number IN "
                        f"({','.join('?' * len(part))})", (sub, kind, *part)).fetchall()
                out.update((DocKey(sub, kind, row[0]), tuple(row[1:])) for row in rows)
        return out

    def counts(self, subsidiary_id: str) -> dict[str, int]:
        with self._lock:
            rows = self._conn.execute("SELECT state, COUNT(*) FROM documents WHERE subsidiary_id=? GROUP BY state",
                                      (subsidiary_id,)).fetchall()
        out = {s.value: 0 for s in State}
        out.update({state: n for state, n in rows})
        return out

    def run_lock_holder(self, subsidiary_id: str) -> Holder | None:
        """Who runs a sync of this subsidiary now (``status`` shows it), if anyone."""
        with self._lock:
            return holder(self._conn, subsidiary_id)

    def meta(self, subsidiary_id: str, name: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE subsidiary_id=? AND name=?",
                                     (subsidiary_id, name)).fetchone()
        return row[0] if row else None

    # -- changing -----------------------------------------------------------------------------
    def set_meta(self, subsidiary_id: str, name: str, value: str | None) -> None:
        with self._tx() as c:
            c.execute("INSERT INTO meta VALUES (?,?,?) ON CONFLICT DO UPDATE SET value=excluded.value",
                      (subsidiary_id, name, value))

    def ensure(self, keys: Iterable[DocKey], state: State = State.PENDING) -> None:
        """Record documents not seen before in ``state``; known documents keep theirs."""
        with self._tx() as c:
            c.executemany("INSERT OR IGNORE INTO documents(subsidiary_id, kind, number, state, updated_at) "
                          "VALUES (?,?,?,?,?)", [(k.subsidiary_id, k.kind, k.number, state.value, _now())
                                                 for k in keys])

    def mark_posting(self, keys: Iterable[DocKey], sent: Mapping[DocKey, tuple[str, str]] | None = None) -> None:
        """Committed before the request leaves; ``sent`` keeps each document's (fingerprint, total) as sent."""
        sent = sent or {}
        with self._tx() as c:
            c.executemany("UPDATE documents SET state='posting', attempts=attempts+1, updated_at=?, "
                          "fingerprint=coalesce(?, fingerprint), amount=coalesce(?, amount) "
                          "WHERE subsidiary_id=? AND kind=? AND number=? AND state<>'posted'",
                          [(_now(), *sent.get(k, (None, None)), k.subsidiary_id, k.kind, k.number) for k in keys])

    def mark_sent(self, keys: Iterable[DocKey]) -> None:
        """Restart the settle clock of documents still posting: Sage may have got them as late as now."""
        with self._tx() as c:
            c.executemany("UPDATE documents SET updated_at=? "
                          "WHERE subsidiary_id=? AND kind=? AND number=? AND state='posting'",
                          [(_now(), k.subsidiary_id, k.kind, k.number) for k in keys])

    def mark_posted(self, key: DocKey, recordno: str | None) -> None:
        self.record_answers(posted=[(key, recordno)])

    def mark_failed(self, key: DocKey, errorno: str, message: str, advice: str | None = None) -> None:
        self.record_answers(failed=[(key, errorno, message, advice)])

    def record_answers(self, posted: Iterable[tuple[DocKey, str | None]] = (),
                       failed: Iterable[tuple[DocKey, str, str, str | None]] = ()) -> None:
        """Sage's answers for a whole batch in one transaction (one disk sync per batch, not per document)."""
        self._set_many([_Row(key, State.POSTED, recordno=recordno) for key, recordno in posted]
                       + [_Row(key, State.FAILED, errorno=errorno, message=message, advice=advice)
                          for key, errorno, message, advice in failed])

    def mark_pending(self, keys: Iterable[DocKey]) -> None:
        self._set_many([_Row(key, State.PENDING) for key in keys])

    def mark_not_migrated(self, keys: Iterable[DocKey]) -> None:
        self._set_many([_Row(key, State.NOT_MIGRATED, message="created before the connection was established; "
                                                             "historical data is not migrated") for key in keys])

    def _set_many(self, rows: list[_Row]) -> None:
        if not rows:
            return
        now = _now()
        with self._tx() as c:
            c.executemany("INSERT INTO documents(subsidiary_id, kind, number, state, recordno, errorno, message, "
                          "advice, updated_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET "
                          "state=excluded.state, recordno=excluded.recordno, errorno=excluded.errorno, "
                          "message=excluded.message, advice=excluded.advice, updated_at=excluded.updated_at",
                          [(r.key.subsidiary_id, r.key.kind, r.key.number, r.state.value, r.recordno, r.errorno,
                            r.message, r.advice, now) for r in rows])


@dataclass(frozen=True)
class _Row:
    key: DocKey
    state: State
    recordno: str | None = None
    errorno: str | None = None
    message: str | None = None
    advice: str | None = None


def _entry(row: tuple) -> Entry:  # type: ignore[type-arg]
    return Entry(DocKey(row[0], row[1], row[2]), State(row[3]), row[4], row[5], row[6], row[7], row[8], row[9])
