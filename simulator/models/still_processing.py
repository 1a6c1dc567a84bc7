"""Requests the edge answered 524 for while the origin goes on with them ("still processing").

Each such request lands in the company at its due time, on its own thread, as Sage's origin would. It also lands
before any later request of the same company that arrives after its due time, whatever the machine's load: a
connector that waits out the delay and then looks the document up must find it. Without that, a busy CI machine
could postpone the late post past the connector's settle window and a correct connector would see a duplicate.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass
class _Late:
    companies: frozenset[str | None]
    due: float
    work: Callable[[], object]
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: bool = False

    def land(self) -> None:
        """Run the work exactly once, whoever gets here first (its own thread or a later request)."""
        with self.lock:
            if not self.done:
                self.done = True
                self.work()


class StillProcessing:
    """The company's late posts: started with :meth:`start`, forced in by :meth:`settle` once due."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[_Late] = []

    def start(self, companies: Iterable[str | None], ms: float, work: Callable[[], object]) -> None:
        late = _Late(frozenset(companies), time.monotonic() + ms / 1000.0, work)
        with self._lock:
            self._pending.append(late)

        def run() -> None:
            time.sleep(max(0.0, late.due - time.monotonic()))
            try:
                late.land()
            finally:
                self._forget(late)

        threading.Thread(target=run, name="still-processing", daemon=True).start()

    @property
    def pending(self) -> bool:
        """Any late post not landed yet (a request then takes the way that settles them first)."""
        return bool(self._pending)

    def settle(self, companies: Iterable[str | None]) -> None:
        """Before a request of ``companies`` runs: land every late post of theirs that is already due."""
        if not self._pending:   # every request asks; almost always there is nothing pending
            return
        wanted = set(companies)
        now = time.monotonic()
        with self._lock:
            due = [late for late in self._pending if late.due <= now and late.companies & wanted]
        for late in due:
            late.land()
            self._forget(late)

    def _forget(self, late: _Late) -> None:
        with self._lock:
            if late in self._pending:
                self._pending.remove(late)
