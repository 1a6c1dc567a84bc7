"""What makes a Sage record *ours*, what a posted document looked like, and its amounts in whole cents.

Several subsidiaries may post to one Sage company, and two of them may share a document prefix: a
RECORDID alone does not prove a record is this subsidiary's. Every document the connector posts carries
a marker naming its subsidiary at the end of its description (``[Alvys SUB-1]``); a record found by
number is ours only if that marker, its customer or vendor and its total agree with what we sent.

The ledger keeps a fingerprint of what was posted (the TMS content: party, date, lines and amounts), so a
document edited in the TMS after it posted is reported, never posted a second time.

Cents rule (the same in the simulator's totals, ``simulator/models/amounts.py``): Sage amounts are whole
cents. A document whose TMS total has a fraction of a cent cannot be represented exactly and is refused.
Otherwise each line is rounded down (towards minus infinity) to the cent and the cents left over go, one
each, to the lines with the largest dropped fractions (the earlier line first on a tie): the lines then
add up to the TMS total exactly.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from intacct_harness.connector.tms.model import Load, Settlement

CENT = Decimal("0.01")
_MARKER = re.compile(r"\[Alvys ([^\]]+)\]\s*$")


def marker(subsidiary_id: str) -> str:
    """The text every posted description ends with: which subsidiary's connection wrote the record."""
    return f"[Alvys {subsidiary_id}]"


def marked(description: str, subsidiary_id: str) -> str:
    return f"{description} {marker(subsidiary_id)}"


def marker_of(description: str | None) -> str | None:
    """The subsidiary named by a record's marker, or None for a record the connector did not mark."""
    m = _MARKER.search(description or "")
    return m.group(1) if m else None


class NotRepresentable(ValueError):
    """The document's amounts cannot be posted to Sage exactly (in whole cents)."""


def allocate(amounts: Sequence[Decimal]) -> list[Decimal]:
    """The lines in whole cents, adding up exactly to the TMS total (see the module's rounding rule)."""
    total = sum(amounts, Decimal("0"))
    if total != total.quantize(CENT):
        raise NotRepresentable(f"its total {total} has a fraction of a cent, and Sage amounts are whole cents")
    floors = [a.quantize(CENT, rounding=ROUND_FLOOR) for a in amounts]
    left = int((total - sum(floors, Decimal("0"))) / CENT)
    order = sorted(range(len(amounts)), key=lambda i: (floors[i] - amounts[i], i))
    for i in order[:left]:
        floors[i] += CENT
    return floors


def amounts(source: Load | Settlement) -> list[Decimal]:
    """The amounts of the document's lines as Sage gets them."""
    raw = [c.amount for c in source.charges] if isinstance(source, Load) else [line.amount for line in source.lines]
    return allocate(raw)


def total(source: Load | Settlement) -> Decimal:
    return sum((c.amount for c in source.charges) if isinstance(source, Load) else
               (line.amount for line in source.lines), Decimal("0"))


def fingerprint(source: Load | Settlement, party_id: str) -> str:
    """A digest of what the TMS says the document is: a change of any posted fact changes it."""
    facts: dict[str, Any]
    if isinstance(source, Load):
        facts = {"party": party_id, "date": str(source.delivered_at or source.created_at),
                 "lines": [[c.kind.value, c.description, str(c.amount)] for c in source.charges],
                 "po": source.po_number, "route": [source.origin, source.destination]}
    else:
        facts = {"party": party_id, "date": str(source.created_at),
                 "lines": [[line.description, str(line.amount), line.load_number] for line in source.lines]}
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Found:
    """A Sage record with our document's number, as the lookup read it."""

    recordno: str
    party_id: str
    total: str
    description: str

    def amount(self) -> Decimal | None:
        try:
            return Decimal(self.total)
        except (InvalidOperation, ValueError):
            return None


def same_amount(found: Found, sent: str | None) -> bool:
    value = found.amount()
    return sent is None or (value is not None and value == Decimal(sent))
