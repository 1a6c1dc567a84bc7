"""The load-test harness: a short `make load` smoke (distributed once) and the threshold gate.

Locust runs in a subprocess (``python -m loadtests.run --smoke``): importing locust monkey-patches the
process with gevent, which must not leak into the pytest worker.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from intacct_harness.simulator.demo import free_port
from loadtests.gate import Summary, check, load_thresholds

ROOT = Path(__file__).resolve().parent.parent
# Bounded by work, not by the clock: each run stops once enough documents are done, so a loaded machine
# takes longer instead of failing; --duration is only the upper bound, the subprocess timeout the last resort.
UNTIMED = ("--smoke", "--profile", "smoke-untimed", "--duration", "120")
Counts = dict[tuple[str, str], tuple[int, int]]   # (type, name) -> (requests, failures)


def _run(tmp_path: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], dict[tuple[str, str], dict]]:
    proc = subprocess.run([sys.executable, "-m", "loadtests.run", *UNTIMED, "--results", str(tmp_path),
                           "--name", "smoke", *extra], cwd=ROOT, capture_output=True, text=True, timeout=400,
                          check=False)
    return proc, _csv_rows(tmp_path / "smoke_stats.csv")


def _csv_rows(path: Path) -> dict[tuple[str, str], dict]:
    if not path.exists():
        return {}
    with path.open() as fh:
        return {(r["Type"], r["Name"]): r for r in csv.DictReader(fh)}


def _csv_counts(rows: dict[tuple[str, str], dict]) -> Counts:
    return {key: (int(r["Request Count"]), int(r["Failure Count"])) for key, r in rows.items()}


def _terminal_counts(out: str) -> Counts:
    """The final table Locust prints (``Type Name # reqs # fails(%) | ...``), Aggregated as ('', 'Aggregated')."""
    table = out.split("Response time percentiles")[0]
    counts: Counts = {}
    for line in table.splitlines():
        if m := re.match(r"^(HTTP|FN|DOC)\s+(.+?)\s+(\d+)\s+(\d+)\([\d.]+%\)\s+\|", line):
            counts[(m[1], m[2])] = (int(m[3]), int(m[4]))
        elif m := re.match(r"^\s+Aggregated\s+(\d+)\s+(\d+)\(", line):
            counts[("", "Aggregated")] = (int(m[1]), int(m[2]))
    return counts


def _html_counts(path: Path) -> Counts:
    text = path.read_text(encoding="utf-8")
    start = text.index("templateArgs = ") + len("templateArgs = ")
    args = json.JSONDecoder().raw_decode(text[start:])[0]
    return {(e["method"] or "", e["name"]): (e["num_requests"], e["num_failures"]) for e in args["requests_statistics"]}


def _assert_reports_agree(proc: subprocess.CompletedProcess[str], tmp_path: Path) -> Counts:
    """CSV, HTML and terminal carry the same final numbers; Aggregated counts HTTP requests only."""
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "== load summary ==" in out and "thresholds: all met (smoke-untimed)" in out
    terminal = _terminal_counts(out)      # Locust prints its table on stderr
    rows = _csv_rows(tmp_path / "smoke_stats.csv")
    assert _csv_counts(rows) == terminal
    assert _html_counts(tmp_path / "smoke.html") == terminal
    http = [v for (kind, _), v in terminal.items() if kind == "HTTP"]
    assert terminal[("", "Aggregated")] == (sum(n for n, _ in http), sum(f for _, f in http))
    with (tmp_path / "smoke_stats_history.csv").open() as fh:
        last = [r for r in csv.DictReader(fh) if r["Name"] == "Aggregated"][-1]
    assert int(last["Total Request Count"]) == terminal[("", "Aggregated")][0]
    # requests/s of Aggregated is HTTP requests/s, not inflated by the documents
    docs_per_s = sum(float(r["Requests/s"]) for (kind, _), r in rows.items() if kind == "DOC")
    assert float(rows[("", "Aggregated")]["Requests/s"]) < docs_per_s
    return terminal


def test_gateway_smoke_distributed(tmp_path: Path) -> None:
    """Locust master + 2 workers (``--processes 2``) against 2 served companies: the reports agree and add up."""
    proc, _ = _run(tmp_path, "--processes", "2", "--until-documents", "600")
    counts = _assert_reports_agree(proc, tmp_path)
    posts, docs = counts[("HTTP", "create APBILL x20")], counts[("DOC", "APBILL")]
    assert docs[0] >= 600 and docs[1] == 0
    assert docs[0] == 20 * (posts[0] - posts[1])
    assert counts[("FN", "create")] == docs            # one function per document in these batches
    assert counts[("FN", "getAPISession")][0] == counts[("HTTP", "getAPISession")][0] == 4


def test_sync_user_smoke(tmp_path: Path) -> None:
    """The connector-driven SyncUser: HTTP, FN and DOC events side by side, no failed document."""
    proc, _ = _run(tmp_path, "--user", "sync", "--until-documents", "200")
    counts = _assert_reports_agree(proc, tmp_path)
    http, docs = counts[("HTTP", "POST xmlgw")], counts[("DOC", "document")]
    assert http[0] > 3 and docs[0] >= 200 and docs[1] == 0
    functions = sum(n for (kind, _), (n, _) in counts.items() if kind == "FN")
    assert functions > http[0]                          # batches: more functions than requests
    assert "documents/s" in proc.stdout and "functions/s" in proc.stdout


def test_web_ui_counts_requests_apart_from_documents(tmp_path: Path) -> None:
    """``--web --autostart``: the web UI's own stats answer counts HTTP requests in Aggregated, as the files do."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "loadtests.run", *UNTIMED, "--until-documents", "2000", "--web",
                             "--autostart", "--web-port", str(port), "--results", str(tmp_path), "--name", "smoke"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        live = None
        deadline = time.monotonic() + 120
        while live is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/stats/requests", timeout=5).json()
            except (httpx.TransportError, ValueError):
                answer = {}
            if any(e["method"] == "DOC" and e["num_requests"] for e in answer.get("stats", [])):
                live = answer
            else:
                time.sleep(0.2)
        out = proc.communicate(timeout=300)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert live is not None, out[-3000:]
    entries = {(e["method"] or "", e["name"]): e["num_requests"] for e in live["stats"]}
    assert entries[("", "Aggregated")] == sum(n for (kind, _), n in entries.items() if kind == "HTTP")
    _assert_reports_agree(subprocess.CompletedProcess(proc.args, proc.returncode, out, ""), tmp_path)


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


def test_untimed_profile_gates_failures_only() -> None:
    """The suite's profile ignores throughput and latency (a busy machine) but not failed documents."""
    limits = load_thresholds("smoke-untimed")
    slow = _summary(p95=60_000.0, p99=90_000.0)
    assert check(slow, limits, ceiling_docs_per_s=1e6, model_request_ms=100.0) == []
    assert any("fail ratio" in m for m in check(_summary(document_failures=50), limits, ceiling_docs_per_s=1e6,
                                                 model_request_ms=100.0))
    assert "functions in the answers" in "\n".join(_summary(functions=2000).lines())
