"""Expectations: what each step must show, compared with what happened, expected vs actual.

Every comparison becomes a ``Check`` with both values written out, so a report says not only
that a scenario failed but exactly which number, error or message differed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ERROR = "{type, message_contains}: the step must fail with this error"
DOCUMENTS = "{document number: state, or {state, errorno, message_contains, advice_contains}}"
EXPECT_KEYS: dict[str, dict[str, str]] = {
    "doctor": {"ok": "true/false: ready to sync", "failed_checks": "check keys that fail",
               "passed_checks": "check keys that pass", "messages_contain": "texts the checklist shows",
               "error": ERROR},
    "sync": {"ok": "true/false", "posted": "count", "failed": "count", "not_migrated": "count",
             "recovered": "count", "uncertain": "count", "documents": DOCUMENTS, "messages_contain":
             "texts the sync report shows", "error": ERROR},
    "interrupted_sync": {"ledger": "{state: count}"},
    "sage_admin": {"error": ERROR},
    "connection": {"error": ERROR},
    "wait": {},
    "check": {},
}
CHECK_KEYS = {"sage_records": "{OBJECT: count}", "no_duplicates": "true", "api_transactions": "count",
              "ledger": "{state: count}", "documents": DOCUMENTS}
EXPECT_KEYS["check"] = CHECK_KEYS


@dataclass
class Check:
    name: str
    expected: Any
    actual: Any
    ok: bool

    def line(self) -> str:
        mark = "PASS" if self.ok else "FAIL"
        if self.ok:
            return f"[{mark}] {self.name}: {self.actual!r}"
        return f"[{mark}] {self.name}: expected {self.expected!r}, got {self.actual!r}"


def equal(name: str, expected: Any, actual: Any) -> Check:
    return Check(name, expected, actual, expected == actual)


def contains(name: str, needle: str, haystack: str) -> Check:
    return Check(name, f"contains {needle!r}", _excerpt(haystack, needle), needle.lower() in haystack.lower())


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
    if "message_contains" in want:
        checks.append(contains("error message", str(want["message_contains"]), str(error)))
    return checks


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
            if f"{field}_contains" in want:
                checks.append(contains(f"document {key} {field}", str(want[f"{field}_contains"]),
                                       str(found.get(field) or "")))
    return checks


def duplicates(records: list[dict[str, Any]]) -> dict[str, int]:
    """Document numbers (RECORDID) that appear more than once among Sage's records."""
    counts = Counter(r.get("RECORDID") for r in records if r.get("RECORDID"))
    return {k: v for k, v in counts.items() if v > 1}
