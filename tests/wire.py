"""A minimal raw-XML client for wire tests: the bytes we send are the bytes a real client sends."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import httpx
from lxml import etree

from intacct_harness.simulator.testing import SimulatedCompany

_ids = itertools.count(1)


def envelope(functions: str, *, sender: str, sender_password: str, auth: str, transaction: bool = False,
             controlid: str | None = None) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<request><control><senderid>{sender}</senderid><password>{sender_password}</password>"
        f"<controlid>{controlid or f'ctl-{next(_ids)}'}</controlid><uniqueid>false</uniqueid>"
        "<dtdversion>3.0</dtdversion><includewhitespace>false</includewhitespace></control>"
        f'<operation transaction="{"true" if transaction else "false"}"><authentication>{auth}</authentication>'
        f"<content>{functions}</content></operation></request>"
    )


def login_auth(user: str, company: str, password: str, entity: str | None = None) -> str:
    loc = "" if entity is None else f"<locationid>{entity}</locationid>"
    return (f"<login><userid>{user}</userid><companyid>{company}</companyid>"
            f"<password>{password}</password>{loc}</login>")


def fn(body: str, controlid: str = "f1") -> str:
    return f'<function controlid="{controlid}">{body}</function>'


@dataclass
class Reply:
    http: httpx.Response
    root: etree._Element

    @property
    def control_status(self) -> str | None:
        return self.root.findtext("control/status")

    @property
    def auth_status(self) -> str | None:
        return self.root.findtext("operation/authentication/status")

    def results(self) -> list[etree._Element]:
        return self.root.findall("operation/result")

    def result(self, i: int = 0) -> etree._Element:
        return self.results()[i]

    def status(self, i: int = 0) -> str | None:
        return self.result(i).findtext("status")

    def errors(self, where: etree._Element | None = None) -> list[dict[str, str]]:
        base = self.root if where is None else where
        return [{c.tag: (c.text or "") for c in e} for e in base.iter("error")]

    def errornos(self, where: etree._Element | None = None) -> list[str]:
        return [e["errorno"] for e in self.errors(where)]


class Gateway:
    """Posts envelopes for a simulated company with its default (valid) credentials."""

    def __init__(self, sim: SimulatedCompany, client: httpx.Client | None = None) -> None:
        self.sim = sim
        self.http = client or sim.client()
        c = sim.credentials
        self.sender, self.sender_password = c.sender_id, c.sender_password
        self.login = login_auth(c.user_id, c.company_id, c.user_password)

    def post_raw(self, body: bytes | str, path: str = "/ia/xml/xmlgw.phtml", **kwargs: Any) -> httpx.Response:
        return self.http.post(path, content=body, headers={"content-type": "application/xml"},
                              **kwargs)

    def call(self, functions: str, *, auth: str | None = None, sender: str | None = None,
             sender_password: str | None = None, transaction: bool = False,
             path: str = "/ia/xml/xmlgw.phtml") -> Reply:
        body = envelope(functions, sender=sender or self.sender,
                        sender_password=self.sender_password if sender_password is None else sender_password,
                        auth=auth or self.login, transaction=transaction)
        resp = self.post_raw(body, path)
        return Reply(resp, etree.fromstring(resp.content))

    def session(self, entity: str | None = None) -> str:
        body = "<getAPISession/>" if entity is None else f"<getAPISession><locationid>{entity}</locationid>" \
            "</getAPISession>"
        reply = self.call(fn(body))
        sid = reply.root.findtext(".//api/sessionid")
        assert sid, reply.http.text
        return f"<sessionid>{sid}</sessionid>"
