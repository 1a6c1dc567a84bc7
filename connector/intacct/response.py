"""Parse gateway responses into typed results; raise the failure level's exception when nothing ran."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from intacct_harness.connector.intacct.errors import (
    AuthenticationFailure,
    ControlFailure,
    ErrorDetail,
    GatewayError,
    MalformedResponse,
    RateLimited,
    clean_text,
)

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _errors(parent: etree._Element | None) -> tuple[ErrorDetail, ...]:
    if parent is None:
        return ()
    return tuple(ErrorDetail(clean_text(e.findtext("errorno") or ""), clean_text(e.findtext("description") or ""),
                             clean_text(e.findtext("description2") or ""), clean_text(e.findtext("correction") or ""))
                 for e in parent.iter("error"))


@dataclass
class Result:
    """One ``<result>``: status, function, controlid, then ``key`` (legacy) or ``data``, or errors."""

    status: str
    function: str
    controlid: str
    key: str | None = None
    data: etree._Element | None = None
    errors: tuple[ErrorDetail, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.status == "success"

    def records(self) -> list[dict[str, str]]:
        """The records under ``<data>`` as flat dicts of their scalar fields."""
        if self.data is None:
            return []
        return [{c.tag: (c.text or "") for c in rec if isinstance(c.tag, str) and len(c) == 0}
                for rec in self.data if isinstance(rec.tag, str)]

    @property
    def recordno(self) -> str | None:
        """RECORDNO of a create: legacy ``<key>`` or generic ``<data><object><RECORDNO>``."""
        if self.key:
            return self.key
        recs = self.records()
        return recs[0].get("RECORDNO") if recs else None

    def attr(self, name: str) -> str | None:
        return self.data.get(name) if self.data is not None else None


@dataclass
class Session:
    session_id: str
    endpoint: str
    entity: str


def parse(body: bytes, http_status: int) -> list[Result]:
    """Results of the (single) operation, or the exception of the level that stopped it."""
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError:
        raise MalformedResponse(f"gateway answered HTTP {http_status} with a body that is not XML",
                                http_status=http_status) from None
    if root.tag != "response" or root.find("control") is None:
        raise MalformedResponse(f"gateway answered HTTP {http_status} without a Sage response",
                                http_status=http_status)
    if root.findtext("control/status") != "success":
        errors = _errors(root.find("errormessage"))
        if any(e.errorno.startswith("GW-") for e in errors):
            cls = RateLimited if http_status == 429 or any(e.errorno == "GW-0010" for e in errors) else GatewayError
            raise cls.from_errors(errors, http_status)
        raise ControlFailure.from_errors(errors, http_status)
    op = root.find("operation")
    if op is None or op.find("authentication") is None:
        raise MalformedResponse("response has no operation/authentication block", http_status=http_status)
    if op.findtext("authentication/status") != "success":
        raise AuthenticationFailure.from_errors(_errors(op.find("errormessage")), http_status)
    results = []
    for r in op.findall("result"):
        data = r.find("data")
        results.append(Result(r.findtext("status") or "failure", r.findtext("function") or "",
                              r.findtext("controlid") or "", r.findtext("key"), data, _errors(r.find("errormessage"))))
    return results


def session_of(result: Result) -> Session:
    api = result.data.find("api") if result.data is not None else None
    if api is None or not api.findtext("sessionid"):
        raise MalformedResponse("getAPISession returned no session")
    return Session(api.findtext("sessionid") or "", api.findtext("endpoint") or "", api.findtext("locationid") or "")
