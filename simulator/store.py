"""The embedded store: SQLite in WAL mode, one write transaction per gateway request.

Every store is a WAL database, so readers work from a snapshot beside the one writer and never wait for
it: ``intacct-sim serve`` keeps it in the state file its worker processes share (a restart keeps it);
without a state file (tests, the demo) it lives in a private file in RAM (/dev/shm) that goes when the
store does, so every test still has its own company and xdist needs nothing special. Each thread has
its own connection. Records keep their business key, upper-cased name, document number and owning
entity in indexed columns, so lookups stay flat as a company grows; the full record is a JSON document,
whose STATUS has an expression index, as has each field an object's definition lists under ``indexes``
(``FIELD_INDEXES``: VENDOR's VENDTYPE, CUSTOMER's CUSTTYPE...). Triggers keep a tally of records per company,
object, entity and STATUS, and per value of each of those fields, so an unfiltered page (or one by STATUS or
by such a field) knows its total without counting a million rows.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from intacct_harness.simulator.models.definitions import CATALOGUE

# A record's STATUS as the tally keys it: "t" and the text, or "n" when it has none.
STATUS_KEY = "CASE json_type({doc}, '$.STATUS') WHEN 'text' THEN 't' || ({doc}->>'$.STATUS') ELSE 'n' END"

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
CREATE INDEX IF NOT EXISTS records_status ON records(company, object, (doc->>'$.STATUS'));
CREATE TABLE IF NOT EXISTS record_tally(company TEXT NOT NULL, object TEXT NOT NULL, entity TEXT NOT NULL,
    status TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY(company, object, entity, status));
CREATE TRIGGER IF NOT EXISTS records_tallied AFTER INSERT ON records BEGIN
    INSERT INTO record_tally VALUES(new.company, new.object, COALESCE(new.entity, ''), {status_new}, 1)
    ON CONFLICT(company, object, entity, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS records_untallied AFTER DELETE ON records BEGIN
    UPDATE record_tally SET n = n - 1 WHERE company = old.company AND object = old.object
        AND entity = COALESCE(old.entity, '') AND status = {status_old};
END;
CREATE TRIGGER IF NOT EXISTS records_retallied AFTER UPDATE OF company, object, entity, doc ON records
WHEN old.company IS NOT new.company OR old.object IS NOT new.object OR old.entity IS NOT new.entity
    OR {status_old} IS NOT {status_new} BEGIN
    UPDATE record_tally SET n = n - 1 WHERE company = old.company AND object = old.object
        AND entity = COALESCE(old.entity, '') AND status = {status_old};
    INSERT INTO record_tally VALUES(new.company, new.object, COALESCE(new.entity, ''), {status_new}, 1)
    ON CONFLICT(company, object, entity, status) DO UPDATE SET n = n + 1;
END;
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
CREATE TABLE IF NOT EXISTS controlids(sender TEXT NOT NULL, company TEXT NOT NULL, controlid TEXT NOT NULL,
    ts REAL NOT NULL, PRIMARY KEY(sender, company, controlid));
"""

# The setup's generation: a random token in ``meta`` that every change to the setup tables (meta, senders,
# companies), by any connection or process and by any statement, replaces in the same transaction. A process keeps
# what it read of the setup per generation (``SetupCache``); one read of this row per transaction validates it.
GENERATION = "generation"
_NEW_GENERATION = (f"INSERT INTO meta(k, v) VALUES('{GENERATION}', lower(hex(randomblob(8)))) "
                   "ON CONFLICT(k) DO UPDATE SET v = excluded.v;")
SCHEMA += "".join(
    f"CREATE TRIGGER IF NOT EXISTS setup_{table}_{event.lower()} AFTER {event} ON {table} {when}"
    f"BEGIN {_NEW_GENERATION} END;\n"
    for table in ("meta", "senders", "companies") for event in ("INSERT", "UPDATE", "DELETE")
    for when in [("" if table != "meta" else
                  f"WHEN {'old' if event == 'DELETE' else 'new'}.k <> '{GENERATION}' ")])



def field_value(name: str, doc: str = "doc") -> str:
    """A record's top-level field as the query languages see it in SQL: its text, or NULL (absent, a block)."""
    return f"(CASE json_type({doc}, '$.{name}') WHEN 'text' THEN {doc}->>'$.{name}' END)"


# The fields each object's definition names under ``indexes``: one partial index each, on the very
# expression the query compiler writes, then RECORDNO, so an equality's matches come in page order;
# and a tally of records per value (``field_tally``), so an equality's total needs no counting. Each costs
# every write of its object (one on APBILL: about 14 us more per bill), so documents declare none.
FIELD_INDEXES: dict[str, tuple[str, ...]] = {d.name: d.indexes for d in CATALOGUE.objects.values() if d.indexes}


