"""Attachments (supporting documents): folders, attachments with their files, and the legacy reads.

Proof of delivery and bills of lading back a trucking invoice. The functions and their elements are the
v2.1 DTD's ([dtd:v2.1/intacct_co_functions.v2.1.dtd]: ``create_supdocfolder (supdocfoldername,
supdocfolderdescription?, supdocparentfoldername?)``, ``create_supdoc``/``update_supdoc (supdocid, supdocname?,
supdocfoldername?, supdocdescription?, attachments?)`` with ``attachment (attachmentname, attachmenttype,
attachmentdata)``, ``delete_supdoc key``, ``get``/``get_list object="supdoc|supdocfolder"``); the read shapes
are the response DTD's ``supdoc (supdocid, folder, description, creationdate, createdby, attachments?)`` and
``supdocfolder (name, description, parentfolder, creationdate, createdby, lastmodified, lastmodifiedby,
status)``. developer.sage.com (company-config/attachment): the folder must exist before an attachment is
created in it; a record has at most one attachment (its SUPDOCID); files can be added later. fylein's SDK
reads attachments with ``get_list`` and a filter ``expression`` ([pysdk:apis/attachments.py]).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from lxml import etree

from intacct_harness.simulator.errors import (
    AttachmentTooLarge,
    DuplicateRecord,
    InvalidArgument,
    InvalidFieldValue,
    InvalidReference,
    RecordNotFound,
    RequiredField,
    UnknownField,
)
from intacct_harness.simulator.models.context import Ctx, Output
from intacct_harness.simulator.models.objects import OBJECTS, ObjectDef
from intacct_harness.simulator.models.writes import as_list, element_value, name_of, stamp
from intacct_harness.simulator.store import Record
from intacct_harness.simulator.wire.response import record_element

# The largest file one attachment element may carry, decoded (simulator's choice: Sage's limit is not public;
# the DTD names attachmentdata STRING_100000, which real clients exceed). With base64's 4/3 it fits the
# default 8 MiB request limit.
MAX_FILE_BYTES = 4 * 1024 * 1024
MODULE = "Company"   # developer.sage.com: attachments need the Company subscription, "Add Attachments"
_LENGTHS = {"supdocid": 100, "supdocname": 200, "supdocfoldername": 100, "supdocparentfoldername": 100,
            "supdocdescription": 1000, "supdocfolderdescription": 1000, "attachmenttype": 20}   # [dtd:common]
_SUPDOC_ELEMENTS = ("supdocid", "supdocname", "supdocfoldername", "supdocdescription", "attachments")
_FOLDER_ELEMENTS = ("supdocfoldername", "supdocfolderdescription", "supdocparentfoldername")


def _fields(raw: Any, allowed: tuple[str, ...], function: str) -> dict[str, Any]:
    raw = raw if isinstance(raw, dict) else {}
    for name, value in raw.items():
        if name not in allowed:
            raise UnknownField(name, function)
        if isinstance(value, str) and name in _LENGTHS and len(value) > _LENGTHS[name]:
            raise InvalidFieldValue(name, value, f"at most {_LENGTHS[name]} characters")
    return raw


def _text(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _folder(ctx: Ctx, name: str, function: str) -> Record:
    folder = ctx.lookup(OBJECTS["SUPDOCFOLDER"], name)
    if folder is None:
        raise InvalidReference(f"Attachment folder '{name}' does not exist.", function.split("_", 1)[-1],
                               "Create the folder with create_supdocfolder first, or name an existing one.")
    return folder


def _files(raw: Any) -> list[dict[str, str]]:
    """``attachments/attachment`` -> files, each base64 that decodes and is not too large."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, dict) or set(raw) - {"attachment"}:
        raise InvalidArgument("attachments holds attachment elements (attachmentname, attachmenttype, "
                              "attachmentdata).")
    files = []
    for item in as_list(raw.get("attachment")):
        item = _fields(item, ("attachmentname", "attachmenttype", "attachmentdata"), "attachment")
        for name in ("attachmentname", "attachmenttype", "attachmentdata"):
            if not _text(item, name):
                raise RequiredField(name, "attachment")
        data = "".join(_text(item, "attachmentdata").split())
        try:
            size = len(base64.b64decode(data, validate=True))
        except (binascii.Error, ValueError):
            raise InvalidFieldValue("attachmentdata", data[:40], "the file's bytes encoded as base64") from None
        if size > MAX_FILE_BYTES:
            raise AttachmentTooLarge(size, MAX_FILE_BYTES)
        files.append({"ATTACHMENTNAME": _text(item, "attachmentname"),
                      "ATTACHMENTTYPE": _text(item, "attachmenttype"), "ATTACHMENTDATA": data})
    return files


