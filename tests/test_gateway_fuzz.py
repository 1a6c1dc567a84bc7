"""A bounded grammar-aware fuzz of the gateway: envelopes built from the request grammar with odd values.

Each example is a well-formed request (one or two operations, login or session, functions from the
grammar with hostile values in their fields). Whatever it holds, the gateway answers in its own XML:
no 5xx, never the internal error DL02000001, no traceback in the log, and it still serves afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from intacct_harness.simulator.testing import simulated_company, standard_company
from tests.wire import Gateway, fn

ODD = st.one_of(
    st.sampled_from(["", " ", "0", "-0", "1e999999999", "1E+999999", "9" * 5000, "NaN", "Infinity", "-1", "1_0",
                     "12/31/2026", "02/30/2026", "2026-01-01", "E1", "E2", "NOPE", "C1", "V1", "5000", "active",
                     "inactive", "' OR 1=1 --", "a\\'b", "\u202e", "\U0001f600", "true", "*", "RECORDNO", "%"]),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20),
)
FIELD = st.sampled_from(["VENDORID", "CUSTOMERID", "NAME", "WHENCREATED", "WHENDUE", "RECORDID", "STATUS",
                         "TOTALENTERED", "DESCRIPTION", "BOGUS", "MEGAENTITYID"])
LINE_FIELD = st.sampled_from(["ACCOUNTNO", "TRX_AMOUNT", "LOCATIONID", "DEPARTMENTID", "MEMO", "GLDIMTRAILER"])
QUERY = st.one_of(ODD, st.sampled_from(["CUSTOMERID = 'C1'", "NAME IN ('a', 'b')", "RECORDNO > 0", "NAME LIKE 'C%'",
                                        "CUSTOMERID IN (" + ", ".join(f"'C{i}'" for i in range(300)) + ")",
                                        "TOTALDUE > 1e999999999", "(", "NAME = 'x' OR"]))


def _text(value: str) -> str:
    return escape(value)


@st.composite
def amount_value(draw: st.DrawFn) -> str:
    """An amount as text, nested, or repeated: the shapes a sloppy client sends."""
    value = _text(draw(ODD))
    shape = draw(st.sampled_from(["plain", "nested", "repeated"]))
    if shape == "nested":
        return f"<TRX_AMOUNT><x>{value}</x></TRX_AMOUNT>"
    if shape == "repeated":
        return f"<TRX_AMOUNT>{value}</TRX_AMOUNT><TRX_AMOUNT>1</TRX_AMOUNT>"
    return f"<TRX_AMOUNT>{value}</TRX_AMOUNT>"


@st.composite
def function(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["bill", "create", "update", "delete", "rbq", "readMore", "read", "query",
                                 "session", "inspect"]))
    odd = _text(draw(ODD))
    if kind == "bill":
        extra = "".join(f"<{f}>{_text(draw(ODD))}</{f}>" for f in draw(st.lists(LINE_FIELD, max_size=3)))
        header = "".join(f"<{f}>{_text(draw(ODD))}</{f}>" for f in draw(st.lists(FIELD, max_size=2)))
        body = (f"<create><APBILL><VENDORID>V1</VENDORID><WHENCREATED>01/02/2026</WHENCREATED>{header}"
                f"<APBILLITEMS><APBILLITEM><ACCOUNTNO>5000</ACCOUNTNO>{draw(amount_value())}{extra}</APBILLITEM>"
                "</APBILLITEMS></APBILL></create>")
    elif kind in ("create", "update"):
        fields = "".join(f"<{f}>{_text(draw(ODD))}</{f}>" for f in draw(st.lists(FIELD, max_size=3)))
        body = f"<{kind}><CUSTOMER><CUSTOMERID>{odd}</CUSTOMERID>{fields}</CUSTOMER></{kind}>"
    elif kind == "delete":
        body = f"<delete><object>CUSTOMER</object><keys>{odd}</keys></delete>"
    elif kind == "rbq":
        body = (f"<readByQuery><object>{draw(st.sampled_from(['CUSTOMER', 'APBILL', 'USERINFO', odd]))}</object>"
                f"<query>{_text(draw(QUERY))}</query><fields>*</fields>"
                f"<pagesize>{draw(st.sampled_from(['1', '2', odd]))}</pagesize></readByQuery>")
    elif kind == "readMore":
        body = f"<readMore><resultId>{odd}</resultId></readMore>"
    elif kind == "read":
        body = f"<read><object>CUSTOMER</object><keys>{odd}</keys><fields>*</fields></read>"
    elif kind == "query":
        body = (f"<query><object>CUSTOMER</object><select><field>{draw(st.sampled_from(['NAME', odd]))}</field>"
                f"</select><filter><equalto><field>NAME</field><value>{odd}</value></equalto></filter>"
                f"<pagesize>{draw(st.sampled_from(['1', odd]))}</pagesize></query>")
    elif kind == "session":
        body = f"<getAPISession><locationid>{odd}</locationid></getAPISession>" if draw(st.booleans()) \
            else "<getAPISession/>"
    else:
        body = f"<inspect><object>{odd}</object></inspect>"
    return fn(body, _text(draw(st.sampled_from(["f1", "f2", "", "x" * 300]))))


@st.composite
def envelope(draw: st.DrawFn, gw: Gateway) -> bytes:
    def operation() -> str:
        auth_kind = draw(st.sampled_from(["login", "login-entity", "session", "bad-session", "bad-password"]))
        c = gw.sim.credentials
        if auth_kind == "session":
            auth = gw.session_element
        elif auth_kind == "bad-session":
            auth = f"<sessionid>{_text(draw(ODD))}</sessionid>"
        else:
            password = c.user_password if auth_kind != "bad-password" else _text(draw(ODD))
            loc = f"<locationid>{_text(draw(st.sampled_from(['E1', 'E2', 'NOPE', ''])))}</locationid>" \
                if auth_kind == "login-entity" else ""
            auth = (f"<login><userid>{c.user_id}</userid><companyid>{c.company_id}</companyid>"
                    f"<password>{password}</password>{loc}</login>")
        functions = "".join(draw(st.lists(function(), min_size=1, max_size=4)))
        transaction = draw(st.sampled_from(["true", "false"]))
        return (f'<operation transaction="{transaction}"><authentication>{auth}</authentication>'
                f"<content>{functions}</content></operation>")

    ops = "".join(operation() for _ in range(draw(st.integers(1, 2))))
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f"<request><control><senderid>{gw.sender}</senderid><password>{gw.sender_password}</password>"
            f"<controlid>{_text(draw(st.sampled_from(['fuzz', 'fuzz-2'])))}</controlid>"
            f"<uniqueid>{draw(st.sampled_from(['false', 'true']))}</uniqueid><dtdversion>3.0</dtdversion></control>"
            f"{ops}</request>").encode()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def fuzz_target() -> Iterator[tuple[Gateway, _Collect]]:
    company = standard_company(entities=[{"id": "E1"}, {"id": "E2"}], concurrency_limit=50)
    sim = simulated_company(company)
    sim.admin.add_records(sim.company_id, {
        "CUSTOMER": [{"CUSTOMERID": f"C{i}", "NAME": f"Customer {i}"} for i in range(5)],
        "VENDOR": [{"VENDORID": "V1", "NAME": "Swift"}]})
    gw = Gateway(sim)
    gw.session_element = gw.session("E1")  # type: ignore[attr-defined]
    handler = _Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield gw, handler
    finally:
        root.removeHandler(handler)
        sim.close()


@settings(max_examples=150, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_grammar_fuzz_never_breaks_the_gateway(fuzz_target, data):
    gw, logged = fuzz_target
    body = data.draw(envelope(gw))
    resp = gw.post_raw(body)
    assert resp.status_code < 500, resp.text[:500]
    root = etree.fromstring(resp.content)
    assert root.tag == "response"
    assert "DL02000001" not in [e.text for e in root.iter("errorno")], resp.text[:2000]
    bad = [r for r in logged.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not bad, logging.Formatter().format(bad[0])
    assert gw.call(fn("<getAPISession/>"), auth=gw.login.replace("</password>", "</password><locationid>E1"
                                                                 "</locationid>")).status() == "success"