def _field_schema(obj: str, names: tuple[str, ...]) -> list[str]:
    """One object's field indexes, and the triggers that keep its ``field_tally``."""
    def tally(row: str, step: str) -> str:   # the values of ``row`` (new, old) counted ``step`` more
        values = " UNION ALL ".join(f"SELECT '{n}' AS f, {field_value(n, row + '.doc')} AS v" for n in names)
        return (f"INSERT INTO field_tally SELECT {row}.company, '{obj}', COALESCE({row}.entity, ''), f, v, {step} "
                f"FROM ({values}) WHERE v IS NOT NULL AND {row}.object = '{obj}' "
                f"ON CONFLICT DO UPDATE SET n = n + {step};")
    return [*(f"CREATE INDEX IF NOT EXISTS records_{obj}_{n} ON records(company, {field_value(n)}, recordno) "
              f"WHERE object = '{obj}'" for n in names),
            f"CREATE TRIGGER IF NOT EXISTS field_tally_{obj}_in AFTER INSERT ON records "
            f"WHEN new.object = '{obj}' BEGIN {tally('new', '1')} END",
            f"CREATE TRIGGER IF NOT EXISTS field_tally_{obj}_out AFTER DELETE ON records "
            f"WHEN old.object = '{obj}' BEGIN {tally('old', '-1')} END",
            f"CREATE TRIGGER IF NOT EXISTS field_tally_{obj}_moved AFTER UPDATE OF company, object, entity, doc "
            f"ON records WHEN old.object = '{obj}' OR new.object = '{obj}' BEGIN {tally('old', '-1')} "
            f"{tally('new', '1')} END"]


def field_index(obj: str, name: str) -> str | None:
    """The index on ``obj``'s field ``name`` (as :func:`field_value` or, for STATUS, ``doc->>``), if it has one."""
    if name == "STATUS":
        return "records_status"
    return f"records_{obj}_{name}" if name in FIELD_INDEXES.get(obj, ()) else None


FIELD_STATEMENTS = ["""CREATE TABLE IF NOT EXISTS field_tally(company TEXT NOT NULL, object TEXT NOT NULL,
    entity TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY(company, object, field, value, entity)) WITHOUT ROWID""",
                    *(sql for obj, names in FIELD_INDEXES.items() for sql in _field_schema(obj, names))]
FIELD_SIGNATURE = json.dumps(FIELD_INDEXES, sort_keys=True)   # a state file made with other indexes is redone
SCHEMA += "".join(sql + ";\n" for sql in FIELD_STATEMENTS)
_BASE_INDEXES = ("records_key", "records_name", "records_docno", "records_status")
SCHEMA = SCHEMA.replace("{status_new}", STATUS_KEY.format(doc="new.doc")).replace(
    "{status_old}", STATUS_KEY.format(doc="old.doc"))
_OLD_COUNTS = """DROP TRIGGER IF EXISTS records_counted; DROP TRIGGER IF EXISTS records_uncounted;
DROP TRIGGER IF EXISTS records_recounted; DROP TABLE IF EXISTS record_counts;"""

TABLES = ("meta", "senders", "companies", "records", "record_tally", "field_tally", "counters", "sessions",
          "resultsets", "journal", "usage", "controlids")
RAM_DIR = "/dev/shm"   # where a store without a state file lives (the system temp dir where there is none)
MMAP_BYTES = 256 * 1024 * 1024
T = TypeVar("T")


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


class _Holder:
    """One connection of the store's pool, with the process that opened it (a forked worker opens its own)."""

    def __init__(self, conn: sqlite3.Connection, pid: int) -> None:
        self.conn = conn
        self.pid = pid
        self.traced = False


OPEN_TIMEOUT = 5.0        # SQLite's own wait while a connection opens (journal mode): once per connection
POOL_IDLE = 8             # idle connections a process keeps; more in use at once are closed when given back
SLICE_SECONDS = 0.002     # how long a read runs in a gevent worker before ``Tx.cooperate`` lets others in
PAUSE_SECONDS = 0.00001   # its pause: gevent.sleep(0) only runs greenlets already ready, without polling sockets
PROGRESS_STEPS = 20_000   # SQLite VM steps between calls of a read's progress handler (``Slices.pause``)


class Slices:
    """One read snapshot's clock in a gevent worker, which never preempts a greenlet: ``pause`` lets the worker's
    other requests run once the read has run ``SLICE_SECONDS`` since it began or last paused.

    A read pauses between its functions (``Tx.cooperate``) and inside one long SQL statement (a filter on a field
    without index over a million records), as SQLite's progress handler: one clock for both. The pause inside
    SQLite switches greenlets in its callback (greenlet keeps the C stack, as psycopg2's gevent wait callback
    relies on). Only reads pause: the connection is this request's alone (the pool), it holds no write lock,
    and the other greenlets' transactions use other connections.
    """

    def __init__(self) -> None:
        self.mark = time.perf_counter()

    def pause(self) -> int:
        if time.perf_counter() - self.mark >= SLICE_SECONDS:
            time.sleep(PAUSE_SECONDS)   # patched: gevent.sleep; > 0, so the hub polls the sockets first
            self.mark = time.perf_counter()
        return 0   # as a progress handler: go on (non-zero would interrupt the statement)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def _gevent_patched() -> bool:
    """Whether gevent has patched this process (a gunicorn gevent worker): ``time.sleep`` then yields."""
    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey is not None and monkey.is_module_patched("time"))


