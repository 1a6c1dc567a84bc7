"""Checks a document passes before it is sent, so Sage never gets what it would refuse or store wrong.

A refused document is failed in the ledger with advice that names the setting or the TMS data to correct,
in the setup guide's words; the rest of the batch posts. Checked: amounts in whole cents (the rounding
rule in ``identity``), a negative total (a settlement whose deductions exceed the pay is not a bill), a
blank GL account in the mapping, and Sage's field lengths (``limits``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from intacct_harness.connector.export import Document, build
from intacct_harness.connector.identity import NotRepresentable, allocate, total
from intacct_harness.connector.intacct import Function
from intacct_harness.connector.limits import too_long
from intacct_harness.connector.settings import ConnectionSettings
from intacct_harness.connector.tms.model import ChargeKind, Load, PartyKind

SETTINGS_PAGE = "Settings > Connections > Sage Intacct"

# Element paths of what is sent -> (Sage object, field) whose length Sage limits, and what in the TMS makes it.
_SENT_FIELDS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "create_invoice": (("invoiceno", "ARINVOICE", "RECORDID", "the subsidiary's document prefix and load number"),
                       ("description", "ARINVOICE", "DESCRIPTION", "the load's origin and destination"),
                       ("ponumber", "ARINVOICE", "PONUMBER", "the load's PO number"),
                       ("invoiceitems/lineitem/memo", "ARINVOICEITEM", "ENTRYDESCRIPTION",
                        "the charge descriptions")),
    "create_apadjustment": (("adjustmentno", "APBILL", "RECORDID", "the subsidiary's document prefix and "
                                                                   "settlement number"),
                            ("description", "APBILL", "DESCRIPTION", "the settlement number"),
                            ("apadjustmentitems/lineitem/memo", "APBILLITEM", "ENTRYDESCRIPTION",
                             "the settlement line descriptions")),
    "create": (("APBILL/RECORDID", "APBILL", "RECORDID", "the subsidiary's document prefix and settlement number"),
               ("APBILL/DESCRIPTION", "APBILL", "DESCRIPTION", "the settlement number"),
               ("APBILL/APBILLITEMS/APBILLITEM/ENTRYDESCRIPTION", "APBILLITEM", "ENTRYDESCRIPTION",
                "the settlement line descriptions")),
}
_GL_SETTING = {ChargeKind.LINEHAUL: "linehaul", ChargeKind.FUEL_SURCHARGE: "fuel_surcharge",
               ChargeKind.ACCESSORIAL: "accessorial"}
_GL_LABEL = {"linehaul": "linehaul revenue", "fuel_surcharge": "fuel surcharge revenue",
             "accessorial": "accessorial revenue", "carrier_pay": "carrier pay expense",
             "driver_pay": "driver pay expense"}


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str
    advice: str


def gl_setting_gap(name: str) -> str:
    """The guide's words for a GL account left blank in the mapping."""
    return (f"the GL account for {_GL_LABEL.get(name, name)} (gl_accounts.{name}) is not set: enter the Sage GL "
            f"account number at {SETTINGS_PAGE}, then sync again")


def check(doc: Document, sage_party_id: str, settings: ConnectionSettings) -> Refusal | Function:
    """Why ``doc`` must not be sent as it is, or the function that posts it (built once, checked, sent)."""
    src = doc.source
    raw = [c.amount for c in src.charges] if isinstance(src, Load) else [line.amount for line in src.lines]
    try:
        allocate(raw)
    except NotRepresentable as exc:
        return Refusal("AMOUNT-NOT-EXACT", f"{doc.label} cannot be posted exactly: {exc}",
                       f"{doc.label} did not post: {exc}. Correct the amounts in the TMS to whole cents, then sync "
                       "again; nothing is posted off by a cent")
    if (gap := _gl_gap(doc, settings) or _dimension_gap(doc, sage_party_id, settings)) is not None:
        return Refusal("SETTING-NOT-SET", f"{doc.label}: {gap}", f"{doc.label} did not post: {gap}")
    if (negative := _negative(doc, settings)) is not None:
        return negative
    function = build(doc, sage_party_id, settings)
    return _lengths(doc, function) or function


def _gl_gap(doc: Document, settings: ConnectionSettings) -> str | None:
    gl = settings.gl_accounts
    if isinstance(doc.source, Load):
        names = [_GL_SETTING[c.kind] for c in doc.source.charges]
    else:
        names = ["carrier_pay" if doc.source.payee_kind is PartyKind.CARRIER else "driver_pay"]
    blank = next((n for n in names if not str(getattr(gl, n) or "").strip()), None)
    return gl_setting_gap(blank) if blank else None


def dimension_setting_gap(dimension: str, raw: str) -> str:
    """The guide's words for a dimension value mapping whose Sage value is blank."""
    return (f"the {dimension} dimension value for {raw} (dimensions {dimension}, values {raw}) is not set: enter "
            f"the Sage {dimension} ID it maps to at {SETTINGS_PAGE} (setup guide step 6: (Optional) Plan your "
            "dimension mapping), then sync again")


def _dimension_gap(doc: Document, sage_party_id: str, settings: ConnectionSettings) -> str | None:
    lines = doc.source.charges if isinstance(doc.source, Load) else doc.source.lines
    for m in settings.dimensions:
        if doc.kind not in m.applies_to or not m.values or m.value:
            continue
        for line in lines:
            raw = sage_party_id if m.source == "party" else str(
                getattr(line, m.source or "", None) or getattr(doc.source, m.source or "", None) or "")
            if raw in m.values and not str(m.values[raw] or "").strip():
                return dimension_setting_gap(m.dimension, raw)
    return None


def _negative(doc: Document, settings: ConnectionSettings) -> Refusal | None:
    amount = total(doc.source)
    if amount >= Decimal("0"):
        return None
    if not isinstance(doc.source, Load) and settings.negative_settlements == "adjustment":
        return None           # posted as an AP adjustment (export._adjustment)
    if isinstance(doc.source, Load):
        return Refusal("NEGATIVE-TOTAL", f"{doc.label} totals {amount:.2f}: Sage does not take a negative invoice",
                       f"{doc.label} did not post: its charges total {amount:.2f}, and a negative AR invoice is a "
                       "credit, not an invoice. Correct the load's charges in the TMS, or enter the credit in Sage")
    return Refusal("NEGATIVE-TOTAL", f"{doc.label} totals {amount:.2f}: its deductions exceed the pay",
                   f"{doc.label} did not post: its deductions exceed the pay (total {amount:.2f}), and Sage does not "
                   "take a negative bill; in Sage it is an AP adjustment (a debit memo). Enter the AP adjustment for "
                   f"{doc.party.name} in Sage, set negative_settlements to 'adjustment' at {SETTINGS_PAGE} so the "
                   "connector posts it as one, or correct the settlement in the TMS")


def _lengths(doc: Document, function: Function) -> Refusal | None:
    element: etree._Element = function.element
    for path, obj, field, what in _SENT_FIELDS.get(str(element.tag), ()):
        for node in element.iterfind(path):
            value = node.text or ""
            if (limit := too_long(obj, field, value)) is not None:
                profile = "customer/broker" if doc.party.kind is PartyKind.CUSTOMER else doc.party.kind.value
                advice = (f"{doc.label} did not post: Sage's {obj} {field} takes at most {limit} characters and "
                          f"this one has {len(value)}. Shorten {what} in the TMS ({profile} {doc.party.name}), then "
                          "sync again")
                return Refusal("FIELD-TOO-LONG", f"{doc.label}: {obj} {field} is {len(value)} characters, more "
                               f"than Sage's {limit}", advice)
    return None
