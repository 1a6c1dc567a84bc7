"""``make bench`` row 1: the simulator's write path against the same-work baseline (loadtests/same_work.py).

Both run single-threaded in this process on a WAL state file, so the ratio prices the simulator's own
rules (sign-in, validation, references, journal, usage) and nothing else:

- in-process: ``parse_request`` + ``Backend.handle`` (the model entry point) against ``SameWork.handle``;
- through Flask: one WSGI call of the whole app (``create_app``, console capture included) against the
  baseline behind a minimal Flask route; the echo app (loadtests/echo_app.py, no work at all, a response of
  the same size) is the second reference.

Rates are functions per CPU-second of this (single-threaded) process. Rounds alternate simulator and
baseline (3 rounds of ``seconds`` each by default) and the row shows the median of the per-round ratios,
since a shared 2-core machine moves absolute figures by 10 % or more.
"""

from __future__ import annotations

import io
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

from intacct_harness.simulator.wire.protocol import GATEWAY_PATH
from loadtests.common import GatewayClient, Tier, apbill_batch, envelope, tier_seed

Call = Callable[[bytes], bytes]


def wsgi_caller(app: Any, headers: dict[str, str] | None = None) -> Call:
    """Call a WSGI app as a server would (a fresh environ per request), without a test client's own cost."""
    base = {"REQUEST_METHOD": "POST", "PATH_INFO": GATEWAY_PATH, "SCRIPT_NAME": "", "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8089", "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1:8089", "CONTENT_TYPE": "application/xml", "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http", "wsgi.version": (1, 0), "wsgi.multithread": False,
            "wsgi.multiprocess": False, "wsgi.run_once": False, "wsgi.errors": io.StringIO()}
    for k, v in (headers or {}).items():
        base["HTTP_" + k.upper().replace("-", "_")] = v
    status: list[str] = []

    def start_response(code: str, _headers: Any, _exc: Any = None) -> Any:
        status.append(code)
        return lambda data: None

    def call(body: bytes) -> bytes:
        environ = dict(base, CONTENT_LENGTH=str(len(body)))
        environ["wsgi.input"] = io.BytesIO(body)
        status.clear()
        chunks = app(environ, start_response)
        out = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        if not status or not status[0].startswith("200"):
            raise RuntimeError(f"HTTP {status[:1]}: {out[:300]!r}")
        return out

    return call


def rate(call: Call, bodies: list[bytes], seconds: float, functions: int) -> float:
    """Functions per CPU-second of ``call`` over ``bodies`` (round-robin) for about ``seconds`` of CPU.

    CPU time of this process, not wall time: the run is single-threaded, so it is the work itself, and
    other jobs on a shared machine do not count against whichever subject happened to run beside them.
    Every answer is checked.
    """
    done, i = 0, 0
    t0 = time.process_time()
    while True:
        out = call(bodies[i % len(bodies)])
        i += 1
        if b"<status>failure</status>" in out:
            raise RuntimeError(f"the benchmark's request failed: {out[:500]!r}")
        done += functions
        elapsed = time.process_time() - t0
        if elapsed >= seconds:
            return done / elapsed


class Subjects:
    """The simulator (model entry point and Flask app) and the two references, on fresh WAL files."""

    def __init__(self, tmp: str) -> None:
        from intacct_harness.simulator.app import backend_of, create_app
        from intacct_harness.simulator.testing import IN_PROCESS_BASE
        from intacct_harness.simulator.wire.envelope import parse_request
        from loadtests.echo_app import create_echo_app
        from loadtests.same_work import SameWork, create_same_work_app

        self.app = create_app({"LATENCY": False, "SEED": tier_seed(1, Tier(concurrency=64)),
                               "STATE_FILE": os.path.join(tmp, "sim.sqlite3")})
        backend = backend_of(self.app)
        endpoint = IN_PROCESS_BASE + GATEWAY_PATH
        self.sim_model: Call = lambda body: backend.handle(parse_request(body), endpoint, latency=False).body
        self.sim_flask = wsgi_caller(self.app)
        self.base_model: Call = SameWork(os.path.join(tmp, "base.sqlite3")).handle
        self.base_flask = wsgi_caller(create_same_work_app(os.path.join(tmp, "base-flask.sqlite3")))
        self.echo_app = create_echo_app()

    def session_auth(self) -> str:
        """Sign in once through the app; the measured requests use the session, as a connector does."""
        import httpx

        from intacct_harness.simulator.testing import IN_PROCESS_BASE

        with httpx.Client(transport=httpx.WSGITransport(app=self.app), base_url=IN_PROCESS_BASE) as http:
            gw = GatewayClient(IN_PROCESS_BASE, "LOAD-CO-00", http=http)
            gw.open_session()
            return gw.auth


def measure(seconds: float = 3.0, rounds: int = 3, sizes: tuple[int, ...] = (1, 100)) -> dict[str, Any]:
    """Per size: fn/s of each subject per round, and the median per-round ratios (see the module docstring)."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-writes-") as tmp:
        s = Subjects(tmp)
        auth = s.session_auth()
        for n in sizes:
            bodies = [envelope(apbill_batch("W", n), auth) for _ in range(max(20, 2000 // n))]
            size = len(s.sim_model(bodies[0]))
            echo = wsgi_caller(s.echo_app, {"X-Echo-Size": str(size)})
            figures: dict[str, list[float]] = {k: [] for k in ("sim_model", "base_model", "sim_flask", "base_flask",
                                                                "echo")}
            for _ in range(rounds):
                figures["sim_model"].append(rate(s.sim_model, bodies, seconds, n))
                figures["base_model"].append(rate(s.base_model, bodies, seconds, n))
                figures["sim_flask"].append(rate(s.sim_flask, bodies, seconds, n))
                figures["base_flask"].append(rate(s.base_flask, bodies, seconds, n))
                figures["echo"].append(rate(echo, bodies, seconds, n))

            def ratio(a: str, b: str, f: dict[str, list[float]] = figures) -> float:
                return statistics.median(x / y for x, y in zip(f[a], f[b], strict=True))

            out[n] = {"figures": {k: statistics.median(v) for k, v in figures.items()}, "response": size,
                      "model": ratio("sim_model", "base_model"), "flask": ratio("sim_flask", "base_flask"),
                      "echo": ratio("sim_flask", "echo")}
    return out
