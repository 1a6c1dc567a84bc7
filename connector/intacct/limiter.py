"""A per-company concurrency limiter: Sage allows only N requests in flight per company (2 on the standard tier).

Connections of several subsidiaries to the same company share one limiter, so together they stay
under the company's limit instead of each taking N slots.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_registry: dict[tuple[str, str], ConcurrencyLimiter] = {}
_registry_lock = threading.Lock()


class ConcurrencyLimiter:
    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("concurrency limit must be at least 1")
        self.limit = limit
        self._slots = threading.BoundedSemaphore(limit)

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._slots:
            yield


def limiter_for(endpoint: str, company_id: str, limit: int) -> ConcurrencyLimiter:
    """The shared limiter of one company at one gateway (created on first use)."""
    key = (endpoint, company_id.upper())
    with _registry_lock:
        found = _registry.get(key)
        if found is None or found.limit != limit:
            found = _registry[key] = ConcurrencyLimiter(limit)
        return found
