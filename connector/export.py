"""TMS documents -> Sage functions: delivered loads as ``create_invoice``, settlements as generic APBILL creates.

Our document number goes to Sage as the invoice number / bill RECORDID (prefixed with the subsidiary's
code, since several subsidiaries may share one Sage company): that is how the ledger finds a document
in Sage after a lost answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from operator import attrgetter
from typing import Any, TypeVar

from intacct_harness.connector.identity import amounts, marked
from intacct_harness.connector.intacct import Function
from intacct_harness.connector.intacct import functions as fn
from intacct_harness.connector.ledger import DocKey
from intacct_harness.connector.settings import ConnectionSettings, CustomFieldMapping, DimensionMapping
from intacct_harness.connector.tms.model import ChargeKind, Dataset, Load, LoadStatus, Party, PartyKind, Settlement

INVOICE, BILL = "invoice", "bill"
SAGE_OBJECT = {INVOICE: "ARINVOICE", BILL: "APBILL"}
T = TypeVar("T")
LINE_FIELD = {"LOCATION": "LOCATIONID", "DEPARTMENT": "DEPARTMENTID", "PROJECT": "PROJECTID",
               "CUSTOMER": "CUSTOMERID", "VENDOR": "VENDORID", "EMPLOYEE": "EMPLOYEEID", "ITEM": "ITEMID",
               "CLASS": "CLASSID", "CONTRACT": "CONTRACTID", "TASK": "TASKID", "WAREHOUSE": "WAREHOUSEID"}


@dataclass(frozen=True)
class Document:
    key: DocKey
    created_at: datetime
    party: Party
    source: Load | Settlement

    @property
    def kind(self) -> str:
        return self.key.kind

    @property
    def label(self) -> str:
        if isinstance(self.source, Load):
            return f"AR invoice {self.key.number} (load {self.source.number})"
        return f"AP bill {self.key.number} ({self.source.payee_kind.value} settlement {self.source.number})"


def documents_for(data: Dataset, subsidiary_id: str) -> list[Document]:
    """This subsidiary's delivered loads and its settlements, in creation order."""
    return list(iter_documents(data, subsidiary_id))


def iter_documents(data: Dataset, subsidiary_id: str) -> Iterator[Document]:
    """``documents_for`` one document at a time: only the order is held (one reference per load or settlement).

    The order is (created_at, number); the numbers share the subsidiary's prefix, so the TMS numbers order
    them alike. Two stable sorts keyed on existing attributes build no per-document key tuples.
    """
    code = data.subsidiary(subsidiary_id).code
    sources: list[Load | Settlement] = [ld for ld in data.loads
                                        if ld.subsidiary_id == subsidiary_id and ld.status is LoadStatus.DELIVERED]
    sources += [st for st in data.settlements if st.subsidiary_id == subsidiary_id]
    sources.sort(key=attrgetter("number"))
    sources.sort(key=attrgetter("created_at"))
    for src in sources:
        if isinstance(src, Load):
            yield Document(DocKey(subsidiary_id, INVOICE, f"{code}-{src.number}"), src.created_at,
                           data.party(src.customer_id), src)
        else:
            yield Document(DocKey(subsidiary_id, BILL, f"{code}-{src.number}"), src.created_at,
                           data.party(src.payee_id), src)


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last one shorter)."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _attr(source: Any, name: str, fallback: Any = None) -> str | None:
    for obj in (source, fallback):
        if obj is not None and hasattr(obj, name):
            value = getattr(obj, name)
            return None if value in (None, "") else str(getattr(value, "value", value))
    return None


def dimension_raw(m: DimensionMapping, doc: Document, party_id: str, line: Any) -> str | None:
    """The TMS value a dimension mapping reads for one line of ``doc``."""
    return party_id if m.source == "party" else _attr(line, m.source, doc.source) if m.source else None


def document_lines(doc: Document) -> list[Any]:
    return list(doc.source.charges) if isinstance(doc.source, Load) else list(doc.source.lines)


