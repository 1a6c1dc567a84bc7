"""read / readByName / readByQuery / readMore / query: what a session may see, paged as Sage pages.

readByQuery pages up to 1000 and continues with readMore(resultId); query pages up to 2000
(default 100) by offset. Each page is one API transaction. ``read``/``query`` answer with the
object name in UPPERCASE, ``readByQuery`` in lowercase (sage-xml-api.md §0 fact 16).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from functools import lru_cache
from itertools import islice
from typing import Any

from lxml import etree

from intacct_harness.simulator.errors import (
    InvalidArgument,
    InvalidQuery,
    ReadMoreExpired,
    ReadMoreNothingPending,
    UnknownObject,
)
from intacct_harness.simulator.models import db_characters, lines, related
from intacct_harness.simulator.models.context import Ctx, Output
from intacct_harness.simulator.models.numbers import MAX_DIGITS, whole_number
from intacct_harness.simulator.models.objects import SYSTEM_FIELDS, ObjectDef
from intacct_harness.simulator.models.permissions import FUNCTION_VERBS
from intacct_harness.simulator.query import (
    And,
    Comparison,
    InList,
    Like,
    Predicate,
    QuerySyntaxError,
    aggregate_rows,
    filter_from_xml,
    matcher,
    order_from_xml,
    parse_condition,
    referenced_fields,
    select_from_xml,
    sort_records,
)
from intacct_harness.simulator.query.sql import Index, Sql, to_sql
from intacct_harness.simulator.store import FIELD_INDEXES, Record, field_index, field_value
from intacct_harness.simulator.wire.envelope import text_of
from intacct_harness.simulator.wire.response import data_element, record_element

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
    known = set(obj.fields) | SYSTEM_FIELDS | ctx.company.custom_fields(obj.name) | obj.read_fields
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


def _column_of(ctx: Ctx, obj: ObjectDef) -> Any:
    """Field -> its SQL value where the stored document holds it under exactly that name, else None.

    Standard top-level fields are stored upper-case as validated; a custom field keeps the case it was
    sent in and a nested field the case of its elements, so those are evaluated in Python. Only text
    counts (as in :func:`flat`): a field sent as a block or repeated reads as NULL. STATUS is always text
    and has an expression index.
    """
    custom = {f.upper() for f in ctx.company.custom_fields(obj.name)}
    standard = (obj.fields | SYSTEM_FIELDS | obj.read_fields) - custom
    if obj.lines is not None:
        standard = (standard | {"TOTALENTERED", "TOTALDUE", "TOTALPAID", "STATE"}) - {obj.lines.container}

    def column(name: str) -> str | None:
        if name not in standard or "." in name:
            return None
        if name == "STATUS":
            return "(doc->>'$.STATUS')"
        return field_value(name)   # the expression the object's field indexes are on (store.FIELD_INDEXES)
    return column


def _indexes(obj: ObjectDef) -> dict[str, Index]:
    """Indexed columns that hold a field exactly: the business key, the upper-cased name, RECORDID."""
    out: dict[str, Index] = {}
    if not obj.auto_key:
        out[obj.id_field] = Index("key", str.strip)
    if obj.name_field and "." not in obj.name_field:
        out[obj.name_field] = Index("name_ci", str.upper)
    if obj.lines is not None:
        out["RECORDID"] = Index("docno")
    return out


class Source:
    """A query's matching records, visible to the session, in RECORDNO order, pulled page by page.

    SQLite selects (and counts) them where the condition compiles exactly; otherwise SQLite narrows the
    candidates and each is evaluated here as well. USERINFO reads the company's users instead, and a line
    object (APBILLITEM) its documents' lines.
    """

    def __init__(self, ctx: Ctx, obj: ObjectDef, pred: Predicate | None, case_insensitive: bool = False,
                 show_private: bool = False, related: related.Related | None = None) -> None:
        self.ctx, self.obj, self.pred, self.private, self.related = ctx, obj, pred, show_private, related
        self.users = obj.name == "USERINFO" or obj.parent is not None   # records not stored as such
        self.sql = Sql(exact=False) if self.users else to_sql(pred, _column_of(ctx, obj), _indexes(obj),
                                                             case_insensitive)
        exact = self.sql.exact or pred is None
        self.test = None if exact else matcher(pred, case_insensitive=case_insensitive)   # type: ignore[arg-type]

    @property
    def exact(self) -> bool:
        return self.sql.exact

    def plan(self, pagesize: int) -> tuple[int | None, str | None]:
        """``(total, index)`` for a condition on one indexed field that SQLite does not answer in RECORDNO order
        (a range, IN, LIKE 'x%', STATUS): counted first (tally or index), and the index to find the matches by
        when sorting them costs less than walking RECORDNO order until a page is found. Else ``(None, None)``."""
        leaves = self.pred.items if isinstance(self.pred, And) else (self.pred,)   # BETWEEN: >= AND <=
        if not self.exact or self.users or not all(isinstance(p, Comparison | InList | Like) for p in leaves):
            return None, None
        names = {p.field.upper() for p in leaves}   # type: ignore[union-attr]
        name = names.pop()
        index = field_index(self.obj.name, name)
        if names or index is None or any(getattr(p, "negated", False) or getattr(p, "op", "") == "<>"
                                         for p in leaves) or (
                name != "STATUS" and isinstance(self.pred, Comparison) and self.pred.op == "="):   # in page order
            return None, None
        total = self.count()
        visible = self.ctx.tx.count_visible(self.ctx.company_id, self.obj.name, self.ctx.session.entity,
                                            private=self.private)
        return total, index if total * total <= pagesize * visible else None

    def records(self, after: int = 0, upto: int | None = None, limit: int = -1, offset: int = 0,
                index: str | None = None) -> Iterator[Record]:
        """Matches with ``after < RECORDNO <= upto``; ``limit``/``offset`` count matches; ``index`` (from
        :meth:`plan`): the matches are found by it and sorted."""
        if self.users:
            if self.obj.parent is None:
                made = users_as_records(self.ctx)
            else:   # lines are numbered like records: a line made after the first page is not in it
                made = [r for r in lines.as_records(self.ctx, self.obj)
                        if self.ctx.readable(r, self.private) and (upto is None or r.recordno <= upto)]
            found: Iterator[Record] = (r for r in made if r.recordno > after)
        else:
            exact = self.test is None
            found = self.ctx.tx.select(self.ctx.company_id, self.obj.name, self.sql.where, self.sql.params,
                                       entity=self.ctx.session.entity, after=after, upto=upto,
                                       limit=limit if exact else -1, offset=offset if exact else 0,
                                       private=self.private, index=index)
            if exact:
                yield from found
                return
        test = self.test
        matches = (r for r in found if test is None or test(self.row(r)))
        yield from islice(matches, offset, None if limit < 0 else offset + limit)

    def row(self, rec: Record) -> dict[str, str | None]:
        """The record as the conditions and ``query``'s select see it, related fields included."""
        row = flat(rec.doc)
        return self.related.add(row) if self.related else row

    def count(self, upto: int | None = None) -> int:
        if self.users or not self.exact:
            return sum(1 for _ in self.records(upto=upto))
        company, entity = self.ctx.company_id, self.ctx.session.entity
        if upto is None and (self.pred is None or self.sql.where == "1"):
            return self.ctx.tx.count_visible(company, self.obj.name, entity, private=self.private)
        pred = self.pred
        if upto is None and isinstance(pred, Comparison) and pred.field.upper() == "STATUS" and pred.op == "=":
            return self.ctx.tx.count_visible(company, self.obj.name, entity, status=pred.value,
                                             private=self.private)   # sql is exact
        if upto is None and isinstance(pred, Comparison | InList) and pred.field.upper() in FIELD_INDEXES.get(
                self.obj.name, ()) and (pred.op == "=" if isinstance(pred, Comparison) else not pred.negated):
            values = [pred.value] if isinstance(pred, Comparison) else pred.values   # sql is exact: text
            return self.ctx.tx.count_values(company, self.obj.name, pred.field.upper(), values, entity,
                                            private=self.private)
        return self.ctx.tx.count_where(company, self.obj.name, self.sql.where, self.sql.params, entity=entity,
                                       upto=upto, private=self.private)


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


