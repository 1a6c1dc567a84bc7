"""Sage's field lengths the connector checks before it creates a party or posts a document.

The same numbers as the simulator's table (``simulator/models/limits.py``; a test keeps them equal): the
connector refuses a document whose value would not fit, naming the field, the limit and the TMS profile
or document to shorten, instead of letting Sage refuse it (or store it cut short).
"""

from __future__ import annotations

# (object, field) -> maximum characters
MAX_LENGTH: dict[tuple[str, str], int] = {
    ("CUSTOMER", "CUSTOMERID"): 20, ("CUSTOMER", "NAME"): 100,
    ("VENDOR", "VENDORID"): 20, ("VENDOR", "NAME"): 100,
    ("ARINVOICE", "RECORDID"): 45, ("ARINVOICE", "DESCRIPTION"): 1000, ("ARINVOICE", "PONUMBER"): 45,
    ("ARINVOICEITEM", "ENTRYDESCRIPTION"): 1000,
    ("APBILL", "RECORDID"): 45, ("APBILL", "DESCRIPTION"): 1000,
    ("APBILLITEM", "ENTRYDESCRIPTION"): 1000,
}


def too_long(obj: str, field: str, value: str | None) -> int | None:
    """The limit ``value`` exceeds, or None when it fits (or the field has no limit)."""
    limit = MAX_LENGTH.get((obj, field))
    return limit if limit is not None and value is not None and len(value) > limit else None
