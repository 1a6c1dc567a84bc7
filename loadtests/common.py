"""Shared building blocks of the load tests and benchmarks: tier-shaped seeds, APBILL batches, a raw wire client.

The raw client (``GatewayClient``) is what the raw Locust user and the benchmarks drive: it posts prebuilt
``create APBILL`` batches (three lines each) and reads the answer the way a connector must: HTTP 200 with
``<status>failure</status>`` is a failure, HTTP 429 / GW-0010 is the tier's concurrency limit.
"""

from __future__ import annotations

import itertools
import os
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import yaml
from lxml import etree

from intacct_harness.simulator.testing import DEFAULT_SENDER, DEFAULT_USER, standard_company, standard_seed
from intacct_harness.simulator.wire.protocol import GATEWAY_PATH

VENDORS = 50
CUSTOMERS = 50
_parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


@dataclass(frozen=True)
class Tier:
    """A performance tier as the simulator models it: concurrency limit and latency (ms)."""

    concurrency: int = 2
    base_ms: float = 0.0
    per_function_ms: float = 0.0
    jitter_ms: float = 0.0

    def latency(self) -> dict[str, float]:
        return {"base_ms": self.base_ms, "per_function_ms": self.per_function_ms, "jitter_ms": self.jitter_ms}

    def request_seconds(self, functions: int) -> float:
        """The modelled time of one request of ``functions`` functions (no CPU, no jitter)."""
        return (self.base_ms + self.per_function_ms * functions) / 1000.0

    def ceiling(self, batch: int) -> float:
        """Documents/s one company of this tier allows at ``batch`` documents per request."""
        seconds = self.request_seconds(batch)
        return float("inf") if seconds <= 0 else self.concurrency * batch / seconds

    @classmethod
    def from_env(cls, prefix: str = "LOAD_") -> Tier:
        env = os.environ
        return cls(int(env.get(prefix + "CONCURRENCY", "2")), float(env.get(prefix + "BASE_MS", "50")),
                   float(env.get(prefix + "PER_FUNCTION_MS", "0.5")), float(env.get(prefix + "JITTER_MS", "5")))


def company_id(n: int) -> str:
    return f"LOAD-CO-{n:02d}"


def tier_company(cid: str, tier: Tier, *, vendors: int = VENDORS, customers: int = CUSTOMERS) -> dict[str, Any]:
    """The standard company at the tier's settings, with vendors and customers to post against."""
    company = standard_company(cid, concurrency_limit=tier.concurrency, latency=tier.latency())
    company["records"]["VENDOR"] = [{"VENDORID": f"V-{i:04d}", "NAME": f"Vendor {i:04d}"} for i in range(vendors)]
    company["records"]["CUSTOMER"] = [{"CUSTOMERID": f"C-{i:04d}", "NAME": f"Customer {i:04d}"}
                                      for i in range(customers)]
    return company


def tier_seed(companies: int, tier: Tier) -> dict[str, Any]:
    return standard_seed(*(tier_company(company_id(n), tier) for n in range(companies)))


def write_seed(path: str, seed: dict[str, Any]) -> str:
    with open(path, "w", encoding="utf-8") as fh:
        yaml.safe_dump(seed, fh, sort_keys=False)
    return path


# --------------------------------------------------------------------------- the XML
_counter = itertools.count()


def apbill(doc: str, vendor: str, lines: int = 3) -> str:
    """One ``create APBILL`` function with ``lines`` lines (the settlement shape)."""
    items = "".join(f"<APBILLITEM><ACCOUNTNO>5000</ACCOUNTNO><TRX_AMOUNT>{100 + j}.25</TRX_AMOUNT>"
                    f"<ENTRYDESCRIPTION>Settlement line {j + 1}</ENTRYDESCRIPTION></APBILLITEM>" for j in range(lines))
    return (f'<function controlid="{doc}"><create><APBILL><VENDORID>{vendor}</VENDORID>'
            f"<WHENCREATED>01/15/2026</WHENCREATED><RECORDID>{doc}</RECORDID><DESCRIPTION>Carrier settlement"
            f"</DESCRIPTION><APBILLITEMS>{items}</APBILLITEMS></APBILL></create></function>")