@lru_cache(maxsize=64)
def _parsed(text: str) -> Predicate:
    """Parsed once per text: readMore parses its query again for every page, and a query may be 64 KB."""
    return parse_condition(text)


def _parse_query(ctx: Ctx, obj: ObjectDef, text: str) -> Predicate | None:
    if not text.strip():
        return None
    try:
        pred = _parsed(text)
    except QuerySyntaxError as exc:
        raise InvalidQuery(str(exc)) from None
    known = _known_fields(ctx, obj)
    for name in referenced_fields(pred):
        if name.upper() not in known:
            raise InvalidQuery(f"Invalid field name '{name}' in query for object {obj.name}.")
    return db_characters.with_terms(pred)


def _page_size(el: etree._Element, maximum: int, default: int) -> int:
    text = text_of(el, "pagesize")
    if not text:
        return default
    size = whole_number(text)
    if size is None or not 1 <= size <= maximum:
        raise InvalidArgument(f"pagesize must be a whole number from 1 to {maximum}; got '{text[:20]}'.")
    return size


def _render(obj: ObjectDef, tag: str, rec: Record, fields: list[str] | None) -> etree._Element:
    """``record_element``'s XML, with text fields (nearly all of them) set directly: pages of 1,000 are common."""
    doc, names = obj.shown(rec.doc, fields)
    el = etree.Element(tag)
    sub = etree.SubElement
    for name in doc if names is None else names:
        value = doc.get(name)
        if value.__class__ is str:
            sub(el, name).text = value
        elif value is None:
            sub(el, name)
        else:  # blocks and repeated elements, as wire.response renders them
            el.extend(record_element(tag, {name: value}))
    return el


