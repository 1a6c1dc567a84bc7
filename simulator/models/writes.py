"""create / update / delete and the legacy create_invoice / create_bill: the validation rules.

Sage checks, in this order as far as the fixtures show: the object exists, the user may write it,
fields are known, required fields are present, values have the right type, referenced records
(customer, vendor, GL account, each dimension value) exist, are active and are visible from the
session's entity, and the business key is unique (BL34000061 then BL01001973).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from lxml import etree

from intacct_harness.simulator.errors import (
    DuplicateRecord,
    InvalidArgument,
    InvalidFieldValue,
    InvalidReference,
    LegacyOnlyObject,
    RecordNotFound,
    RequiredField,
    UnknownField,
    UnknownObject,
)
from intacct_harness.simulator.models import doc_state, journal, limits, references
from intacct_harness.simulator.models.context import Ctx, Output
from intacct_harness.simulator.models.numbers import by_recordno_text
from intacct_harness.simulator.models.objects import (
    INVALID_REFERENCE_TEXT,
    LEGACY_CREATES,
    LINE_DIMENSION_FIELDS,
    OBJECTS,
    LineSpec,
    ObjectDef,
)
from intacct_harness.simulator.models.permissions import FUNCTION_VERBS
from intacct_harness.simulator.store import Record
from intacct_harness.simulator.wire.envelope import element_value, text_of
from intacct_harness.simulator.wire.response import Records

_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


_VALID_DATES: dict[str, str] = {}   # date text -> its MM/DD/YYYY: a batch's documents repeat a few dates


def check_date(field: str, value: str) -> str:
    known = _VALID_DATES.get(value)
    if known is not None:
        return known
    m = _DATE.match(value)
    if m:
        month, day, year = (int(x) for x in m.groups())
        try:
            date(year, month, day)
        except ValueError:
            pass
        else:
            if len(_VALID_DATES) >= 4096:
                _VALID_DATES.clear()
            known = _VALID_DATES[value] = f"{month:02d}/{day:02d}/{year:04d}"
            return known
    raise InvalidFieldValue(field, value, "a date in the format MM/DD/YYYY")


# Plain decimal notation, at most 15 digits before the point and 10 after: the simulator's choice (Sage's
# exact bounds are not public); exponents, digit separators and 100,000-digit numbers are refused.
_NUMBER = re.compile(r"^[+-]?(\d{1,15}(\.\d{0,10})?|\.\d{1,10})$")
_EXPECTED = {"number": "a number", "date": "a date in the format MM/DD/YYYY"}


_NUMERIC = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def check_number(field: str, value: str) -> str:
    if _NUMBER.match(value):   # the common case first: every such value also matches _NUMERIC
        return value
    if not _NUMERIC.match(value):
        raise InvalidFieldValue(field, value, "a number")
    if not _NUMBER.match(value):
        raise InvalidFieldValue(field, value, "a number with at most 15 digits before the point and 10 after, "
                                "without an exponent")
    return value


def _check_scalar(field: str, value: Any, kind: str, values: tuple[str, ...] = ()) -> Any:
    """A written value checked as its definition types it (``kind``: number, date, enum or "" for text)."""
    if not isinstance(value, str):
        if kind and isinstance(value, list | dict):  # <AMOUNT> twice, or <AMOUNT><x>1</x></AMOUNT>
            shape = "a repeated element" if isinstance(value, list) else "an element with child elements"
            expected = _EXPECTED[kind] if kind != "enum" else " or ".join(values)
            raise InvalidFieldValue(field, f"({shape})", f"one {field} element holding {expected}")
        return value
    if value == "":
        return value
    if kind == "number":
        return check_number(field, value)
    if kind == "date":
        return check_date(field, value)
    if kind == "enum":
        by_lower = {v.lower(): v for v in values}
        if value.lower() not in by_lower:
            raise InvalidFieldValue(field, value, " or ".join(values))
        return by_lower[value.lower()]
    return value


def _object(ctx: Ctx, name: str) -> ObjectDef:
    obj = ctx.company.object_def(name)
    if obj is None:
        raise UnknownObject(name)
    return obj


def _writable(ctx: Ctx, name: str, function: str) -> ObjectDef:
    """The object a generic create/update/delete names, if Sage lets the user write it that way."""
    obj = _object(ctx, name)
    if obj.legacy_only:
        raise LegacyOnlyObject(function, obj.name, obj.legacy_only)
    verb, op = FUNCTION_VERBS[function]
    ctx.require(obj.module, verb, op, obj.name)
    return obj


def _custom_field_names(ctx: Ctx, obj: ObjectDef) -> set[str]:
    return ctx.company.custom_fields(obj.name)


def _validate_reference(ctx: Ctx, target: str, value: str, doc_object: str) -> Record:
    obj = OBJECTS.get(target) or ctx.company.object_def(target)
    assert obj is not None
    rec = ctx.lookup(obj, value)
    if rec is not None and rec.doc.get("STATUS", "active") == "active":
        return rec
    text = INVALID_REFERENCE_TEXT.get(target, f"Invalid {obj.label} '{{v}}' specified.").format(v=value)
    if rec is None:
        raise InvalidReference(text, doc_object)
    raise InvalidReference(text, doc_object, f"Activate the {obj.label.lower()} {value}, then try again.")


def _line_custom_fields(ctx: Ctx, obj: ObjectDef, line: dict[str, Any]) -> None:
    """``customfields/customfield`` on a line: GLDIM<UDD> values or the object's custom fields."""
    for cf in as_list((line.get("customfields") or {}).get("customfield") if isinstance(
            line.get("customfields"), dict) else None):
        name = str(cf.get("customfieldname", "")).upper() if isinstance(cf, dict) else ""
        value = str(cf.get("customfieldvalue", "")) if isinstance(cf, dict) else ""
        if name.startswith("GLDIM"):
            udd = name[5:]
            if udd not in ctx.company.user_dimensions:
                raise UnknownField(name, obj.name)
            if value:
                _validate_reference(ctx, udd, value, obj.name)
        elif name not in _custom_field_names(ctx, obj):
            raise UnknownField(name or "customfieldname", obj.name)


