"""The embedded store: SQLite, one transaction per gateway request.

In memory for tests (one database per app instance, so every test has its own company and xdist
needs nothing special); in a WAL-mode file for ``intacct-sim serve`` so several worker processes
share state and a restart keeps it. Records keep their business key, upper-cased name and owning
entity in indexed columns, so lookups by ID or NAME stay flat as a company grows; the full record
is a JSON document.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS senders(id TEXT PRIMARY KEY, secret TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS companies(id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records(
    company TEXT NOT NULL, object TEXT NOT NULL, recordno INTEGER NOT NULL,
    key TEXT NOT NULL, name_ci TEXT, entity TEXT, doc TEXT NOT NULL, docno TEXT,
    PRIMARY KEY(company, object, recordno));
CREATE UNIQUE INDEX IF NOT EXISTS records_key ON records(company, object, key);
CREATE INDEX IF NOT EXISTS records_name ON records(company, object, name_ci);
CREATE INDEX IF NOT EXISTS records_docno ON records(company, object, docno);
CREATE TABLE IF NOT EXISTS counters(company TEXT PRIMARY KEY, next INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sessions(
    id TEXT PRIMARY KEY, company TEXT NOT NULL, user TEXT NOT NULL, entity TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS resultsets(id TEXT PRIMARY KEY, company TEXT NOT NULL, doc TEXT NOT NULL,
    expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS journal(
    seq INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, company TEXT, user TEXT, entity TEXT,
    function TEXT, object TEXT, controlid TEXT, status TEXT, errorno TEXT, message TEXT,
    records INTEGER NOT NULL DEFAULT 0, http_status INTEGER NOT NULL DEFAULT 200);
CREATE TABLE IF NOT EXISTS usage(company TEXT NOT NULL, month TEXT NOT NULL, transactions INTEGER NOT NULL,
    PRIMARY KEY(company, month));
CREATE TABLE IF NOT EXISTS inflight(company TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS controlids(sender TEXT NOT NULL, company TEXT NOT NULL, controlid TEXT NOT NULL,
    ts REAL NOT NULL, PRIMARY KEY(sender, company, controlid));
"""

TABLES = ("meta", "senders", "companies", "records", "counters", "sessions", "resultsets", "journal", "usage",
          "inflight", "controlids")


@dataclass
class Record:
    object: str
    recordno: int
    key: str
    entity: str
    doc: dict[str, Any]


def _docno(rec: Record) -> str | None:
    """A transaction's document number (RECORDID), indexed: connectors look documents up by it."""
    value = rec.doc.get("RECORDID")
    return value if isinstance(value, str) and value else None


class Store:
    """Owns the SQLite connection(s). In-memory: one shared connection; file: one per process."""

    def __init__(self, path: str | None = None, busy_timeout: float = 30.0) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self._lock = threading.RLock()
        self._pid = -1
        self._conn: sqlite3.Connection | None = None
        with self._lock:
            conn = self._connection()
            columns = {row[1] for row in conn.execute("PRAGMA table_info(records)")}
            if columns and "docno" not in columns:  # a state file from before the column existed
                conn.execute("ALTER TABLE records ADD COLUMN docno TEXT")
            conn.executescript(SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        # A forked worker must not reuse its parent's connection.
        if self._conn is None or self._pid != os.getpid():
            if self.path:
                conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None,
                                       check_same_thread=False)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            else:
                conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            self._conn = conn
            self._pid = os.getpid()
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One write transaction (``BEGIN IMMEDIATE``: writers queue across processes)."""
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A read-only transaction: a consistent snapshot that never waits for (or blocks) a writer in WAL mode."""
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN")
            try:
                yield Tx(conn)
            finally:
                conn.execute("COMMIT")

    def reset(self) -> None:
        with self.transaction() as tx:
            for table in TABLES:
                tx.conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names

    # -- the concurrency counter is its own tiny transaction, outside the request's work ---------
    def acquire_slot(self, company: str, limit: int) -> bool:
        with self.transaction() as tx:
            row = tx.conn.execute("SELECT n FROM inflight WHERE company=?", (company,)).fetchone()
            n = row[0] if row else 0
            if n >= limit:
                return False
            tx.conn.execute("INSERT INTO inflight(company, n) VALUES(?, 1) "
                            "ON CONFLICT(company) DO UPDATE SET n = n + 1", (company,))
            return True

    def release_slot(self, company: str) -> None:
        with self.transaction() as tx:
            tx.conn.execute("UPDATE inflight SET n = MAX(n - 1, 0) WHERE company=?", (company,))


