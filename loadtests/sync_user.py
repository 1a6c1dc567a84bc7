"""``SyncUser``: a TMS subsidiary syncing its own Faker data set through the real connector.

Each user is one subsidiary (``SUB-<n>``) of a company chosen round-robin from LOAD_COMPANIES, so with
more users than companies several subsidiaries share a company and its concurrency limit. Users of one
company share the company's parties (same Faker seed), as subsidiaries of one customer would; their
documents differ by prefix. Every task is one sync round: the data set's loads and settlements get a
new document prefix (so they are new to Sage) and the connector posts them over the user's
``httpx.Client``. Events:

- ``HTTP``: one per HTTP request the connector makes (429 / GW-0010 included, which it retries);
- ``FN``: one per function in an answer, named as Sage names it (``create``, ``readByQuery``, ...);
- ``DOC``: one per document, fired as batches complete (failed documents are failures).
"""

from __future__ import annotations

import itertools
import os
import re
import time
from typing import Any

import gevent
import httpx
from locust import User, constant, task

from loadtests import connector_driver as cd
from loadtests.common import GatewayFailure, RateLimited, company_id
from loadtests.gate import DOC_TYPE, FN_TYPE, HTTP_TYPE

COMPANIES = int(os.environ.get("LOAD_COMPANIES", "3"))
BATCH = int(os.environ.get("LOAD_BATCH", "20"))
CONCURRENCY = int(os.environ.get("LOAD_CONCURRENCY", "2"))
LOADS = int(os.environ.get("LOAD_SYNC_LOADS", "120"))
SETTLEMENTS = int(os.environ.get("LOAD_SYNC_SETTLEMENTS", "50"))
_numbers = itertools.count(1)
# The head of each <result>: status, then function (the wire order); a regex, not a second XML parse per answer.
_RESULT = re.compile(rb"<result>\s*<status>([^<]*)</status>\s*<function>([^<]*)</function>")


class _TimedTransport(httpx.BaseTransport):
    """Wraps the real transport: one Locust event per HTTP request, business failures included."""

    def __init__(self, inner: httpx.BaseTransport, fire: Any) -> None:
        self.inner = inner
        self.fire = fire

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        t0 = time.perf_counter()
        exc: Exception | None = None
        try:
            resp = self.inner.handle_request(request)
            resp.read()
        except Exception as e:
            self.fire(request_type=HTTP_TYPE, name="POST xmlgw", response_time=(time.perf_counter() - t0) * 1000,
                      response_length=0, exception=e, context={})
            raise
        body = resp.content
        if resp.status_code == 429:
            exc = RateLimited("GW-0010 (429)")
        elif resp.status_code >= 400 or b"<control><status>failure" in body:
            exc = GatewayFailure(f"HTTP {resp.status_code} control failure")
        ms = (time.perf_counter() - t0) * 1000
        self.fire(request_type=HTTP_TYPE, name="POST xmlgw" if request.url.path.endswith("xmlgw.phtml") else "admin",
                  response_time=ms, response_length=len(body), exception=exc, context={})
        for status, function in _RESULT.findall(body):
            self.fire(request_type=FN_TYPE, name=function.decode(), response_time=ms, response_length=0,
                      exception=None if status == b"success" else GatewayFailure(f"{function.decode()} failed"),
                      context={})
        return resp

    def close(self) -> None:
        self.inner.close()


class SyncUser(User):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.number = next(_numbers)
        company_no = (self.number - 1) % COMPANIES
        self.company = company_id(company_no)
        self._fire = self.environment.events.request.fire
        self.data = cd.dataset(1000 + company_no, LOADS, SETTLEMENTS)
        self.round = 0
        self.http = httpx.Client(base_url=self.host, timeout=120,
                                 transport=_TimedTransport(httpx.HTTPTransport(), self._fire))
        with httpx.Client(base_url=self.host, timeout=60) as admin:
            cd.renumber(self.data, f"SUB-{self.number}", f"U{self.number}")
            cd.seed_company(admin, self.company, self.data)

    def on_stop(self) -> None:
        self.http.close()

    def _docs(self, n: int, failed: bool, ms: float) -> None:
        for _ in range(n):
            self._fire(request_type=DOC_TYPE, name="document", response_time=ms, response_length=0,
                       exception=GatewayFailure("document failed") if failed else None, context={})

    @task
    def sync_round(self) -> None:
        self.round += 1
        cd.new_round(self.data, f"U{self.number}R{self.round}")
        conn = cd.settings(self.data, self.company, base_url=self.host, batch=BATCH, concurrency=CONCURRENCY)
        seen = {"posted": 0, "failed": 0, "t": time.perf_counter()}

        def progress(p: Any) -> None:
            now = time.perf_counter()
            new = (p.posted - seen["posted"]) + (p.failed - seen["failed"])
            ms = (now - seen["t"]) * 1000 / max(new, 1)
            self._docs(p.posted - seen["posted"], False, ms)
            self._docs(p.failed - seen["failed"], True, ms)
            seen.update(posted=p.posted, failed=p.failed, t=now)

        result = cd.sync(conn, self.http, self.data, sleep=gevent.sleep, progress=progress)
        self._docs(result.posted - seen["posted"], False, 0.0)   # anything the progress callback did not see
        self._docs(result.failed - seen["failed"], True, 0.0)
        if result.error:
            self._fire(request_type=DOC_TYPE, name="sync aborted", response_time=0, response_length=0,
                       exception=GatewayFailure(result.error[:200]), context={})
