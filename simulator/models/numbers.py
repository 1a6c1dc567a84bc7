"""Whole numbers a client writes (RECORDNO keys, page sizes, offsets, line numbers), read one way everywhere.

Python refuses to convert a string of more than 4,300 digits to an int (``ValueError``), and SQLite's INTEGER holds
19 digits at most: a key or ``<pagesize>`` of 5,000 nines reached the simulator's internal error (DL02000001)
instead of Sage's "not found" or range error. Here such text is simply not a number a record or page can have.
"""

from __future__ import annotations

from typing import Any

from intacct_harness.simulator.store import Record, Tx

MAX_DIGITS = 18   # every value up to 10**18 - 1 fits SQLite's signed 64-bit INTEGER


def whole_number(text: Any) -> int | None:
    """``text`` as a non-negative whole number in ASCII digits, or None when it is not one that can exist."""
    s = str(text)
    if not (s.isascii() and s.isdigit()) or len(s.lstrip("0") or "0") > MAX_DIGITS:
        return None
    return int(s)


def by_recordno_text(tx: Tx, company_id: str, object_name: str, text: Any) -> Record | None:
    """The record whose RECORDNO ``text`` names; None when there is none or ``text`` is no record number."""
    number = whole_number(text)
    return None if number is None else tx.by_recordno(company_id, object_name, number)
