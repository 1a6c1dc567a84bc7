"""A subsidiary's connection: settings + one ``httpx.Client`` + the ledger. The API tests, CLI and Locust use."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from intacct_harness.connector.doctor import DoctorReport, run_doctor
from intacct_harness.connector.errors import NotSupportedError
from intacct_harness.connector.intacct import Credentials, IntacctClient, RetryPolicy, limiter_for
from intacct_harness.connector.ledger import Entry, Ledger, State
from intacct_harness.connector.runlock import Holder
from intacct_harness.connector.settings import ConnectionSettings, TmsUser, refuse, require_connection_role
from intacct_harness.connector.sync import Progress, Syncer, SyncReport
from intacct_harness.connector.tms.model import Dataset


@dataclass
class Status:
    subsidiary_id: str
    counts: dict[str, int]
    failed: list[Entry]
    uncertain: list[Entry]
    last_sync: str | None
    last_error: str | None
    running: Holder | None = None   # the sync holding the subsidiary's run lock now, if any

    def to_dict(self) -> dict[str, Any]:
        def row(e: Entry) -> dict[str, Any]:
            return {"number": e.key.number, "kind": e.key.kind, "errorno": e.errorno, "message": e.message,
                    "advice": e.advice, "attempts": e.attempts}
        return {"subsidiary_id": self.subsidiary_id, "counts": self.counts, "failed": [row(e) for e in self.failed],
                "uncertain": [row(e) for e in self.uncertain], "last_sync": self.last_sync,
                "last_error": self.last_error,
                "running": None if self.running is None else {
                    "host": self.running.host, "pid": self.running.pid, "since": self.running.started_at,
                    "heartbeat_at": self.running.heartbeat_at}}

    def render(self) -> str:
        lines = [f"Subsidiary {self.subsidiary_id}: " + ", ".join(f"{n} {s}" for s, n in self.counts.items()),
                 f"  last sync: {self.last_sync or 'never'}"]
        if self.running:
            lines.append(f"  sync running now: {self.running.describe()}")
        if self.last_error:
            lines.append(f"  last sync stopped: {self.last_error}")
        for e in self.failed:
            lines.append(f"  FAILED {e.key.kind} {e.key.number} [{e.errorno}]: {e.advice or e.message}")
        for e in self.uncertain:
            lines.append(f"  UNCERTAIN {e.key.kind} {e.key.number}: will be checked in Sage before posting again")
        return "\n".join(lines)


class Connection:
    """Build with settings and an ``httpx.Client`` (any transport); ``environ`` supplies the sender password."""

    def __init__(self, settings: ConnectionSettings, http: httpx.Client, *, ledger: Ledger | None = None,
                 environ: Mapping[str, str] | None = None, retry: RetryPolicy | None = None,
                 timeout: float = 120.0) -> None:
        self.settings = settings
        self.ledger = ledger or Ledger()
        creds = Credentials(settings.sender_id, settings.sender_password(environ), settings.company_id,
                            settings.user_id, settings.user_password, settings.entity)
        self.client = IntacctClient(http, creds, endpoint=settings.endpoint, retry=retry, timeout=timeout,
                                    limiter=limiter_for(settings.endpoint, settings.company_id,
                                                        settings.concurrency_limit))

    def doctor(self, operator: TmsUser, *, peers: Sequence[str] = ()) -> DoctorReport:
        """The connection wizard's checklist; only Admin, Partner Admin and Support may run it. ``peers``: other
        subsidiaries on this company and entity with the same document prefix (``doctor.shared_prefixes``)."""
        require_connection_role(operator)
        return run_doctor(self.client, self.settings, peers=peers)

    def sync(self, data: Dataset, *, progress: Callable[[Progress], None] | None = None,
             include_history: bool = False, export_payments: bool = False) -> SyncReport:
        """Post new delivered loads and settlements; history and payments are refused, not silently skipped."""
        if include_history:
            raise refuse("historical_migration")
        if export_payments:
            raise refuse("payment_export")
        return Syncer(self.client, self.settings, self.ledger, progress=progress).run(data)

    def status(self) -> Status:
        sub = self.settings.subsidiary_id
        return Status(sub, self.ledger.counts(sub), self.ledger.entries(sub, State.FAILED),
                      self.ledger.entries(sub, State.POSTING), self.ledger.meta(sub, "last_sync"),
                      self.ledger.meta(sub, "last_error"), self.ledger.run_lock_holder(sub))


__all__ = ["Connection", "NotSupportedError", "Status"]
