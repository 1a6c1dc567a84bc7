"""One way to serve a WSGI app with gunicorn, shared by ``intacct-sim serve`` and the benchmark's bare app.

gthread workers: the per-company latency model sleeps inside a request, and a sleeping thread must
not hold a whole worker (performance.md §4.2).
"""

from __future__ import annotations

from typing import Any


def run_gunicorn(app: Any, *, host: str, port: int, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", None)
            self.cfg.set("loglevel", "warning")
            self.cfg.set("timeout", 120)

        def load(self) -> Any:
            return app

    Server().run()
