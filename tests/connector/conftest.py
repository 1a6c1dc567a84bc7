"""Connector test helpers: a simulated company set up for the connector, connections, faulty transports.

Faults are injected only on the wire (httpx transport wrappers) or through the simulator's admin API;
the connector's own code is never patched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from intacct_harness.connector import Connection, ConnectionSettings, Ledger, Secret
from intacct_harness.connector.intacct import RetryPolicy
from intacct_harness.connector.settings import SENDER_PASSWORD_ENV
from intacct_harness.connector.tms.fake import Sizes, generate, sage_records
from intacct_harness.connector.tms.model import Dataset
from intacct_harness.simulator.testing import SimulatedCompany, standard_company

ESTABLISHED = datetime(2026, 1, 15, tzinfo=UTC)


def company_block(**overrides: Any) -> dict[str, Any]:
    block = standard_company(custom_fields={"ARINVOICE": ["LOAD_NUMBER"], "APBILL": ["SETTLEMENT_NUMBER"]})
    block["records"].update({
        "DEPARTMENT": [{"DEPARTMENTID": "OTR", "TITLE": "Over the Road"}, {"DEPARTMENTID": "REG", "TITLE": "Regional"}],
        "CLASS": [{"CLASSID": "DRY", "NAME": "Dry Van"}, {"CLASSID": "REEFER", "NAME": "Refrigerated"}]})
    block.update(overrides)
    return block


@pytest.fixture
def sim(intacct_sim_factory: Callable[..., SimulatedCompany]) -> SimulatedCompany:
    return intacct_sim_factory(company_block())


@pytest.fixture
def data() -> Dataset:
    return generate(5, Sizes(customers=6, carriers=5, drivers=4, loads=30, settlements=12))


@pytest.fixture
def seeded(sim: SimulatedCompany, data: Dataset) -> SimulatedCompany:
    """The company holding every party of SUB-1 (by External Accounting ID or by name)."""
    sim.admin.add_records(sim.company_id, sage_records(data, "SUB-1"))
    return sim


def settings_for(sim: SimulatedCompany, **overrides: Any) -> ConnectionSettings:
    c = sim.credentials
    values: dict[str, Any] = {"subsidiary_id": "SUB-1", "company_id": c.company_id, "user_id": c.user_id,
                              "user_password": Secret(c.user_password), "established_at": ESTABLISHED,
                              "endpoint": sim.url}
    values.update(overrides)
    return ConnectionSettings(**values)


def environ_for(sim: SimulatedCompany) -> dict[str, str]:
    return {SENDER_PASSWORD_ENV: sim.credentials.sender_password}


def fast_retry(attempts: int = 5) -> RetryPolicy:
    return RetryPolicy(attempts=attempts, sleep=lambda _s: None)


def connect(sim: SimulatedCompany, *, http: httpx.Client | None = None, ledger: Ledger | None = None,
            retry: RetryPolicy | None = None, **overrides: Any) -> Connection:
    return Connection(settings_for(sim, **overrides), http or sim.client(), ledger=ledger, environ=environ_for(sim),
                      retry=retry or fast_retry())


class Killed(BaseException):
    """Stands for SIGKILL: nothing in the connector may catch it."""


class Wire(httpx.BaseTransport):
    """Forwards to the in-process app; ``rule(request, n)`` may return a fault action for request n."""

    def __init__(self, sim: SimulatedCompany,
                 rule: Callable[[httpx.Request, int], str | int | None] = lambda r, n: None) -> None:
        self.inner = httpx.WSGITransport(app=sim.app)
        self.rule = rule
        self.bodies: list[bytes] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        self.bodies.append(body)
        action = self.rule(request, len(self.bodies))
        if isinstance(action, int):                      # answer with this status, never reaching Sage
            return httpx.Response(action, content=b"<html>busy</html>" if action != 429 else _GW429)
        if action == "refuse":
            raise httpx.ConnectError("connection refused", request=request)
        if action == "timeout":
            raise httpx.ReadTimeout("read timed out", request=request)
        response = self.inner.handle_request(request)
        if action == "lose":                              # Sage ran it; the answer never arrives
            response.read()
            raise httpx.RemoteProtocolError("server disconnected without sending a response", request=request)
        if action == "kill":
            response.read()
            raise Killed()
        if action == "502":
            response.read()
            return httpx.Response(502, content=b"bad gateway")
        return response


_GW429 = (b'<?xml version="1.0" encoding="UTF-8"?><response><control><status>failure</status></control><errormessage>'
          b"<error><errorno>GW-0010</errorno><description>API rate limit exceeded</description><description2/>"
          b"<correction/></error></errormessage></response>")


def writes(request: httpx.Request) -> bool:
    body = request.content
    return b"<create_invoice>" in body or b"<create>" in body


def client_over(sim: SimulatedCompany, wire: Wire) -> httpx.Client:
    return httpx.Client(transport=wire, base_url=sim.base_url)


@pytest.fixture
def wire_factory(sim: SimulatedCompany) -> Iterator[Callable[..., tuple[Wire, httpx.Client]]]:
    made: list[httpx.Client] = []

    def make(rule: Callable[[httpx.Request, int], str | int | None] = lambda r, n: None,
             target: SimulatedCompany | None = None) -> tuple[Wire, httpx.Client]:
        w = Wire(target or sim, rule)
        c = client_over(target or sim, w)
        made.append(c)
        return w, c

    yield make
    for c in made:
        c.close()
