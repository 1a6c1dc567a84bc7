"""Serialise gateway responses in the real element order and case.

Shapes follow shared/reference/sage-xml-api.md §2: control, then either operation(s) or a
top-level errormessage; authentication failures put errormessage beside authentication with no
result; each result carries status, function, controlid, then key or data, then errormessage.
"""

from __future__ import annotations

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
class Result:
    status: str
    function: str
    controlid: str
    data: etree._Element | None = None
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


def control_failure(control: Control | None, errors: Iterable[ErrorDetail]) -> bytes:
    """Control-level failure; ``control=None`` gives the gateway's minimal ``<control>`` (GW-nnnn)."""
    root = etree.Element("response")
    _control(root, "failure", control)
    errormessage(root, errors)
    return serialise(root)


def success(control: Control, operations: Iterable[OperationOutcome]) -> bytes:
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
                r.append(result.listtype)
            if result.data is not None:
                r.append(result.data)
            if result.errors:
                errormessage(r, result.errors)
    return serialise(root)


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
