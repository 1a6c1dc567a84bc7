"""``create_app(config)``: one Flask app, one simulated Sage Intacct, its state owned by the app.

No module globals hold state, so every test builds its own app (its own companies) and
pytest-xdist needs nothing special. Config keys (all optional):

- ``STATE_FILE``: SQLite file to keep state across restarts and share it between workers;
  in memory when absent.
- ``SEED``: a seed mapping (see simulator.models.setup) or a path to a YAML seed file.
- ``MAX_CONTENT_LENGTH``: largest request body in bytes (413 beyond it); default 8 MiB.
- ``ADMIN_TOKEN``: when set, the admin API accepts remote callers that present it.
- ``LATENCY``: False disables per-company latency models (tests), default True.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml
from flask import Flask

from simulator.models.backend import Backend
from simulator.models.setup import apply_seed
from simulator.store import Store

DEFAULT_MAX_BODY = 8 * 1024 * 1024


def load_seed(source: Any) -> Any:
    """A seed mapping, or the YAML file it names."""
    if isinstance(source, str | Path):
        with open(source, encoding="utf-8") as fh:
            return yaml.safe_load(fh) or {}
    return source


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=DEFAULT_MAX_BODY, STATE_FILE=None, SEED=None, ADMIN_TOKEN=None,
                      LATENCY=True)
    if config:
        app.config.update(config)
    store = Store(app.config["STATE_FILE"])
    backend = Backend(store)
    app.extensions["intacct_sim"] = backend
    if app.config["SEED"] is not None:
        apply_seed(store, load_seed(app.config["SEED"]), time.time())

    from simulator.views.admin import bp as admin_bp
    from simulator.views.gateway import bp as gateway_bp

    app.register_blueprint(gateway_bp)
    app.register_blueprint(admin_bp)
    return app


def backend_of(app: Flask) -> Backend:
    return app.extensions["intacct_sim"]