def apbill_batch(prefix: str, batch: int, vendors: int = VENDORS) -> str:
    n = next(_counter)
    return "".join(apbill(f"{prefix}-{n}-{i}", f"V-{(n + i) % vendors:04d}") for i in range(batch))


def login_auth(cid: str) -> str:
    return (f"<login><userid>{DEFAULT_USER[0]}</userid><companyid>{cid}</companyid>"
            f"<password>{DEFAULT_USER[1]}</password></login>")


def envelope(functions: str, auth: str, controlid: str = "") -> bytes:
    controlid = controlid or f"load-{time.time_ns()}"
    return (f'<?xml version="1.0" encoding="UTF-8"?><request><control><senderid>{DEFAULT_SENDER[0]}</senderid>'
            f"<password>{DEFAULT_SENDER[1]}</password><controlid>{controlid}</controlid><uniqueid>false</uniqueid>"
            f"<dtdversion>3.0</dtdversion><includewhitespace>false</includewhitespace></control>"
            f'<operation transaction="false"><authentication>{auth}</authentication>'
            f"<content>{functions}</content></operation></request>").encode()


# --------------------------------------------------------------------------- the answer
class GatewayFailure(Exception):
    """A request or function the gateway answered with a failure (HTTP 200 included); str() is the errorno."""


class RateLimited(GatewayFailure):
    """HTTP 429 / GW-0010: over the company's concurrency limit."""


@dataclass
class Outcome:
    http_status: int
    length: int
    functions: int = 0
    failures: list[str] = field(default_factory=list)    # errorno per failed function
    results: list[tuple[str, str | None]] = field(default_factory=list)  # (function, errorno or None), in order
    error: GatewayFailure | None = None                    # control/authentication level, or 429
    session: str | None = None

    @property
    def exception(self) -> GatewayFailure | None:
        if self.error is not None:
            return self.error
        if self.failures:
            return GatewayFailure(f"{len(self.failures)} function(s) failed: {self.failures[0]}")
        return None


def read_outcome(status: int, body: bytes) -> Outcome:
    out = Outcome(status, len(body))
    try:
        root = etree.fromstring(body, _parser)
    except etree.XMLSyntaxError:
        out.error = GatewayFailure(f"HTTP {status}: not XML")
        return out
    if status == 429:
        out.error = RateLimited(root.findtext(".//errorno") or "GW-0010")
        return out
    if root.findtext("control/status") != "success":
        out.error = GatewayFailure(root.findtext(".//errorno") or f"HTTP {status} control failure")
        return out
    auth_status = root.findtext("operation/authentication/status")
    if auth_status != "success":
        out.error = GatewayFailure(root.findtext("operation/errormessage/error/errorno") or "authentication failure")
        return out
    for result in root.iterfind("operation/result"):
        out.functions += 1
        function = result.findtext("function") or "?"
        if result.findtext("status") != "success":
            out.failures.append(result.findtext("errormessage/error/errorno") or result.findtext("status") or "?")
            out.results.append((function, out.failures[-1]))
            continue
        out.results.append((function, None))
        if out.session is None and function == "getAPISession":
            out.session = result.findtext("data/api/sessionid")
    return out


class GatewayClient:
    """A raw wire client: one kept-alive ``httpx.Client``, one API session per company."""

    def __init__(self, base_url: str, cid: str, http: httpx.Client | None = None) -> None:
        self.http = http or httpx.Client(base_url=base_url, timeout=60)
        self.url = base_url.rstrip("/") + GATEWAY_PATH
        self.cid = cid
        self.auth = login_auth(cid)

    def post(self, body: bytes) -> Outcome:
        resp = self.http.post(self.url, content=body, headers={"content-type": "application/xml"})
        return read_outcome(resp.status_code, resp.content)

    def open_session(self) -> Outcome:
        out = self.post(envelope('<function controlid="s"><getAPISession/></function>', self.auth))
        if out.session:
            self.auth = f"<sessionid>{out.session}</sessionid>"
        return out

    def close(self) -> None:
        self.http.close()