# --------------------------------------------------------------------------- read / readByName
def read(ctx: Ctx, el: etree._Element) -> Output:
    obj = _object(ctx, text_of(el, "object"), "read")
    fields = _fields(ctx, obj, text_of(el, "fields"))
    keys = _requested_keys(el, "read")
    if keys:
        numbers = [n for n in map(whole_number, keys) if n is not None]
        found = [r for r in lines.fetch(ctx, obj, numbers) if ctx.readable(r)]
    elif obj.parent is not None:
        found = list(Source(ctx, obj, None).records(limit=100))
    else:
        found = list(ctx.tx.select(ctx.company_id, obj.name, entity=ctx.session.entity, limit=100, private=False))
    return _uppercase_list(obj, found, fields)


def read_by_name(ctx: Ctx, el: etree._Element) -> Output:
    obj = _object(ctx, text_of(el, "object"), "readByName")
    fields = _fields(ctx, obj, text_of(el, "fields"))
    keys = _requested_keys(el, "readByName")
    found = []
    for key in keys:
        rec = ctx.tx.by_key(ctx.company_id, obj.name, key)
        if rec is not None and ctx.readable(rec):
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
        data.append(_render(obj, obj.name, rec, fields))
    return Output(data=data, object=obj.name)


# --------------------------------------------------------------------------- readByQuery / readMore
def read_by_query(ctx: Ctx, el: etree._Element) -> Output:
    obj = _object(ctx, text_of(el, "object"), "readByQuery")
    fields = _fields(ctx, obj, text_of(el, "fields"))
    text = text_of(el, "query")
    pred = _parse_query(ctx, obj, text)
    pagesize = _page_size(el, READ_BY_QUERY_MAX, 100)
    source = Source(ctx, obj, pred)
    upto = ctx.tx.last_recordno(ctx.company_id)   # records made after this query are not in its result set
    index = None
    if source.exact:
        counted, index = source.plan(pagesize)
        page = list(source.records(upto=upto, limit=pagesize, index=index))
        total = counted if counted is not None else source.count() if len(page) == pagesize else len(page)
        # (none above ``upto`` in this snapshot)
    else:  # evaluated here: one pass gives the page and the count
        found = source.records(upto=upto)
        page = list(islice(found, pagesize))
        total = len(page) + sum(1 for _ in found)
    state = {"object": obj.name, "query": text, "fields": fields, "pagesize": pagesize, "upto": upto,
             "total": total, "index": index, "delivered": 0, "after": 0, "user": ctx.session.user_id,
             "entity": ctx.session.entity, "session": _session_digest(ctx)}
    return _page(ctx, obj, page, total - len(page), state, "")


