"""The console's request journal: each gateway exchange's bodies, secrets redacted before they are stored.

The admin journal (``/__sim/journal``) keeps one row per function without bodies; support needs the
XML itself. A request the backend processes is written here inside that request's own transaction
(``Capture.write``, called by ``Backend.process``), so a request stays one write transaction;
``CaptureMiddleware`` (WSGI, around the app) records the rest as sent: parse errors, 429s, a busy store and
every faulted exchange (a cut body, a dropped connection, a 524). Rows land in a table of their own in the same
store (so every gunicorn worker's requests show) and only the newest ``limit`` are kept; a reset of the
simulator keeps them, they are the history of what happened. Passwords and session ids are replaced before
the row is written: the store never holds them.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from typing import Any

from intacct_harness.simulator.store import Store, Tx

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 2000
MAX_BODY = 256 * 1024  # a larger body is kept cut, marked so
REDACTED = "***"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS console_exchanges(
    seq INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, company TEXT, http_status INTEGER NOT NULL,
    functions TEXT NOT NULL, status TEXT NOT NULL, errornos TEXT NOT NULL, request TEXT NOT NULL,
    response TEXT NOT NULL, dropped INTEGER NOT NULL DEFAULT 0);
"""
_SECRET = re.compile(rb"(<(password|sessionid)\b[^>]*>)(.*?)(</\2\s*>)", re.IGNORECASE | re.DOTALL)
_SECRET_ATTR = re.compile(rb"""(\bsessionid\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE)
_COMPANY = re.compile(rb"<companyid>\s*([^<\s]+)\s*</companyid>", re.IGNORECASE)
_SESSION = re.compile(rb"<sessionid>\s*([^<\s]+)\s*</sessionid>", re.IGNORECASE)
_FUNCTION = re.compile(rb"<function\b[^>]*>\s*<(\w+)", re.IGNORECASE)
_STATUS = re.compile(rb"<status>\s*(\w+)\s*</status>", re.IGNORECASE)
_ERRORNO = re.compile(rb"<errorno>\s*([^<]+?)\s*</errorno>", re.IGNORECASE)


def redact(body: bytes) -> bytes:
    """Blank every password and session id, in elements (``<password>``) and attributes (``sessionid=``).

    A body that names neither (most responses: a 1,000-record page is 250 KB) is returned as it is after
    one case-folded scan, about a tenth of what the two patterns cost on it.
    """
    folded = body.lower()
    if b"password" not in folded and b"sessionid" not in folded:
        return body
    body = _SECRET.sub(lambda m: m.group(1) + REDACTED.encode() + m.group(4), body)
    return _SECRET_ATTR.sub(lambda m: m.group(1) + m.group(2) + REDACTED.encode() + m.group(2), body)


def _text(body: bytes) -> str:
    if len(body) > MAX_BODY:
        body = body[:MAX_BODY] + f"\n[… cut: {len(body) - MAX_BODY} more bytes]".encode()
    return body.decode("utf-8", "replace")


def summarise(request_body: bytes, response_body: bytes, http_status: int) -> dict[str, Any]:
    """Company, functions, overall status and error numbers, read from the two bodies by pattern.

    Patterns, not a parser: a malformed request is exactly what support needs to see, and it must
    not cost a full parse per request under load.
    """
    company = _COMPANY.search(response_body) or _COMPANY.search(request_body)
    errornos = list(dict.fromkeys(m.decode("utf-8", "replace") for m in _ERRORNO.findall(response_body)))
    statuses = {s.decode().lower() for s in _STATUS.findall(response_body)}
    if http_status >= 400 or not response_body or "failure" in statuses or errornos:
        status = "failure"
    elif "aborted" in statuses:
        status = "aborted"
    else:
        status = "success"
    return {"company": company.group(1).decode("utf-8", "replace") if company else None,
            "functions": ",".join(dict.fromkeys(f.decode() for f in _FUNCTION.findall(request_body))),
            "status": status, "errornos": ",".join(errornos)}


class Capture:
    """Writes exchanges into the store and pages through them for the console."""

    def __init__(self, store: Store, limit: int = DEFAULT_LIMIT) -> None:
        self.store = store
        self.limit = limit
        self._written = 0
        with store.transaction() as tx:
            tx.conn.execute(_SCHEMA)

    def record(self, request_body: bytes, response_body: bytes, http_status: int, dropped: bool = False) -> None:
        """An exchange the gateway answered outside a request transaction (a parse error, a fault, a 429)."""
        if self.limit <= 0:
            return
        with self.store.transaction() as tx:
            self.write(tx, request_body, response_body, http_status, dropped)

    def write(self, tx: Tx, request_body: bytes, response_body: bytes, http_status: int,
              dropped: bool = False) -> bool:
        """Add an exchange in ``tx`` (the request's own transaction, or a read snapshot's queued writes)."""
        if self.limit <= 0:
            return False
        session = _SESSION.search(request_body)
        request_body, response_body = redact(request_body), redact(response_body)
        row = summarise(request_body, response_body, http_status)
        if dropped:
            row["status"] = "failure"
        if row["company"] is None and session:  # no answer to name it: the session does
            found = tx.get_session(session.group(1).decode("utf-8", "replace"))
            row["company"] = found[0] if found else None
        self._written += 1
        tx.console_exchange((time.time(), row["company"], http_status, row["functions"], row["status"],
                             row["errornos"], _text(request_body), _text(response_body), int(dropped)),
                            trim_to=self.limit if self._written % 100 == 0 else None)
        return True

    def get(self, seq: int) -> dict[str, Any] | None:
        with self.store.read() as tx:
            cur = tx.conn.execute("SELECT * FROM console_exchanges WHERE seq = ?", (seq,))
            row = cur.fetchone()
            return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None

    def exchanges(self, *, since: int = 0, limit: int = 200, company: str | None = None,
                  function: str | None = None, status: str | None = None,
                  errorno: str | None = None) -> list[dict[str, Any]]:
        """Newest first, after ``since``; filters match the summary columns."""
        sql = "SELECT * FROM console_exchanges WHERE seq > ?"
        args: list[Any] = [since]
        if company:
            sql += " AND company = ?"
            args.append(company)
        if status:
            sql += " AND status = ?"
            args.append(status)
        for column, value in (("functions", function), ("errornos", errorno)):
            if value:
                sql += f" AND ',' || {column} || ',' LIKE ?"
                args.append(f"%,{value},%")
        sql += " ORDER BY seq DESC LIMIT ?"
        args.append(limit)
        with self.store.read() as tx:
            cur = tx.conn.execute(sql, args)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur]


class _Tee:
    """``wsgi.input`` that keeps a copy of what the gateway reads (up to MAX_BODY + 1 bytes)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.copy = bytearray()

    def _keep(self, data: bytes) -> bytes:
        if len(self.copy) <= MAX_BODY:
            self.copy += data[: MAX_BODY + 1 - len(self.copy)]
        return data

    def read(self, *args: Any) -> bytes:
        return self._keep(self.stream.read(*args))

    def readline(self, *args: Any) -> bytes:
        return self._keep(self.stream.readline(*args))

    def __iter__(self) -> Any:
        return (self._keep(line) for line in self.stream)


class CaptureMiddleware:
    """WSGI wrapper around the app: hands each gateway POST's request and response bodies to ``Capture``."""

    def __init__(self, app: Any, capture: Capture) -> None:
        self.app = app
        self.capture = capture

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        from intacct_harness.simulator.wire.protocol import DROP_CONNECTION, EXCHANGE_RECORDED, GATEWAY_PATH

        if self.capture.limit <= 0 or environ.get("PATH_INFO") != GATEWAY_PATH \
                or environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        tee = environ["wsgi.input"] = _Tee(environ["wsgi.input"])
        status: list[str] = []

        def keep_status(code: str, headers: Any, *rest: Any) -> Any:
            status.append(code)
            return start_response(code, headers, *rest)

        body = self.app(environ, keep_status)
        chunks = list(body)
        if hasattr(body, "close"):
            body.close()
        if environ.get(EXCHANGE_RECORDED):   # the request's own transaction wrote it
            return chunks
        http_status = int(status[0].split()[0]) if status else 0
        dropped = bool(environ.get(DROP_CONNECTION))
        try:
            self.capture.record(bytes(tee.copy), b"" if dropped else b"".join(chunks), http_status, dropped)
        except sqlite3.OperationalError as exc:  # a busy store: the gateway's answer (GW-0012) still goes out
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            log.warning("console journal: exchange not recorded, store busy: %s", exc)
        return chunks
