"""What a posted AR/AP document's state still allows, and how its totals follow its lines and payments.

Sage keeps TOTALENTERED (the lines' sum), TOTALPAID and TOTALDUE on invoices, bills and adjustments, and
a STATE that payments and reversals move: Posted -> Partially Paid -> Paid, and Reversed (the original)
with a Reversal (the new, negated document). A reversed document and its reversal are final; a document
with payments applied must have its payments reversed before it can be edited, deleted or reversed (Sage
help "Reverse a bill/invoice"; the error texts are the simulator's choice, see ``DocumentStateRefused``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from intacct_harness.simulator.errors import DocumentStateRefused
from intacct_harness.simulator.models.objects import ObjectDef
from intacct_harness.simulator.store import Record

POSTED, PARTIALLY_PAID, PAID = "Posted", "Partially Paid", "Paid"
REVERSED, REVERSAL = "Reversed", "Reversal"
FINAL_STATES = frozenset({REVERSED, REVERSAL})


def amount(doc: dict[str, Any], field: str) -> Decimal:
    return Decimal(str(doc.get(field) or "0"))


def set_totals(obj: ObjectDef, doc: dict[str, Any], lines: list[dict[str, Any]], total: Decimal | None = None) -> None:
    """TOTALENTERED from the lines (``total`` when the caller has just summed them); TOTALDUE what is left after
    what was paid."""
    assert obj.lines is not None
    if total is None:
        total = sum((Decimal(str(line[obj.lines.amount_field])) for line in lines), Decimal(0))
    paid = amount(doc, "TOTALPAID")
    doc["TOTALENTERED"] = str(total)
    doc["TOTALPAID"] = str(paid)
    doc["TOTALDUE"] = str(total - paid)


def apply_payment(doc: dict[str, Any], paid: Decimal) -> None:
    """Add ``paid`` (negative: a reversed payment) to the document and move its STATE."""
    total_paid = amount(doc, "TOTALPAID") + paid
    due = amount(doc, "TOTALENTERED") - total_paid
    doc["TOTALPAID"] = str(total_paid)
    doc["TOTALDUE"] = str(due)
    doc["STATE"] = PAID if due == 0 else PARTIALLY_PAID if total_paid != 0 else POSTED


def guard(obj: ObjectDef, rec: Record, action: str) -> None:
    """Refuse ``action`` (update, delete, reverse, pay) on a document whose state forbids it."""
    if obj.lines is None or obj.name == "GLBATCH":
        return
    state = str(rec.doc.get("STATE", ""))
    if state in FINAL_STATES:
        raise DocumentStateRefused(obj.label, rec.recordno, action, state)
    if action != "pay" and amount(rec.doc, "TOTALPAID") != 0:
        raise DocumentStateRefused(obj.label, rec.recordno, action, state or PARTIALLY_PAID)