def _store(ctx: Ctx, obj: ObjectDef, key: str, doc: dict[str, Any]) -> Record:
    recordno = ctx.tx.next_recordno(ctx.company_id)
    doc[obj.id_field] = key
    doc["CREATIONDATE"] = ctx.timestamp()[:10]
    stamp(ctx, obj, doc, recordno, ctx.session.entity)
    rec = Record(obj.name, recordno, key, ctx.session.entity, doc)
    ctx.tx.insert_record(ctx.company_id, rec, name_of(obj, doc))
    ctx.forget(obj.name, key)
    return rec


def create_supdocfolder(ctx: Ctx, el: etree._Element) -> Output:
    obj = OBJECTS["SUPDOCFOLDER"]
    ctx.require(MODULE, "Add", "CREATE", obj.name)
    raw = _fields(element_value(el), _FOLDER_ELEMENTS, el.tag)
    name = _text(raw, "supdocfoldername")
    if not name:
        raise RequiredField("supdocfoldername", el.tag)
    if ctx.tx.by_key(ctx.company_id, obj.name, name) is not None:
        raise DuplicateRecord(obj.label, name, obj.name)
    parent = _text(raw, "supdocparentfoldername")
    if parent:
        _folder(ctx, parent, el.tag)
    _store(ctx, obj, name, {"DESCRIPTION": _text(raw, "supdocfolderdescription"), "PARENTFOLDER": parent})
    return Output(key=name, object=obj.name, records=1, transactions=1)


def _supdoc_request(ctx: Ctx, el: etree._Element, verb: str, operation: str) -> tuple[ObjectDef, dict[str, Any], str]:
    """create_supdoc / update_supdoc: the permission, the elements and the attachment's ID."""
    obj = OBJECTS["SUPDOC"]
    ctx.require(MODULE, verb, operation, obj.name)
    raw = _fields(element_value(el), _SUPDOC_ELEMENTS, el.tag)
    supdocid = _text(raw, "supdocid")
    if not supdocid:
        raise RequiredField("supdocid", el.tag)
    return obj, raw, supdocid


def create_supdoc(ctx: Ctx, el: etree._Element) -> Output:
    obj, raw, supdocid = _supdoc_request(ctx, el, "Add", "CREATE")
    folder = _text(raw, "supdocfoldername")
    if not folder:   # optional in the DTD, required by Sage's form (DataBlend's attachment requirements)
        raise RequiredField("supdocfoldername", el.tag)
    _folder(ctx, folder, el.tag)
    if ctx.tx.by_key(ctx.company_id, obj.name, supdocid) is not None:
        raise DuplicateRecord(obj.label, supdocid, obj.name)
    files = _files(raw.get("attachments"))
    _store(ctx, obj, supdocid, {"SUPDOCNAME": _text(raw, "supdocname") or supdocid, "FOLDER": folder,
                                "DESCRIPTION": _text(raw, "supdocdescription"),
                                "ATTACHMENTS": {"ATTACHMENT": files}})
    return Output(key=supdocid, object=obj.name, records=1, transactions=1)


def update_supdoc(ctx: Ctx, el: etree._Element) -> Output:
    """Rename, move or describe an attachment; files sent are added to the ones it has."""
    obj, raw, supdocid = _supdoc_request(ctx, el, "Edit", "UPDATE")
    rec = ctx.lookup(obj, supdocid)
    if rec is None:
        raise RecordNotFound(f"Cannot update non-existing attachment with supdocid={supdocid}.")
    if _text(raw, "supdocfoldername"):
        _folder(ctx, _text(raw, "supdocfoldername"), el.tag)
        rec.doc["FOLDER"] = _text(raw, "supdocfoldername")
    for element, field in (("supdocname", "SUPDOCNAME"), ("supdocdescription", "DESCRIPTION")):
        if element in raw:
            rec.doc[field] = _text(raw, element)
    rec.doc["ATTACHMENTS"] = {"ATTACHMENT": _stored_files(rec) + _files(raw.get("attachments"))}
    rec.doc["WHENMODIFIED"] = ctx.timestamp()
    rec.doc["MODIFIEDBY"] = ctx.session.user_id
    ctx.tx.update_record(ctx.company_id, rec, name_of(obj, rec.doc))
    return Output(key=supdocid, object=obj.name, records=1, transactions=1)


def delete_supdoc(ctx: Ctx, el: etree._Element) -> Output:
    obj = OBJECTS["SUPDOC"]
    ctx.require(MODULE, "Delete", "DELETE", obj.name)
    key = (el.get("key") or "").strip()
    rec = ctx.lookup(obj, key) if key else None
    if rec is None:
        raise RecordNotFound(f"Cannot find attachment with key '{key[:100]}' to delete.")
    ctx.tx.delete_record(ctx.company_id, obj.name, rec.recordno)
    ctx.forget(obj.name, key)
    return Output(key=key, object=obj.name, records=1, transactions=1)