def _page(ctx: Ctx, obj: ObjectDef, page: list[Record], remaining: int, state: dict[str, Any],
          result_id: str) -> Output:
    """One page; while records remain, the result set (a cursor: the last RECORDNO sent) is kept."""
    if remaining and not result_id:
        result_id = secrets.token_hex(16)
    if remaining:
        state = {**state, "after": page[-1].recordno if page else state["after"],
                 "delivered": state["delivered"] + len(page)}
        ctx.tx.put_resultset(result_id, ctx.company_id, state, ctx.now + RESULTSET_SECONDS)
    elif result_id:
        ctx.tx.delete_resultset(result_id)
    tag = obj.name.lower()
    data = data_element({"listtype": tag, "count": len(page), "totalcount": state["total"],
                         "numremaining": remaining, "resultId": result_id if remaining else ""})
    fields = state["fields"]
    for rec in page:
        data.append(_render(obj, tag, rec, fields))
    return Output(data=data, object=obj.name, transactions=1)


def _session_digest(ctx: Ctx) -> str:
    """What a result set keeps of the session that started it (readMore by ``<object>``), not the ID itself."""
    return hashlib.sha256(ctx.session.session_id.encode()).hexdigest()[:32]


def _result_id_of(ctx: Ctx, el: etree._Element) -> str:
    """``<resultId>``, or the result set of the session's latest readByQuery of ``<object>``.

    developer.intacct.com/web-services/queries: "Provide either the object name or the result ID"; which
    readByQuery an object names is not documented: here the session's most recent one on that object that
    still has records to send (simulator's choice; a login-per-request client has a new session each time).
    """
    result_id = text_of(el, "resultId")
    object_name = text_of(el, "object")
    if result_id or not object_name:
        return result_id
    obj = ctx.company.object_def(object_name)
    found = ctx.tx.latest_resultset(ctx.company_id, _session_digest(ctx), obj.name, ctx.now) if obj else None
    if found is None:
        raise ReadMoreNothingPending(object_name)
    return found


def _known_index(name: Any) -> str | None:
    """A result set's index (it goes into SQL): only one the store has."""
    known = {"records_status"} | {f"records_{o}_{f}" for o, fields in FIELD_INDEXES.items() for f in fields}
    return name if name in known else None


def read_more(ctx: Ctx, el: etree._Element) -> Output:
    result_id = _result_id_of(ctx, el)
    found = ctx.tx.get_resultset(result_id) if result_id else None
    if found is None or found[0] != ctx.company_id or found[2] < ctx.now or "after" not in found[1]:
        raise ReadMoreExpired(result_id)
    _, state, _ = found
    if (state.get("user"), state.get("entity", "")) != (ctx.session.user_id, ctx.session.entity):
        raise ReadMoreExpired(result_id)  # another user's or entity's result set: as if it did not exist
    obj = _object(ctx, state["object"], "readMore")
    source = Source(ctx, obj, _parse_query(ctx, obj, state["query"]))
    pagesize = state["pagesize"]
    page = list(source.records(after=state["after"], upto=state["upto"], limit=pagesize + 1,
                               index=_known_index(state.get("index"))))
    more = len(page) > pagesize
    page = page[:pagesize]
    # records deleted since the first page make the rest shorter than counted; the last page says 0
    remaining = max(state["total"] - state["delivered"] - len(page), 1) if more else 0
    return _page(ctx, obj, page, remaining, state, result_id)


