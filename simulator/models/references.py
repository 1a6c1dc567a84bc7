"""A record another record still names cannot be deleted (a customer with invoices, a vendor with bills).

Sage refuses to delete a customer or vendor that transactions use (its help: make it inactive instead); the
refusal's number and texts are not public (``RecordInUse``: the simulator's choice). Which fields name which
object comes from the definitions (``references`` on header and line fields).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from intacct_harness.simulator.errors import InvalidArgument, RecordInUse, RecordNotFound
from intacct_harness.simulator.models.context import Ctx, Output
from intacct_harness.simulator.models.objects import LINE_OBJECTS, OBJECTS, ObjectDef
from intacct_harness.simulator.store import Record


def _header_fields(user: ObjectDef, target: str) -> list[tuple[str, str | None]]:
    """(field, key part) of each header field of ``user`` that names a ``target`` record."""
    fields = user.definition.fields if user.definition is not None else {}
    return [(f, fields[f].key_part if f in fields else None) for f, t in user.references.items() if t == target]


def _value(doc: dict[str, Any], field: str, part: str | None) -> Any:
    value = doc.get(field)
    return value.get(part) if part is not None and isinstance(value, dict) else value


def _line_fields(user: ObjectDef, target: str) -> list[str]:
    if user.lines is None:
        return []
    line = LINE_OBJECTS[user.lines.item]
    return [f for f, t in line.references.items() if t == target]


def _lines(user: ObjectDef, doc: dict[str, Any]) -> list[dict[str, Any]]:
    assert user.lines is not None
    container = doc.get(user.lines.container)
    items = container.get(user.lines.item) if isinstance(container, dict) else None
    return [i for i in (items if isinstance(items, list) else [items] if items else []) if isinstance(i, dict)]


def first_user(ctx: Ctx, obj: ObjectDef, rec: Record) -> tuple[ObjectDef, Record] | None:
    """The first record (in object then RECORDNO order) whose fields or lines name ``rec``; None if none does."""
    for user in OBJECTS.values():
        header, line = _header_fields(user, obj.name), _line_fields(user, obj.name)
        if not header and not line:
            continue
        for other in ctx.tx.scan(ctx.company_id, user.name):
            if any(_value(other.doc, f, part) == rec.key for f, part in header):
                return user, other
            if line and any(item.get(f) == rec.key for item in _lines(user, other.doc) for f in line):
                return user, other
    return None


def refuse_if_used(ctx: Ctx, obj: ObjectDef, rec: Record) -> None:
    if obj.auto_key or not obj.is_dimension and obj.name not in ("GLACCOUNT", "CONTACT"):
        return
    found = first_user(ctx, obj, rec)
    if found is not None:
        user, other = found
        raise RecordInUse(obj.label, rec.key, user.label, other.recordno)


_PARTY_DELETES = {"delete_customer": ("CUSTOMER", "customerid"), "delete_vendor": ("VENDOR", "vendorid")}


def legacy_delete_party(ctx: Ctx, el: etree._Element) -> Output:
    """``<delete_customer customerid="C1"/>`` / ``<delete_vendor vendorid="V1"/>`` (developer.intacct.com, customers
    and vendors, "Delete (Legacy)"): refused while an invoice, bill, adjustment, payment or line names it."""
    name, attribute = _PARTY_DELETES[el.tag]
    obj = OBJECTS[name]
    ctx.require(obj.module, "Delete", "DELETE", obj.name)
    key = (el.get(attribute) or "").strip()
    if not key:
        raise InvalidArgument(f"{el.tag} requires the {attribute} attribute.")
    rec = ctx.lookup(obj, key)
    if rec is None:
        raise RecordNotFound(f"Cannot find {obj.label.lower()} with key '{key[:100]}' to delete.")
    refuse_if_used(ctx, obj, rec)
    ctx.tx.delete_record(ctx.company_id, obj.name, rec.recordno)
    ctx.forget(obj.name, rec.key)
    return Output(key=key, object=obj.name, records=1, transactions=1)


FUNCTIONS = dict.fromkeys(_PARTY_DELETES, legacy_delete_party)
