"""Object definitions: what each Intacct object is called, keyed by, owned by and checked against.

The facts live in ``simulator/definitions/<OBJECT>.yaml`` (loaded and validated by ``models/definitions.py``);
this module gives the rules their typed view of them. Where the real module of an object is not documented
the definition says ``module_source: simulator's choice``. The legacy 2.1 function shapes stay here: they are
functions, not objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from intacct_harness.simulator.models.definitions import CATALOGUE, Definition, FieldDef

# The 11 GL-enabled standard dimensions (getDimensions fixture order after DEPARTMENT/LOCATION).
STANDARD_DIMENSIONS: tuple[str, ...] = (
    "DEPARTMENT", "LOCATION", "PROJECT", "CUSTOMER", "VENDOR", "EMPLOYEE",
    "ITEM", "CLASS", "CONTRACT", "TASK", "WAREHOUSE",
)

# Line-level dimension elements (generic APBILLITEM / legacy lineitem) -> dimension object.
LINE_DIMENSION_FIELDS: dict[str, str] = {
    "LOCATIONID": "LOCATION", "DEPARTMENTID": "DEPARTMENT", "PROJECTID": "PROJECT",
    "CUSTOMERID": "CUSTOMER", "VENDORID": "VENDOR", "EMPLOYEEID": "EMPLOYEE", "ITEMID": "ITEM",
    "CLASSID": "CLASS", "CONTRACTID": "CONTRACT", "TASKID": "TASK", "WAREHOUSEID": "WAREHOUSE",
}
_STANDARD_FIELD = {target: name for name, target in LINE_DIMENSION_FIELDS.items()}
STATUS_VALUES = frozenset({"active", "inactive"})


@dataclass(frozen=True)
class LineSpec:
    """Line items of a transaction: container element, item element and their fields."""

    container: str
    item: str
    fields: frozenset[str]
    required: tuple[str, ...]
    account_field: str
    amount_field: str
    renamed: dict[str, str] = field(default_factory=dict)   # standard line dimension field -> this line's name
    checks: dict[str, str] = field(default_factory=dict)    # field -> "number" | "date" | "enum"
    valid_values: dict[str, tuple[str, ...]] = field(default_factory=dict)   # enum field -> its values

    @cached_property
    def write_checks(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Each known line field -> (its check, its enum values), worked out once: ``writes.validate_lines``'
        fast path. GLDIM* names are left out (a company's UDDs decide what they are)."""
        return {n: (self.checks.get(n, ""), self.valid_values.get(n, ())) for n in self.fields
                if not n.startswith("GLDIM")}


