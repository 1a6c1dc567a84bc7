"""read / readByName / readByQuery / readMore / query: what a session may see, paged as Sage pages.

readByQuery pages up to 1000 and continues with readMore(resultId); query pages up to 2000
(default 100) by offset. Each page is one API transaction. ``read``/``query`` answer with the
object name in UPPERCASE, ``readByQuery`` in lowercase (sage-xml-api.md §0 fact 16).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from intacct_harness.simulator.errors import InvalidArgument, InvalidQuery, ReadMoreExpired, UnknownObject
from intacct_harness.simulator.models.context import Ctx, Output
from intacct_harness.simulator.models.objects import READ_FIELDS, SYSTEM_FIELDS, ObjectDef
from intacct_harness.simulator.models.permissions import FUNCTION_VERBS
from intacct_harness.simulator.query import (
    And,
    Comparison,
    InList,
    Or,
    QuerySyntaxError,
    evaluate,
    filter_from_xml,
    order_from_xml,
    parse_condition,
    referenced_fields,
    select_from_xml,
    sort_records,
)
from intacct_harness.simulator.store import Record
from intacct_harness.simulator.wire.envelope import text_of
from intacct_harness.simulator.wire.response import data_element, record_element

_DATE_LIKE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}")
READ_BY_QUERY_MAX = 1000
QUERY_MAX = 2000
RESULTSET_SECONDS = 30 * 60  # simulator's choice: the real lifetime is not documented


def _object(ctx: Ctx, name: str, function: str) -> ObjectDef:
    obj = ctx.company.object_def(name)
    if obj is None:
        raise UnknownObject(name or "(empty)")
    verb, op = FUNCTION_VERBS[function]
    ctx.require(obj.module, verb, op, obj.name)
    return obj


def _known_fields(ctx: Ctx, obj: ObjectDef) -> set[str]:
    known = set(obj.fields) | SYSTEM_FIELDS | ctx.company.custom_fields(obj.name) | READ_FIELDS.get(obj.name, set())
    known |= {f"GLDIM{d}" for d in ctx.company.user_dimensions}
    if obj.lines is not None:
        known |= {"TOTALENTERED", "TOTALDUE", "TOTALPAID", "STATE"}
    return {f.upper() for f in known}


def _fields(ctx: Ctx, obj: ObjectDef, text: str) -> list[str] | None:
    """``*`` or empty -> every field (None); else the requested names, which must exist."""
    text = text.strip()
    if not text or text == "*":
        return None
    names = [f.strip().upper() for f in text.split(",") if f.strip()]
    known = _known_fields(ctx, obj)
    for name in names:
        if name not in known:
            raise InvalidQuery(f"Invalid field name '{name}' for object {obj.name}.")
    return names


def flat(doc: dict[str, Any], prefix: str = "") -> dict[str, str | None]:
    """The scalar fields of a record as the query languages see them; nested blocks as dotted names."""
    out: dict[str, str | None] = {}
    for k, v in doc.items():
        if isinstance(v, str):
            out[prefix + k.upper()] = v
        elif isinstance(v, dict):
            out.update(flat(v, f"{prefix}{k.upper()}."))
    return out


def _index_plan(pred: Any) -> tuple[str, list[str]] | None:
    """``F = v``, ``F IN (…)``, ``F = a OR F = b``, or one such term of an AND: (field, values)."""
    if isinstance(pred, Comparison) and pred.op == "=":
        return pred.field.upper(), [pred.value]
    if isinstance(pred, InList) and not pred.negated:
        return pred.field.upper(), list(pred.values)
    if isinstance(pred, Or):
        plans = [_index_plan(item) for item in pred.items]
        fields = {p[0] for p in plans if p}
        if all(plans) and len(fields) == 1:
            return fields.pop(), [v for p in plans if p for v in p[1]]
    if isinstance(pred, And):
        for item in pred.items:
            plan = _index_plan(item)
            if plan:
                return plan
    return None


def _literal(value: str) -> bool:
    """Exact-match safe: ``=`` compares numbers and dates by value ('05' = '5'), an index by text."""
    try:
        Decimal(value)
        return False
    except InvalidOperation:
        return not _DATE_LIKE.match(value)


def _candidates(ctx: Ctx, obj: ObjectDef, pred: Any, case_insensitive: bool = False) -> Iterable[Record]:
    """Records that may match, from an index when the predicate allows it; otherwise a scan.

    The caller still evaluates the whole predicate, so an index only has to return a superset.
    """
    if obj.name == "USERINFO":
        return users_as_records(ctx)
    plan = _index_plan(pred) if pred is not None else None
    if plan is not None:
        field, values = plan
        if field == "RECORDNO" and all(v.isascii() and v.isdigit() for v in values):
            numbers = [int(v) for v in values if int(v) < 2**63]  # beyond SQLite INTEGER: no such record
            return ctx.tx.lookup(ctx.company_id, obj.name, "recordno", numbers)
        if obj.name_field and field == obj.name_field:
            return ctx.tx.lookup(ctx.company_id, obj.name, "name_ci", [v.upper() for v in values])
        exact = not case_insensitive and all(_literal(v) for v in values)
        if exact and field == obj.id_field and not obj.auto_key:
            return ctx.tx.lookup(ctx.company_id, obj.name, "key", values)
        if exact and field == "RECORDID" and obj.lines is not None:
            return ctx.tx.lookup(ctx.company_id, obj.name, "docno", values)
    return ctx.tx.scan(ctx.company_id, obj.name)


_STATUS_TEXT = {"active": "active", "inactive": "inactive", "locked": "locked out"}


def users_as_records(ctx: Ctx) -> list[Record]:
    """USERINFO reads the company's users as Sage shows them (user type as 'business user' etc.)."""
    out = []
    for n, (login, user) in enumerate(sorted(ctx.company.doc.get("users", {}).items()), start=1):
        doc = {"RECORDNO": str(n), "LOGINID": login, "USERTYPE": f"{user.get('type', 'business')} user",
               "STATUS": _STATUS_TEXT.get(user.get("status", "active"), "active"),
               "LOGINDISABLED": "false" if user.get("web_services", True) else "true",
               "USERLOCATIONS": ",".join(user.get("entities", []))}
        out.append(Record("USERINFO", n, login, "", doc))
    return out


