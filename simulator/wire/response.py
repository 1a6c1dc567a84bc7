"""Serialise gateway responses in the real element order and case.

Shapes follow shared/reference/sage-xml-api.md §2: control, then either operation(s) or a
top-level errormessage; authentication failures put errormessage beside authentication with no
result; each result carries status, function, controlid, then key or data, then errormessage.

Rules return data: a result's ``data`` is either ``Records`` (what the write path answers: a ``<data>``
element of records, rendered here) or an lxml element built by a rule that still builds its own. The
envelope is written as text, escaped exactly as libxml2 escapes it (a test holds the two renderers to
the same bytes): building an lxml tree per response was a tenth of a 100-function request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from intacct_harness.simulator.errors import ErrorDetail
from intacct_harness.simulator.wire.envelope import Control
from intacct_harness.simulator.wire.protocol import CONTENT_TYPE  # noqa: F401 - re-exported


@dataclass
class AuthInfo:
    status: str
    userid: str
    companyid: str
    locationid: str | None = None
    sessiontimestamp: str | None = None
    sessiontimeout: str | None = None


@dataclass
class Records:
    """``<data listtype="objects" count="n">`` and its records, as data: (element name, fields) each."""

    records: list[tuple[str, Mapping[str, Any]]] = field(default_factory=list)
    listtype: str = "objects"

    def element(self) -> etree._Element:
        """The same as an lxml element (for callers that need a tree)."""
        data = data_element({"listtype": self.listtype, "count": len(self.records)})
        for tag, fields in self.records:
            data.append(record_element(tag, fields))
        return data


@dataclass
class Result:
    status: str
    function: str
    controlid: str
    data: etree._Element | Records | None = None
    key: str | None = None
    errors: list[ErrorDetail] = field(default_factory=list)
    listtype: etree._Element | None = None    # legacy get_list: <listtype start end total>object</listtype>


@dataclass
class OperationOutcome:
    auth: AuthInfo
    auth_errors: list[ErrorDetail] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def errormessage(parent: etree._Element, errors: Iterable[ErrorDetail]) -> None:
    em = _sub(parent, "errormessage")
    for err in errors:
        e = _sub(em, "error")
        _sub(e, "errorno", err.errorno)
        _sub(e, "description", err.description)
        _sub(e, "description2", err.description2)
        _sub(e, "correction", err.correction)


def _control(root: etree._Element, status: str, control: Control | None) -> None:
    c = _sub(root, "control")
    _sub(c, "status", status)
    if control is None:
        return
    _sub(c, "senderid", control.senderid)
    _sub(c, "controlid", control.controlid)
    _sub(c, "uniqueid", control.uniqueid)
    _sub(c, "dtdversion", control.dtdversion)


_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def serialise(root: etree._Element) -> bytes:
    return _DECLARATION + etree.tostring(root, encoding="UTF-8")


# libxml2's escaping: text escapes & < > and CR; attribute values also " and TAB, LF, CR. Characters XML 1.0
# cannot carry at all (lxml refuses to store them) become U+FFFD.
_SPECIAL_TEXT = re.compile(r"[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPECIAL_ATTR = re.compile(r"[&<>\"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;"}


def _esc(text: str, special: re.Pattern[str] = _SPECIAL_TEXT) -> str:
    if special.search(text) is None:
        return text
    return special.sub(lambda m: _ESCAPES.get(m.group(), "\ufffd"), text)


def _leaf(out: list[str], tag: str, text: str | None) -> None:
    out.append(f"<{tag}/>" if text is None else f"<{tag}>{_esc(text)}</{tag}>")


def _errors_text(out: list[str], errors: Iterable[ErrorDetail]) -> None:
    errors = list(errors)
    if not errors:
        out.append("<errormessage/>")
        return
    out.append("<errormessage>")
    for err in errors:
        out.append(f"<error><errorno>{_esc(err.errorno)}</errorno><description>{_esc(err.description)}"
                   f"</description><description2>{_esc(err.description2)}</description2><correction>"
                   f"{_esc(err.correction)}</correction></error>")
    out.append("</errormessage>")


def _control_text(out: list[str], status: str, control: Control | None) -> None:
    out.append(f"<control><status>{status}</status>")
    if control is not None:
        out.append(f"<senderid>{_esc(control.senderid)}</senderid><controlid>{_esc(control.controlid)}</controlid>"
                   f"<uniqueid>{_esc(control.uniqueid)}</uniqueid><dtdversion>{_esc(control.dtdversion)}"
                   "</dtdversion>")
    out.append("</control>")


def _value_text(out: list[str], name: str, value: Any) -> None:
    """One field of a record, as ``record_element`` builds it: lists repeat, mappings nest, None is empty."""
    if isinstance(value, list):
        for item in value:
            _value_text(out, name, item)
    elif isinstance(value, Mapping):
        _nested(out, name, value)
    else:
        _leaf(out, name, None if value is None else str(value))


def _records_text(out: list[str], data: Records) -> None:
    if not data.records:
        out.append(f'<data listtype="{_esc(data.listtype, _SPECIAL_ATTR)}" count="0"/>')
        return
    out.append(f'<data listtype="{_esc(data.listtype, _SPECIAL_ATTR)}" count="{len(data.records)}">')
    for tag, fields in data.records:
        _nested(out, tag, fields)
    out.append("</data>")


def _nested(out: list[str], tag: str, fields: Mapping[str, Any]) -> None:
    """An element of fields; with nothing inside (no fields, or only empty lists) it is ``<tag/>``, as lxml has it."""
    start = len(out)
    out.append(f"<{tag}>")
    for name, value in fields.items():
        _value_text(out, name, value)
    if len(out) == start + 1:
        out[start] = f"<{tag}/>"
    else:
        out.append(f"</{tag}>")


def _element_text(out: list[str], el: etree._Element) -> None:
    out.append(etree.tostring(el, encoding="unicode"))


def _finish(out: list[str]) -> bytes:
    return _DECLARATION + "".join(out).encode("utf-8")


def control_failure(control: Control | None, errors: Iterable[ErrorDetail]) -> bytes:
    """Control-level failure; ``control=None`` gives the gateway's minimal ``<control>`` (GW-nnnn)."""
    out = ["<response>"]
    _control_text(out, "failure", control)
    _errors_text(out, errors)
    out.append("</response>")
    return _finish(out)


