"""One way to serve a WSGI app with gunicorn, shared by ``intacct-sim serve`` and the benchmark's reference apps.

Two worker classes, because a latency-modelled request spends almost all of its time asleep
(performance.md §4.2): a sleeping request must not hold a thread, or the server's threads, not the
company's concurrency limit, decide how many requests are in flight, and requests over the limit
queue in the listen backlog instead of getting 429 at once.

- ``gevent`` (the default when gevent is installed, the ``serve`` extra): every accepted connection is a
  greenlet, up to ``connections`` per worker, and the latency sleep yields, so a request over its
  company's limit reaches the gateway and gets 429 at once. Measured on 2 cores (loadtests/RESULTS.md,
  row 6, 500 in-flight 300 ms requests) it beat gthread with 2 x 256 threads by about 1.5x.
- ``gthread``: ``threads`` OS threads per worker; what serve used before, and the fallback without gevent.

The app is built before the fork; the store makes its per-process state again in each worker
(``Store._process``), after gevent has patched it: a pool of connections lent per transaction, writers
queued on a gevent lock, and waits for another worker's write lock in Python sleeps that yield, never in
SQLite's busy handler (which sleeps in C and would stall the worker's every request). A long read request
pauses between its functions (``Tx.cooperate``) and inside a long SQL statement (SQLite's progress
handler), so another company's sign-in in the same worker waits a few milliseconds, not the whole request.
"""

from __future__ import annotations

import importlib.util
from typing import Any

WORKER_CLASSES = ("gevent", "gthread")
DEFAULT_CONNECTIONS = 1000   # greenlets per gevent worker: in-flight requests it accepts at once


FILES_BESIDE_REQUESTS = 128   # a worker's own open files: the interpreter, logs, the store's pool (3 a connection)


def raise_open_files(in_flight: int, option: str = "--connections") -> str | None:
    """Raise this process's soft limit of open files, which the workers inherit, to what ``in_flight`` requests
    per worker need (a socket each, plus ``FILES_BESIDE_REQUESTS``), as far as the hard limit allows.

    Linux's usual soft limit is 1,024 and macOS's 256, below the 1,000 requests a gevent worker accepts by
    default; past it, the worker cannot accept another connection (or its store open a file). Returns a warning for
    the person starting the server when the hard limit is lower still (naming ``option``, the serve option that
    sets ``in_flight``), else None.
    """
    try:
        import resource
    except ImportError:   # not a POSIX system: nothing to raise
        return None
    need = in_flight + FILES_BESIDE_REQUESTS
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        wanted = need if hard == resource.RLIM_INFINITY else min(need, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):   # a system cap below the hard limit (macOS's kern.maxfilesperproc)
            pass
    if soft != resource.RLIM_INFINITY and soft < need:
        return (f"this process may open {soft} files (ulimit -n, hard limit), so a worker holds about "
                f"{max(soft - FILES_BESIDE_REQUESTS, 0)} requests in flight, not {in_flight}; raise the hard limit "
                f"(ulimit -Hn {need}) or lower {option}")
    return None


def default_worker_class() -> str:
    """gevent when it is installed (the ``serve`` extra, or Locust's dependency), else gthread."""
    return "gevent" if importlib.util.find_spec("gevent") is not None else "gthread"


def run_gunicorn(app: Any, *, host: str, port: int, workers: int, threads: int, worker_class: str = "gthread",
                 connections: int = DEFAULT_CONNECTIONS) -> None:
    from gunicorn.app.base import BaseApplication

    if worker_class not in WORKER_CLASSES:
        raise ValueError(f"worker class {worker_class!r}: choose one of {', '.join(WORKER_CLASSES)}")

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", worker_class)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_connections", connections)
            self.cfg.set("backlog", max(2048, connections))
            self.cfg.set("accesslog", None)
            self.cfg.set("loglevel", "warning")
            self.cfg.set("timeout", 120)

        def load(self) -> Any:
            return app

    Server().run()