def validate_fields(ctx: Ctx, obj: ObjectDef, doc: dict[str, Any], creating: bool) -> dict[str, Any]:
    """Check names, types and references of a header; returns the cleaned document."""
    clean: dict[str, Any] = {}
    container = obj.lines.container if obj.lines is not None else None
    known = obj.write_checks
    for field, value in doc.items():
        if field == container:
            continue
        check = known.get(field)
        if check is not None:   # a field the object documents (the common case): its check, worked out once
            kind = check[0]
            clean[field] = _check_scalar(field, value, kind, check[1]) if kind else value
            continue
        udds = ctx.company.user_dimensions
        if field[5:] in udds and field.startswith("GLDIM"):
            if value:
                _validate_reference(ctx, field[5:], str(value), obj.name)
        elif not obj.allowed(field) and field.upper() not in _custom_field_names(ctx, obj):
            raise UnknownField(field, obj.name)
        kind = obj.check(field)
        clean[field] = _check_scalar(field, value, kind, obj.valid_values.get(field, ())) if kind else value
    if creating:
        for field in obj.required:
            if not str(clean.get(field, "") or "").strip():
                raise RequiredField(field, obj.name)
    for field, target, part, name_field, part_name_field in obj.reference_checks:
        value = clean.get(field)
        if part is not None and isinstance(value, dict):   # PERSONALINFO/CONTACTNAME names a CONTACT
            value = value.get(part)
            name_field = part_name_field
            if creating and field in obj.required and not value:
                raise RequiredField(f"{field}.{part}", obj.name)
        if isinstance(value, str) and value:
            ref = _validate_reference(ctx, target, value, obj.name)
            if name_field is not None:   # VENDORNAME, PROJECT's CUSTOMERNAME
                clean[name_field] = ref.doc.get("NAME", "")
    if "customfields" in clean:
        _line_custom_fields(ctx, obj, clean)
    return clean