def _close_all(holders: weakref.WeakSet[_Holder], temp_dir: str | None) -> None:
    for holder in list(holders):
        holder.conn.close()
    if temp_dir:
        shutil.rmtree(temp_dir, ignore_errors=True)


def _redo_field_indexes(conn: sqlite3.Connection) -> None:
    """A state file from before the definitions' ``indexes`` were these: their indexes, triggers and tally anew."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("SELECT v FROM meta WHERE k = 'field_indexes'").fetchone() != (FIELD_SIGNATURE,):
            stale = conn.execute("SELECT type, name FROM sqlite_master WHERE tbl_name = 'records' AND "
                                 "((type = 'trigger' AND name LIKE 'field\\_tally\\_%' ESCAPE '\\') OR "
                                 "(type = 'index' AND name LIKE 'records\\_%' ESCAPE '\\'))").fetchall()
            for kind, name in stale:
                if name not in _BASE_INDEXES:
                    conn.execute(f'DROP {kind.upper()} "{name}"')
            for sql in FIELD_STATEMENTS:
                conn.execute(sql)
            conn.execute("DELETE FROM field_tally")
            for obj, names in FIELD_INDEXES.items():
                for name in names:
                    value = field_value(name)
                    conn.execute(f"INSERT INTO field_tally SELECT company, object, COALESCE(entity, ''), '{name}', "  # noqa: S608
                                 f"{value}, COUNT(*) FROM records WHERE object = '{obj}' AND {value} IS NOT NULL "
                                 "GROUP BY 1, 2, 3, 5")
            conn.execute("INSERT INTO meta(k, v) VALUES('field_indexes', ?) ON CONFLICT(k) DO UPDATE SET v=excluded.v",
                         (FIELD_SIGNATURE,))
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class Store:
    """Owns the SQLite connections: a pool per process, each connection lent to one transaction at a time.

    No SQLite call ever waits inside SQLite: the connections' busy timeout is 0, and a writer that finds
    the write lock taken (by another worker process) waits in Python, in short sleeps, for at most
    ``busy_timeout`` seconds. Under gevent ``time.sleep`` yields, so the worker's other requests run
    meanwhile; SQLite's own busy handler sleeps in C and would stall every greenlet of the worker.
    Within a process writers queue on one lock (``_gate``, a gevent lock in a gevent worker), so only
    one of them polls.
    """

    def __init__(self, path: str | None = None, busy_timeout: float = 30.0) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self._temp_dir = None if path else tempfile.mkdtemp(
            prefix="intacct-sim-", dir=RAM_DIR if os.access(RAM_DIR, os.W_OK) else None)
        self._file = path or os.path.join(self._temp_dir or "", "state.sqlite3")
        self._pid = -1
        self._process()
        self._holders: weakref.WeakSet[_Holder] = weakref.WeakSet()
        self.slots = Slots(path)
        weakref.finalize(self, _close_all, self._holders, self._temp_dir)
        holder = self._take()
        conn = holder.conn
        conn.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")   # set-up, once: SQLite may wait here
        columns = {row[1] for row in conn.execute("PRAGMA table_info(records)")}
        if columns and "docno" not in columns:  # a state file from before the column existed
            conn.execute("ALTER TABLE records ADD COLUMN docno TEXT")
        tallied = columns and conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name='record_tally'").fetchone() is not None
        conn.executescript(_OLD_COUNTS + SCHEMA)
        if columns and not tallied:  # a state file from before the tally: count once
            conn.execute("INSERT INTO record_tally SELECT company, object, COALESCE(entity, ''), "
                         f"{STATUS_KEY.format(doc='doc')}, COUNT(*) FROM records GROUP BY 1, 2, 3, 4")
        if conn.execute("SELECT v FROM meta WHERE k = 'field_indexes'").fetchone() != (FIELD_SIGNATURE,):
            _redo_field_indexes(conn)
        if conn.execute(f"SELECT 1 FROM meta WHERE k = '{GENERATION}'").fetchone() is None:
            conn.execute(_NEW_GENERATION)
        self.setup = SetupCache()
        conn.execute("PRAGMA busy_timeout=0")
        self._give(holder)

    def _process(self) -> None:
        """Per-process state, made again in a forked worker: the connection pool (a forked worker must not use
        its parent's connections) and the writers' gate, a gevent lock once gevent has patched the process."""
        if self._pid != os.getpid():
            self._pid = os.getpid()
            self._idle: list[_Holder] = []
            self._trace: Callable[[str], object] | None = None
            self._gate = threading.RLock()
            self._cooperative = _gevent_patched()

    def _take(self) -> _Holder:
        """A connection for one transaction, from the pool: the one used last, whose page cache is the warmest.

        A transaction holds its connection from BEGIN to COMMIT and gives it back, so a gevent worker with
        500 requests in flight needs as many connections as transactions are open at once (the requests
        paused mid-read, a few), not one per request: a connection is three open files and its own page
        cache, and one per greenlet ran a worker out of files under a 1,024-file limit.
        """
        self._process()
        try:
            holder = self._idle.pop()   # list.pop and append are atomic for threads and greenlets alike
        except IndexError:
            holder = self._open()
        if self._trace is not None or holder.traced:
            holder.conn.set_trace_callback(self._trace)
            holder.traced = self._trace is not None
        return holder

    def _open(self) -> _Holder:
        conn = sqlite3.connect(self._file, timeout=OPEN_TIMEOUT, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=" + ("NORMAL" if self.path else "OFF"))
        conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        conn.execute("PRAGMA busy_timeout=0")   # from here on, waits are in Python (``_begin_write``)
        holder = _Holder(conn, self._pid)
        self._holders.add(holder)
        return holder

    @contextmanager
    def traced(self, callback: Callable[[str], object]) -> Iterator[None]:
        """Every SQL statement this process's transactions run while the block lasts, passed to ``callback``
        (the tests read SQLite's own plans of a request's statements)."""
        self._process()
        self._trace = callback
        try:
            yield
        finally:
            self._trace = None

    def _give(self, holder: _Holder) -> None:
        """Back to the pool once its transaction ended; a connection of another process, or one too many, closed."""
        if holder.pid == os.getpid() and not holder.conn.in_transaction and len(self._idle) < POOL_IDLE:
            self._idle.append(holder)
        else:
            self._holders.discard(holder)
            holder.conn.close()

    def _begin_write(self, conn: sqlite3.Connection, deadline: float) -> None:
        """``BEGIN IMMEDIATE``, retried in sleeps of 0.5 ms growing to 5 ms while another process writes."""
        delay = 0.0005
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() + delay > deadline:
                    raise
            time.sleep(delay)   # gevent: the worker's other greenlets run meanwhile
            delay = min(delay * 2, 0.005)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One write transaction (``BEGIN IMMEDIATE``): writers queue, across processes, for ``busy_timeout``."""
        deadline = time.monotonic() + self.busy_timeout
        self._process()   # first: a forked worker's gate is its own
        if not self._gate.acquire(timeout=self.busy_timeout):
            raise sqlite3.OperationalError("database is locked (this process's writers)")
        try:
            holder = self._take()
        except BaseException:   # no connection (out of files): the gate is not kept
            self._gate.release()
            raise
        conn = holder.conn
        try:
            self._begin_write(conn, deadline)
            try:
                tx = Tx(conn, self.setup)
                yield tx
                tx.flush()
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            self._give(holder)
            self._gate.release()

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A read-only snapshot: it never waits for a writer, and no writer waits for it (WAL)."""
        holder = self._take()
        conn = holder.conn
        slices = Slices() if self._cooperative else None
        if slices is not None:
            conn.set_progress_handler(slices.pause, PROGRESS_STEPS)
        try:
            conn.execute("BEGIN")
            try:
                yield Tx(conn, self.setup, slices)
            finally:
                conn.execute("COMMIT")
        finally:
            if slices is not None:
                conn.set_progress_handler(None, 0)
            self._give(holder)

    @contextmanager
    def read_then_write(self) -> Iterator[ReadTx]:
        """A read request: its rules run on a snapshot; what it writes follows in one short write transaction."""
        with self.read() as snapshot:
            tx = ReadTx(snapshot.conn, self.setup, snapshot.slices)
            yield tx
        if tx.pending:
            with self.transaction() as writer:
                tx.replay(writer)

    def reset(self) -> None:
        with self.transaction() as tx:
            for table in TABLES:
                tx.conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            tx._setup_changed()
            tx.conn.execute(_NEW_GENERATION)   # never the generation of a setup from before the reset

    # -- the concurrency limit: slots outside the store's transactions --------------------------
    def acquire_slot(self, company: str, limit: int) -> int | None:
        return self.slots.acquire(company, limit)

    def release_slot(self, company: str, slot: int) -> None:
        self.slots.release(company, slot)


class Slots:
    """A company's concurrency slots; with a state file shared by its worker processes.

    Slot ``i`` of a company is a lock on one byte of ``<state file>-slots`` (``fcntl``), so a worker that
    dies frees its slots with it, and taking one is no write transaction on the state file. Locks are only
    tried (``LOCK_NB``), never waited for, so no gevent worker blocks on one. Locks belong
    to a process, so the threads of one process also share a table of the slots they hold.
    """

    MAX = 4096   # slots per company that can be held at once (a limit above it means "as many as that")

    def __init__(self, path: str | None) -> None:
        self._path = path and path + "-slots"
        self._lock = threading.Lock()
        self._pid = -1
        self._fd: int | None = None
        self._held: dict[str, set[int]] = {}

    def _process(self) -> None:
        if self._pid != os.getpid():  # a forked worker holds none of its parent's locks
            self._pid = os.getpid()
            self._held = {}
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600) if self._path else None

    @staticmethod
    def _offset(company: str, slot: int) -> int:
        return int.from_bytes(hashlib.blake2b(company.encode(), digest_size=6).digest()) * Slots.MAX + slot

    def acquire(self, company: str, limit: int) -> int | None:
        """A free slot's number, or None when ``limit`` requests of the company are in flight."""
        with self._lock:
            self._process()
            held = self._held.setdefault(company, set())
            for slot in range(min(limit, self.MAX)):
                if slot in held:
                    continue
                if self._fd is not None:
                    try:
                        fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, self._offset(company, slot))
                    except OSError:
                        continue  # another worker holds it
                held.add(slot)
                return slot
            return None

    def release(self, company: str, slot: int) -> None:
        with self._lock:
            if self._pid != os.getpid():
                return
            self._held.get(company, set()).discard(slot)
            if self._fd is not None:
                fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, self._offset(company, slot))

    def held(self, company: str) -> int:
        """Slots this process holds for ``company`` (what tests and the console can see)."""
        with self._lock:
            return len(self._held.get(company, ())) if self._pid == os.getpid() else 0


