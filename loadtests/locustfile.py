"""Locust users for the simulated Sage Intacct gateway.

- ``GatewayUser``: the raw gateway, no connector. Posts ``create APBILL`` batches (three lines each) to its
  company. A 429 / GW-0010 is a failed ``HTTP`` event and is retried after a short pause; a function
  answered with ``<status>failure</status>`` (HTTP 200) is a failed ``FN`` and a failed ``DOC``.
- ``SyncUser``: a TMS subsidiary syncing its own Faker data set (loads -> AR invoices, settlements -> AP
  bills) through the real connector (429s included, which the connector retries).

Both fire one ``HTTP`` event per HTTP request, one ``FN`` event per function in the answer and one
``DOC`` event per document; ``loadtests.reporting`` keeps ``FN`` and ``DOC`` out of Locust's Aggregated
row (so its requests/s are HTTP requests) and makes the CSV files end with the final numbers.

Users are spread over ``LOAD_COMPANIES`` companies round-robin, so with more users than companies
several subsidiaries share one company (and its concurrency limit), as a real fleet would.
Settings come from the environment (``loadtests.run`` sets them): LOAD_COMPANIES, LOAD_BATCH,
LOAD_CONCURRENCY, LOAD_BASE_MS, LOAD_PER_FUNCTION_MS, LOAD_JITTER_MS, LOAD_PROFILE, LOAD_SYNC_LOADS,
LOAD_SYNC_SETTLEMENTS, LOAD_UNTIL_DOCUMENTS (a headless or --autostart run stops once that many documents
are done).
"""

from __future__ import annotations

import itertools
import os
import random
import time
from typing import Any

import gevent
from locust import User, constant, events, task
from locust.runners import WorkerRunner

from loadtests import gate, reporting
from loadtests.common import (
    GatewayClient,
    GatewayFailure,
    RateLimited,
    Tier,
    apbill_batch,
    company_id,
    envelope,
)

COMPANIES = int(os.environ.get("LOAD_COMPANIES", "3"))
BATCH = int(os.environ.get("LOAD_BATCH", "20"))
TIER = Tier.from_env()
UNTIL_DOCUMENTS = int(os.environ.get("LOAD_UNTIL_DOCUMENTS", "0"))
_user_numbers = itertools.count()
reporting.install()   # before Locust creates its CSV writer: the files end with the final numbers


def _company_for(n: int) -> str:
    return company_id(n % COMPANIES)


class GatewayUser(User):
    """The raw gateway: prebuilt APBILL batches over one kept-alive httpx client per user."""

    wait_time = constant(0)
    batch = BATCH

    def on_start(self) -> None:
        self.number = next(_user_numbers)
        self.gw = GatewayClient(self.host, _company_for(self.number))
        self._fire = self.environment.events.request.fire
        self._request(lambda: self.gw.open_session(), "getAPISession")

    def on_stop(self) -> None:
        self.gw.close()

    def _request(self, send: Any, name: str) -> Any:
        """One logical request, retried after a short pause while the company is at its limit."""
        for attempt in range(50):
            t0 = time.perf_counter()
            exc: Exception | None = None
            out = None
            try:
                out = send()
                exc = out.exception
            except Exception as e:  # transport errors count as failures, the user carries on
                exc = e
            ms = (time.perf_counter() - t0) * 1000
            self._fire(request_type=gate.HTTP_TYPE, name=name, response_time=ms,
                       response_length=out.length if out else 0, exception=exc, context={"company": self.gw.cid})
            for function, errorno in out.results if out else ():
                self._fire(request_type=gate.FN_TYPE, name=function, response_time=ms, response_length=0,
                           exception=GatewayFailure(errorno) if errorno else None, context={})
            if not isinstance(exc, RateLimited):
                return out, ms
            gevent.sleep(0.02 * (1 + attempt) * (0.5 + random.random()))  # noqa: S311 - backoff jitter
        return None, 0.0

    @task
    def post_bills(self) -> None:
        body = envelope(apbill_batch(f"U{self.number}", self.batch), self.gw.auth)
        out, ms = self._request(lambda: self.gw.post(body), f"create APBILL x{self.batch}")
        if out is None or out.error is not None:
            return
        for _function, errorno in out.results:
            self._fire(request_type=gate.DOC_TYPE, name="APBILL", response_time=ms, response_length=0,
                       exception=GatewayFailure(errorno) if errorno else None, context={})


from loadtests.sync_user import SyncUser  # noqa: E402  (the connector-driven user lives with its helpers)

__all__ = ["GatewayUser", "SyncUser"]


def ceiling(users: int) -> tuple[float, float]:
    """(documents/s the tier allows these users, modelled ms per request) for the configured run."""
    per_company = [0] * COMPANIES
    for u in range(users):
        per_company[u % COMPANIES] += 1
    seconds = TIER.request_seconds(BATCH)
    if seconds <= 0:
        return 0.0, 0.0
    return sum(min(TIER.concurrency, n) for n in per_company) * BATCH / seconds, seconds * 1000


@events.init.add_listener
def _on_init(environment: Any, **_: Any) -> None:
    reporting.keep_types_apart(environment)
    options = environment.parsed_options
    if UNTIL_DOCUMENTS and options is not None and (options.headless or options.autostart) and not isinstance(
            environment.runner, WorkerRunner):
        gevent.spawn(_stop_when_documents_done, environment)


def _stop_when_documents_done(environment: Any) -> None:
    """End a headless run once LOAD_UNTIL_DOCUMENTS documents are done (the master counts the workers' reports).

    A bounded run then waits on the work it came for, not on the clock: a loaded machine takes longer
    instead of stopping with too little done; ``-t`` stays the upper bound.
    """
    while True:
        done = sum(e.num_requests for (_n, kind), e in environment.stats.entries.items() if kind == gate.DOC_TYPE)
        if done >= UNTIL_DOCUMENTS:
            environment.runner.quit()
            if environment.web_ui is not None:   # --autostart: the web UI's end is the run's end
                environment.web_ui.stop()
            return
        gevent.sleep(0.2)


@events.quitting.add_listener
def _gate(environment: Any, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return  # the master gates on the aggregate
    summary = gate.summarize(environment.stats)
    users = int(getattr(environment.parsed_options, "num_users", 0) or 0) if environment.parsed_options else 0
    docs_ceiling, model_ms = ceiling(users)
    print("\n== load summary ==")
    for line in summary.lines():
        print(line)
    print(f"tier        {COMPANIES} companies x concurrency {TIER.concurrency}, {TIER.base_ms:.0f} ms + "
          f"{TIER.per_function_ms} ms/function, batch {BATCH}: ceiling {docs_ceiling:.1f} documents/s for "
          f"{users} users ({summary.documents_per_s / docs_ceiling if docs_ceiling else 0:.2f}x reached)")
    profile = os.environ.get("LOAD_PROFILE", "default")
    missed = gate.check(summary, gate.load_thresholds(profile), ceiling_docs_per_s=docs_ceiling,
                        model_request_ms=model_ms)
    for m in missed:
        print(f"THRESHOLD MISSED ({profile}): {m}")
    print("thresholds: " + ("FAILED" if missed else f"all met ({profile})"), flush=True)
    environment.process_exit_code = 1 if missed else 0
