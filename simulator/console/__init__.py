"""The QA console: the simulated Sage company in a browser, at ``/__sim/console/`` on the admin API.

Pages read the store; every change the pages make is an admin API call from the browser (the call a
scenario's ``sage_admin`` step makes), so the console has no write path of its own and the admin API's
security (loopback or token, JSON bodies) covers it. ``init_console(app)`` wires it into an app.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, redirect

from intacct_harness.simulator.console.capture import DEFAULT_LIMIT, Capture, CaptureMiddleware

CONSOLE_PREFIX = "/__sim/console"


def init_console(app: Flask) -> None:
    """Register the pages and record gateway exchanges (``CONSOLE_JOURNAL_LIMIT`` = 0 records none)."""
    from intacct_harness.simulator.console.views import bp

    backend = app.extensions["intacct_sim"]
    capture = Capture(backend.store, int(app.config.get("CONSOLE_JOURNAL_LIMIT", DEFAULT_LIMIT)))
    app.extensions["intacct_sim_console"] = capture
    if capture.limit > 0:
        backend.exchanges = capture   # processed requests write their exchange in their own transaction
    app.register_blueprint(bp, url_prefix=CONSOLE_PREFIX)
    app.add_url_rule("/", "console_home", lambda: redirect(CONSOLE_PREFIX + "/"))
    app.wsgi_app = CaptureMiddleware(app.wsgi_app, capture)  # type: ignore[method-assign]


def console_capture(app: Any) -> Capture:
    return app.extensions["intacct_sim_console"]
