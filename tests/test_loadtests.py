"""The load-test harness: a short `make load` smoke (distributed once) and the threshold gate.

Locust runs in a subprocess (``python -m loadtests.run --smoke``): importing locust monkey-patches the
process with gevent, which must not leak into the pytest worker.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from loadtests.gate import Summary, check, load_thresholds

ROOT = Path(__file__).resolve().parent.parent


def _smoke(tmp_path: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], dict[tuple[str, str], dict]]:
    proc = subprocess.run([sys.executable, "-m", "loadtests.run", "--smoke", "--duration", "10",
                           "--results", str(tmp_path), "--name", "smoke", *extra], cwd=ROOT, capture_output=True,
                          text=True, timeout=90, check=False)
    rows = {}
    stats = tmp_path / "smoke_stats.csv"
    if stats.exists():
        with stats.open() as fh:
            rows = {(r["Type"], r["Name"]): r for r in csv.DictReader(fh)}
    return proc, rows


def test_gateway_smoke_distributed(tmp_path: Path) -> None:
    """Locust master + 2 workers (``--processes 2``) against 2 served companies: stats add up, gate passes."""
    proc, rows = _smoke(tmp_path, "--processes", "2")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "== load summary ==" in out and "thresholds: all met (smoke)" in out
    posts = rows[("XMLGW", "create APBILL x20")]
    docs = rows[("DOC", "APBILL")]
    assert int(posts["Request Count"]) > 5
    assert int(docs["Request Count"]) == 20 * (int(posts["Request Count"]) - int(posts["Failure Count"]))
    assert int(docs["Failure Count"]) == 0
    assert (tmp_path / "smoke.html").stat().st_size > 1000


def test_sync_user_smoke(tmp_path: Path) -> None:
    """The connector-driven SyncUser: HTTP and DOC events side by side, no failed document."""
    proc, rows = _smoke(tmp_path, "--user", "sync")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    http, docs = rows[("HTTP", "POST xmlgw")], rows[("DOC", "document")]
    assert int(http["Request Count"]) > 3 and int(docs["Request Count"]) > int(http["Request Count"])
    assert int(docs["Failure Count"]) == 0
    assert "documents/s" in out and "requests/s" in out


def _summary(**kw: float) -> Summary:
    base = {"seconds": 10.0, "requests": 100, "request_failures": 0, "throttled": 0, "documents": 2000,
            "document_failures": 0, "p50": 120.0, "p95": 150.0, "p99": 170.0}
    return Summary(**{**base, **kw})  # type: ignore[arg-type]


def test_gate_ratios() -> None:
    limits = load_thresholds("gateway")
    ok = check(_summary(), limits, ceiling_docs_per_s=250.0, model_request_ms=120.0)
    assert ok == []
    slow = check(_summary(), limits, ceiling_docs_per_s=1000.0, model_request_ms=120.0)
    assert any("tier ceiling" in m for m in slow)
    throttled = check(_summary(request_failures=30, throttled=30), limits, ceiling_docs_per_s=200.0,
                      model_request_ms=120.0)
    assert any("429 ratio" in m for m in throttled) and not any("fail ratio" in m for m in throttled)
    failing = check(_summary(document_failures=50), limits, ceiling_docs_per_s=200.0, model_request_ms=120.0)
    assert any("fail ratio" in m for m in failing)
    assert check(_summary(requests=0), limits, ceiling_docs_per_s=1.0, model_request_ms=1.0) == [
        "no requests were made"]