_REQUIRE_FLAGS = (("REQUIREDEPT", "DEPARTMENTID"), ("REQUIRELOC", "LOCATIONID"), ("REQUIREPROJECT", "PROJECTID"),
                  ("REQUIRECLASS", "CLASSID"))
_LINE_DIMENSIONS: dict[int, tuple[LineSpec, dict[str, tuple[int, str]]]] = {}


def _line_dimensions(spec: LineSpec) -> dict[str, tuple[int, str]]:
    """This line's field -> (rank, dimension object) for every standard line dimension: once per spec.

    The rank keeps Sage's order of complaints when a line names several bad dimension values.
    """
    known = _LINE_DIMENSIONS.get(id(spec))
    if known is None or known[0] is not spec:
        table: dict[str, tuple[int, str]] = {}
        for rank, (f, target) in enumerate(LINE_DIMENSION_FIELDS.items()):
            table.setdefault(spec.renamed.get(f, f), (rank, target))
        known = _LINE_DIMENSIONS[id(spec)] = (spec, table)
    return known[1]


def _account_demands(account: dict[str, Any], spec: LineSpec) -> tuple[tuple[str, str], ...]:
    """(line field, dimension label) an account's REQUIREDEPT / REQUIRELOC / ... flags make mandatory."""
    return tuple((spec.renamed.get(field, field), OBJECTS[LINE_DIMENSION_FIELDS[field]].label)
                 for flag, field in _REQUIRE_FLAGS if str(account.get(flag, "false")).lower() == "true")


def validate_lines(ctx: Ctx, obj: ObjectDef, doc: dict[str, Any]) -> list[dict[str, Any]]:
    spec = obj.lines
    assert spec is not None
    container = doc.get(spec.container)
    lines = as_list(container.get(spec.item)) if isinstance(container, dict) else []
    if not lines:
        raise RequiredField(spec.container, obj.name)
    glaccount = OBJECTS["GLACCOUNT"]
    entities = ctx.company.entities
    dimensions = _line_dimensions(spec)
    cleaned = []
    udds, known, checks, fast = ctx.company.user_dimensions, spec.fields, spec.checks, spec.write_checks
    location = spec.renamed.get("LOCATIONID", "LOCATIONID")
    for line in lines:
        if not isinstance(line, dict):
            raise InvalidFieldValue(spec.item, str(line), "a line element with fields")
        out: dict[str, Any] = {}
        for field, value in line.items():
            check = fast.get(field)
            if check is not None:   # a documented line field (the common case): its check, worked out once
                kind = check[0]
                out[field] = _check_scalar(field, value, kind, check[1]) if kind else value
                continue
            if field[5:] in udds and field.startswith("GLDIM"):
                if value:
                    _validate_reference(ctx, field[5:], str(value), obj.name)
            elif field not in known and field.upper() not in _custom_field_names(ctx, obj):
                raise UnknownField(field, spec.item)
            kind = checks.get(field)
            out[field] = _check_scalar(field, value, kind, spec.valid_values.get(field, ())) if kind else value
        for field in spec.required:
            if not str(out.get(field, "") or "").strip():
                raise RequiredField(field, spec.item)
        account = str(out[spec.account_field])
        acct = ctx.lookup(glaccount, account)
        if acct is None or acct.doc.get("STATUS", "active") != "active":
            raise InvalidReference(INVALID_REFERENCE_TEXT["GLACCOUNT"].format(v=account), obj.name)
        if entities:
            if ctx.session.entity and not out.get(location):
                out[location] = ctx.session.entity
            if not out.get(location):
                raise InvalidReference(
                    "Use of empty Location is invalid. A valid Multi-Entity Location must be specified.", obj.name)
        named = [(rank_target, field) for field in out if (rank_target := dimensions.get(field)) is not None]
        for (_, target), field in sorted(named) if len(named) > 1 else named:
            value = out[field]
            if isinstance(value, str) and value:
                _validate_reference(ctx, target, value, obj.name)
        known = ctx.derived.get(("demands", spec.item, account))
        if known is not None and known[0] is acct:   # the same record the lookup gave: its flags as derived
            required = known[1]
        else:
            required = _account_demands(acct.doc, spec)
            ctx.derived[("demands", spec.item, account)] = (acct, required)
        for field, dim in required:
            if not out.get(field):
                raise InvalidReference(
                    f"This transaction is missing the {dim} dimension for the Account {account}", obj.name)
        if "customfields" in out:
            _line_custom_fields(ctx, obj, out)
        cleaned.append(out)
    if obj.name == "GLBATCH":
        journal.check_balanced(cleaned)
    return cleaned