def _dimensions(settings: ConnectionSettings, doc: Document, party_id: str, line: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in settings.dimensions:
        if doc.kind not in m.applies_to:
            continue
        value = m.sage_value(dimension_raw(m, doc, party_id, line))
        if value:
            out[LINE_FIELD[m.dimension]] = value
    if settings.entity and "LOCATIONID" not in out:
        out["LOCATIONID"] = settings.entity
    return out


def _custom(mappings: list[CustomFieldMapping], source: Any, fallback: Any = None) -> list[dict[str, str]]:
    return [{"customfieldname": m.field, "customfieldvalue": v} for m in mappings
            if (v := _attr(source, m.source, fallback)) is not None]


def _mappings(settings: ConnectionSettings, kind: str, level: str) -> list[CustomFieldMapping]:
    return [m for m in settings.custom_fields if m.applies_to == kind and m.level == level]


def build(doc: Document, sage_party_id: str, settings: ConnectionSettings) -> Function:
    """The function that posts ``doc`` for the matched Sage customer or vendor."""
    if isinstance(doc.source, Load):
        return _invoice(doc, doc.source, sage_party_id, settings)
    assert isinstance(doc.source, Settlement)
    if settings.negative_settlements == "adjustment" and doc.source.total < 0:
        return _adjustment(doc, doc.source, sage_party_id, settings)
    return _bill(doc, doc.source, sage_party_id, settings)


def _gl_for_charge(settings: ConnectionSettings, kind: ChargeKind) -> str:
    gl = settings.gl_accounts
    return {ChargeKind.LINEHAUL: gl.linehaul, ChargeKind.FUEL_SURCHARGE: gl.fuel_surcharge,
            ChargeKind.ACCESSORIAL: gl.accessorial}[kind]


def _invoice(doc: Document, load: Load, customer_id: str, settings: ConnectionSettings) -> Function:
    items = []
    for charge, amount in zip(load.charges, amounts(load), strict=True):
        item: dict[str, Any] = {"glaccountno": _gl_for_charge(settings, charge.kind), "amount": f"{amount:.2f}",
                                "memo": f"{charge.description} - load {load.number}"}
        item.update({k.lower(): v for k, v in _dimensions(settings, doc, customer_id, charge).items()})
        line_cf = _custom(_mappings(settings, INVOICE, "line"), charge, load)
        if line_cf:
            item["customfields"] = {"customfield": line_cf}
        items.append(item)
    header_cf = _custom(_mappings(settings, INVOICE, "header"), load)
    values: dict[str, Any] = {
        "customerid": customer_id, "datecreated": fn.legacy_date(load.delivered_at or load.created_at),
        "invoiceno": doc.key.number, "ponumber": load.po_number or None,
        "description": marked(f"Load {load.number}: {load.origin} to {load.destination}", doc.key.subsidiary_id),
        "customfields": {"customfield": header_cf} if header_cf else None,
        "invoiceitems": {"lineitem": items},
    }
    return fn.create_invoice(values)


def _bill(doc: Document, st: Settlement, vendor_id: str, settings: ConnectionSettings) -> Function:
    gl = settings.gl_accounts
    account = gl.carrier_pay if st.payee_kind is PartyKind.CARRIER else gl.driver_pay
    items = []
    for line, amount in zip(st.lines, amounts(st), strict=True):
        item: dict[str, Any] = {"ACCOUNTNO": account, "TRX_AMOUNT": f"{amount:.2f}",
                                "ENTRYDESCRIPTION": line.description}
        item.update(_dimensions(settings, doc, vendor_id, line))
        line_cf = _custom(_mappings(settings, BILL, "line"), line, st)
        if line_cf:
            item["customfields"] = {"customfield": line_cf}
        items.append(item)
    values: dict[str, Any] = {
        "WHENCREATED": fn.generic_date(st.created_at), "VENDORID": vendor_id, "RECORDID": doc.key.number,
        "DESCRIPTION": marked(f"{st.payee_kind.value.title()} settlement {st.number}", doc.key.subsidiary_id),
    }
    for m in _mappings(settings, BILL, "header"):
        value = _attr(st, m.source)
        if value is not None:
            values[m.field] = value
    values["APBILLITEMS"] = {"APBILLITEM": items}
    return fn.create("APBILL", values)


def _adjustment(doc: Document, st: Settlement, vendor_id: str, settings: ConnectionSettings) -> Function:
    """A net-negative settlement as the AP adjustment (debit memo) Sage expects; its number is the bill's."""
    gl = settings.gl_accounts
    account = gl.carrier_pay if st.payee_kind is PartyKind.CARRIER else gl.driver_pay
    items = [{"glaccountno": account, "amount": f"{amount:.2f}", "memo": line.description,
              **{k.lower(): v for k, v in _dimensions(settings, doc, vendor_id, line).items()}}
             for line, amount in zip(st.lines, amounts(st), strict=True)]
    return fn.create_apadjustment({
        "vendorid": vendor_id, "datecreated": fn.legacy_date(st.created_at), "adjustmentno": doc.key.number,
        "description": marked(f"{st.payee_kind.value.title()} settlement {st.number} (deductions exceed pay)",
                              doc.key.subsidiary_id),
        "apadjustmentitems": {"lineitem": items}})


def dimension_values(settings: ConnectionSettings) -> dict[str, set[str]]:
    """Every Sage dimension value the mappings can produce (for the doctor to check)."""
    out: dict[str, set[str]] = {}
    for m in settings.dimensions:
        values = set(m.values.values()) | ({m.value} if m.value else set())
        out.setdefault(m.dimension, set()).update(v for v in values if v)
    return out


