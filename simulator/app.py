"""``create_app(config)``: one Flask app, one simulated Sage Intacct, its state owned by the app.

No module globals hold state, so every test builds its own app (its own companies) and
pytest-xdist needs nothing special. Config keys (all optional):

- ``STATE_FILE``: SQLite file to keep state across restarts and share it between workers;
  when absent, a private file in RAM (/dev/shm) that goes with the app.
- ``SEED``: a seed mapping (see simulator.models.setup) or a path to a YAML seed file.
- ``MAX_CONTENT_LENGTH``: largest request body in bytes (413 beyond it); default 8 MiB.
- ``ADMIN_TOKEN``: when set (text or bytes), every admin API caller must present it (see views.admin_guard).
- ``RESET_SEED``: what ``POST /__sim/reset {"keep_seed": true}`` reloads; defaults to ``SEED``.
- ``LATENCY``: False disables per-company latency models (tests), default True.
- ``FAULT_SEED``: seed of the die that fault rules with a probability roll (default 0).
- ``CONSOLE_JOURNAL_LIMIT``: gateway exchanges the console keeps (default 2000; 0 records none).
- ``CONSOLE_RESULTS_DIR``: where the console's Scenario reports page looks (default ``results``).
- ``BUSY_TIMEOUT``: seconds a request waits for a locked state file before answering 503 GW-0012 (30).
- ``JOURNAL_LIMIT``: journal entries kept (older ones are purged once a minute), default 100,000.
"""

from __future__ import annotations

import contextlib
import socket
import time
from pathlib import Path
from typing import Any

from flask import Flask

from intacct_harness.simulator.models.backend import JOURNAL_LIMIT, Backend
from intacct_harness.simulator.models.setup import SeedError, apply_seed
from intacct_harness.simulator.store import Store
from intacct_harness.simulator.wire.protocol import DROP_CONNECTION
from intacct_harness.simulator.yaml_lines import YamlSyntaxError, load_with_lines

DEFAULT_MAX_BODY = 8 * 1024 * 1024


def seed_store(store: Store, source: Any, now: float) -> dict[str, int]:
    """Apply a seed mapping, or the YAML file it names; a bad file's error names its line and key."""
    if not isinstance(source, str | Path):
        return apply_seed(store, source, now)
    try:
        text = Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedError(f"{source}: cannot read the seed file: {exc.strerror}") from None
    try:
        data, lines = load_with_lines(text)
    except YamlSyntaxError as exc:
        raise SeedError(f"{source}:{exc.line}: {exc.problem}") from None
    try:
        return apply_seed(store, data or {}, now)
    except SeedError as exc:
        key = str(exc).split(": ", 1)[0].removeprefix("seed").lstrip(".")
        raise SeedError(f"{source}:{lines.line(key)}: {exc}") from None


class DropConnection:
    """WSGI wrapper that turns the gateway's "drop this connection" mark into a real drop.

    Under a server the client's socket is shut down; in-process (httpx.WSGITransport) the
    exception reaches the client as a dropped connection would. Nothing is sent either way.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        captured: list[Any] = []
        body = self.app(environ, lambda *args: captured.append(args) or (lambda data: None))
        if not environ.get(DROP_CONNECTION):
            start_response(*captured[0])
            return body
        if hasattr(body, "close"):
            body.close()
        sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        raise ConnectionResetError("simulated fault: connection reset by peer")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=DEFAULT_MAX_BODY, STATE_FILE=None, SEED=None, ADMIN_TOKEN=None,
                      LATENCY=True)
    if config:
        app.config.update(config)
    journal_limit = app.config.get("JOURNAL_LIMIT", JOURNAL_LIMIT)
    if isinstance(journal_limit, bool) or not isinstance(journal_limit, int) or journal_limit < 1:
        raise ValueError(f"JOURNAL_LIMIT: a whole number of journal entries from 1 up; got {journal_limit!r}")
    busy = app.config.get("BUSY_TIMEOUT", 30.0)
    if isinstance(busy, bool) or not isinstance(busy, int | float) or not 0 < busy <= 3600:
        raise ValueError(f"BUSY_TIMEOUT: seconds from more than 0 to 3600; got {busy!r}")
    store = Store(app.config["STATE_FILE"], busy_timeout=float(busy))
    backend = Backend(store, fault_seed=app.config.get("FAULT_SEED", 0), journal_limit=journal_limit)
    app.extensions["intacct_sim"] = backend
    app.config.setdefault("RESET_SEED", app.config["SEED"])
    if app.config["SEED"] is not None:
        seed_store(store, app.config["SEED"], time.time())

    from intacct_harness.simulator.console import init_console
    from intacct_harness.simulator.views.admin import bp as admin_bp
    from intacct_harness.simulator.views.gateway import bp as gateway_bp

    app.register_blueprint(gateway_bp)
    app.register_blueprint(admin_bp)
    init_console(app)  # the QA console at /__sim/console/, served on the admin API
    app.wsgi_app = DropConnection(app.wsgi_app)  # type: ignore[method-assign]
    return app


def backend_of(app: Flask) -> Backend:
    return app.extensions["intacct_sim"]