def matching(ctx: Ctx, obj: ObjectDef, pred: Any, case_insensitive: bool = False) -> Iterator[Record]:
    for rec in _candidates(ctx, obj, pred, case_insensitive):
        if not ctx.visible(rec):
            continue
        if pred is None or evaluate(pred, flat(rec.doc), case_insensitive=case_insensitive):
            yield rec


def _parse_query(ctx: Ctx, obj: ObjectDef, text: str) -> Any:
    if not text.strip():
        return None
    try:
        pred = parse_condition(text)
    except QuerySyntaxError as exc:
        raise InvalidQuery(str(exc)) from None
    known = _known_fields(ctx, obj)
    for name in referenced_fields(pred):
        if name.upper() not in known:
            raise InvalidQuery(f"Invalid field name '{name}' in query for object {obj.name}.")
    return pred


def _page_size(el: etree._Element, maximum: int, default: int) -> int:
    text = text_of(el, "pagesize")
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= maximum:
        raise InvalidArgument(f"pagesize must be a whole number from 1 to {maximum}; got '{text[:20]}'.")
    return int(text)


def _render(tag: str, rec: Record, fields: list[str] | None) -> etree._Element:
    return record_element(tag, rec.doc, fields)


# --------------------------------------------------------------------------- read / readByName
def read(ctx: Ctx, el: etree._Element) -> Output:
    obj = _object(ctx, text_of(el, "object"), "read")
    fields = _fields(ctx, obj, text_of(el, "fields"))
    keys = _requested_keys(el, "read")
    if keys:
        recs = [ctx.tx.by_recordno(ctx.company_id, obj.name, int(k)) if k.isascii() and k.isdigit() else None
                for k in keys]
        found = [r for r in recs if r is not None and ctx.visible(r)]
    else:
        found = [r for r in ctx.tx.scan(ctx.company_id, obj.name) if ctx.visible(r)][:100]
    return _uppercase_list(obj, found, fields)


def read_by_name(ctx: Ctx, el: etree._Element) -> Output:
    obj = _object(ctx, text_of(el, "object"), "readByName")
    fields = _fields(ctx, obj, text_of(el, "fields"))
    keys = _requested_keys(el, "readByName")
    found = []
    for key in keys:
        rec = ctx.tx.by_key(ctx.company_id, obj.name, key)
        if rec is not None and ctx.visible(rec):
            found.append(rec)
    return _uppercase_list(obj, found, fields)


def _requested_keys(el: etree._Element, function: str) -> list[str]:
    """The comma-separated ``<keys>`` of read / readByName: at most 100, as Sage allows."""
    keys = [k.strip() for k in text_of(el, "keys").split(",") if k.strip()]
    if len(keys) > 100:
        raise InvalidArgument(f"{function} accepts at most 100 keys.")
    return keys


