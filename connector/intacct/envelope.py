"""Build request envelopes with lxml: control, authentication (login or session), functions."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from intacct_harness.connector.intacct.xmltext import xml_text
from intacct_harness.connector.secrets import Secret

_seq = itertools.count(1)


def el(tag: str, *children: etree._Element | None, text: Any = None, **attrs: str) -> etree._Element:
    """An element with optional text and children (``None`` children are skipped)."""
    node = etree.Element(tag, **attrs)
    if text is not None:
        node.text = xml_text(str(text), tag)
    for child in children:
        if child is not None:
            node.append(child)
    return node


def fields(tag: str, values: Mapping[str, Any]) -> etree._Element:
    """``<tag><K>v</K>…</tag>`` from a mapping; nested mappings nest, lists repeat, None is skipped."""
    node = etree.Element(tag)
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, etree._Element):
            node.append(value)
        elif isinstance(value, Mapping):
            node.append(fields(key, value))
        elif isinstance(value, list):
            for item in value:
                node.append(fields(key, item) if isinstance(item, Mapping) else el(key, text=item))
        else:
            node.append(el(key, text=value))
    return node


@dataclass(frozen=True)
class Function:
    """One ``<function controlid=…>`` with exactly one function element."""

    element: etree._Element
    controlid: str = ""

    def with_id(self) -> Function:
        return self if self.controlid else Function(self.element, f"f{next(_seq)}-{uuid.uuid4().hex[:8]}")

    @property
    def name(self) -> str:
        return str(self.element.tag)


@dataclass(frozen=True)
class Login:
    company_id: str
    user_id: str
    password: Secret
    entity: str | None = None


def request(*, sender_id: str, sender_password: Secret, auth: Login | Secret, functions: Sequence[Function],
            transaction: bool = False, controlid: str | None = None) -> bytes:
    """The request body. ``auth`` is a login or a session id; secrets are revealed only here."""
    control = el("control",
                 el("senderid", text=sender_id), el("password", text=sender_password.reveal()),
                 el("controlid", text=controlid or f"alvys-{time.time_ns()}"), el("uniqueid", text="false"),
                 el("dtdversion", text="3.0"), el("includewhitespace", text="false"))
    if isinstance(auth, Login):
        login = el("login", el("userid", text=auth.user_id), el("companyid", text=auth.company_id),
                   el("password", text=auth.password.reveal()),
                   el("locationid", text=auth.entity) if auth.entity else None)
        authentication = el("authentication", login)
    else:
        authentication = el("authentication", el("sessionid", text=auth.reveal()))
    content = el("content")
    for fn in functions:
        content.append(el("function", fn.element, controlid=fn.controlid))
    root = el("request", control,
              el("operation", authentication, content, transaction="true" if transaction else "false"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
