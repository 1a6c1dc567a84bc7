"""Parse a gateway request body into plain data, safely.

The parser refuses DTDs and entities outright (no XXE, no entity bombs, no network), keeps
libxml2's depth and size limits (``huge_tree=False``) and reports any problem the way the gateway
does: a control-level ``XL03000003`` "XML Parse schema error" naming the line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from intacct_harness.simulator.errors import XmlParseError
from intacct_harness.simulator.wire.protocol import DTD_VERSIONS

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
    remove_comments=True, remove_pis=True,
)


@dataclass
class Control:
    senderid: str = ""
    password: str = ""
    controlid: str = ""
    uniqueid: str = "false"
    dtdversion: str = "3.0"
    policyid: str = ""


@dataclass
class Login:
    userid: str
    companyid: str
    password: str
    locationid: str | None   # None: not given (top level); "": explicitly top level


@dataclass
class Function:
    controlid: str
    name: str
    element: etree._Element


@dataclass
class Operation:
    transaction: bool
    login: Login | None
    session_id: str | None
    functions: list[Function] = field(default_factory=list)


@dataclass
class Request:
    control: Control
    operations: list[Operation]
    raw: bytes = b""          # the body as sent: the QA console's journal keeps it (redacted)


def element_value(el: etree._Element) -> Any:
    """Element -> str (leaf) or dict (children; repeated children become lists).

    The write path's XML-to-dict step, once per object element of every create/update: leaves are read
    in the loop instead of by a call each (an APBILL with three lines is 5 calls, not 20).
    """
    out: dict[str, Any] = {}
    for child in el:
        tag = child.tag
        if type(tag) is not str:  # comments and PIs (the request parser already drops them)
            continue
        value = element_value(child) if len(child) else (child.text or "").strip()
        if tag in out:
            known = out[tag]
            if type(known) is list:
                known.append(value)
            else:
                out[tag] = [known, value]
        else:
            out[tag] = value
    if not out:
        return (el.text or "").strip()
    return out


def text_of(parent: etree._Element, tag: str, default: str = "") -> str:
    child = parent.find(tag)
    if child is None:
        return default
    return (child.text or "").strip()


def _schema_error(message: str, element: etree._Element | None = None) -> XmlParseError:
    where = f" Line: {element.sourceline}, column: 0." if element is not None and element.sourceline else ""
    return XmlParseError(f"{message}.{where}")


def parse_xml(body: bytes) -> etree._Element:
    """lxml parse with the gateway's error text; DTDs and entity declarations are rejected."""
    if not body.strip():
        raise XmlParseError("Fatal Error 4: Document is empty. Line: 1, column: 1.")
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        entry = exc.error_log.last_error if exc.error_log else None
        if entry is not None:
            msg = entry.message.rstrip(".")
            raise XmlParseError(f"Fatal Error {entry.type}: {msg}. Line: {entry.line}, column: {entry.column}.") \
                from None
        raise XmlParseError(f"Fatal Error: {exc}") from None
    except ValueError as exc:  # e.g. unicode strings with an encoding declaration
        raise XmlParseError(f"Fatal Error: {exc}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise XmlParseError("Fatal Error 94: DOCTYPE and entity declarations are not allowed. Line: 1, column: 1.")
    for node in root.iter(etree.Entity):
        raise _schema_error(f"Entity reference &{node.name}; is not allowed", node)
    return root


def _one(parent: etree._Element, tag: str, required: bool = True) -> etree._Element | None:
    found = parent.findall(tag)
    if len(found) > 1:
        raise _schema_error(f"Element '{tag}' appears {len(found)} times in '{parent.tag}'", found[1])
    if not found:
        if required:
            raise _schema_error(f"Element '{parent.tag}': Missing child element(s). Expected is ( {tag} )", parent)
        return None
    return found[0]


def parse_request(body: bytes) -> Request:
    root = parse_xml(body)
    if root.tag != "request":
        raise _schema_error(f"Element '{root.tag}': No matching global declaration available for the "
                            "validation root", root)
    control_el = _one(root, "control")
    assert control_el is not None
    for tag in ("senderid", "password", "controlid", "uniqueid", "dtdversion", "policyid"):
        _one(control_el, tag, required=False)  # a repeated element is ambiguous (which sender?): reject it
    control = Control(
        senderid=text_of(control_el, "senderid"),
        password=text_of(control_el, "password"),
        controlid=text_of(control_el, "controlid"),
        uniqueid=text_of(control_el, "uniqueid", "false") or "false",
        dtdversion=text_of(control_el, "dtdversion", "3.0") or "3.0",
        policyid=text_of(control_el, "policyid"),
    )
    if control_el.find("senderid") is None:
        raise _schema_error("Element 'control': Missing child element(s). Expected is ( senderid )", control_el)
    if control_el.find("controlid") is None:
        raise _schema_error("Element 'control': Missing child element(s). Expected is ( controlid )", control_el)
    if not 1 <= len(control.controlid) <= 256:
        raise _schema_error("Element 'controlid': must be between 1 and 256 characters", control_el)
    if control.dtdversion not in DTD_VERSIONS:
        raise _schema_error(f"Element 'dtdversion': [facet 'enumeration'] The value '{control.dtdversion[:20]}' "
                            "is not an element of the set {'2.1', '3.0'}", control_el)
    operations = [_parse_operation(op) for op in root.findall("operation")]
    if not operations:
        raise _schema_error("Element 'request': Missing child element(s). Expected is ( operation )", root)
    unexpected = [c for c in root if c.tag not in ("control", "operation")]
    if unexpected:
        raise _schema_error(f"Element '{unexpected[0].tag}': This element is not expected", unexpected[0])
    return Request(control, operations, body)


def _parse_operation(op: etree._Element) -> Operation:
    transaction = (op.get("transaction") or "false").strip().lower()
    if transaction not in ("true", "false"):
        raise _schema_error(f"Attribute 'transaction': '{transaction[:20]}' is not a valid value", op)
    auth = _one(op, "authentication")
    assert auth is not None
    login_el = _one(auth, "login", required=False)
    session_el = _one(auth, "sessionid", required=False)
    if (login_el is None) == (session_el is None):
        raise _schema_error("Element 'authentication': Expected exactly one of ( login, sessionid )", auth)
    login = None
    if login_el is not None:
        for tag in ("userid", "companyid", "password"):
            _one(login_el, tag)
        loc = login_el.find("locationid")
        login = Login(
            userid=text_of(login_el, "userid"),
            companyid=text_of(login_el, "companyid"),
            password=login_el.findtext("password") or "",   # exactly as sent: see errors.SignInIncorrect
            locationid=None if loc is None else (loc.text or "").strip(),
        )
    functions: list[Function] = []
    for content in op.findall("content"):
        for fn in content:
            if fn.tag != "function":
                raise _schema_error(f"Element '{fn.tag}': This element is not expected. Expected is ( function )",
                                    fn)
            controlid = fn.get("controlid")
            if controlid is None:
                raise _schema_error("Element 'function': The attribute 'controlid' is required but missing", fn)
            children = [c for c in fn if isinstance(c.tag, str)]
            if len(children) != 1:
                raise _schema_error("Element 'function': Expected exactly one function element", fn)
            functions.append(Function(controlid=controlid, name=children[0].tag, element=children[0]))
    return Operation(
        transaction=transaction == "true",
        login=login,
        session_id=None if session_el is None else (session_el.text or "").strip(),
        functions=functions,
    )
