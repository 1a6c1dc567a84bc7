"""Journal entries (GLBATCH): each GLENTRY is a debit (TR_TYPE 1) or a credit (TR_TYPE -1), and they balance.

TR_TYPE's two values are the PHP SDK's ([php:…/GeneralLedger/JournalEntryLineCreateTest.php]); that a
journal entry's debits must equal its credits is double entry itself. The refusal's number and texts are
the simulator's choice (``UnbalancedEntry``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from intacct_harness.simulator.errors import InvalidFieldValue, UnbalancedEntry

DEBIT, CREDIT = "1", "-1"


def check_balanced(entries: list[dict[str, Any]]) -> None:
    debits = credits = Decimal(0)
    for entry in entries:
        kind = str(entry.get("TR_TYPE", "")).strip()
        if kind not in (DEBIT, CREDIT):
            raise InvalidFieldValue("TR_TYPE", kind, "1 (debit) or -1 (credit)")
        amount = Decimal(str(entry["TRX_AMOUNT"]))
        if kind == DEBIT:
            debits += amount
        else:
            credits += amount
    if debits != credits:
        raise UnbalancedEntry(debits, credits)
