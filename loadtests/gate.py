"""The load-test summary and its gate: documents/s, requests/s, p50/p95/p99, 429s, against thresholds.yaml.

Thresholds are ratios and fail rates, never absolute times, so the same file holds on a laptop, a
2-core CI runner and a workstation: throughput is compared with the tier's own ceiling (what the
modelled concurrency and latency allow), latency with the modelled request time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

THRESHOLDS = Path(__file__).with_name("thresholds.yaml")
# The request_type of each Locust event (loadtests/reporting.py keeps FN and DOC out of "Aggregated").
HTTP_TYPE = "HTTP"    # one per HTTP request
FN_TYPE = "FN"        # one per function (<result>) in an answer
DOC_TYPE = "DOC"      # one per business document
REQUEST_TYPES = (HTTP_TYPE,)


@dataclass
class Summary:
    seconds: float
    requests: int
    request_failures: int
    throttled: int                 # HTTP 429 / GW-0010 answers
    documents: int
    document_failures: int
    p50: float
    p95: float
    p99: float
    functions: int = 0
    function_failures: int = 0

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def documents_per_s(self) -> float:
        return (self.documents - self.document_failures) / self.seconds if self.seconds else 0.0

    @property
    def fail_ratio(self) -> float:
        """Failed requests other than 429s, and failed documents, over all of them."""
        total = self.requests + self.documents
        return (self.request_failures - self.throttled + self.document_failures) / total if total else 0.0

    @property
    def throttle_ratio(self) -> float:
        return self.throttled / self.requests if self.requests else 0.0

    def lines(self) -> list[str]:
        return [f"documents/s {self.documents_per_s:10.1f}   ({self.documents} documents, "
                f"{self.document_failures} failed)",
                f"requests/s  {self.requests_per_s:10.1f}   ({self.requests} HTTP requests, {self.request_failures} "
                f"failed, of which {self.throttled} were 429 / GW-0010)",
                f"functions/s {self.functions / self.seconds if self.seconds else 0.0:10.1f}   ({self.functions} "
                f"functions in the answers, {self.function_failures} failed)",
                f"latency ms  p50 {self.p50:.0f}  p95 {self.p95:.0f}  p99 {self.p99:.0f}   (per HTTP request)",
                f"run         {self.seconds:.1f} s"]


def is_throttle(error: Any) -> bool:
    text = str(error)
    return "GW-0010" in text or "RateLimited" in text


def summarize(stats: Any) -> Summary:
    """From a Locust ``RequestStats`` (local or the master's aggregate)."""
    requests = failures = documents = doc_failures = functions = fn_failures = 0
    merged = None
    for (_name, method), entry in stats.entries.items():
        if method == DOC_TYPE:
            documents += entry.num_requests
            doc_failures += entry.num_failures
        elif method == FN_TYPE:
            functions += entry.num_requests
            fn_failures += entry.num_failures
        elif method in REQUEST_TYPES:
            requests += entry.num_requests
            failures += entry.num_failures
            if merged is None:
                from locust.stats import StatsEntry

                merged = StatsEntry(stats, "requests", "", use_response_times_cache=False)
            merged.extend(entry)
    throttled = sum(e.occurrences for e in stats.errors.values() if e.method in REQUEST_TYPES and is_throttle(e.error))
    total = stats.total
    seconds = max((total.last_request_timestamp or 0) - total.start_time, 0.0) if total.num_requests else 0.0

    def pct(q: float) -> float:
        return float(merged.get_response_time_percentile(q) or 0) if merged is not None else 0.0

    return Summary(seconds, requests, failures, throttled, documents, doc_failures, pct(0.5), pct(0.95), pct(0.99),
                   functions, fn_failures)


def load_thresholds(profile: str, path: str | Path | None = None) -> dict[str, float]:
    with open(path or os.environ.get("LOAD_THRESHOLDS") or THRESHOLDS, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    merged = dict(raw.get("default", {}))
    merged.update(raw.get(profile, {}) or {})
    return {k: float(v) for k, v in merged.items()}


def check(summary: Summary, thresholds: dict[str, float], *, ceiling_docs_per_s: float,
          model_request_ms: float) -> list[str]:
    """The thresholds missed, as sentences (empty: the run passes)."""
    missed = []
    if summary.requests == 0:
        return ["no requests were made"]
    if summary.fail_ratio > thresholds.get("max_fail_ratio", 0.0):
        missed.append(f"fail ratio {summary.fail_ratio:.4f} > {thresholds['max_fail_ratio']} (429s excluded)")
    if summary.throttle_ratio > thresholds.get("max_429_ratio", 1.0):
        missed.append(f"429 ratio {summary.throttle_ratio:.4f} > {thresholds['max_429_ratio']}")
    floor = thresholds.get("min_ceiling_ratio", 0.0)
    if ceiling_docs_per_s and summary.documents and summary.documents_per_s < floor * ceiling_docs_per_s:
        missed.append(f"documents/s {summary.documents_per_s:.1f} < {floor} x the tier ceiling "
                      f"{ceiling_docs_per_s:.1f}")
    p95_ratio = thresholds.get("max_p95_over_model")
    if p95_ratio and model_request_ms > 0 and summary.p95 > p95_ratio * model_request_ms:
        missed.append(f"p95 {summary.p95:.0f} ms > {p95_ratio} x the modelled request time {model_request_ms:.0f} ms")
    return missed