def as_date(mmddyyyy: str) -> date:
    month, day, year = (int(x) for x in mmddyyyy.split("/"))
    return date(year, month, day)


def check_open_period(ctx: Ctx, obj: ObjectDef, when: str) -> None:
    """A transaction dated in a closed period fails as fyle's closed-period handling expects."""
    closed = ctx.company.doc.get("closed_through")
    if not closed or not when or not _DATE.match(when):
        return
    if as_date(when) <= as_date(closed):
        first_open = as_date(closed) + timedelta(days=1)
        raise InvalidReference(f"Date must be on or after {first_open:%m/%d/%Y}: the period through {closed} is "
                               "closed.", obj.name, "Post the transaction in an open period, or reopen the period.")


def name_of(obj: ObjectDef, doc: dict[str, Any]) -> str | None:
    if obj.name_field is None:
        return None
    value: Any = doc
    for part in obj.name_field.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return str(value) if value else None


def stamp(ctx: Ctx, obj: ObjectDef, doc: dict[str, Any], recordno: int, entity: str) -> None:
    ts = ctx.timestamp()
    doc["RECORDNO"] = str(recordno)
    doc.setdefault("WHENCREATED", ts)
    doc["WHENMODIFIED"] = ts
    if obj.lines is None:
        doc.setdefault("STATUS", "active")
    else:
        doc.setdefault("STATE", "Posted")
    doc["CREATEDBY"] = doc.get("CREATEDBY") or ctx.session.user_id
    doc["MODIFIEDBY"] = ctx.session.user_id
    ent = ctx.company.entities.get(entity, {})
    doc["MEGAENTITYKEY"] = str(ent.get("key", "")) if entity else ""
    doc["MEGAENTITYID"] = entity
    doc["MEGAENTITYNAME"] = ent.get("name", "") if entity else ""
    if obj.lines is not None:
        doc["RECORD_URL"] = f"{ctx.site}/ia/acct/ur.phtml?.r=SIM{recordno}"


def insert(ctx: Ctx, obj: ObjectDef, raw: dict[str, Any]) -> Record:
    """Validate and store one new record (the shared path of generic and legacy creates)."""
    doc = validate_fields(ctx, obj, raw, creating=True)
    lines = validate_lines(ctx, obj, raw) if obj.lines is not None else None
    limits.check_record(obj.name, doc, obj.lines.item if obj.lines else None, lines)
    if lines is not None:
        check_open_period(ctx, obj, str(doc.get("WHENCREATED") or doc.get("BATCH_DATE") or ""))
    if obj.auto_key:
        key = ""
    else:
        key = str(doc.get(obj.id_field, "") or "").strip()
        if not key:
            raise RequiredField(obj.id_field, obj.name)
        if ctx.tx.by_key(ctx.company_id, obj.name, key) is not None:
            raise DuplicateRecord(obj.label, key, obj.name)
    spec = obj.lines
    total = limits.total_of(obj.name, lines, spec.amount_field) if lines is not None and spec is not None else None
    # Every check is done: the document's RECORDNO and its lines' (the next ones in a row) in one draw.
    recordno = ctx.tx.next_recordno(ctx.company_id, 1 + len(lines) if lines else 1)
    key = key or str(recordno)
    entity = ctx.session.entity
    if lines is not None and spec is not None:
        doc["TOTALPAID"] = "0"
        doc_state.set_totals(obj, doc, lines, total)   # lines in cents; no negative total (total_of)
        number_lines(ctx, recordno, lines, first=recordno + 1)
        doc[spec.container] = {spec.item: lines}
    megaentity = str(raw.get("MEGAENTITYID", "") or "")
    if megaentity and not entity:   # seeds may place a record in an entity
        entity = megaentity
    stamp(ctx, obj, doc, recordno, entity)
    if obj.name in BEFORE_STORE:
        BEFORE_STORE[obj.name](ctx, doc)
    rec = Record(obj.name, recordno, key, entity, doc)
    ctx.tx.insert_record(ctx.company_id, rec, name_of(obj, doc))
    ctx.forget(obj.name, key)
    return rec