def _uppercase_list(obj: ObjectDef, found: list[Record], fields: list[str] | None) -> Output:
    data = data_element({"listtype": obj.name, "count": len(found)})
    for rec in found:
        data.append(_render(obj.name, rec, fields))
    return Output(data=data, object=obj.name)


# --------------------------------------------------------------------------- readByQuery / readMore
def read_by_query(ctx: Ctx, el: etree._Element) -> Output:
    obj = _object(ctx, text_of(el, "object"), "readByQuery")
    fields = _fields(ctx, obj, text_of(el, "fields"))
    pred = _parse_query(ctx, obj, text_of(el, "query"))
    pagesize = _page_size(el, READ_BY_QUERY_MAX, 100)
    recordnos = [r.recordno for r in matching(ctx, obj, pred)]
    return _page(ctx, obj, recordnos, 0, pagesize, fields, result_id="")


def _page(ctx: Ctx, obj: ObjectDef, recordnos: list[int], offset: int, pagesize: int, fields: list[str] | None,
          result_id: str) -> Output:
    total = len(recordnos)
    chunk = recordnos[offset:offset + pagesize]
    remaining = max(total - offset - len(chunk), 0)
    if remaining and not result_id:
        result_id = secrets.token_hex(16)
    if remaining:
        ctx.tx.put_resultset(result_id, ctx.company_id, {
            "object": obj.name, "recordnos": recordnos, "offset": offset + len(chunk), "pagesize": pagesize,
            "fields": fields, "user": ctx.session.user_id, "entity": ctx.session.entity},
            ctx.now + RESULTSET_SECONDS)
    elif result_id:
        ctx.tx.delete_resultset(result_id)
    tag = obj.name.lower()
    data = data_element({"listtype": tag, "count": len(chunk), "totalcount": total, "numremaining": remaining,
                         "resultId": result_id if remaining else ""})
    for recordno in chunk:
        rec = ctx.tx.by_recordno(ctx.company_id, obj.name, recordno)
        if rec is not None:
            data.append(_render(tag, rec, fields))
    return Output(data=data, object=obj.name, transactions=1)


def read_more(ctx: Ctx, el: etree._Element) -> Output:
    result_id = text_of(el, "resultId")
    found = ctx.tx.get_resultset(result_id) if result_id else None
    if found is None or found[0] != ctx.company_id or found[2] < ctx.now:
        raise ReadMoreExpired(result_id)
    _, state, _ = found
    if (state.get("user"), state.get("entity", "")) != (ctx.session.user_id, ctx.session.entity):
        raise ReadMoreExpired(result_id)  # another user's or entity's result set: as if it did not exist
    obj = _object(ctx, state["object"], "readMore")
    return _page(ctx, obj, state["recordnos"], state["offset"], state["pagesize"], state["fields"], result_id)


# --------------------------------------------------------------------------- query
def query(ctx: Ctx, el: etree._Element) -> Output:
    obj = _object(ctx, text_of(el, "object"), "query")
    try:
        select_el = el.find("select")
        if select_el is None:
            raise QuerySyntaxError("query requires <select> with at least one <field>; returning all fields is "
                                   "not supported.")
        fields = [f.upper() for f in select_from_xml(select_el)]
        filter_el = el.find("filter")
        pred = filter_from_xml(filter_el) if filter_el is not None else None
        order_el = el.find("orderby")
        order = order_from_xml(order_el) if order_el is not None else []
    except QuerySyntaxError as exc:
        raise InvalidQuery(str(exc)) from None
    known = _known_fields(ctx, obj)
    for name in set(fields) | (referenced_fields(pred) if pred is not None else set()) | {f for f, _ in order}:
        if name.upper() not in known:
            raise InvalidQuery(f"Invalid field name '{name}' for object {obj.name}.")
    options = el.find("options")
    case_insensitive = options is not None and text_of(options, "caseinsensitive").lower() == "true"
    pagesize = _page_size(el, QUERY_MAX, 100)
    offset_text = text_of(el, "offset") or "0"
    if not (offset_text.isascii() and offset_text.isdigit()):
        raise InvalidArgument(f"offset must be a whole number; got '{offset_text[:20]}'.")
    offset = int(offset_text)
    rows = [flat(r.doc) for r in matching(ctx, obj, pred, case_insensitive)]
    if order:
        rows = sort_records(rows, order)
    chunk = rows[offset:offset + pagesize]
    remaining = max(len(rows) - offset - len(chunk), 0)
    data = data_element({"listtype": obj.name, "count": len(chunk), "totalcount": len(rows),
                         "offset": offset, "numremaining": remaining})
    for row in chunk:
        data.append(record_element(obj.name, row, fields))
    return Output(data=data, object=obj.name, transactions=1)
