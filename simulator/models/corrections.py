"""Corrections to posted invoices, bills and adjustments: the legacy update_*, reverse_* and delete_* functions.

The element names and the ``key`` attribute are the v2.1 DTD's ([dtd:v2.1/intacct_pr_functions.v2.1.dtd]:
``update_invoice``/``update_bill`` with ``updateinvoiceitems``/``updatebillitems`` of ``lineitem`` (a new
line) and ``updatelineitem line_num="N"`` (a change to line N); ``reverse_*`` with ``datereversed`` and
``description``; ``delete_*`` with ``key`` and ``externalkey``); the PHP SDK writes the same
([php:test/Intacct/Functions/AccountsReceivable/InvoiceReverseTest.php], BillDeleteTest,
ApAdjustmentDeleteTest). Reversing keeps the original, marks it Reversed with nothing left due, and adds
the Reversal: the same document with every line negated, dated ``datereversed``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lxml import etree

from intacct_harness.simulator.errors import InvalidArgument, InvalidFieldValue, RecordNotFound, RequiredField
from intacct_harness.simulator.models import doc_state
from intacct_harness.simulator.models.context import Ctx, Output
from intacct_harness.simulator.models.numbers import by_recordno_text, whole_number
from intacct_harness.simulator.models.objects import OBJECTS, ObjectDef
from intacct_harness.simulator.models.writes import (
    as_date,
    check_open_period,
    element_value,
    legacy_date,
    legacy_header,
    legacy_line,
    name_of,
    number_lines,
    stamp,
    validate_fields,
    validate_lines,
)
from intacct_harness.simulator.store import Record

# function -> (object, module, verb checked). Reversal needs Edit (simulator's choice: Sage's reverse right
# is not public).
_TARGETS: dict[str, tuple[str, str]] = {
    "update_invoice": ("ARINVOICE", "Edit"), "reverse_invoice": ("ARINVOICE", "Edit"),
    "delete_invoice": ("ARINVOICE", "Delete"),
    "update_bill": ("APBILL", "Edit"), "reverse_bill": ("APBILL", "Edit"), "delete_bill": ("APBILL", "Delete"),
    "delete_apadjustment": ("APADJUSTMENT", "Delete"), "delete_aradjustment": ("ARADJUSTMENT", "Delete"),
    "update_apadjustment": ("APADJUSTMENT", "Edit"), "update_aradjustment": ("ARADJUSTMENT", "Edit"),
}
_OPERATION = {"Edit": "UPDATE", "Delete": "DELETE"}

# update_invoice / update_bill header elements as the DTD lists them -> generic fields.
_UPDATE_HEADER = {"datecreated": "WHENCREATED", "datedue": "WHENDUE", "termname": "TERMNAME",
                  "ponumber": "PONUMBER", "description": "DESCRIPTION", "currency": "CURRENCY",
                  "supdocid": "SUPDOCID", "customfields": "customfields"}
_UPDATES: dict[str, tuple[dict[str, str], str]] = {
    "update_invoice": ({**_UPDATE_HEADER, "customerid": "CUSTOMERID", "invoiceno": "RECORDID"},
                       "updateinvoiceitems"),
    "update_bill": ({**_UPDATE_HEADER, "vendorid": "VENDORID", "billno": "RECORDID", "onhold": "ONHOLD"},
                    "updatebillitems"),
}
# update_apadjustment / update_aradjustment (developer.intacct.com/api/accounts-payable/ap-adjustments and
# /accounts-receivable/ar-adjustments, "Update AP/AR Adjustment (Legacy)").
_ADJUSTMENT_HEADER = {"datecreated": "WHENCREATED", "adjustmentno": "RECORDID", "description": "DESCRIPTION",
                      "currency": "CURRENCY", "customfields": "customfields"}
_UPDATES.update({
    "update_apadjustment": ({**_ADJUSTMENT_HEADER, "vendorid": "VENDORID", "billno": "DOCNUMBER"},
                            "updateapadjustmentitems"),
    "update_aradjustment": ({**_ADJUSTMENT_HEADER, "customerid": "CUSTOMERID", "invoiceno": "DOCNUMBER"},
                            "updatearadjustmentitems"),
})
_UPDATE_IGNORED = frozenset({"dateposted", "action", "payto", "returnto", "exchratedate", "exchratetype",
                             "exchrate", "nogl", "taxsolutionid", "basecurr", "inclusivetax"})


def _target(ctx: Ctx, el: etree._Element) -> tuple[ObjectDef, Record]:
    """The document a legacy correction's ``key`` names, after the permission check."""
    obj = OBJECTS[_TARGETS[el.tag][0]]
    verb = _TARGETS[el.tag][1]
    module = obj.module
    ctx.require(module, verb, _OPERATION[verb], obj.name)
    key = (el.get("key") or "").strip()
    if not key:
        raise InvalidArgument(f"{el.tag} requires the key attribute (the document's RECORDNO).")
    rec: Record | None
    if (el.get("externalkey") or "false").strip().lower() == "true":
        rec = next((r for r in ctx.tx.scan(ctx.company_id, obj.name) if r.doc.get("EXTERNALID") == key), None)
    else:
        rec = by_recordno_text(ctx.tx, ctx.company_id, obj.name, key)
    if rec is None or not ctx.visible(rec):
        raise RecordNotFound(f"Cannot find {obj.label.lower()} with key '{key[:100]}'.")
    return obj, rec


def legacy_delete(ctx: Ctx, el: etree._Element) -> Output:
    """delete_invoice / delete_bill / delete_apadjustment / delete_aradjustment."""
    obj, rec = _target(ctx, el)
    doc_state.guard(obj, rec, "delete")
    ctx.tx.delete_record(ctx.company_id, obj.name, rec.recordno)
    ctx.forget(obj.name, rec.key)
    return Output(key=str(rec.recordno), object=obj.name, records=1, transactions=1)


