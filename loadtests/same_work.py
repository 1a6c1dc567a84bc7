"""The same-work baseline of ``make bench``'s write rows: a minimal script doing what any gateway must do.

For a ``create APBILL`` request it parses the body with lxml, turns each bill into the document the
simulator stores (header fields, lines numbered, totals, stamps), inserts the same rows into the same tables
with the same indexes (``simulator.store.SCHEMA``: records, journal, counters, usage; every bill and every
line gets a RECORDNO) in one SQLite transaction on a WAL file, and serialises the same response. It signs
nobody in and validates nothing: the simulator's rules are what the ratio against this baseline prices.
"""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, Response, request
from lxml import etree

from intacct_harness.simulator.store import SCHEMA
from intacct_harness.simulator.wire.protocol import CONTENT_TYPE, GATEWAY_PATH

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True,
                          remove_pis=True)
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def _sub(parent: etree._Element, tag: str, text: str) -> None:
    etree.SubElement(parent, tag).text = text


class SameWork:
    """One company's gateway reduced to parse, insert and serialise."""

    def __init__(self, path: str, company: str = "LOAD-CO-00", user: str = "alvys_ws",
                 endpoint: str = "http://localhost" + GATEWAY_PATH) -> None:
        self.company, self.user = company, user
        self.url_base = endpoint.rsplit("/ia/", 1)[0]
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(SCHEMA)
        self.conn.execute("INSERT OR IGNORE INTO counters(company, next) VALUES(?, 100)", (company,))

    def handle(self, body: bytes) -> bytes:
        root = etree.fromstring(body, _PARSER)
        control = root.find("control")
        assert control is not None
        now = time.time()
        stamp = datetime.fromtimestamp(now, UTC).strftime("%m/%d/%Y %H:%M:%S")
        functions = [(fn.get("controlid", ""), fn[0][0]) for fn in root.iterfind("operation/content/function")]
        bills = [(controlid, {c.tag: (c.text or "").strip() for c in bill if len(c) == 0},
                  [{c.tag: (c.text or "").strip() for c in item} for item in bill.iterfind("APBILLITEMS/APBILLITEM")])
                 for controlid, bill in functions]
        numbers = sum(1 + len(lines) for _, _, lines in bills)   # each bill and each line has a RECORDNO
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            next_no = conn.execute("UPDATE counters SET next = next + ? WHERE company=? RETURNING next - ?",
                                   (numbers, self.company, numbers)).fetchone()[0]
            records, journal, recordnos = [], [], []
            for controlid, doc, lines in bills:
                recordno = next_no
                next_no += 1 + len(lines)
                recordnos.append(recordno)
                total = Decimal(0)
                for i, line in enumerate(lines, start=1):
                    total += Decimal(line.get("TRX_AMOUNT") or "0")
                    line.update(RECORDNO=str(recordno + i), RECORDKEY=str(recordno), LINE_NO=str(i))
                doc.update(TOTALPAID="0", TOTALENTERED=str(total), TOTALDUE=str(total),
                           APBILLITEMS={"APBILLITEM": lines}, RECORDNO=str(recordno), WHENMODIFIED=stamp,
                           STATE="Posted", CREATEDBY=self.user, MODIFIEDBY=self.user, MEGAENTITYKEY="",
                           MEGAENTITYID="", MEGAENTITYNAME="",
                           RECORD_URL=f"{self.url_base}/ia/acct/ur.phtml?.r=SIM{recordno}")
                records.append((self.company, "APBILL", recordno, str(recordno), None, "", json.dumps(doc),
                                doc.get("RECORDID")))
                journal.append((now, self.company, self.user, "", "create", "APBILL", controlid, "success", 1))
            conn.executemany("INSERT INTO records(company, object, recordno, key, name_ci, entity, doc, docno) "
                             "VALUES(?,?,?,?,?,?,?,?)", records)
            conn.executemany("INSERT INTO journal(ts, company, user, entity, function, object, controlid, status, "
                             "records) VALUES(?,?,?,?,?,?,?,?,?)", journal)
            conn.execute("INSERT INTO usage(company, month, transactions) VALUES(?,?,?) ON CONFLICT(company, month) "
                         "DO UPDATE SET transactions = transactions + excluded.transactions",
                         (self.company, stamp[6:10] + "-" + stamp[:2], len(functions)))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return self._response(control, now, recordnos, [c for c, _, _ in bills])

    def _response(self, control: etree._Element, now: float, recordnos: list[int], controlids: list[str]) -> bytes:
        resp = etree.Element("response")
        c = etree.SubElement(resp, "control")
        _sub(c, "status", "success")
        for tag in ("senderid", "controlid", "uniqueid", "dtdversion"):
            _sub(c, tag, control.findtext(tag) or "")
        op = etree.SubElement(resp, "operation")
        auth = etree.SubElement(op, "authentication")
        iso = datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds")
        for tag, text in (("status", "success"), ("userid", self.user), ("companyid", self.company),
                          ("locationid", ""), ("sessiontimestamp", iso), ("sessiontimeout", iso)):
            _sub(auth, tag, text)
        for recordno, controlid in zip(recordnos, controlids, strict=True):
            result = etree.SubElement(op, "result")
            _sub(result, "status", "success")
            _sub(result, "function", "create")
            _sub(result, "controlid", controlid)
            data = etree.SubElement(result, "data", listtype="objects", count="1")
            bill = etree.SubElement(data, "apbill")
            _sub(bill, "RECORDNO", str(recordno))
            _sub(bill, "RECORD_URL", f"{self.url_base}/ia/acct/ur.phtml?.r=SIM{recordno}")
        return _DECLARATION + etree.tostring(resp, encoding="UTF-8")


def create_same_work_app(path: str) -> Flask:
    """The baseline behind a minimal Flask route: body in, bytes out."""
    app = Flask(__name__)
    work = SameWork(path)

    @app.post(GATEWAY_PATH)
    def gateway() -> Response:
        return Response(work.handle(request.get_data(cache=False)), content_type=CONTENT_TYPE)

    @app.get("/__sim/health")
    def health() -> Any:
        return {"ok": True}

    return app

