"""Expectations: what each step must show, compared with what happened, expected vs actual.

Every comparison becomes a ``Check`` with both values written out, so a report says not only
that a scenario failed but exactly which number, error or message differed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from intacct_harness.connector.identity import marker_of

ERROR = "{type, message_contains, message_matches, message_not_contains}: the step must fail with this error"
DOCUMENTS = ("{document number: state, or {state, errorno, message_contains, message_matches, message_not_contains, "
             "advice_contains, advice_matches, advice_not_contains}}")
TEXTS = {"messages_contain": "texts the output shows (case-insensitive)",
         "messages_match": "regular expressions the output matches",
         "messages_not_contain": "texts the output must not show (case-insensitive)"}
EXPECT_KEYS: dict[str, dict[str, str]] = {
    "doctor": {"ok": "true/false: ready to sync", "failed_checks": "check keys that fail",
               "passed_checks": "check keys that pass", **TEXTS, "error": ERROR},
    "sync": {"ok": "true/false", "posted": "count", "failed": "count", "not_migrated": "count",
             "recovered": "count", "uncertain": "count", "documents": DOCUMENTS, **TEXTS, "error": ERROR},
    "interrupted_sync": {"ledger": "{state: count}"},
    "sage_admin": {"error": ERROR},
    "connection": {"error": ERROR},
    "add_tms": {},
    "wait": {},
}
CHECK_KEYS = {"sage_records": "{OBJECT: count}", "no_duplicates": "true", "api_transactions": "count",
              "ledger": "{state: count}", "documents": DOCUMENTS,
              "records": "[{object, where: {FIELD: value}, fields: {FIELD: value}, line_count, lines: "
                         "[{FIELD: value}]}]: Sage records by their field values",
              "requests": "count of HTTP requests the connector sent so far",
              "functions": "{function name: count} the gateway ran so far (from its journal)",
              "sign_ins": "count of sign-ins (getAPISession) the gateway saw so far, refused ones included",
              "failed_sign_ins": "count of sign-ins the gateway refused so far",
              "throttled": "count of requests the gateway refused at the concurrency limit (GW-0010) so far"}
EXPECT_KEYS["check"] = CHECK_KEYS
EXPECT_KEYS["concurrent_syncs"] = {}   # per subsidiary: the sync step's expectations

# The type of each expectation key's value (the same key means the same thing in every step).
COUNT, BOOL, TRUE, TEXT_LIST, REGEX_LIST = "count", "bool", "true", "texts", "regexes"
KEY_TYPES: dict[str, str] = {
    "ok": BOOL, "posted": COUNT, "failed": COUNT, "not_migrated": COUNT, "recovered": COUNT, "uncertain": COUNT,
    "failed_checks": "checks", "passed_checks": "checks", "messages_contain": TEXT_LIST,
    "messages_match": REGEX_LIST, "messages_not_contain": TEXT_LIST, "error": "error", "documents": "documents",
    "ledger": "ledger", "sage_records": "objects", "no_duplicates": TRUE, "api_transactions": COUNT,
    "records": "records", "requests": COUNT, "functions": "functions", "sign_ins": COUNT, "failed_sign_ins": COUNT,
    "throttled": COUNT,
}
TEXT_KEYS = ("contains", "matches", "not_contains")
ERROR_KEYS = {"type": "the error's class name"} | {f"message_{k}": "text" for k in TEXT_KEYS}
DOCUMENT_KEYS = {"state": "the document's state", "errorno": "Sage error number"} | {
    f"{f}_{k}": "text" for f in ("message", "advice") for k in TEXT_KEYS}
RECORD_CHECK_KEYS = {"object": "Sage object", "where": "{FIELD: value} choosing the record(s)",
                     "fields": "{FIELD: value} each chosen record must have", "line_count": "lines per record",
                     "lines": "[{FIELD: value}] the lines, in order", "count": "how many records match where"}


@dataclass
class Check:
    name: str
    expected: Any
    actual: Any
    ok: bool

    def line(self) -> str:
        mark = "PASS" if self.ok else "FAIL"
        if self.ok:
            return f"[{mark}] {self.name}: {show(self.actual)}"
        return f"[{mark}] {self.name}: expected {show(self.expected)}, got {show(self.actual)}"


def equal(name: str, expected: Any, actual: Any) -> Check:
    return Check(name, expected, actual, expected == actual)


def contains(name: str, needle: str, haystack: str) -> Check:
    return Check(name, f"contains \"{needle}\"", _excerpt(haystack, needle), needle.lower() in haystack.lower())


def not_contains(name: str, needle: str, haystack: str) -> Check:
    return Check(name, f"does not contain \"{needle}\"", _excerpt(haystack, needle),
                 needle.lower() not in haystack.lower())


def matches(name: str, pattern: str, haystack: str) -> Check:
    found = re.search(pattern, haystack)
    return Check(name, f"matches /{pattern}/", found.group(0) if found else _excerpt(haystack, ""), found is not None)


def text_checks(name: str, want: Mapping[str, Any], prefix: str, text: str) -> list[Check]:
    """``{prefix}_contains`` / ``_matches`` / ``_not_contains`` (one value or, for messages_*, a list)."""
    checks = []
    for suffix, fn in (("contains", contains), ("matches", matches), ("not_contains", not_contains)):
        key = f"{prefix}_{suffix}" if prefix != "messages" else {"contains": "messages_contain",
                                                                  "matches": "messages_match",
                                                                  "not_contains": "messages_not_contain"}[suffix]
        values = want.get(key)
        if values is None:
            continue
        for value in values if isinstance(values, list) else [values]:
            checks.append(fn(name, str(value), text))
    return checks


def _excerpt(text: str, needle: str) -> str:
    text = " ".join(text.split())
    at = text.lower().find(needle.lower())
    if at < 0:
        return text[:300] + ("…" if len(text) > 300 else "")
    return text[max(0, at - 60): at + len(needle) + 60]


def error_checks(expect: Mapping[str, Any], error: BaseException | None) -> list[Check]:
    """A step expected to fail (``expect.error``) or, by default, expected to succeed."""
    want = expect.get("error")
    if want is None:
        return [] if error is None else [Check("completes without error", None,
                                               f"{type(error).__name__}: {error}", False)]
    if error is None:
        return [Check("fails with error", want, "no error", False)]
    checks = []
    if "type" in want:
        checks.append(equal("error type", want["type"], type(error).__name__))
    return checks + text_checks("error message", want, "message", str(error))


def count_checks(expect: Mapping[str, Any], actual: Mapping[str, int], keys: tuple[str, ...]) -> list[Check]:
    return [equal(f"{key} count", int(expect[key]), actual.get(key, 0)) for key in keys if key in expect]


def document_checks(expect: Mapping[str, Any], states: Mapping[str, dict[str, Any]], prefix: str) -> list[Check]:
    """Per-document expectations; a number may be written with or without the subsidiary prefix."""
    checks = []
    for number, want in (expect.get("documents") or {}).items():
        key = str(number)
        found = states.get(key) or states.get(f"{prefix}-{key}")
        want = {"state": want} if isinstance(want, str) else dict(want)
        if found is None:
            checks.append(Check(f"document {key}", want, "not in this run", False))
            continue
        if "state" in want:
            checks.append(equal(f"document {key} state", want["state"], found.get("state")))
        if "errorno" in want:
            checks.append(equal(f"document {key} errorno", want["errorno"], found.get("errorno")))
        for field in ("message", "advice"):
            checks += text_checks(f"document {key} {field}", want, field, str(found.get(field) or ""))
    return checks


def duplicates(records: list[dict[str, Any]]) -> dict[str, int]:
    """Documents that appear more than once among Sage's records: one subsidiary's number (RECORDID) twice.

    Subsidiaries sharing a document prefix on one company may each hold the same number once; the
    connector's description marker tells whose a record is."""
    counts = Counter((marker_of(r.get("DESCRIPTION")), r.get("RECORDID")) for r in records if r.get("RECORDID"))
    return {(number if owner is None else f"{number} ({owner})"): v for (owner, number), v in counts.items() if v > 1}


