"""Expectation values checked against the real vocabulary: a typo anywhere is refused before anything runs.

``check_expect`` walks one step's ``expect`` mapping: every key must be one the step knows, every value
of the type that key takes, and every name it holds (ledger state, Sage object, doctor check, error
type, document number, field) one that exists. A misspelt expectation that is silently ignored is
a scenario that passes by mistake.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from intacct_harness.scenarios import vocabulary as vocab
from intacct_harness.scenarios.expectations import (
    DOCUMENT_KEYS,
    ERROR_KEYS,
    EXPECT_KEYS,
    KEY_TYPES,
    RECORD_CHECK_KEYS,
)
from intacct_harness.scenarios.source import Source, check_keys, check_type


def one_of(src: Source, path: str, value: Any, allowed: Collection[str], what: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise src.error(path, f"unknown {what} {value!r} (one of: {', '.join(allowed)})")
    return value


def count(src: Source, path: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise src.error(path, f"expected a count (a whole number, 0 or more); got {value!r}")
    return value


def text(src: Source, path: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float) or str(value) == "":
        raise src.error(path, f"expected a non-empty text; got {value!r}")
    return str(value)


def regex(src: Source, path: str, value: Any) -> str:
    pattern = text(src, path, value)
    try:
        re.compile(pattern)
    except re.error as exc:
        raise src.error(path, f"not a valid regular expression: {exc}") from None
    return pattern


def _list_of(src: Source, path: str, value: Any, item: Any) -> list[Any]:
    check_type(src, path, value, list, "a list")
    return [item(f"{path}[{i}]", v) for i, v in enumerate(value)]


def _texts(src: Source, path: str, want: Mapping[str, Any], keys: Mapping[str, str]) -> None:
    for key in keys:
        if key.endswith("_matches") and key in want:
            regex(src, f"{path}.{key}", want[key])
        elif key.endswith(("_contains", "_not_contains")) and key in want:
            text(src, f"{path}.{key}", want[key])


class Context:
    """What names a scenario's expectations may use at a given step (documents grow with add_tms)."""

    def __init__(self, documents: set[str]) -> None:
        self.documents = documents


def check_expect(src: Source, path: str, kind: str, expect: Any, ctx: Context) -> dict[str, Any]:
    expect = check_keys(src, path, expect, EXPECT_KEYS[kind])
    states = vocab.SYNC_STATES if kind == "sync" else vocab.LEDGER_STATES
    for key, value in expect.items():
        at, t = f"{path}.{key}", KEY_TYPES[key]
        if t == "count":
            count(src, at, value)
        elif t in ("bool", "true"):
            if not isinstance(value, bool) or (t == "true" and value is not True):
                raise src.error(at, f"expected {'true' if t == 'true' else 'true or false'}; got {value!r}")
        elif t == "texts":
            _list_of(src, at, value, lambda p, v: text(src, p, v))
        elif t == "regexes":
            _list_of(src, at, value, lambda p, v: regex(src, p, v))
        elif t == "checks":
            _list_of(src, at, value, lambda p, v: one_of(src, p, v, vocab.DOCTOR_CHECKS, "doctor check"))
        elif t == "error":
            err = check_keys(src, at, value, ERROR_KEYS)
            if "type" in err:
                one_of(src, f"{at}.type", err["type"], vocab.ERROR_TYPES, "error type")
            _texts(src, at, err, ERROR_KEYS)
        elif t == "ledger":
            for state, n in check_type(src, at, value, Mapping, "a mapping of ledger state to count").items():
                one_of(src, f"{at}.{state}", state, vocab.LEDGER_STATES, "ledger state")
                count(src, f"{at}.{state}", n)
        elif t == "objects":
            for obj, n in check_type(src, at, value, Mapping, "a mapping of Sage object to count").items():
                one_of(src, f"{at}.{obj}", obj, vocab.SAGE_OBJECTS, "Sage object")
                count(src, f"{at}.{obj}", n)
        elif t == "functions":
            for fn, n in check_type(src, at, value, Mapping, "a mapping of function name to count").items():
                one_of(src, f"{at}.{fn}", fn, vocab.FUNCTIONS, "gateway function")
                count(src, f"{at}.{fn}", n)
        elif t == "documents":
            _documents(src, at, value, states, ctx)
        elif t == "records":
            _list_of(src, at, value, lambda p, v: record_check(src, p, v))
    return dict(expect)


def _documents(src: Source, path: str, value: Any, states: tuple[str, ...], ctx: Context) -> None:
    for number, want in check_type(src, path, value, Mapping, "a mapping of document number to state").items():
        at = f"{path}.{number}"
        if str(number) not in ctx.documents:
            known = sorted(n for n in ctx.documents if "-" in n)
            raise src.error(at, f"no document {number!r} in the TMS data (documents: {', '.join(known) or 'none'})")
        if isinstance(want, str):
            one_of(src, at, want, states, "document state")
            continue
        want = check_keys(src, at, want, DOCUMENT_KEYS)
        if "state" in want:
            one_of(src, f"{at}.state", want["state"], states, "document state")
        if "errorno" in want:
            text(src, f"{at}.errorno", want["errorno"])
        _texts(src, at, want, DOCUMENT_KEYS)


def record_check(src: Source, path: str, value: Any) -> dict[str, Any]:
    """``{object, where, fields, line_count, lines, count}``: field names must be the object's own."""
    rc = check_keys(src, path, value, RECORD_CHECK_KEYS, ("object",))
    obj = one_of(src, f"{path}.object", rc["object"], vocab.SAGE_OBJECTS, "Sage object")
    header, line_fields = vocab.object_fields(obj)
    for key in ("where", "fields"):
        for name, v in check_type(src, f"{path}.{key}", rc.get(key) or {}, Mapping,
                                  "a mapping of field to value").items():
            one_of(src, f"{path}.{key}.{name}", name, sorted(header), f"{obj} field")
            _scalar(src, f"{path}.{key}.{name}", v)
    if not rc.get("fields") and "line_count" not in rc and "lines" not in rc and "count" not in rc:
        raise src.error(path, "say what to check: fields, line_count, lines or count")
    for key in ("line_count", "count"):
        if key in rc:
            count(src, f"{path}.{key}", rc[key])
    if ("line_count" in rc or "lines" in rc) and not line_fields:
        raise src.error(f"{path}.object", f"{obj} records have no lines")
    for i, line in enumerate(check_type(src, f"{path}.lines", rc.get("lines") or [], list, "a list of lines")):
        for name, v in check_type(src, f"{path}.lines[{i}]", line, Mapping, "a mapping of field to value").items():
            one_of(src, f"{path}.lines[{i}].{name}", name, sorted(line_fields), f"{obj} line field")
            _scalar(src, f"{path}.lines[{i}].{name}", v)
    return dict(rc)


def _scalar(src: Source, path: str, value: Any) -> None:
    if isinstance(value, Mapping | list):
        raise src.error(path, f"expected a single value (text, number, date); got {type(value).__name__}")