def success(control: Control, operations: Iterable[OperationOutcome]) -> bytes:
    out = ["<response>"]
    _control_text(out, "success", control)
    for outcome in operations:
        auth = outcome.auth
        out.append("<operation><authentication>")
        _leaf(out, "status", auth.status)
        _leaf(out, "userid", auth.userid)
        _leaf(out, "companyid", auth.companyid)
        if auth.status == "success":
            _leaf(out, "locationid", auth.locationid or "")
            _leaf(out, "sessiontimestamp", auth.sessiontimestamp)
            _leaf(out, "sessiontimeout", auth.sessiontimeout)
        out.append("</authentication>")
        if outcome.auth_errors:
            _errors_text(out, outcome.auth_errors)
            out.append("</operation>")
            continue
        for result in outcome.results:
            out.append("<result>")
            _leaf(out, "status", result.status)
            _leaf(out, "function", result.function)
            _leaf(out, "controlid", result.controlid)
            if result.key is not None:
                _leaf(out, "key", result.key)
            if result.listtype is not None:
                _element_text(out, result.listtype)
            if isinstance(result.data, Records):
                _records_text(out, result.data)
            elif result.data is not None:
                _element_text(out, result.data)
            if result.errors:
                _errors_text(out, result.errors)
            out.append("</result>")
        out.append("</operation>")
    out.append("</response>")
    return _finish(out)


def success_tree(control: Control, operations: Iterable[OperationOutcome]) -> bytes:
    """``success`` built as an lxml tree: the reference the text renderer is tested against."""
    root = etree.Element("response")
    _control(root, "success", control)
    for outcome in operations:
        op = _sub(root, "operation")
        a = _sub(op, "authentication")
        auth = outcome.auth
        _sub(a, "status", auth.status)
        _sub(a, "userid", auth.userid)
        _sub(a, "companyid", auth.companyid)
        if auth.status == "success":
            _sub(a, "locationid", auth.locationid or "")
            _sub(a, "sessiontimestamp", auth.sessiontimestamp)
            _sub(a, "sessiontimeout", auth.sessiontimeout)
        if outcome.auth_errors:
            errormessage(op, outcome.auth_errors)
            continue
        for result in outcome.results:
            r = _sub(op, "result")
            _sub(r, "status", result.status)
            _sub(r, "function", result.function)
            _sub(r, "controlid", result.controlid)
            if result.key is not None:
                _sub(r, "key", result.key)
            if result.listtype is not None:
                r.append(_copy(result.listtype))
            if isinstance(result.data, Records):
                r.append(result.data.element())
            elif result.data is not None:
                r.append(_copy(result.data))
            if result.errors:
                errormessage(r, result.errors)
    return serialise(root)


def _copy(el: etree._Element) -> etree._Element:
    from copy import deepcopy

    return deepcopy(el)


def record_element(tag: str, record: Mapping[str, Any], fields: Iterable[str] | None = None) -> etree._Element:
    """A record as XML: scalars as text, dicts as nested elements, lists as repeated elements."""
    el = etree.Element(tag)
    names = record.keys() if fields is None else fields
    for name in names:
        _append_value(el, name, record.get(name))
    return el


def _append_value(parent: etree._Element, name: str, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _append_value(parent, name, item)
        return
    child = etree.SubElement(parent, name)
    if isinstance(value, Mapping):
        for k, v in value.items():
            _append_value(child, k, v)
    elif value is not None:
        child.text = str(value)


def data_element(attrs: Mapping[str, str | int]) -> etree._Element:
    el = etree.Element("data")
    for k, v in attrs.items():
        el.set(k, str(v))
    return el
