"""One sync at a time per ledger and subsidiary: an exclusive run lock held in the ledger file itself.

Two syncs of one subsidiary on one ledger (a cron job overlapping a manual run) would each read the same
pending documents and post them twice. The lock is a row of the ledger (SQLite), so it holds across
processes and across machines that share the file. It records who holds it (host, pid, a token unique to
the run), since when, and a heartbeat the holder renews while it runs.

A lock whose holder is gone is taken over, never waited on forever:

- on the holder's own host, at once when its pid is no longer alive (or is a zombie);
- from anywhere, once its heartbeat is older than the lease (the holder may be on another machine, or its
  pid reused); the lease is many heartbeats long, so a merely slow run keeps its lock.

A holder whose lock was taken over anyway (it stalled past the lease) notices at its next heartbeat and
posts nothing more. Heartbeats are wall-clock UTC: machines sharing a ledger need clocks within the lease.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import threading
import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Protocol

from intacct_harness.connector.errors import ConnectorError

log = logging.getLogger("intacct_harness.connector.runlock")

LEASE_SECONDS = 60.0   # a heartbeat older than this means the holder is gone
_SCHEMA = ("CREATE TABLE IF NOT EXISTS run_locks (subsidiary_id TEXT PRIMARY KEY, token TEXT NOT NULL, "
           "host TEXT NOT NULL, pid INTEGER NOT NULL, started_at TEXT NOT NULL, heartbeat_at TEXT NOT NULL)")


@dataclass(frozen=True)
class Holder:
    """Who holds a subsidiary's run lock."""

    token: str
    host: str
    pid: int
    started_at: str
    heartbeat_at: str

    def describe(self) -> str:
        return f"host {self.host}, pid {self.pid}, running since {self.started_at} (last heartbeat {self.heartbeat_at})"

    def heartbeat_age(self, now: datetime | None = None) -> float:
        return ((now or datetime.now(UTC)) - datetime.fromisoformat(self.heartbeat_at)).total_seconds()


class RunLocked(ConnectorError):
    """Another sync of this subsidiary is running on this ledger."""

    def __init__(self, subsidiary_id: str, ledger_path: str, holder: Holder, lease: float) -> None:
        self.holder = holder
        super().__init__(
            f"another sync of subsidiary {subsidiary_id} is running on the ledger {ledger_path}: {holder.describe()}. "
            f"Wait for it to finish and run the sync again. A sync that was killed is taken over automatically: at "
            f"once on its own host, or from any host once its heartbeat is {lease:g} s old.")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def pid_alive(pid: int) -> bool:
    """True if ``pid`` runs on this host (a zombie, killed but not yet reaped, counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # someone else's process: alive
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def holder(conn: sqlite3.Connection, subsidiary_id: str) -> Holder | None:
    conn.execute(_SCHEMA)
    row = conn.execute("SELECT token, host, pid, started_at, heartbeat_at FROM run_locks WHERE subsidiary_id=?",
                       (subsidiary_id,)).fetchone()
    return Holder(row[0], row[1], int(row[2]), row[3], row[4]) if row else None


class RunLock:
    """``with RunLock(ledger, sub):`` holds the subsidiary's lock for the block, renewing it on a thread."""

    def __init__(self, ledger: _LedgerLike, subsidiary_id: str, *, lease: float = LEASE_SECONDS) -> None:
        self.ledger = ledger
        self.subsidiary_id = subsidiary_id
        self.lease = lease
        self.token = uuid.uuid4().hex
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.taken_over: Holder | None = None   # the dead holder this run took the lock from
        self._lost = threading.Event()
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    @property
    def lost(self) -> bool:
        """The lock was taken over by another run (this one stalled past the lease): post nothing more."""
        return self._lost.is_set()

    def _gone(self, h: Holder) -> bool:
        if h.host == self.host and h.pid != self.pid and not pid_alive(h.pid):
            return True
        return h.heartbeat_age() > self.lease

    def acquire(self) -> None:
        with self.ledger.transaction() as c:
            current = holder(c, self.subsidiary_id)
            if current is not None:
                if not self._gone(current):
                    raise RunLocked(self.subsidiary_id, self.ledger.path, current, self.lease)
                self.taken_over = current
            now = _now()
            c.execute("INSERT INTO run_locks VALUES (?,?,?,?,?,?) ON CONFLICT DO UPDATE SET token=excluded.token, "
                      "host=excluded.host, pid=excluded.pid, started_at=excluded.started_at, "
                      "heartbeat_at=excluded.heartbeat_at",
                      (self.subsidiary_id, self.token, self.host, self.pid, now, now))
        if self.taken_over is not None:
            log.warning("took over the run lock of subsidiary %s from a sync that is gone (%s)", self.subsidiary_id,
                        self.taken_over.describe())
        self._beat = threading.Thread(target=self._heartbeat, name=f"runlock-{self.subsidiary_id}", daemon=True)
        self._beat.start()

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.lease / 6):
            try:
                with self.ledger.transaction() as c:
                    renewed = c.execute("UPDATE run_locks SET heartbeat_at=? WHERE subsidiary_id=? AND token=?",
                                        (_now(), self.subsidiary_id, self.token)).rowcount
            except sqlite3.Error as exc:   # a busy ledger: try again at the next beat, well within the lease
                log.warning("could not renew the run lock of subsidiary %s: %s", self.subsidiary_id, exc)
                continue
            if not renewed:
                log.error("the run lock of subsidiary %s was taken over by another sync; this run stops posting",
                          self.subsidiary_id)
                self._lost.set()
                return

    def release(self) -> None:
        self._stop.set()
        if self._beat is not None:
            self._beat.join(timeout=30)
        with self.ledger.transaction() as c:
            c.execute("DELETE FROM run_locks WHERE subsidiary_id=? AND token=?", (self.subsidiary_id, self.token))

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


class _LedgerLike(Protocol):
    """What the lock needs of a ledger: its path (for messages) and a write transaction."""

    path: str

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...