class Tx:
    """The operations a request may do inside its transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._savepoints = 0

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        self._savepoints += 1
        name = f"sp{self._savepoints}"
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self.conn.execute(f"ROLLBACK TO {name}")
            self.conn.execute(f"RELEASE {name}")
            raise
        self.conn.execute(f"RELEASE {name}")

    # -- meta ------------------------------------------------------------------------------
    def get_meta(self, key: str, default: str = "") -> str:
        row = self.conn.execute("SELECT v FROM meta WHERE k=?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT INTO meta(k, v) VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET v=excluded.v",
                          (key, value))

    # -- senders and companies -------------------------------------------------------------
    def get_sender_secret(self, sender_id: str) -> str | None:
        row = self.conn.execute("SELECT secret FROM senders WHERE id=?", (sender_id,)).fetchone()
        return row[0] if row else None

    def put_sender(self, sender_id: str, secret: str) -> None:
        self.conn.execute("INSERT INTO senders(id, secret) VALUES(?, ?) "
                          "ON CONFLICT(id) DO UPDATE SET secret=excluded.secret", (sender_id, secret))

    def sender_ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM senders ORDER BY id")]

    def get_company(self, company_id: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT doc FROM companies WHERE id=?", (company_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def put_company(self, doc: dict[str, Any]) -> None:
        self.conn.execute("INSERT INTO companies(id, doc) VALUES(?, ?) "
                          "ON CONFLICT(id) DO UPDATE SET doc=excluded.doc", (doc["id"], json.dumps(doc)))

    def company_ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM companies ORDER BY id")]

    # -- records ---------------------------------------------------------------------------
    def next_recordno(self, company: str) -> int:
        row = self.conn.execute(
            "INSERT INTO counters(company, next) VALUES(?, 2) "
            "ON CONFLICT(company) DO UPDATE SET next = next + 1 RETURNING next - 1", (company,)).fetchone()
        return int(row[0])

    def insert_record(self, company: str, rec: Record, name: str | None) -> None:
        self.conn.execute(
            "INSERT INTO records(company, object, recordno, key, name_ci, entity, doc, docno) VALUES(?,?,?,?,?,?,?,?)",
            (company, rec.object, rec.recordno, rec.key, name.upper() if name else None, rec.entity,
             json.dumps(rec.doc), _docno(rec)))

    def update_record(self, company: str, rec: Record, name: str | None) -> None:
        self.conn.execute(
            "UPDATE records SET key=?, name_ci=?, entity=?, doc=?, docno=? "
            "WHERE company=? AND object=? AND recordno=?",
            (rec.key, name.upper() if name else None, rec.entity, json.dumps(rec.doc), _docno(rec), company,
             rec.object, rec.recordno))

    INDEXED = ("recordno", "key", "name_ci", "docno")

    def lookup(self, company: str, obj: str, column: str, values: list[Any]) -> list[Record]:
        """Records whose indexed ``column`` is one of ``values``, in RECORDNO order."""
        if column not in self.INDEXED:
            raise ValueError(f"{column} is not an indexed column")
        out: list[Record] = []
        for start in range(0, len(values), 500):  # stay under SQLite's bound-parameter limit
            chunk = values[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            out += [self._record(obj, r) for r in self.conn.execute(
                f"SELECT recordno, key, entity, doc FROM records WHERE company=? AND object=? "  # noqa: S608
                f"AND {column} IN ({marks})", (company, obj, *chunk))]
        return sorted(out, key=lambda r: r.recordno)

    def delete_record(self, company: str, obj: str, recordno: int) -> None:
        self.conn.execute("DELETE FROM records WHERE company=? AND object=? AND recordno=?", (company, obj, recordno))

    @staticmethod
    def _record(obj: str, row: tuple[Any, ...]) -> Record:
        return Record(obj, row[0], row[1], row[2] or "", json.loads(row[3]))

    def by_key(self, company: str, obj: str, key: str) -> Record | None:
        row = self.conn.execute("SELECT recordno, key, entity, doc FROM records WHERE company=? AND object=? AND key=?",
                                (company, obj, key)).fetchone()
        return self._record(obj, row) if row else None

    def by_recordno(self, company: str, obj: str, recordno: int) -> Record | None:
        if not 0 <= recordno < 2**63:  # beyond SQLite INTEGER: no such record (and no OverflowError)
            return None
        row = self.conn.execute(
            "SELECT recordno, key, entity, doc FROM records WHERE company=? AND object=? AND recordno=?",
            (company, obj, recordno)).fetchone()
        return self._record(obj, row) if row else None

    def by_name(self, company: str, obj: str, name: str) -> list[Record]:
        rows = self.conn.execute(
            "SELECT recordno, key, entity, doc FROM records WHERE company=? AND object=? AND name_ci=? "
            "ORDER BY +recordno", (company, obj, name.upper()))  # +: use the name index, not the key order
        return [self._record(obj, r) for r in rows]

    def scan(self, company: str, obj: str) -> Iterator[Record]:
        rows = self.conn.execute(
            "SELECT recordno, key, entity, doc FROM records WHERE company=? AND object=? ORDER BY recordno",
            (company, obj))
        for r in rows:
            yield self._record(obj, r)

    def count(self, company: str, obj: str) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM records WHERE company=? AND object=?",
                                     (company, obj)).fetchone()[0])

    def objects_with_records(self, company: str) -> dict[str, int]:
        return dict(self.conn.execute(
            "SELECT object, COUNT(*) FROM records WHERE company=? GROUP BY object ORDER BY object", (company,)))

    # -- sessions and result sets ----------------------------------------------------------
    def put_session(self, sid: str, company: str, user: str, entity: str, expires: float) -> None:
        self.conn.execute("INSERT OR REPLACE INTO sessions(id, company, user, entity, expires) VALUES(?,?,?,?,?)",
                          (sid, company, user, entity, expires))

    def get_session(self, sid: str) -> tuple[str, str, str, float] | None:
        row = self.conn.execute("SELECT company, user, entity, expires FROM sessions WHERE id=?", (sid,)).fetchone()
        return tuple(row) if row else None  # type: ignore[return-value]

    def touch_session(self, sid: str, expires: float) -> None:
        self.conn.execute("UPDATE sessions SET expires=? WHERE id=?", (expires, sid))

    def expire_sessions(self, company: str | None, before: float | None = None) -> int:
        """Delete sessions (all of a company, or those past ``before``); returns how many."""
        if before is not None:
            cur = self.conn.execute("DELETE FROM sessions WHERE expires < ?", (before,))
        elif company is None:
            cur = self.conn.execute("DELETE FROM sessions")
        else:
            cur = self.conn.execute("DELETE FROM sessions WHERE company=?", (company,))
        return cur.rowcount

    def put_resultset(self, rid: str, company: str, doc: dict[str, Any], expires: float) -> None:
        self.conn.execute("INSERT OR REPLACE INTO resultsets(id, company, doc, expires) VALUES(?,?,?,?)",
                          (rid, company, json.dumps(doc), expires))

    def get_resultset(self, rid: str) -> tuple[str, dict[str, Any], float] | None:
        row = self.conn.execute("SELECT company, doc, expires FROM resultsets WHERE id=?", (rid,)).fetchone()
        return (row[0], json.loads(row[1]), row[2]) if row else None

    def delete_resultset(self, rid: str) -> None:
        self.conn.execute("DELETE FROM resultsets WHERE id=?", (rid,))

    def purge(self, now: float, journal_limit: int) -> dict[str, int]:
        """Retention: expired sessions and result sets go, the journal keeps its newest ``journal_limit``."""
        sessions = self.conn.execute("DELETE FROM sessions WHERE expires < ?", (now,)).rowcount
        results = self.conn.execute("DELETE FROM resultsets WHERE expires < ?", (now,)).rowcount
        journal = self.conn.execute("DELETE FROM journal WHERE seq <= (SELECT MAX(seq) FROM journal) - ?",
                                    (journal_limit,)).rowcount
        return {"sessions": sessions, "resultsets": results, "journal": journal}

    # -- control IDs of requests sent with uniqueid=true ---------------------------------------
    def controlid_seen(self, sender: str, company: str, controlid: str) -> bool:
        return self.conn.execute("SELECT 1 FROM controlids WHERE sender=? AND company=? AND controlid=?",
                                 (sender, company, controlid)).fetchone() is not None

    def remember_controlid(self, sender: str, company: str, controlid: str, ts: float) -> None:
        self.conn.execute("INSERT OR IGNORE INTO controlids(sender, company, controlid, ts) VALUES(?,?,?,?)",
                          (sender, company, controlid, ts))

    # -- journal and usage -----------------------------------------------------------------
    def journal(self, **entry: Any) -> None:
        cols = ", ".join(entry)
        marks = ", ".join("?" for _ in entry)
        self.conn.execute(f"INSERT INTO journal({cols}) VALUES({marks})", tuple(entry.values()))  # noqa: S608

    def journal_entries(self, company: str | None = None, since: int = 0, limit: int = 1000,
                        function: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM journal WHERE seq > ?"
        args: list[Any] = [since]
        if company:
            sql += " AND company = ?"
            args.append(company)
        if function:
            sql += " AND function = ?"
            args.append(function)
        sql += " ORDER BY seq LIMIT ?"
        args.append(limit)
        cur = self.conn.execute(sql, args)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]

    def add_usage(self, company: str, month: str, n: int) -> None:
        if n:
            self.conn.execute("INSERT INTO usage(company, month, transactions) VALUES(?,?,?) "
                              "ON CONFLICT(company, month) DO UPDATE SET transactions = transactions + ?",
                              (company, month, n, n))

    def usage(self, company: str) -> dict[str, int]:
        return dict(self.conn.execute("SELECT month, transactions FROM usage WHERE company=? ORDER BY month",
                                      (company,)))