@dataclass(frozen=True)
class ObjectDef:
    name: str
    label: str                     # as Sage words it in "Another <label> with the given value(s)…"
    module: str
    id_field: str                  # the business key; "RECORDNO" when Sage numbers it
    name_field: str | None
    fields: frozenset[str]         # what a write may set
    required: tuple[str, ...] = ()
    references: dict[str, str] = field(default_factory=dict)   # header field -> object it must name
    lines: LineSpec | None = None
    is_dimension: bool = False
    module_source: str = "documented"
    # Generic create/update/delete accepted? None: yes; else where Sage says only legacy functions write it.
    legacy_only: str | None = None
    read_fields: frozenset[str] = frozenset()   # what Sage computes: reads answer it, writes refuse it
    checks: dict[str, str] = field(default_factory=dict)       # field -> "number" | "date" | "enum"
    valid_values: dict[str, tuple[str, ...]] = field(default_factory=dict)   # enum field -> its values
    definition: Definition | None = None
    parent: str | None = None      # a line object (APBILLITEM): the document it belongs to
    # Reads answer these fields under another element name (a UDD's ID as ``id``), from another stored field.
    shown_as: dict[str, str] = field(default_factory=dict)
    read_from: dict[str, str] = field(default_factory=dict)

    def shown(self, record: dict[str, Any], fields: list[str] | None) -> tuple[dict[str, Any], list[str] | None]:
        """A record and field list as reads render them: renamed elements, fields read from another."""
        if not self.shown_as:
            return record, fields
        names = list(record) if fields is None else fields
        out = {self.shown_as.get(n, n): record.get(self.read_from.get(n, n)) for n in names}
        return out, [self.shown_as.get(n, n) for n in names]

    @property
    def auto_key(self) -> bool:
        return self.id_field == "RECORDNO"

    def allowed(self, name: str) -> bool:
        return name in self.fields or name in SYSTEM_FIELDS

    def check(self, name: str) -> str:
        """How a written value of ``name`` is checked ("" for text and unknown fields)."""
        return self.checks.get(name) or SYSTEM_CHECKS.get(name, "")

    @cached_property
    def write_checks(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Each field a write may set -> (``check``, its enum values), worked out once for
        ``writes.validate_fields``' fast path. GLDIM* names are left out (a company's UDDs decide what they are)."""
        return {n: (self.check(n), self.valid_values.get(n, ())) for n in self.fields | SYSTEM_FIELDS
                if not n.startswith("GLDIM")}

    @cached_property
    def reference_checks(self) -> tuple[tuple[str, str, str | None, str | None, str | None], ...]:
        """Per reference field: (field, object it names, key part, the NAME field a create fills from it when
        named directly, and when named through the key part), worked out once."""
        def filled(name: str) -> str | None:
            shown = name.replace("ID", "NAME")
            return shown if shown in self.fields or shown in self.read_fields else None

        out = []
        for name, target in self.references.items():
            part = self.definition.fields[name].key_part if self.definition is not None else None
            out.append((name, target, part, filled(name), filled(f"{name}.{part}") if part is not None else None))
        return tuple(out)


SYSTEM_FIELDS = frozenset(CATALOGUE.system_fields)
SYSTEM_CHECKS = {n: f.check for n, f in CATALOGUE.system_fields.items() if f.check}


def _checks(fields: dict[str, FieldDef]) -> dict[str, str]:
    return {n: f.check for n, f in fields.items() if f.check}


def _values(fields: dict[str, FieldDef]) -> dict[str, tuple[str, ...]]:
    return {n: f.valid_values for n, f in fields.items() if f.valid_values}


def _line_spec(d: Definition) -> LineSpec:
    assert d.line_of is not None
    writable = {n: f for n, f in d.fields.items() if not f.readonly}
    renamed = {_STANDARD_FIELD[f.references]: n for n, f in writable.items()
               if f.references in _STANDARD_FIELD and _STANDARD_FIELD[f.references] != n}
    return LineSpec(container=d.line_of.container, item=d.name, fields=frozenset(writable),
                    required=tuple(n for n, f in writable.items() if f.required),
                    account_field=d.line_of.account_field, amount_field=d.line_of.amount_field, renamed=renamed,
                    checks=_checks(writable), valid_values=_values(writable))


def _read_fields(d: Definition) -> frozenset[str]:
    names = {n for n, f in d.fields.items() if f.readonly}
    for n, f in d.fields.items():
        if f.contact_block:
            names |= {f"{n}.{p}" for p in CATALOGUE.contact_parts}
    return frozenset(names)


def object_def(d: Definition) -> ObjectDef:
    """The rules' view of one definition; a line object is read on its own and written with its document."""
    writable = {n: f for n, f in d.fields.items() if not f.readonly}
    lines = _line_spec(CATALOGUE.objects[d.lines]) if d.lines else None
    parent = d.line_of.object if d.line_of else None
    legacy_only = d.legacy_only
    if parent is not None and d.line_of is not None:
        legacy_only = f"create or update of {parent} with its {d.line_of.container} (lines are written with it)"
    return ObjectDef(
        name=d.name, label=d.label, module=d.module, id_field=d.id_field, name_field=d.name_field,
        fields=frozenset(writable), required=tuple(n for n, f in writable.items() if f.required),
        references={n: f.references for n, f in writable.items() if f.references},
        lines=lines, is_dimension=d.dimension, module_source=d.module_source, legacy_only=legacy_only,
        read_fields=_read_fields(d), checks=_checks(writable), valid_values=_values(writable), definition=d,
        parent=parent)


@dataclass(frozen=True)
class Relation:
    """A many-to-one relationship a read can follow with a dot (``VENDOR.NAME`` on APBILL)."""

    path: str        # the name before the dot
    object: str      # the related object
    field: str       # this object's field that holds the related record's key (lookup's RELATEDBY)


def relationships(obj: ObjectDef) -> list[Relation]:
    """An object's relationships from its definition: each ``references`` field, and each contact block."""
    if obj.definition is None:
        return []
    out: dict[str, Relation] = {}
    for name, f in obj.definition.fields.items():
        if f.references is not None and not f.readonly:
            by = f"{name}.{f.key_part}" if f.key_part else name
            out.setdefault(f.references, Relation(f.references, f.references, by))
    for name, f in obj.definition.fields.items():
        if f.contact_block:
            out.setdefault(name, Relation(name, "CONTACT", f"{name}.CONTACTNAME"))
    return list(out.values())