def _line_items(obj: ObjectDef, doc: dict[str, Any]) -> list[dict[str, Any]]:
    assert obj.lines is not None
    container = doc.get(obj.lines.container)
    items = container.get(obj.lines.item) if isinstance(container, dict) else None
    return [dict(line) for line in (items if isinstance(items, list) else [items] if items else [])]


def _kept(line: dict[str, Any]) -> dict[str, Any]:
    """A stored line without what the store numbers, ready to be validated again."""
    return {k: v for k, v in line.items() if k not in ("RECORDNO", "RECORDKEY", "LINE_NO")}


def legacy_update(ctx: Ctx, el: etree._Element) -> Output:
    """update_invoice / update_bill: header changes, new lines and changes to numbered lines."""
    obj, rec = _target(ctx, el)
    doc_state.guard(obj, rec, "update")
    header, items_tag = _UPDATES[el.tag]
    raw = element_value(el)
    changes = legacy_header(raw if isinstance(raw, dict) else {}, header, _UPDATE_IGNORED, items_tag, el.tag)
    changes = validate_fields(ctx, obj, changes, creating=False)
    assert obj.lines is not None
    container = el.find(items_tag)
    if container is not None:
        lines = [_kept(line) for line in _line_items(obj, rec.doc)]
        for item in container:
            if not isinstance(item.tag, str):
                continue
            if item.tag == "lineitem":
                lines.append(legacy_line(element_value(item)))
            elif item.tag == "updatelineitem":
                number = (item.get("line_num") or "").strip()
                line_num = whole_number(number)
                if line_num is None or not 1 <= line_num <= len(lines):
                    raise InvalidFieldValue("line_num", number, f"a line number from 1 to {len(lines)}")
                lines[line_num - 1].update(legacy_line(element_value(item) or {}))
            else:
                raise InvalidArgument(f"{items_tag} holds lineitem and updatelineitem elements, not {item.tag[:50]}.")
        checked = validate_lines(ctx, obj, {obj.lines.container: {obj.lines.item: lines}})
        number_lines(ctx, rec.recordno, checked)
        changes[obj.lines.container] = {obj.lines.item: checked}
        changes["TOTALPAID"] = rec.doc.get("TOTALPAID", "0")
        doc_state.set_totals(obj, changes, checked)
    when = str(changes.get("WHENCREATED") or "")
    if when:
        check_open_period(ctx, obj, when)
    rec.doc.update(changes)
    rec.doc["WHENMODIFIED"] = ctx.timestamp()
    rec.doc["MODIFIEDBY"] = ctx.session.user_id
    ctx.tx.update_record(ctx.company_id, rec, name_of(obj, rec.doc))
    return Output(key=str(rec.recordno), object=obj.name, records=1, transactions=1)


def legacy_reverse(ctx: Ctx, el: etree._Element) -> Output:
    """reverse_invoice / reverse_bill: the original becomes Reversed, a negated Reversal is added."""
    obj, rec = _target(ctx, el)
    doc_state.guard(obj, rec, "reverse")
    raw = element_value(el)
    raw = raw if isinstance(raw, dict) else {}
    if not raw.get("datereversed"):
        raise RequiredField("datereversed", el.tag)
    when = legacy_date(raw["datereversed"], "datereversed")
    created = str(rec.doc.get("WHENCREATED") or "")
    if created[:10].count("/") == 2 and as_date(when) < as_date(created[:10]):
        raise InvalidFieldValue("datereversed", when, f"a date on or after the {obj.label.lower()} date {created[:10]}")
    check_open_period(ctx, obj, when)
    assert obj.lines is not None
    recordno = ctx.tx.next_recordno(ctx.company_id)
    lines = []
    for line in _line_items(obj, rec.doc):
        negated = _kept(line)
        negated[obj.lines.amount_field] = str(-Decimal(str(line[obj.lines.amount_field])))
        lines.append(negated)
    number_lines(ctx, recordno, lines)
    doc = {k: v for k, v in rec.doc.items() if k in obj.fields}
    doc.update({"WHENCREATED": when, "STATE": doc_state.REVERSAL, "TOTALPAID": "0", "REVERSEDKEY": str(rec.recordno),
                obj.lines.container: {obj.lines.item: lines}})
    if raw.get("description"):
        doc["DESCRIPTION"] = raw["description"]
    doc_state.set_totals(obj, doc, lines)
    doc["TOTALDUE"] = "0"
    doc.pop("CREATEDBY", None)
    stamp(ctx, obj, doc, recordno, rec.entity)
    ctx.tx.insert_record(ctx.company_id, Record(obj.name, recordno, str(recordno), rec.entity, doc), None)
    rec.doc.update({"STATE": doc_state.REVERSED, "TOTALDUE": "0", "REVERSALKEY": str(recordno),
                    "REVERSALDATE": when, "WHENMODIFIED": ctx.timestamp(), "MODIFIEDBY": ctx.session.user_id})
    ctx.tx.update_record(ctx.company_id, rec, name_of(obj, rec.doc))
    return Output(key=str(rec.recordno), object=obj.name, records=2, transactions=1)


FUNCTIONS = {
    "update_invoice": legacy_update, "update_bill": legacy_update,
    "update_apadjustment": legacy_update, "update_aradjustment": legacy_update,
    "reverse_invoice": legacy_reverse, "reverse_bill": legacy_reverse,
    "delete_invoice": legacy_delete, "delete_bill": legacy_delete,
    "delete_apadjustment": legacy_delete, "delete_aradjustment": legacy_delete,
}
