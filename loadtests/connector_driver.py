"""How the load tests and benchmarks drive the real connector: one place to follow its API.

A subsidiary gets a Faker data set (``connector.tms.fake``), its customers and vendors are added to its
Sage company through the simulator's admin API, and ``sync`` runs the connector's export over the
``httpx.Client`` it is given (in-process WSGI transport or a real socket).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from intacct_harness.simulator.testing import DEFAULT_SENDER, DEFAULT_USER
from intacct_harness.simulator.wire.protocol import GATEWAY_PATH


@dataclass
class SyncResult:
    posted: int
    failed: int
    uncertain: int
    error: str | None
    requests: int
    retries: int


@dataclass(frozen=True)
class Exchange:
    """One request as the connector saw it: when it left and when its answer was read (perf_counter seconds)."""

    sent: float
    answered: float
    function: str      # the first function's element name (getAPISession, query, create_invoice, create, ...)
    functions: int


_FUNCTION = re.compile(rb'<function controlid="[^"]*"><(\w+)')


@dataclass
class Timeline(httpx.BaseTransport):
    """An httpx transport that records every exchange of the connector (for the tier row's breakdown)."""

    inner: httpx.BaseTransport = field(default_factory=httpx.HTTPTransport)
    exchanges: list[Exchange] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        names = _FUNCTION.findall(request.content)
        sent = time.perf_counter()
        response = self.inner.handle_request(request)
        response.read()
        with self._lock:
            self.exchanges.append(Exchange(sent, time.perf_counter(), names[0].decode() if names else "?",
                                           len(names)))
        return response

    def close(self) -> None:
        self.inner.close()


def breakdown(exchanges: list[Exchange], start: float, end: float, slots: int) -> dict[str, float]:
    """Where a sync's time went: before the first request, the fixed requests, posting, and the slots' use."""
    ex = sorted(exchanges, key=lambda e: e.sent)
    posts = [e for e in ex if e.function not in ("getAPISession", "query", "readByQuery")]
    fixed = [e for e in ex if e not in posts]
    busy = sum(e.answered - e.sent for e in ex)
    return {
        "first_request_s": ex[0].sent - start if ex else 0.0,
        "fixed_requests": len(fixed),
        "first_post_s": posts[0].sent - start if posts else 0.0,
        "fixed_ms": 1000 * sum(e.answered - e.sent for e in fixed) / max(len(fixed), 1),
        "post_ms": 1000 * sum(e.answered - e.sent for e in posts) / max(len(posts), 1),
        "posts": len(posts),
        "after_last_s": end - max((e.answered for e in ex), default=end),
        "slots_busy": busy / (slots * (end - start)) if end > start else 0.0,
    }


def dataset(seed: int, loads: int, settlements: int, *, parties: int = 30, subsidiary: int | None = None) -> Any:
    """One subsidiary's TMS data: ``loads`` loads (most delivered -> AR invoices) and ``settlements`` AP bills.

    ``subsidiary`` renumbers it (id ``SUB-<n>``, document prefix and External Accounting IDs ``U<n>``) so
    several subsidiaries can share one Sage company without their numbers colliding.
    """
    from intacct_harness.connector.tms.fake import Sizes, generate

    sizes = Sizes(subsidiaries=1, customers=parties, carriers=parties, drivers=max(parties // 2, 1), loads=loads,
                  settlements=settlements)
    data = generate(seed, sizes, days=28)
    if subsidiary is not None:
        renumber(data, f"SUB-{subsidiary}", f"U{subsidiary}")
    return data


def renumber(data: Any, sub_id: str, code: str) -> None:
    """Give the data set's subsidiary a new id and document prefix (its documents are then new to Sage)."""
    from intacct_harness.connector.tms.model import Subsidiary

    old = data.subsidiaries[0]
    data.subsidiaries[0] = Subsidiary(sub_id, old.name, code)
    for party in data.parties:
        ext = party.external_ids.get(old.id)
        party.external_ids = {sub_id: ext.replace(f"-{old.code}-", f"-{code}-")} if ext else {}
    for doc in [*data.loads, *data.settlements]:
        doc.subsidiary_id = sub_id


def new_round(data: Any, code: str) -> None:
    """A new document prefix only (same subsidiary, same parties): the same month's documents, new to Sage."""
    from intacct_harness.connector.tms.model import Subsidiary

    old = data.subsidiaries[0]
    data.subsidiaries[0] = Subsidiary(old.id, old.name, code)


def subsidiary_id(data: Any) -> str:
    return str(data.subsidiaries[0].id)


def documents(data: Any) -> int:
    from intacct_harness.connector.export import documents_for

    return len(documents_for(data, subsidiary_id(data)))


def sage_records(data: Any) -> dict[str, list[dict[str, Any]]]:
    from intacct_harness.connector.tms.fake import sage_records as records

    return records(data, subsidiary_id(data))


def seed_company(admin_http: httpx.Client, company: str, data: Any) -> None:
    """Add the subsidiary's customers and vendors to its Sage company (skipping ones already there)."""
    records = sage_records(data)
    for attempt in range(5):  # subsidiaries sharing a company may add the same parties at the same time
        have = {obj: {r.get(f"{obj}ID") for r in admin_http.get(f"/__sim/companies/{company}/records/{obj}").json()[
            "records"]} for obj in records}
        todo = {obj: [r for r in rows if r[f"{obj}ID"] not in have[obj]] for obj, rows in records.items()}
        if not any(todo.values()):
            return
        resp = admin_http.post(f"/__sim/companies/{company}/records", json=todo)
        if resp.status_code < 400 or attempt == 4:
            resp.raise_for_status()
            return


def settings(data: Any, company: str, *, base_url: str, batch: int = 50, concurrency: int = 2) -> Any:
    from intacct_harness.connector.secrets import Secret
    from intacct_harness.connector.settings import ConnectionSettings

    return ConnectionSettings(subsidiary_id=subsidiary_id(data), company_id=company, user_id=DEFAULT_USER[0],
                              user_password=Secret(DEFAULT_USER[1]), established_at=datetime(2000, 1, 1, tzinfo=UTC),
                              endpoint=base_url.rstrip("/") + GATEWAY_PATH, concurrency_limit=concurrency,
                              batch_size=batch)


def sync(conn: Any, http: httpx.Client, data: Any, *, ledger: Any = None,
         sleep: Callable[[float], None] | None = None, progress: Callable[[Any], None] | None = None) -> SyncResult:
    """Run the connector's export for one subsidiary over ``http``."""
    from intacct_harness.connector.intacct import Credentials, IntacctClient, RetryPolicy, limiter_for
    from intacct_harness.connector.ledger import Ledger
    from intacct_harness.connector.secrets import Secret
    from intacct_harness.connector.sync import Syncer

    creds = Credentials(conn.sender_id, Secret(DEFAULT_SENDER[1]), conn.company_id, conn.user_id, conn.user_password,
                        conn.entity)
    retry = RetryPolicy(attempts=50, base_delay=0.05, max_delay=1.0, **({"sleep": sleep} if sleep else {}))
    client = IntacctClient(http, creds, endpoint=conn.endpoint, retry=retry,
                           limiter=limiter_for(conn.endpoint, conn.company_id, conn.concurrency_limit))
    report = Syncer(client, conn, ledger or Ledger(), progress=progress).run(data)
    return SyncResult(report.posted, len(report.failed), len(report.uncertain), report.error,
                      client.stats["requests"], client.stats["retries"])
