"""Line objects read on their own: ARINVOICEITEM, APBILLITEM, GLENTRY ... as records of their own.

Sage answers ``read`` / ``readByQuery`` / ``query`` on the line objects of a document (fylein reads
ARINVOICEITEM on its own, [pysdk:apis/ar_invoice_items.py]). The simulator keeps lines inside their
document; here each stored line becomes a record of the line object, numbered by its own RECORDNO, with
RECORDKEY naming its document and the document's entity, state and date beside its own fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from intacct_harness.simulator.models.context import Ctx
from intacct_harness.simulator.models.objects import OBJECTS, ObjectDef
from intacct_harness.simulator.store import Record

# What a line record takes from its document (simulator's choice of the set; fylein's ARINVOICEITEM list names
# STATE, ENTRY_DATE, CURRENCY, BASECURR among the line's fields).
_FROM_DOCUMENT = {"STATE": "STATE", "ENTRY_DATE": "WHENCREATED", "CURRENCY": "CURRENCY", "BASECURR": "BASECURR",
                  "MEGAENTITYKEY": "MEGAENTITYKEY", "MEGAENTITYID": "MEGAENTITYID",
                  "MEGAENTITYNAME": "MEGAENTITYNAME", "WHENMODIFIED": "WHENMODIFIED"}


def _lines_of(parent: ObjectDef, doc: dict[str, Any]) -> list[dict[str, Any]]:
    assert parent.lines is not None
    container = doc.get(parent.lines.container)
    items = container.get(parent.lines.item) if isinstance(container, dict) else None
    return [i for i in (items if isinstance(items, list) else [items] if items else []) if isinstance(i, dict)]


def as_records(ctx: Ctx, obj: ObjectDef) -> list[Record]:
    """Every line of every document of ``obj.parent``, as records of ``obj`` (in RECORDNO order)."""
    assert obj.parent is not None
    parent = OBJECTS[obj.parent]
    out = []
    for rec in ctx.tx.scan(ctx.company_id, parent.name):
        for line in _lines_of(parent, rec.doc):
            number = str(line.get("RECORDNO", ""))
            if not (number.isascii() and number.isdigit()):
                continue   # a line stored before lines had numbers of their own
            doc = {k: rec.doc[v] for k, v in _FROM_DOCUMENT.items() if v in rec.doc}
            doc.update(line)
            doc["RECORDKEY"] = str(rec.recordno)
            doc.setdefault("WHENCREATED", rec.doc.get("WHENCREATED", ""))
            out.append(Record(obj.name, int(number), number, rec.entity, doc))
    return sorted(out, key=lambda r: r.recordno)


def fetch(ctx: Ctx, obj: ObjectDef, recordnos: Iterable[int]) -> list[Record]:
    """The records numbered ``recordnos`` (in that order, missing ones left out), line objects included."""
    if obj.parent is None:
        found = (ctx.tx.by_recordno(ctx.company_id, obj.name, n) for n in recordnos)
        return [r for r in found if r is not None]
    by_number = {r.recordno: r for r in as_records(ctx, obj)}
    return [by_number[n] for n in recordnos if n in by_number]