def _same(want: Any, got: Any) -> bool:
    """Sage's text values against YAML's: 1900 equals "1900.00", a YAML date equals 11/10/2026."""
    if isinstance(want, date):
        want = want.strftime("%m/%d/%Y")
    if isinstance(want, bool):
        want = "true" if want else "false"
    if isinstance(want, int | float) or (isinstance(want, str) and _NUMBER.fullmatch(want)):
        try:
            return Decimal(str(want)) == Decimal(str(got))
        except (InvalidOperation, ValueError):
            return False
    return str(want) == ("" if got is None else str(got))


_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _lines_of(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    for value in record.values():
        if isinstance(value, Mapping) and len(value) == 1:
            items = next(iter(value.values()))
            if isinstance(items, list) and all(isinstance(i, Mapping) for i in items):
                return items
    return []


def record_checks(rc: Mapping[str, Any], records: list[dict[str, Any]]) -> list[Check]:
    """Sage records chosen by ``where``, checked field by field (header, line count, lines in order)."""
    obj, where = rc["object"], dict(rc.get("where") or {})
    label = f"{obj}" + (" where " + ", ".join(f"{k} = {show(v)}" for k, v in where.items()) if where else "")
    chosen = [r for r in records if all(_same(v, r.get(k)) for k, v in where.items())]
    checks = []
    if "count" in rc:
        checks.append(equal(f"{label}: records", int(rc["count"]), len(chosen)))
    if not chosen and ("fields" in rc or "lines" in rc or "line_count" in rc):
        return checks + [Check(label, "a matching record", "no such record in Sage", False)]
    for rec in chosen:
        name = f"{label} (RECORDNO {rec.get('RECORDNO')})" if len(chosen) > 1 else label
        for field, want in (rc.get("fields") or {}).items():
            got = rec.get(field)
            checks.append(Check(f"{name}: {field}", show(want), show(got), _same(want, got)))
        lines = _lines_of(rec)
        if "line_count" in rc:
            checks.append(equal(f"{name}: lines", int(rc["line_count"]), len(lines)))
        for i, want_line in enumerate(rc.get("lines") or []):
            got_line = lines[i] if i < len(lines) else {}
            for field, want in want_line.items():
                got = got_line.get(field) if got_line else "no such line"
                checks.append(Check(f"{name}: line {i + 1} {field}", show(want), show(got),
                                    bool(got_line) and _same(want, got)))
    return checks


def show(value: Any) -> str:
    """A value as a person reads it: text as is, dates as Sage writes them, no Python quoting."""
    if isinstance(value, date):
        return value.strftime("%m/%d/%Y")
    if value is None:
        return "(empty)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {show(v)}" for k, v in value.items()) or "(none)"
    if isinstance(value, list | tuple | set):
        return ", ".join(show(v) for v in value) or "(none)"
    return str(value)