def _stored_files(rec: Record) -> list[dict[str, str]]:
    holder = rec.doc.get("ATTACHMENTS")
    return as_list(holder.get("ATTACHMENT")) if isinstance(holder, dict) else []


def _legacy(rec: Record) -> etree._Element:
    """A stored folder or attachment in the response DTD's lowercase shape."""
    doc = rec.doc
    if rec.object == "SUPDOC":
        values: dict[str, Any] = {"supdocid": rec.key, "folder": doc.get("FOLDER", ""),
                                  "description": doc.get("DESCRIPTION", ""), "creationdate": doc.get("CREATIONDATE"),
                                  "createdby": doc.get("CREATEDBY", "")}
        files = _stored_files(rec)
        if files:
            values["attachments"] = {"attachment": [{k.lower(): v for k, v in f.items()} for f in files]}
        return record_element("supdoc", values)
    return record_element("supdocfolder", {
        "name": rec.key, "description": doc.get("DESCRIPTION", ""), "parentfolder": doc.get("PARENTFOLDER", ""),
        "creationdate": doc.get("CREATIONDATE"), "createdby": doc.get("CREATEDBY", ""),
        "lastmodified": doc.get("WHENMODIFIED", "")[:10], "lastmodifiedby": doc.get("MODIFIEDBY", ""),
        "status": doc.get("STATUS", "active")})


_LEGACY_FIELDS = {"supdocid": "SUPDOCID", "folder": "FOLDER", "description": "DESCRIPTION", "name": "SUPDOCFOLDERNAME",
                  "parentfolder": "PARENTFOLDER", "createdby": "CREATEDBY", "supdocname": "SUPDOCNAME",
                  "status": "STATUS"}


def _list_object(ctx: Ctx, el: etree._Element, function: str) -> ObjectDef:
    name = (el.get("object") or "").strip().lower()
    if name not in ("supdoc", "supdocfolder"):
        raise InvalidArgument(f"{function} of object '{name[:50]}' is not modelled; the simulator answers "
                              "supdoc and supdocfolder.")
    obj = OBJECTS[name.upper()]
    ctx.require(MODULE, "List" if function == "get_list" else "View", function.upper(), obj.name)
    return obj


def get(ctx: Ctx, el: etree._Element) -> Output:
    """``get object="supdoc|supdocfolder" key="…"``: one record, files included."""
    obj = _list_object(ctx, el, "get")
    key = (el.get("key") or "").strip()
    rec = ctx.lookup(obj, key) if key else None
    if rec is None:
        raise RecordNotFound(f"No {obj.name.lower()} with key '{key[:100]}' exists.")
    data = etree.Element("data")
    data.append(_legacy(rec))
    return Output(data=data, object=obj.name, records=1, transactions=1)


def get_list(ctx: Ctx, el: etree._Element) -> Output:
    """``get_list`` with ``filter/expression`` of field, ``=`` and value (the form fylein sends).

    Like the other reads, the top level sees an entity's records only with ``showprivate="true"`` (the v2.1
    DTD's and the v3.0 XSD's attribute of get_list)."""
    obj = _list_object(ctx, el, "get_list")
    wanted: list[tuple[str, str]] = []
    for expr in el.iterfind("filter/expression"):
        field = (expr.findtext("field") or "").strip().lower()
        operator = (expr.findtext("operator") or "").strip()
        if field not in _LEGACY_FIELDS or operator != "=":
            raise InvalidArgument(f"get_list filter on '{field[:50]}' {operator[:10]} is not modelled; the simulator "
                                  f"filters {', '.join(sorted(_LEGACY_FIELDS))} with '='.")
        wanted.append((field, (expr.findtext("value") or "").strip()))
    private = el.get("showprivate", "false") == "true"   # the DTD's attribute: the top level reads into entities
    found = [r for r in ctx.tx.scan(ctx.company_id, obj.name) if ctx.readable(r, private) and all(
        (r.key if f in ("supdocid", "name") else str(r.doc.get(_LEGACY_FIELDS[f], ""))) == v for f, v in wanted)]
    listtype = etree.Element("listtype", start="0", end=str(max(len(found) - 1, 0)), total=str(len(found)))
    listtype.text = obj.name.lower()
    data = etree.Element("data")
    for rec in found:
        data.append(_legacy(rec))
    return Output(data=data, listtype=listtype, object=obj.name, records=len(found), transactions=1)


FUNCTIONS = {"create_supdocfolder": create_supdocfolder, "create_supdoc": create_supdoc,
             "update_supdoc": update_supdoc, "delete_supdoc": delete_supdoc, "get": get, "get_list": get_list}