def number_lines(ctx: Ctx, recordno: int, lines: list[dict[str, Any]], first: int | None = None) -> None:
    """Each line is a record of its own in Sage: its own RECORDNO, RECORDKEY naming the document, LINE_NO.

    ``first``: the first line's RECORDNO when the caller drew it with the document's; else drawn here.
    """
    if first is None:
        first = ctx.tx.next_recordno(ctx.company_id, len(lines)) if lines else 0
    key = str(recordno)
    for n, line in enumerate(lines, start=1):
        line["RECORDNO"] = str(first + n - 1)
        line["RECORDKEY"] = key
        line["LINE_NO"] = str(n)


def _result_fields(obj: ObjectDef, rec: Record) -> dict[str, Any]:
    out = {"RECORDNO": rec.doc["RECORDNO"]}
    if not obj.auto_key:
        out[obj.id_field] = rec.key
    if "RECORD_URL" in rec.doc:
        out["RECORD_URL"] = rec.doc["RECORD_URL"]
    return out


def _object_elements(el: etree._Element, function: str) -> list[etree._Element]:
    """The object elements a create / update carries (one or more, each a record)."""
    children = [c for c in el if isinstance(c.tag, str)]
    if not children:
        raise InvalidArgument(f"{function} requires at least one object element.")
    return children


# Objects whose generic create is not the document path (APPYMT: models/payments.py registers itself).
CUSTOM_CREATES: dict[str, Callable[[Ctx, ObjectDef, dict[str, Any]], Record]] = {}
# Objects whose generic update / delete follow rules of their own (payments: models/payment_changes.py).
CUSTOM_UPDATES: dict[str, Callable[[Ctx, ObjectDef, Record, dict[str, Any]], None]] = {}
CUSTOM_DELETES: dict[str, Callable[[Ctx, ObjectDef, Record], None]] = {}
# What Sage derives when a record of an object is written (EMPLOYEE: its contact; models/contacts.py registers).
BEFORE_STORE: dict[str, Callable[[Ctx, dict[str, Any]], None]] = {}


def writes_once(function: str, el: etree._Element) -> bool:
    """True for a function whose only database write is one statement after all its checks (``insert`` of one
    object): a failure leaves the database untouched, so it needs no savepoint of its own."""
    if function in LEGACY_CREATES:
        return True
    if function != "create" or len(el) != 1:
        return False
    tag = el[0].tag
    if type(tag) is not str:
        return False
    name = tag.upper()
    return name in OBJECTS and name not in CUSTOM_CREATES and name not in BEFORE_STORE


def create(ctx: Ctx, el: etree._Element) -> Output:
    children = _object_elements(el, "create")
    data = Records()
    names = set()
    for child in children:
        obj = _writable(ctx, child.tag, "create")
        raw = element_value(child)
        if not isinstance(raw, dict):
            raise RequiredField(obj.required[0] if obj.required else obj.id_field, obj.name)
        custom = CUSTOM_CREATES.get(obj.name)
        rec = custom(ctx, obj, raw) if custom is not None else insert(ctx, obj, raw)
        data.records.append((obj.name.lower(), _result_fields(obj, rec)))
        names.add(obj.name)
    return Output(data=data, object=",".join(sorted(names)), records=len(children), transactions=len(children))


