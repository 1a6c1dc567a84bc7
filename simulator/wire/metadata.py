"""What inspect, lookup, getAPISession, getDimensions(+Relationships), getUserPermissions and get_companyprefs
answer, as XML.

The rules (``models/metadata.py``) decide what to say as plain data; this module only says it in Sage's
elements. ``lookup``'s field and relationship elements are documented (developer.intacct.com/api/
platform-services/objects: ID, LABEL, DESCRIPTION, REQUIRED, READONLY, DATATYPE, VALIDVALUES; OBJECTPATH,
OBJECTNAME, LABEL, RELATIONSHIPTYPE, RELATEDBY). ``inspect detail="1"``'s shape is not public: the simulator
answers it with the same field elements (simulator's choice), under ``inspect``'s documented ``Type/Fields``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lxml import etree

from intacct_harness.simulator.wire.response import data_element


@dataclass(frozen=True)
class FieldInfo:
    id: str
    label: str
    description: str
    required: bool
    readonly: bool
    datatype: str                      # Sage's upper-case names: TEXT, DATE, CURRENCY, ENUM, ...
    valid_values: tuple[str, ...] = ()
    custom: bool = False


@dataclass(frozen=True)
class Relationship:
    path: str
    object: str
    label: str
    related_by: str
    kind: str = "MANY2ONE"


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _record(parent: etree._Element, tag: str, leaves: Iterable[tuple[str, str]]) -> etree._Element:
    """``<tag>`` under ``parent`` with one text child per (name, text), in order."""
    el = _sub(parent, tag)
    for name, text in leaves:
        _sub(el, name, text)
    return el


def object_list(names: Iterable[str]) -> etree._Element:
    """``inspect`` of ``*``: every object, as ``<type typename="X">X</type>``."""
    names = list(names)
    data = data_element({"listtype": "All", "count": len(names)})
    for n in names:
        _sub(data, "type", n).set("typename", n)
    return data


def _field(parent: etree._Element, f: FieldInfo) -> None:
    el = _record(parent, "Field", [("ID", f.id), ("LABEL", f.label), ("DESCRIPTION", f.description),
                                   ("REQUIRED", _bool(f.required)), ("READONLY", _bool(f.readonly)),
                                   ("DATATYPE", f.datatype)])
    if f.valid_values:
        values = _sub(el, "VALIDVALUES")
        for v in f.valid_values:
            _sub(values, "VALIDVALUE", v)
    _sub(el, "ISCUSTOM", _bool(f.custom))


def inspected(name: str, fields: Iterable[FieldInfo], detail: bool) -> etree._Element:
    """``inspect`` of one object: field names (detail 0) or each field's details (detail 1)."""
    data = data_element({"listtype": name, "count": 1})
    t = _sub(data, "Type")
    t.set("Name", name)
    fields_el = _sub(t, "Fields")
    for f in fields:
        if detail:
            _field(fields_el, f)
        else:
            _sub(fields_el, "Field", f.id)
    return data


def looked_up(name: str, fields: Iterable[FieldInfo], relationships: Iterable[Relationship]) -> etree._Element:
    """``lookup``: the object's fields and its many-to-one relationships."""
    data = data_element({"listtype": "All", "count": 1})
    t = _sub(data, "Type")
    t.set("Name", name)
    t.set("DocumentType", "")
    fields_el = _sub(t, "Fields")
    for f in fields:
        _field(fields_el, f)
    rels = _sub(t, "Relationships")
    for r in relationships:
        _record(rels, "Relationship", [("OBJECTPATH", r.path), ("OBJECTNAME", r.object), ("LABEL", r.label),
                                       ("RELATIONSHIPTYPE", r.kind), ("RELATEDBY", r.related_by)])
    return data


def api_session(session_id: str, endpoint: str, location: str) -> etree._Element:
    data = etree.Element("data")
    _record(data, "api", [("sessionid", session_id), ("endpoint", endpoint), ("locationid", location)])
    return data


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str
    user_defined: bool
    in_gl: bool


def dimensions(rows: Iterable[Dimension]) -> etree._Element:
    data = etree.Element("data")
    dims = _sub(data, "dimensions")
    for row in rows:
        _record(dims, "dimension", [("objectName", row.name), ("objectLabel", row.label), ("termLabel", row.label),
                                    ("userDefinedDimension", _bool(row.user_defined)),
                                    ("enabledInGL", _bool(row.in_gl))])
    return data


def dimension_relationships(rows: Iterable[tuple[str, int]]) -> etree._Element:
    """``getDimensionRelationships``: one ``relationship`` per (dimension, object_id), none related."""
    data = etree.Element("data")
    for name, object_id in rows:
        _record(data, "relationship", [("dimension", name), ("object_id", str(object_id)),
                                       ("autofillrelated", "false"), ("enableoverride", "false")])
    return data


def company_prefs(application: str, prefs: Iterable[tuple[str, str]]) -> etree._Element:
    """``get_companyprefs``: one ``companypref`` (application, preference, prefvalue) per preference."""
    data = etree.Element("data")
    for preference, value in prefs:
        _record(data, "companypref", [("application", application), ("preference", preference), ("prefvalue", value)])
    return data


def permissions(modules: Mapping[str, tuple[str, str]]) -> etree._Element:
    """``module -> (rights "List|View|…", level)`` as ``permissions/appSubscription`` (shape: simulator's choice)."""
    data = etree.Element("data")
    perms = _sub(data, "permissions")
    for module, (rights, level) in modules.items():
        _record(perms, "appSubscription", [("applicationName", module), ("rights", rights), ("level", level)])
    return data
