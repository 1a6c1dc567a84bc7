"""Sage's field lengths and transaction totals, checked on every create and update.

Why a table of its own: the lengths are facts about Sage, kept apart from the object definitions so each
has its source beside it. Where Sage does not publish a length the number is the simulator's choice (marked
below); the connector's table (``connector/limits.py``) holds the same numbers (a test keeps them equal).

Totals (the same rule as the connector's, ``connector/identity.py``): Sage amounts are whole cents. A line
amount is stored rounded half up to the cent, and a transaction's TOTALENTERED is the sum of its stored
lines; a bill or invoice whose total is below zero is refused (``NegativeTotal``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from intacct_harness.simulator.errors import FieldTooLong, NegativeTotal

CHOICE = "simulator's choice (NOT FOUND in public sources)"
FYLE_VENDORID = ("fylein/fyle-intacct-api apps/sage_intacct/utils.py truncates generated VENDORIDs to 20 "
                 "characters (shared/reference/sage-xml-api.md, VENDOR)")

# (object, field) -> (maximum characters, source)
MAX_LENGTH: dict[tuple[str, str], tuple[int, str]] = {
    ("CUSTOMER", "CUSTOMERID"): (20, "by analogy with VENDORID; " + CHOICE),
    ("CUSTOMER", "NAME"): (100, CHOICE),
    ("VENDOR", "VENDORID"): (20, FYLE_VENDORID),
    ("VENDOR", "NAME"): (100, CHOICE),
    ("ARINVOICE", "RECORDID"): (45, CHOICE),
    ("ARINVOICE", "DESCRIPTION"): (1000, CHOICE),
    ("ARINVOICE", "PONUMBER"): (45, CHOICE),
    ("ARINVOICEITEM", "ENTRYDESCRIPTION"): (1000, CHOICE),
    ("APBILL", "RECORDID"): (45, CHOICE),
    ("APBILL", "DESCRIPTION"): (1000, CHOICE),
    ("APBILLITEM", "ENTRYDESCRIPTION"): (1000, CHOICE),
}
CENT = Decimal("0.01")
# What Sage takes instead of a negative document.
_NEGATIVE = {"APBILL": ("bill", "AP adjustment"), "ARINVOICE": ("invoice", "AR adjustment")}


_BY_OBJECT: dict[str, dict[str, int]] = {}   # MAX_LENGTH by object: field -> maximum
for (_obj, _name), (_most, _source) in MAX_LENGTH.items():
    _BY_OBJECT.setdefault(_obj, {})[_name] = _most


def check_lengths(object_name: str, doc: dict[str, Any]) -> None:
    """Refuse a value longer than its field holds (header fields of ``doc``, or one line's).

    Only the object's limited fields are looked at; when one is too long, the first in ``doc`` is named.
    """
    limited = _BY_OBJECT.get(object_name)
    if not limited:
        return
    for field, most in limited.items():
        value = doc.get(field)
        if isinstance(value, str) and len(value) > most:
            break
    else:
        return
    for field, value in doc.items():
        most = limited.get(field)
        if most is not None and isinstance(value, str) and len(value) > most:
            raise FieldTooLong(field, object_name, len(value), most)


def check_record(object_name: str, doc: dict[str, Any], line_object: str | None = None,
                 lines: list[dict[str, Any]] | None = None) -> None:
    """The hook a create or update calls: lengths of the header and of each line."""
    check_lengths(object_name, doc)
    for line in lines or ():
        check_lengths(line_object or "", line)


def total_of(object_name: str, lines: list[dict[str, Any]], amount_field: str) -> Decimal:
    """Store each line's amount in cents (rounded half up) and return their sum; a negative bill or invoice
    is refused."""
    total = Decimal("0")
    for line in lines:
        amount = Decimal(str(line[amount_field]))
        if amount != amount.quantize(CENT):       # amounts already in cents keep the text they were sent as
            amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
            line[amount_field] = str(amount)
        total += amount
    if object_name in _NEGATIVE and total < 0:
        label, adjustment = _NEGATIVE[object_name]
        raise NegativeTotal(label, f"{total:.2f}", adjustment, object_name)
    return total