class Setup:
    """What one generation of the setup tables holds, as far as a process has read it (see ``SetupCache``)."""

    MAX_ENTRIES = 10_000   # unknown company or sender IDs are remembered too; a flood of them starts afresh

    def __init__(self, generation: str) -> None:
        self.generation = generation
        self.memo: dict[Any, Any] = {}


class SetupCache:
    """A process's copy of the setup (meta, senders, companies) it has read, valid for one generation.

    Every change to those tables gives them a new generation (triggers, ``GENERATION``), so a transaction that
    reads the generation row and finds the cache's own may use what the cache holds: it is what that transaction
    would read itself. Entries are only ever added from a transaction of the same generation.
    """

    def __init__(self) -> None:
        self._current = Setup("")

    def at(self, generation: str) -> Setup:
        current = self._current
        if current.generation != generation or len(current.memo) > Setup.MAX_ENTRIES:
            current = self._current = Setup(generation)
        return current


_UNREAD: Any = object()


class Tx:
    """The operations a request may do inside its transaction."""

    def __init__(self, conn: sqlite3.Connection, setup: SetupCache | None = None,
                 slices: Slices | None = None) -> None:
        self.conn = conn
        self._savepoints = 0
        # company -> [next RECORDNO, the value the counters row holds]: see next_recordno
        self._counters: dict[str, list[int]] = {}
        self._setup_cache = setup
        self._setup: Setup | None = _UNREAD if setup is not None else None
        self._sessions: dict[str, tuple[str, str, str, float] | None] = {}
        self.slices = slices   # a read snapshot in a gevent worker: it may pause

    # -- the setup, read once per generation and process ----------------------------------------
    def _shared(self) -> Setup | None:
        """The process's cache of the setup this transaction sees; None once the transaction changed the setup."""
        setup = self._setup
        if setup is _UNREAD:
            row = self.conn.execute(f"SELECT v FROM meta WHERE k='{GENERATION}'").fetchone()
            assert self._setup_cache is not None
            setup = self._setup = self._setup_cache.at(row[0]) if row else None
        return setup

    def _setup_changed(self) -> None:
        self._setup = None   # what this transaction reads from now on is its own, not the generation's

    def memo(self, key: Any, build: Any) -> Any:
        """``build()`` (which must read the setup through this transaction only), kept for the setup's generation.

        What it returns is shared by every request of the process: it must never be changed.
        """
        setup = self._shared()
        if setup is None:
            return build()
        try:
            return setup.memo[key]
        except KeyError:
            value = setup.memo[key] = build()
            return value

    def cooperate(self) -> None:
        """A pause between a long read request's functions: in a gevent worker, once the request has run for
        ``SLICE_SECONDS``, the worker's other requests run first (gevent never preempts a greenlet). Only
        read snapshots pause: a write transaction holds the state file's write lock, which every worker's
        writers wait for, so it runs to its end."""
        if self.slices is not None:
            self.slices.pause()

    @contextmanager
    def savepoint(self, database: bool = True) -> Iterator[None]:
        """Undo everything the block did if it raises. ``database=False``: the caller's block writes at most
        one statement, last, so a failure leaves the database as it was: only what the transaction keeps in
        memory (the counters) is taken back, and no SAVEPOINT / RELEASE statements are spent."""
        counters = {company: list(c) for company, c in self._counters.items()}
        if not database:
            try:
                yield
            except BaseException:
                self._counters = counters
                self._sessions.clear()
                raise
            return
        self._savepoints += 1
        name = f"sp{self._savepoints}"
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self.conn.execute(f"ROLLBACK TO {name}")
            self.conn.execute(f"RELEASE {name}")
            self._counters = counters   # the numbers drawn inside go back with the rows
            self._sessions.clear()
            raise
        self.conn.execute(f"RELEASE {name}")

    def flush(self) -> None:
        """Write what the transaction kept in memory (the RECORDNO counters); the store calls it before COMMIT."""
        for company, c in self._counters.items():
            if c[0] != c[1]:
                self.conn.execute("UPDATE counters SET next=? WHERE company=?", (c[0], company))
                c[1] = c[0]

    # -- meta ------------------------------------------------------------------------------
    def get_meta(self, key: str, default: str = "") -> str:
        found = self.memo(("meta", key), lambda: self.conn.execute("SELECT v FROM meta WHERE k=?", (key,)).fetchone())
        return found[0] if found else default

    def set_meta(self, key: str, value: str) -> None:
        self._setup_changed()
        self.conn.execute("INSERT INTO meta(k, v) VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET v=excluded.v",
                          (key, value))

    # -- senders and companies -------------------------------------------------------------
    def get_sender_secret(self, sender_id: str) -> str | None:
        found = self.memo(("sender", sender_id), lambda: self.conn.execute(
            "SELECT secret FROM senders WHERE id=?", (sender_id,)).fetchone())
        return found[0] if found else None

    def put_sender(self, sender_id: str, secret: str) -> None:
        self._setup_changed()
        self.conn.execute("INSERT INTO senders(id, secret) VALUES(?, ?) "
                          "ON CONFLICT(id) DO UPDATE SET secret=excluded.secret", (sender_id, secret))

    def sender_ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM senders ORDER BY id")]

    def get_company(self, company_id: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT doc FROM companies WHERE id=?", (company_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def shared_company(self, company_id: str, build: Callable[[dict[str, Any]], T]) -> T | None:
        """``build(document)`` of a company, kept per process for the setup's generation (``memo``).

        For readers only (a session's sign-in and admission): what ``build`` returns is shared by every
        request of this process at that generation, so nobody may change it; a caller that changes the
        document reads its own copy with ``get_company``.
        """
        def built() -> T | None:
            doc = self.get_company(company_id)
            return None if doc is None else build(doc)
        return self.memo(("company", build, company_id), built)

    def put_company(self, doc: dict[str, Any]) -> None:
        self._setup_changed()
        self.conn.execute("INSERT INTO companies(id, doc) VALUES(?, ?) "
                          "ON CONFLICT(id) DO UPDATE SET doc=excluded.doc", (doc["id"], json.dumps(doc)))

    def company_ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM companies ORDER BY id")]

    # -- records ---------------------------------------------------------------------------
    def next_recordno(self, company: str, count: int = 1) -> int:
        """The company's next RECORDNO; with ``count``, the first of that many in a row.

        The write transaction holds the store's lock, so after its first draw (one statement) the counter
        lives in memory: ``flush`` writes it once, before COMMIT; a rolled-back savepoint takes its numbers back.
        """
        c = self._counters.get(company)
        if c is not None:
            first = c[0]
            c[0] += count
            return first
        row = self.conn.execute(
            "INSERT INTO counters(company, next) VALUES(?, 1 + ?) "
            "ON CONFLICT(company) DO UPDATE SET next = next + ? RETURNING next",
            (company, count, count)).fetchone()
        self._counters[company] = [int(row[0]), int(row[0])]
        return int(row[0]) - count

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

    def insert_records(self, company: str, recs: Iterable[tuple[Record, str | None]]) -> None:
        """Many new records at once (seeds, benchmarks): one statement, the same columns as insert_record."""
        self.conn.executemany(
            "INSERT INTO records(company, object, recordno, key, name_ci, entity, doc, docno) VALUES(?,?,?,?,?,?,?,?)",
            ((company, rec.object, rec.recordno, rec.key, name.upper() if name else None, rec.entity,
              json.dumps(rec.doc), _docno(rec)) for rec, name in recs))

    INDEXED = ("recordno", "key", "name_ci", "docno")

    def lookup(self, company: str, obj: str, column: str, values: list[Any]) -> list[Record]:
        """Records whose indexed ``column`` is one of ``values``, in RECORDNO order."""
        if column not in self.INDEXED:
            raise ValueError(f"{column} is not an indexed column")
        rows = self.conn.execute(
            f"SELECT recordno, key, entity, doc FROM records WHERE company=? AND object=? "  # noqa: S608
            f"AND {column} IN (SELECT value FROM json_each(?)) ORDER BY recordno", (company, obj, json.dumps(values)))
        return [self._record(obj, r) for r in rows]

    # -- pages: SQL conditions over the columns and the JSON document (simulator.query.sql) ----------
    @staticmethod
    def _where(obj: str, where: str, entity: str, after: int, upto: int | None,
               private: bool = True) -> tuple[str, list[Any]]:
        # the object as a literal: an object's field indexes are partial (WHERE object = 'VENDOR')
        sql = f"company=? AND object='{obj}'" if obj.isascii() and obj.isidentifier() else "company=? AND object=?"
        args: list[Any] = [] if obj.isascii() and obj.isidentifier() else [obj]
        if after:   # only where needed: a RECORDNO range keeps SQLite off the other indexes
            sql += " AND recordno > ?"
            args.append(after)
        if upto is not None:
            sql += " AND recordno <= ?"
            args.append(upto)
        if entity:  # an entity's session sees its own records and those of the top level
            sql += " AND entity IN ('', ?)"
            args.append(entity)
        elif not private:  # the top level without showprivate: not the entities' private records
            sql += " AND entity = ''"
        return f"{sql} AND ({where})", args

    def select(self, company: str, obj: str, where: str = "1", params: Sequence[Any] = (), *, entity: str = "",
               after: int = 0, upto: int | None = None, limit: int = -1, offset: int = 0,
               private: bool = True, index: str | None = None) -> Iterator[Record]:
        """Records matching ``where`` in RECORDNO order, decoded one at a time as the caller pulls them.

        ``entity`` "" is the top level, which sees the entities' records only with ``private``. ``index``
        (:func:`field_index`): the matches are few, so they are found by that index and sorted, rather than
        by walking RECORDNO order (which SQLite prefers, knowing nothing of how many match)."""
        cond, args = self._where(obj, where, entity, after, upto, private)
        rows = self.conn.execute(
            f"SELECT recordno, key, entity, doc FROM records {f'INDEXED BY {index} ' if index else ''}"  # noqa: S608
            f"WHERE {cond} ORDER BY recordno LIMIT ? OFFSET ?", (company, *args, *params, min(limit, 2**63 - 1),
                                                   min(offset, 2**63 - 1)))
        try:
            for r in rows:
                yield self._record(obj, r)
        finally:
            rows.close()   # a caller that stopped early ends the statement now, not at garbage collection

    def count_where(self, company: str, obj: str, where: str = "1", params: Sequence[Any] = (), *,
                    entity: str = "", after: int = 0, upto: int | None = None, private: bool = True) -> int:
        cond, args = self._where(obj, where, entity, after, upto, private)
        return int(self.conn.execute(f"SELECT COUNT(*) FROM records WHERE {cond}",  # noqa: S608
                                     (company, *args, *params)).fetchone()[0])

    def count_visible(self, company: str, obj: str, entity: str = "", status: str | None = None,
                      private: bool = True) -> int:
        """Records an (entity) session sees (with that STATUS), from the tally the triggers keep: no rows read."""
        sql = "SELECT COALESCE(SUM(n), 0) FROM record_tally WHERE company=? AND object=?"
        args: tuple[Any, ...] = (company, obj)
        if status is not None:
            sql += " AND status = ?"
            args += ("t" + status,)
        if entity:
            sql += " AND entity IN ('', ?)"
            args += (entity,)
        elif not private:
            sql += " AND entity = ''"
        return int(self.conn.execute(sql, args).fetchone()[0])

    def count_values(self, company: str, obj: str, field: str, values: Iterable[str], entity: str = "",
                     private: bool = True) -> int:
        """Records whose tallied ``field`` (FIELD_INDEXES) is one of ``values``, from ``field_tally``: no rows read."""
        sql = ("SELECT COALESCE(SUM(n), 0) FROM field_tally WHERE company=? AND object=? AND field=? "
               "AND value IN (SELECT DISTINCT value FROM json_each(?))")
        args: tuple[Any, ...] = (company, obj, field, json.dumps(list(values)))
        if entity:
            sql += " AND entity IN ('', ?)"
            args += (entity,)
        elif not private:
            sql += " AND entity = ''"
        return int(self.conn.execute(sql, args).fetchone()[0])

    def last_recordno(self, company: str) -> int:
        """The highest RECORDNO given out so far: a result set's horizon (records made later are not in it)."""
        if company in self._counters:
            return self._counters[company][0] - 1
        row = self.conn.execute("SELECT next FROM counters WHERE company=?", (company,)).fetchone()
        return int(row[0]) - 1 if row else 0

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
        return self.count_visible(company, obj)

    def objects_with_records(self, company: str) -> dict[str, int]:
        return dict(self.conn.execute(
            "SELECT object, SUM(n) FROM record_tally WHERE company=? GROUP BY object HAVING SUM(n) > 0 "
            "ORDER BY object", (company,)))

    # -- sessions and result sets ----------------------------------------------------------
    def put_session(self, sid: str, company: str, user: str, entity: str, expires: float) -> None:
        self.conn.execute("INSERT OR REPLACE INTO sessions(id, company, user, entity, expires) VALUES(?,?,?,?,?)",
                          (sid, company, user, entity, expires))
        self._sessions[sid] = (company, user, entity, expires)

    def get_session(self, sid: str) -> tuple[str, str, str, float] | None:
        """(company, user, entity, expires); read once per transaction (admission, sign-in and the console ask)."""
        try:
            return self._sessions[sid]
        except KeyError:
            row = self.conn.execute("SELECT company, user, entity, expires FROM sessions WHERE id=?",
                                    (sid,)).fetchone()
            found = self._sessions[sid] = tuple(row) if row else None  # type: ignore[assignment]
            return found

    def touch_session(self, sid: str, expires: float) -> None:
        self._sessions.pop(sid, None)
        self.conn.execute("UPDATE sessions SET expires=? WHERE id=?", (expires, sid))

    def expire_sessions(self, company: str | None, before: float | None = None) -> int:
        """Delete sessions (all of a company, or those past ``before``); returns how many."""
        self._sessions.clear()
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

    def latest_resultset(self, company: str, session: str, obj: str, now: float) -> str | None:
        """The newest unexpired result set of ``obj`` that ``session`` (its digest) started: readMore by object."""
        row = self.conn.execute(
            "SELECT id FROM resultsets WHERE company=? AND expires >= ? AND doc->>'$.session' = ? "
            "AND doc->>'$.object' = ? ORDER BY expires DESC LIMIT 1", (company, now, session, obj)).fetchone()
        return str(row[0]) if row else None

    def delete_resultset(self, rid: str) -> None:
        self.conn.execute("DELETE FROM resultsets WHERE id=?", (rid,))

    def purge(self, now: float, journal_limit: int) -> dict[str, int]:
        """Retention: expired sessions and result sets go, the journal keeps its newest ``journal_limit``."""
        self._sessions.clear()
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
    JOURNAL_COLUMNS = ("ts", "company", "user", "entity", "function", "object", "controlid", "status", "errorno",
                       "message", "records")

    def journal_many(self, rows: list[tuple[Any, ...]]) -> None:
        """A request's function entries at once, values in ``JOURNAL_COLUMNS`` order: one statement, not one each."""
        if rows:
            self.conn.executemany(f"INSERT INTO journal({', '.join(self.JOURNAL_COLUMNS)}) "  # noqa: S608 - fixed
                                  f"VALUES({', '.join('?' for _ in self.JOURNAL_COLUMNS)})", rows)

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

    # -- the QA console's exchanges (its table is created by simulator.console.capture) -------------
    def console_exchange(self, row: tuple[Any, ...], trim_to: int | None = None) -> None:
        self.conn.execute("INSERT INTO console_exchanges(ts, company, http_status, functions, status, errornos, "
                          "request, response, dropped) VALUES(?,?,?,?,?,?,?,?,?)", row)
        if trim_to is not None:   # keep the newest ``trim_to``
            self.conn.execute("DELETE FROM console_exchanges WHERE seq <= (SELECT MAX(seq) FROM console_exchanges)"
                              " - ?", (trim_to,))

    def usage(self, company: str) -> dict[str, int]:
        return dict(self.conn.execute("SELECT month, transactions FROM usage WHERE company=? ORDER BY month",
                                      (company,)))


class NeedsWrite(BaseException):  # noqa: N818 - a signal, not an error; BaseException so no rule swallows it
    """A read-only run met a write that must see the latest state: the request runs again as a writer."""


class ReadTx(Tx):
    """A read snapshot for a request that only reads: its own blind writes are queued, not done.

    The journal, usage, sessions and result sets a read request writes depend on nothing another
    request may change meanwhile, so they are replayed after the rules ran, in one short write
    transaction (``replay``). Any other write (a failed sign-in's count, a record) raises
    :class:`NeedsWrite`: the request then runs again inside a write transaction.
    """

    DEFERRED = ("put_session", "touch_session", "journal", "journal_many", "add_usage", "put_resultset",
                "delete_resultset", "console_exchange")
    REFUSED = ("set_meta", "put_sender", "put_company", "next_recordno", "insert_record", "insert_records",
               "update_record", "delete_record", "expire_sessions", "purge", "remember_controlid")

    def __init__(self, conn: sqlite3.Connection, setup: SetupCache | None = None,
                 slices: Slices | None = None) -> None:
        super().__init__(conn, setup, slices)
        self.pending: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    @contextmanager
    def savepoint(self, database: bool = True) -> Iterator[None]:
        mark = len(self.pending)
        try:
            with super().savepoint(database):
                yield
        except BaseException:
            del self.pending[mark:]   # what the failed function queued is undone with it
            raise

    def replay(self, tx: Tx) -> None:
        for name, args, kwargs in self.pending:
            getattr(tx, name)(*args, **kwargs)


def _queued(name: str) -> Any:
    def method(self: ReadTx, *args: Any, **kwargs: Any) -> None:
        self.pending.append((name, args, kwargs))
    return method


def _refused(name: str) -> Any:
    def method(self: ReadTx, *args: Any, **kwargs: Any) -> None:
        raise NeedsWrite(name)
    return method


for _name in ReadTx.DEFERRED:
    setattr(ReadTx, _name, _queued(_name))
for _name in ReadTx.REFUSED:
    setattr(ReadTx, _name, _refused(_name))
