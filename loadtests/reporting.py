"""What Locust reports for these users: HTTP requests apart from functions and documents, final numbers everywhere.

Two things Locust does not do on its own, installed by the locustfile in every process (master and workers):

- **Aggregated means HTTP requests.** The users fire one ``HTTP`` event per HTTP request, one ``FN`` event
  per function in an answer and one ``DOC`` event per business document (the custom-client pattern: every
  measurement is an ``events.request``). Locust adds every event to its "Aggregated" row, so its requests/s
  (the terminal, the HTML report, the web UI's charts) would count a batch of 20 documents as 21 requests.
  ``RequestTypesApart`` keeps ``FN`` and ``DOC`` rows by name and leaves them out of Aggregated; a worker's
  Aggregated is what it sends the master, so the distributed total is requests only as well.
- **The CSV has the final numbers.** Locust rewrites ``_stats.csv`` once a second and never again at the end
  (locust#1806, #2299), so the file missed the last second and whatever finished while users stopped
  (``DOC,APBILL,4380`` against 5,020 in the terminal and the HTML). ``FinalCSVFileWriter`` writes every
  file once more as it closes them, after the terminal summary, with the same final stats, and appends the
  final row to ``_stats_history.csv``.
"""

from __future__ import annotations

import csv
import time
from typing import Any

from locust import stats as locust_stats
from locust.stats import RequestStats, StatsCSVFileWriter, StatsError

from loadtests.gate import DOC_TYPE, FN_TYPE

APART = frozenset({FN_TYPE, DOC_TYPE})    # rows kept out of Aggregated


class RequestTypesApart(RequestStats):
    """Locust's request statistics, with ``FN`` and ``DOC`` events kept out of the Aggregated row."""

    def log_request(self, method: str, name: str, response_time: int, content_length: int) -> None:
        if method not in APART:
            super().log_request(method, name, response_time, content_length)
            return
        self.entries[(name, method)].log(response_time, content_length)

    def log_error(self, method: str, name: str, error: Exception | str | None) -> None:
        if method not in APART:
            super().log_error(method, name, error)
            return
        self.entries[(name, method)].log_error(error)
        key = StatsError.create_key(method, name, error)
        entry = self.errors.get(key)
        if entry is None:
            entry = self.errors[key] = StatsError(method, name, error)
        entry.occurred()


def keep_types_apart(environment: Any) -> None:
    """Switch the environment's statistics (the object the runner already holds) to ``RequestTypesApart``."""
    if type(environment.stats) is RequestStats:
        environment.stats.__class__ = RequestTypesApart


class FinalCSVFileWriter(StatsCSVFileWriter):
    """Locust's CSV writer, plus one last pass over every file when Locust closes them at exit."""

    def close_files(self) -> None:
        if not self.requests_csv_filehandle.closed:
            self.write_final()
        super().close_files()

    def write_final(self) -> None:
        now = time.time()
        for handle, columns, write_rows in (
                (self.requests_csv_filehandle, self.requests_csv_columns, self._requests_data_rows),
                (self.failures_csv_filehandle, self.failures_columns, self._failures_data_rows),
                (self.exceptions_csv_filehandle, self.exceptions_columns, self._exceptions_data_rows)):
            handle.seek(0)
            handle.truncate()
            writer = csv.writer(handle)
            writer.writerow(columns)
            write_rows(writer)
            handle.flush()
        if self.environment.stats.total.num_requests:
            self._stats_history_data_rows(self.stats_history_csv_writer, now)
        self.stats_history_csv_filehandle.flush()


def install() -> None:
    """Make ``locust --csv`` create ``FinalCSVFileWriter`` (Locust looks the class up on its stats module)."""
    locust_stats.StatsCSVFileWriter = FinalCSVFileWriter  # type: ignore[misc]