OBJECTS: dict[str, ObjectDef] = {d.name: object_def(d) for d in CATALOGUE.objects.values() if d.line_of is None}
# Line objects (APBILLITEM, GLENTRY, ...): read on their own, written with their documents.
LINE_OBJECTS: dict[str, ObjectDef] = {
    d.name: object_def(d) for d in CATALOGUE.objects.values() if d.line_of is not None}
READ_FIELDS: dict[str, frozenset[str]] = {o.name: o.read_fields for o in OBJECTS.values() if o.read_fields}
# How an invalid reference to each object reads (fylein's error regexes; SUPDOC: the simulator's choice).
INVALID_REFERENCE_TEXT: dict[str, str] = {
    d.name: d.invalid_reference for d in CATALOGUE.objects.values() if d.invalid_reference}
CONTACT_FIELDS = frozenset({"DISPLAYCONTACT", "CONTACTINFO", "BILLTO", "SHIPTO", "PAYTO", "RETURNTO"})


@dataclass(frozen=True)
class LegacyCreate:
    """A 2.1-style create function: which object it writes, checked against which module, and its elements.

    ``header`` maps each element the v2.1 DTD allows ([dtd:v2.1/intacct_pr_functions.v2.1.dtd]) to the
    generic field it fills; ``ignored`` are allowed elements the simulator accepts without keeping.
    """

    object: str
    module: str
    header: dict[str, str]
    items: str
    ignored: frozenset[str]


_LEGACY_COMMON = {
    "datecreated": "WHENCREATED", "datedue": "WHENDUE", "description": "DESCRIPTION", "termname": "TERMNAME",
    "basecurr": "BASECURR", "currency": "CURRENCY", "supdocid": "SUPDOCID", "ponumber": "PONUMBER",
    "externalid": "EXTERNALID", "onhold": "ONHOLD", "customfields": "customfields",
}
_LEGACY_CREATE_IGNORED = frozenset({
    "action", "batchkey", "dateposted", "exchratedate", "exchratetype", "exchrate", "nogl", "taxsolutionid",
    "billto", "shipto", "payto", "returnto", "inclusivetax"})
# Adjustments: create_apadjustment / create_aradjustment as the DTD lists them; AR has neither supdocid nor
# customfields (intacct-sdk-net#217 shows Sage refusing supdocid on create_aradjustment).
_ADJUSTMENT_COMMON = {"datecreated": "WHENCREATED", "adjustmentno": "RECORDID", "description": "DESCRIPTION",
                      "externalid": "EXTERNALID", "basecurr": "BASECURR", "currency": "CURRENCY"}
_ADJUSTMENT_IGNORED = frozenset({"dateposted", "batchkey", "action", "exchratedate", "exchratetype", "exchrate",
                                 "nogl", "inclusivetax", "taxsolutionid"})

# The legacy create_* functions and the module their write permission is checked against
# (the umpa notes say create_invoice is checked against the AR module, not the ARINVOICE object).
LEGACY_CREATES: dict[str, LegacyCreate] = {
    "create_invoice": LegacyCreate("ARINVOICE", "Accounts Receivable",
                                   {**_LEGACY_COMMON, "customerid": "CUSTOMERID", "invoiceno": "RECORDID"},
                                   "invoiceitems", _LEGACY_CREATE_IGNORED),
    "create_bill": LegacyCreate("APBILL", "Accounts Payable",
                                {**_LEGACY_COMMON, "vendorid": "VENDORID", "billno": "RECORDID"},
                                "billitems", _LEGACY_CREATE_IGNORED),
    "create_apadjustment": LegacyCreate("APADJUSTMENT", "Accounts Payable",
                                        {**_ADJUSTMENT_COMMON, "vendorid": "VENDORID", "billno": "DOCNUMBER",
                                         "customfields": "customfields"},
                                        "apadjustmentitems", _ADJUSTMENT_IGNORED),
    "create_aradjustment": LegacyCreate("ARADJUSTMENT", "Accounts Receivable",
                                        {**_ADJUSTMENT_COMMON, "customerid": "CUSTOMERID", "invoiceno": "DOCNUMBER"},
                                        "aradjustmentitems", _ADJUSTMENT_IGNORED),
}

# Platform Services owns dimensions metadata and inspect of custom objects (simulator's choice).
DIMENSIONS_MODULE = "Platform Services"
PERMISSIONS_MODULE = "Administration"