# --------------------------------------------------------------------------- query
def _option(options: etree._Element | None, name: str) -> bool:
    """An xs:boolean of ``<options>`` (default false): true/false or 1/0, anything else refused."""
    text = text_of(options, name).strip().lower() if options is not None else ""
    if text not in ("", "true", "false", "1", "0"):
        raise InvalidArgument(f"options/{name} must be true or false; got '{text[:20]}'.")
    return text in ("true", "1")


def query(ctx: Ctx, el: etree._Element) -> Output:
    obj = _object(ctx, text_of(el, "object"), "query")
    try:
        select_el = el.find("select")
        if select_el is None:
            raise QuerySyntaxError("query requires 'select' with at least one 'field'; returning all fields is "
                                   "not supported.")
        selection = select_from_xml(select_el)
        filter_el = el.find("filter")
        pred = filter_from_xml(filter_el) if filter_el is not None else None
        order_el = el.find("orderby")
        order = order_from_xml(order_el) if order_el is not None else []
    except QuerySyntaxError as exc:
        raise InvalidQuery(str(exc)) from None
    known = _known_fields(ctx, obj)
    paths = []
    for name in selection.referenced | (referenced_fields(pred) if pred is not None else set()) | {f for f, _ in order}:
        if name.upper() not in known:
            path = related.resolve(ctx, obj, name, lambda o: _known_fields(ctx, o))
            if path is None:
                raise InvalidQuery(f"Invalid field name '{name}' for object {obj.name}.")
            paths.append(path)
    if selection.aggregates:
        for name, _ in order:
            if name not in selection.fields:
                raise InvalidQuery(f"Invalid query: with aggregates, 'orderby' may use only the grouping fields "
                                   f"in 'select'; {name} is not one of them.")
    options = el.find("options")
    case_insensitive = _option(options, "caseinsensitive")
    show_private = _option(options, "showprivate")
    pagesize = _page_size(el, QUERY_MAX, 100)
    offset_text = text_of(el, "offset") or "0"
    if not (offset_text.isascii() and offset_text.isdigit()):
        raise InvalidArgument(f"offset must be a whole number; got '{offset_text[:20]}'.")
    offset = whole_number(offset_text)
    if offset is None:           # more digits than any record count: past the last page
        offset = 10 ** MAX_DIGITS
    source = Source(ctx, obj, pred, case_insensitive, show_private, related.Related(ctx, paths, flat))
    if not order and source.exact and not selection.aggregates:   # SQLite pages and counts
        counted, index = source.plan(pagesize + offset)
        chunk = [source.row(r) for r in source.records(limit=pagesize, offset=offset, index=index)]
        total = source.count() if counted is None else counted
    else:
        rows = [source.row(r) for r in source.records()]
        if selection.aggregates:
            try:
                rows = aggregate_rows(selection, rows)
            except QuerySyntaxError as exc:
                raise InvalidQuery(str(exc)) from None
        if order:
            rows = sort_records(rows, order)
        chunk = rows[offset:offset + pagesize]
        total = len(rows)
    remaining = max(total - offset - len(chunk), 0)
    data = data_element({"listtype": obj.name, "count": len(chunk), "totalcount": total,
                         "offset": offset, "numremaining": remaining})
    for row in chunk:
        data.append(record_element(obj.name, *obj.shown(row, selection.output)))
    return Output(data=data, object=obj.name, transactions=1)
