"""The store lends connections per transaction: one it cannot open fails that transaction alone."""

from __future__ import annotations

import os
import sqlite3
import threading

import pytest

from intacct_harness.simulator.store import Store


def test_a_writer_that_cannot_open_a_connection_leaves_the_gate_to_the_next(tmp_path):
    """Out of files (or a state file's folder gone), a write transaction cannot get a connection: it fails, and
    the process's other writers go on once the store can be opened again; before, the failed one kept the
    writers' gate and every later writer of the process waited out busy_timeout, then failed too."""
    folder = tmp_path / "state"
    folder.mkdir()
    store = Store(str(folder / "state.sqlite3"), busy_timeout=2.0)
    outcome: dict[str, object] = {}
    with store.read():                       # holds the pool's one connection: the writer must open another
        os.rename(folder, tmp_path / "moved")
        try:
            def failing_writer() -> None:
                try:
                    with store.transaction():
                        pass
                except sqlite3.OperationalError as exc:
                    outcome["first"] = str(exc)
            t = threading.Thread(target=failing_writer)
            t.start()
            t.join(10)
        finally:
            os.rename(tmp_path / "moved", folder)
    assert "unable to open" in str(outcome.get("first")), outcome

    try:   # in this thread: a new thread may be given the finished one's id, and the gate is reentrant
        with store.transaction() as tx:
            tx.set_meta("after", "yes")
    except sqlite3.OperationalError as exc:
        pytest.fail(f"the next writer did not get the gate: {exc}")
    with store.read() as tx:
        assert tx.get_meta("after") == "yes"