def _find_for_update(ctx: Ctx, obj: ObjectDef, raw: dict[str, Any]) -> Record:
    if raw.get("RECORDNO"):
        ident = ("RECORDNO", str(raw["RECORDNO"]))
        rec = by_recordno_text(ctx.tx, ctx.company_id, obj.name, raw["RECORDNO"])
    elif raw.get(obj.id_field):
        ident = (obj.id_field, str(raw[obj.id_field]))
        rec = ctx.tx.by_key(ctx.company_id, obj.name, ident[1])
    else:
        raise RequiredField(f"RECORDNO or {obj.id_field}", obj.name)
    if rec is None or not ctx.visible(rec):
        raise RecordNotFound(f"Cannot update non-existing {obj.name} with {ident[0]}={ident[1]}.")
    return rec


def update(ctx: Ctx, el: etree._Element) -> Output:
    children = _object_elements(el, "update")
    data = Records()
    for child in children:
        obj = _writable(ctx, child.tag, "update")
        raw = element_value(child)
        if not isinstance(raw, dict):
            raise RequiredField(f"RECORDNO or {obj.id_field}", obj.name)
        rec = _find_for_update(ctx, obj, raw)
        if obj.name in CUSTOM_UPDATES:
            CUSTOM_UPDATES[obj.name](ctx, obj, rec, raw)
            data.records.append((obj.name.lower(), _result_fields(obj, rec)))
            continue
        doc_state.guard(obj, rec, "update")
        changes = validate_fields(ctx, obj, {k: v for k, v in raw.items() if k != "RECORDNO"}, creating=False)
        limits.check_record(obj.name, changes)
        if obj.lines is not None and obj.lines.container in raw:
            lines = validate_lines(ctx, obj, raw)
            limits.check_record(obj.name, {}, obj.lines.item, lines)
            limits.total_of(obj.name, lines, obj.lines.amount_field)
            number_lines(ctx, rec.recordno, lines)
            changes[obj.lines.container] = {obj.lines.item: lines}
            changes["TOTALPAID"] = rec.doc.get("TOTALPAID", "0")
            doc_state.set_totals(obj, changes, lines)
        new_key = str(changes.get(obj.id_field, rec.key)) if not obj.auto_key else rec.key
        if new_key != rec.key and ctx.tx.by_key(ctx.company_id, obj.name, new_key) is not None:
            raise DuplicateRecord(obj.label, new_key, obj.name)
        rec.doc.update(changes)
        rec.doc["WHENMODIFIED"] = ctx.timestamp()
        rec.doc["MODIFIEDBY"] = ctx.session.user_id
        if obj.name in BEFORE_STORE:
            BEFORE_STORE[obj.name](ctx, rec.doc)
        ctx.forget(obj.name, rec.key)
        rec.key = new_key
        ctx.tx.update_record(ctx.company_id, rec, name_of(obj, rec.doc))
        ctx.forget(obj.name, new_key)
        data.records.append((obj.name.lower(), _result_fields(obj, rec)))
    return Output(data=data, object=children[0].tag, records=len(children), transactions=len(children))


def delete(ctx: Ctx, el: etree._Element) -> Output:
    name = text_of(el, "object")
    if not name:
        raise InvalidArgument("delete requires an object element.")
    obj = _writable(ctx, name, "delete")
    keys = [k.strip() for k in text_of(el, "keys").split(",") if k.strip()]
    if not keys:
        raise InvalidArgument("delete requires keys.")
    for key in keys:
        rec = by_recordno_text(ctx.tx, ctx.company_id, obj.name, key)
        if rec is None:
            rec = ctx.tx.by_key(ctx.company_id, obj.name, key)
        if rec is None or not ctx.visible(rec):
            raise RecordNotFound(f"Cannot find {obj.name.lower()} with key '{key}' to delete.")
        if obj.name in CUSTOM_DELETES:
            CUSTOM_DELETES[obj.name](ctx, obj, rec)
        doc_state.guard(obj, rec, "delete")
        references.refuse_if_used(ctx, obj, rec)
        ctx.tx.delete_record(ctx.company_id, obj.name, rec.recordno)
        ctx.forget(obj.name, rec.key)
    return Output(object=obj.name, records=len(keys), transactions=len(keys))


