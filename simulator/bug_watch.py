"""Catch the simulator's own bugs in a test run: a green test must not hide one.

The gateway answers a bug in its own rules as Sage's generic ``DL02000001`` ("There was an error processing
the request.") and logs the traceback, because a real client must still get the gateway's XML. A connector
that retries, or a test that only checks the final state, would then pass on a simulator bug. ``BugWatch``
listens to the simulator's log for the duration of a test and lets the fixture fail it at teardown, as
pytest-httpx fails a test that left responses unused.

A bug outside any function (the store, admission, rendering) escapes the view: Flask answers its HTML 500 and
logs "Exception on <path> [POST]" on the app's logger. A connector retries a 500 as it retries any 5xx, so the
watch catches that report too.
"""

from __future__ import annotations

import logging
from types import TracebackType

LOGGER = "intacct_harness.simulator"
MARKER = "internal error in "   # how models/backend.py's InternalErrorLog starts each report
APP_LOGGER = LOGGER + ".app"    # Flask's app.logger (``Flask(__name__)`` in simulator/app.py)
UNHANDLED = "Exception on "     # how Flask's ``log_exception`` starts its report of an unhandled exception


class BugWatch(logging.Handler):
    """A log handler that keeps every internal-error report of the simulator while it is installed."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.reports: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.msg, str) and (record.msg.startswith(MARKER) or (
                record.name == APP_LOGGER and record.msg.startswith(UNHANDLED))):
            where = ""
            if record.exc_info and record.exc_info[2] is not None:
                tb = record.exc_info[2]
                while tb.tb_next is not None:
                    tb = tb.tb_next
                where = f" ({type(record.exc_info[1]).__name__} at {tb.tb_frame.f_code.co_filename}:{tb.tb_lineno})"
            self.reports.append(record.getMessage() + where)

    def __enter__(self) -> BugWatch:
        logger = logging.getLogger(LOGGER)
        logger.addHandler(self)
        if logger.getEffectiveLevel() > logging.ERROR:
            logger.setLevel(logging.ERROR)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        logging.getLogger(LOGGER).removeHandler(self)

    def failure(self) -> str | None:
        """The text a test fails with, or None when the simulator had no bug."""
        if not self.reports:
            return None
        listed = "\n".join(f"  - {r}" for r in self.reports[:10])
        more = f"\n  ... and {len(self.reports) - 10} more" if len(self.reports) > 10 else ""
        return (f"the simulator hit {len(self.reports)} internal error(s) during this test and answered them as "
                f"DL02000001 (or, outside any function, HTTP 500); that is a bug in intacct-harness's simulator, "
                f"not in your code (tracebacks are in the captured log; report them):\n{listed}{more}\n"
                "A test that means to provoke one can opt out with @pytest.mark.intacct(allow_simulator_bugs=True).")