# --------------------------------------------------------------------------- legacy functions
def legacy_date(value: Any, field: str) -> str:
    """A legacy ``<year>``/``<month>``/``<day>`` date, checked as the MM/DD/YYYY it spells."""
    if isinstance(value, dict):
        parts = [value.get(k, "") for k in ("month", "day", "year")]
        if not all(isinstance(p, str) for p in parts):   # e.g. a repeated <year> arrives as a list
            raise InvalidFieldValue(field, "a year, month or day given twice", "one year, month and day")
        return check_date(field, "/".join(p.strip() for p in parts))
    return check_date(field, str(value)) if value else ""


_LEGACY_DATES = frozenset({"datecreated", "datedue"})
_LEGACY_LINE = {
    "glaccountno": "ACCOUNTNO", "amount": "TRX_AMOUNT", "memo": "ENTRYDESCRIPTION", "locationid": "LOCATIONID",
    "departmentid": "DEPARTMENTID", "projectid": "PROJECTID", "customerid": "CUSTOMERID", "vendorid": "VENDORID",
    "employeeid": "EMPLOYEEID", "itemid": "ITEMID", "classid": "CLASSID", "contractid": "CONTRACTID",
    "warehouseid": "WAREHOUSEID", "taskid": "TASKID", "offsetglaccountno": "OFFSETGLACCOUNTNO",
    "customfields": "customfields", "billable": "BILLABLE",
}
_LEGACY_LINE_IGNORED = frozenset({
    "key", "totalpaid", "totaldue", "form1099type", "form1099box", "item1099", "accountlabel", "revrectemplate",
    "defrevaccount", "revrecstartdate", "revrecenddate", "taxentries", "allocationid"})


def legacy_header(raw: dict[str, Any], header: dict[str, str], ignored: frozenset[str], skip: str,
                  function: str) -> dict[str, Any]:
    """A legacy function's header elements -> generic fields (``skip``: the line container, handled apart)."""
    doc: dict[str, Any] = {}
    for field, value in raw.items():
        if field in header:
            doc[header[field]] = legacy_date(value, field) if field in _LEGACY_DATES else value
        elif field != skip and field not in ignored:
            raise UnknownField(field, function)
    return doc


def legacy_line(item: Any) -> dict[str, Any]:
    """One ``lineitem`` / ``updatelineitem`` -> generic line fields."""
    if not isinstance(item, dict):
        raise InvalidFieldValue("lineitem", str(item), "a line item with glaccountno and amount")
    line = {}
    for field, value in item.items():
        if field in _LEGACY_LINE:
            line[_LEGACY_LINE[field]] = value
        elif field not in _LEGACY_LINE_IGNORED:
            raise UnknownField(field, "lineitem")
    return line


def legacy_create(ctx: Ctx, el: etree._Element) -> Output:
    """create_invoice / create_bill / create_apadjustment / create_aradjustment: 2.1-style elements -> generic."""
    shape = LEGACY_CREATES[el.tag]
    obj = OBJECTS[shape.object]
    ctx.require(shape.module, "Add", "CREATE", obj.name)
    raw = element_value(el)
    if not isinstance(raw, dict):
        raw = {}
    doc = legacy_header(raw, shape.header, shape.ignored, shape.items, el.tag)
    container = raw.get(shape.items)
    lines = [legacy_line(item) for item in as_list(container.get("lineitem") if isinstance(container, dict)
                                                   else None)]
    assert obj.lines is not None
    doc[obj.lines.container] = {obj.lines.item: lines}
    rec = insert(ctx, obj, doc)
    return Output(key=str(rec.recordno), object=obj.name, records=1, transactions=1)
