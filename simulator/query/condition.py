"""readByQuery's SQL-like ``<query>`` condition language: parser, AST and evaluator.

The simulator keeps records as plain ``{FIELD: str | None}`` dicts, so comparisons infer their type from the
values themselves: two numbers compare as ``Decimal``, two ``MM/DD/YYYY[ HH:MM[:SS]]`` values compare as
datetimes, anything else compares as text. ``None`` or a missing field is SQL NULL, and the evaluator uses
SQL's three-valued logic so that ``NOT (X = 'a')`` does not suddenly match records where X is NULL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

__all__ = [
    "MAX_DEPTH",
    "MAX_QUERY_LENGTH",
    "And",
    "Comparison",
    "InList",
    "IsNull",
    "Like",
    "MatchAll",
    "Not",
    "Or",
    "Predicate",
    "QuerySyntaxError",
    "all_text",
    "compare_values",
    "equality_lookup",
    "evaluate",
    "index_key",
    "is_identifier",
    "like_match",
    "literal_kind",
    "matcher",
    "parse_condition",
    "referenced_fields",
    "render_condition",
    "sort_key",
]

MAX_QUERY_LENGTH = 64 * 1024
"""Longest accepted query text, in characters; bounds parse time and memory for hostile input."""

MAX_DEPTH = 100
"""Deepest accepted nesting of parentheses/NOT; keeps the recursive parser far from RecursionError."""

COMPARISON_OPS = ("=", "<>", "<", ">", "<=", ">=")


class QuerySyntaxError(ValueError):
    """A query the simulator rejects; the message is meant to be shown to the API client as is.

    ``position`` is the 1-based character position the message points at, or None when the problem is not
    tied to one spot (for example a query that is too long, or an XML filter).
    """

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


# --------------------------------------------------------------------------------------------------- AST


@dataclass(frozen=True)
class Predicate:
    """Base class of every AST node, so callers can type-hint one thing."""


@dataclass(frozen=True)
class MatchAll(Predicate):
    """The empty query: every record matches."""


@dataclass(frozen=True)
class Comparison(Predicate):
    """``FIELD op VALUE``; ``op`` is one of ``= <> < > <= >=`` (``!=`` is normalised to ``<>``)."""

    field: str
    op: str
    value: str


@dataclass(frozen=True)
class Like(Predicate):
    """``FIELD [NOT] LIKE 'pattern'`` with SQL wildcards ``%`` (any run) and ``_`` (one character)."""

    field: str
    pattern: str
    negated: bool = False


@dataclass(frozen=True)
class InList(Predicate):
    """``FIELD [NOT] IN (v1, v2, ...)``; membership uses the same equality as ``=``."""

    field: str
    values: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True)
class IsNull(Predicate):
    """``FIELD IS [NOT] NULL``: the only test that is true for a NULL field."""

    field: str
    negated: bool = False


@dataclass(frozen=True)
class And(Predicate):
    """Conjunction of two or more predicates (kept n-ary so long chains do not nest deeply)."""

    items: tuple[Predicate, ...]


@dataclass(frozen=True)
class Or(Predicate):
    """Disjunction of two or more predicates."""

    items: tuple[Predicate, ...]


@dataclass(frozen=True)
class Not(Predicate):
    """Negation; NOT of an unknown (NULL-involving) result stays unknown, as in SQL."""

    item: Predicate


# --------------------------------------------------------------------------------------------- tokenizer

_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*", re.ASCII)
_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
_SPACE_RE = re.compile(r"\s+")
_KEYWORDS = frozenset({"AND", "OR", "NOT", "LIKE", "IN", "IS", "NULL"})


class _Token(NamedTuple):
    kind: str  # "ident", "keyword", "string", "number", "op", "end"
    text: str  # normalised text: upper-cased keyword/identifier, unescaped string, operator symbol
    pos: int  # 0-based offset into the query
    raw: str  # the source text, for error messages


def is_identifier(name: str) -> bool:
    """True if ``name`` is a syntactically valid (possibly dotted) field name that is not a keyword."""
    return _IDENT_RE.fullmatch(name) is not None and name.upper() not in _KEYWORDS


def _describe(token: _Token) -> str:
    if token.kind == "end":
        return "end of query"
    raw = token.raw if len(token.raw) <= 40 else token.raw[:37] + "..."
    return f"token {raw!r}"


def _error(message: str, pos: int, hint: str = "") -> QuerySyntaxError:
    """Build the error for 0-based offset ``pos``; the message says 1-based, as people count columns."""
    suffix = f" ({hint})" if hint else ""
    return QuerySyntaxError(f"Invalid query: {message} at position {pos + 1}{suffix}", pos + 1)


def _read_string(text: str, start: int) -> tuple[str, int]:
    """Read a single-quoted literal starting at ``text[start] == "'"``; return (value, end offset).

    ``''`` and ``\\'`` both stand for a quote and ``\\\\`` for a backslash; any other backslash is literal,
    so Windows-style paths survive unescaped.

    Sources: Sage's PHP SDK escapes a quote as ``\\'`` (``addcslashes($value, "'")``, EqualToString.php), so the
    gateway reads backslash escapes; ``''`` is the SQL form older clients send. How Sage reads ``\\\\`` and a lone
    backslash is not public: this is the simulator's choice, and the connector quotes by exactly this rule
    (``\\\\`` and ``\\'``, connector/intacct/functions.py ``quote``), so every value round-trips.
    """
    m = _STRING_RE.match(text, start)
    if m is None:
        raise _error("unterminated string literal starting", start)
    body = m.group(1)
    if "'" in body or "\\" in body:
        body = _UNESCAPE_RE.sub(lambda e: e.group()[1], body)
    return body, m.end()


# The literal's body: any character but a quote or backslash, a doubled quote, or a backslash and the next
# character (``\'`` and ``\\`` are escapes; any other pair is kept as written).
_STRING_RE = re.compile(r"'((?:[^'\\]|''|\\.)*+)'", re.DOTALL)  # *+: no backtracking
_UNESCAPE_RE = re.compile(r"''|\\['\\]")
_OP_RE = re.compile(r"<>|!=|<=|>=|[=<>(),]")


def _tokenize(text: str) -> Iterator[_Token]:
    i = 0
    n = len(text)
    while True:
        m = _SPACE_RE.match(text, i)
        if m:
            i = m.end()
        if i >= n:
            yield _Token("end", "", n, "")
            return
        ch = text[i]
        if ch == "'":
            value, end = _read_string(text, i)
            yield _Token("string", value, i, text[i:end])
            i = end
            continue
        m = _NUMBER_RE.match(text, i)
        if m:
            end = m.end()
            if end < n and (text[end].isalnum() or text[end] in "_."):
                raise _error(f"malformed number {text[i : end + 1]!r}", i)
            yield _Token("number", m.group(), i, m.group())
            i = end
            continue
        m = _IDENT_RE.match(text, i)
        if m:
            word = m.group()
            upper = word.upper()
            kind = "keyword" if upper in _KEYWORDS else "ident"
            yield _Token(kind, upper, i, word)
            i = m.end()
            continue
        m = _OP_RE.match(text, i)
        if m is None:
            raise _error(f"unexpected character {ch!r}", i)
        op = m.group()
        yield _Token("op", "<>" if op == "!=" else op, i, op)
        i += len(op)


# ------------------------------------------------------------------------------------------------ parser


class _Parser:
    """Recursive descent over: or := and (OR and)*; and := not (AND not)*; not := NOT not | atom."""

    def __init__(self, text: str) -> None:
        self._tokens = _tokenize(text)
        self._tok = next(self._tokens)
        self._depth = 0

    def _advance(self) -> _Token:
        tok = self._tok
        if tok.kind != "end":
            self._tok = next(self._tokens)
        return tok

    def _is(self, kind: str, text: str | None = None) -> bool:
        return self._tok.kind == kind and (text is None or self._tok.text == text)

    def _unexpected(self, expected: str) -> QuerySyntaxError:
        return _error(f"unexpected {_describe(self._tok)}", self._tok.pos, f"expected {expected}")

    def _enter(self, pos: int) -> None:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _error(f"nesting deeper than {MAX_DEPTH} levels", pos)

    def parse(self) -> Predicate:
        pred = self._or()
        if self._tok.kind != "end":
            raise self._unexpected("AND, OR or end of query")
        return pred

    def _or(self) -> Predicate:
        items = [self._and()]
        while self._is("keyword", "OR"):
            self._advance()
            items.append(self._and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def _and(self) -> Predicate:
        items = [self._not()]
        while self._is("keyword", "AND"):
            self._advance()
            items.append(self._not())
        return items[0] if len(items) == 1 else And(tuple(items))

    def _not(self) -> Predicate:
        if self._is("keyword", "NOT"):
            tok = self._advance()
            self._enter(tok.pos)
            inner = self._not()
            self._depth -= 1
            return Not(inner)
        return self._atom()

    def _atom(self) -> Predicate:
        if self._is("op", "("):
            tok = self._advance()
            self._enter(tok.pos)
            inner = self._or()
            if not self._is("op", ")"):
                raise self._unexpected("')'")
            self._advance()
            self._depth -= 1
            return inner
        if not self._is("ident"):
            raise self._unexpected("a field name, NOT or '('")
        field = self._advance().text
        tok = self._tok
        if tok.kind == "op" and tok.text in COMPARISON_OPS:
            self._advance()
            return Comparison(field, tok.text, self._value())
        if self._is("keyword", "LIKE"):
            self._advance()
            return Like(field, self._value())
        if self._is("keyword", "IN"):
            self._advance()
            return InList(field, self._value_list())
        if self._is("keyword", "NOT"):
            self._advance()
            if self._is("keyword", "LIKE"):
                self._advance()
                return Like(field, self._value(), negated=True)
            if self._is("keyword", "IN"):
                self._advance()
                return InList(field, self._value_list(), negated=True)
            raise self._unexpected("LIKE or IN after NOT")
        if self._is("keyword", "IS"):
            self._advance()
            negated = False
            if self._is("keyword", "NOT"):
                self._advance()
                negated = True
            if not self._is("keyword", "NULL"):
                raise self._unexpected("NULL")
            self._advance()
            return IsNull(field, negated)
        raise self._unexpected("a comparison operator, LIKE, IN or IS")

    def _value(self) -> str:
        if self._tok.kind in ("string", "number"):
            return self._advance().text
        raise self._unexpected("a quoted string or a number")

    def _value_list(self) -> tuple[str, ...]:
        if not self._is("op", "("):
            raise self._unexpected("'('")
        self._advance()
        values = [self._value()]
        while self._is("op", ","):
            self._advance()
            values.append(self._value())
        if not self._is("op", ")"):
            raise self._unexpected("',' or ')'")
        self._advance()
        return tuple(values)


def parse_condition(text: str) -> Predicate:
    """Parse a readByQuery ``<query>`` text; empty or blank text yields :class:`MatchAll`.

    Raises :class:`QuerySyntaxError` (and nothing else) for any malformed, too long or too deep input.
    """
    if len(text) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(
            f"Invalid query: query is {len(text)} characters long, the limit is {MAX_QUERY_LENGTH}"
        )
    if not text.strip():
        return MatchAll()
    return _Parser(text).parse()


# ---------------------------------------------------------------------------------------------- values

_DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
_DATE_RE = re.compile(
    r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})(?:[ T]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?)?", re.ASCII
)


def _as_number(value: str) -> Decimal | None:
    return Decimal(value) if _DECIMAL_RE.fullmatch(value) else None


def _as_date(value: str) -> datetime | None:
    m = _DATE_RE.fullmatch(value)
    if m is None:
        return None
    month, day, year, hour, minute, second = (int(g) if g else 0 for g in m.groups())
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:  # 02/30/2020 and friends are just text
        return None


def _typed(value: str) -> tuple[int, Decimal | datetime | None]:
    """Classify a value once: (1, Decimal), (2, datetime) or (3, None) for plain text."""
    number = _as_number(value)
    if number is not None:
        return 1, number
    date = _as_date(value)
    if date is not None:
        return 2, date
    return 3, None


_NUMBER_OR_DATE_START = frozenset("0123456789+-.")   # the first characters _DECIMAL_RE and _DATE_RE allow


def literal_kind(value: str) -> int:
    """1 for a number, 2 for a date, 3 for plain text: how ``=`` and ordering will compare ``value``.

    Text that cannot start a number or a date is answered without trying either: a 4,000-value ``IN`` list
    of IDs was 1.6 us a value (40 % of compiling and running such a query)."""
    if not value or value[0] not in _NUMBER_OR_DATE_START:
        return 3
    return _typed(value)[0]


def all_text(values: Iterable[str]) -> bool:
    """Whether every value is plain text (``literal_kind`` 3); one set of first characters for a long IN list."""
    values = tuple(values)
    if _NUMBER_OR_DATE_START.isdisjoint({v[:1] for v in values}):
        return True
    return all(literal_kind(v) == 3 for v in values)


def compare_values(left: str, right: str, *, case_insensitive: bool = False) -> int:
    """Three-way compare two non-NULL values: numerically, as dates, or as text (in that order of preference).

    Numbers and dates are used only when *both* sides parse that way, mirroring how the query text gives no
    type information beyond the literal itself.
    """
    lk, lv = _typed(left)
    rk, rv = _typed(right)
    if lk == 1 and rk == 1:
        return _cmp(lv, rv)
    if lk == 2 and rk == 2:
        return _cmp(lv, rv)
    if case_insensitive:
        return _cmp(left.casefold(), right.casefold())
    return _cmp(left, right)


def _cmp(a: Any, b: Any) -> int:
    return (a > b) - (a < b)


def index_key(value: str | None, *, case_insensitive: bool = False) -> Hashable | None:
    """A key such that ``index_key(a) == index_key(b)`` exactly when ``a = b`` would be true.

    Build an equality index with it so that lookups agree with :func:`evaluate` even for ``'5' = '5.0'``
    or differently padded dates. NULL has no key (NULL never equals anything).
    """
    if value is None:
        return None
    kind, typed = _typed(value)
    if kind != 3:
        return (kind, typed)
    return (3, value.casefold() if case_insensitive else value)


def sort_key(value: str | None) -> tuple[int, Decimal | datetime | str]:
    """Total-order key for ORDER BY: NULLs first, then numbers, dates, and text.

    Within a column of one kind this agrees with :func:`compare_values`; mixed columns group by kind because
    pairwise "numeric if both look numeric" is not a total order.
    """
    if value is None:
        return 0, ""
    kind, typed = _typed(value)
    if typed is None:
        return kind, value
    return kind, typed


@lru_cache(maxsize=512)
def _like_segments(pattern: str, case_insensitive: bool) -> tuple[tuple[re.Pattern[str], int], ...]:
    """Split a LIKE pattern at ``%`` into fixed-length segment regexes (``_`` = any one character)."""
    if case_insensitive:
        pattern = pattern.casefold()
    return tuple(
        (re.compile("".join("." if ch == "_" else re.escape(ch) for ch in seg), re.DOTALL), len(seg))
        for seg in pattern.split("%")
    )


def like_match(value: str, pattern: str, *, case_insensitive: bool = False) -> bool:
    """SQL LIKE with ``%``/``_`` wildcards and no escape character (Intacct documents none).

    Matches segment by segment (leftmost fit is always optimal for ``%``) instead of one backtracking regex,
    so a hostile pattern such as ``%a%a%a...%b`` costs O(len(value) * len(pattern)), not exponential time.
    """
    if case_insensitive:
        value = value.casefold()
    segments = _like_segments(pattern, case_insensitive)
    first_re, first_len = segments[0]
    if len(segments) == 1:
        return first_re.fullmatch(value) is not None
    if first_re.match(value) is None:
        return False
    pos = first_len
    for seg_re, _ in segments[1:-1]:
        m = seg_re.search(value, pos)
        if m is None:
            return False
        pos = m.end()
    last_re, last_len = segments[-1]
    start = len(value) - last_len
    return start >= pos and last_re.fullmatch(value, start) is not None


# ------------------------------------------------------------------------------------------- evaluation

_OP_TEST: dict[str, Callable[[int], bool]] = {
    "=": lambda c: c == 0,
    "<>": lambda c: c != 0,
    "<": lambda c: c < 0,
    ">": lambda c: c > 0,
    "<=": lambda c: c <= 0,
    ">=": lambda c: c >= 0,
}


def evaluate(pred: Predicate, record: Mapping[str, str | None], *, case_insensitive: bool = False) -> bool:
    """True if ``record`` (UPPERCASE field -> value, None/missing = NULL) satisfies ``pred``.

    ``case_insensitive`` affects text ``=``/``<>``/ordering, IN and LIKE, as the ``query`` function's
    ``<caseinsensitive>`` option does; the default is case-sensitive.
    """
    return matcher(pred, case_insensitive=case_insensitive)(record)


Test3 = Callable[[Mapping[str, "str | None"]], "bool | None"]


def matcher(pred: Predicate, *, case_insensitive: bool = False) -> Callable[[Mapping[str, str | None]], bool]:
    """``pred`` prepared once for many records: :func:`evaluate`'s answers, with ``IN`` as a set lookup."""
    test = _prepare(pred, case_insensitive)
    return lambda record: test(record) is True


def _in_test(values: tuple[str, ...], ci: bool) -> Callable[[str], bool]:
    """Membership with ``=``'s equality: typed keys for numbers and dates, text (casefolded if ``ci``) else.

    ``a = b`` holds when both are numbers (or both dates) of equal value, or, failing that, when their
    texts are equal; so a value is in the list if its typed key is, or its text is the text of a value
    that would not itself have been compared by type with it.
    """
    typed: set[tuple[int, Any]] = set()
    texts: dict[str, set[int]] = {}
    for v in values:
        kind, tv = _typed(v)
        if kind != 3:
            typed.add((kind, tv))
        texts.setdefault(v.casefold() if ci else v, set()).add(kind)

    def found(value: str) -> bool:
        kind, tv = _typed(value)
        if kind != 3 and (kind, tv) in typed:
            return True
        kinds = texts.get(value.casefold() if ci else value)
        return bool(kinds) and any(k != kind or k == 3 for k in kinds)
    return found


def _prepare(pred: Predicate, ci: bool) -> Test3:
    """Kleene three-valued test; None means "unknown" (a NULL was compared)."""
    if isinstance(pred, Comparison):
        name, op, literal = pred.field, _OP_TEST[pred.op], pred.value

        def comparison(record: Mapping[str, str | None]) -> bool | None:
            value = record.get(name)
            return None if value is None else op(compare_values(value, literal, case_insensitive=ci))
        return comparison
    if isinstance(pred, Like):
        name, pattern, negated = pred.field, pred.pattern, pred.negated

        def like(record: Mapping[str, str | None]) -> bool | None:
            value = record.get(name)
            return None if value is None else like_match(value, pattern, case_insensitive=ci) != negated
        return like
    if isinstance(pred, InList):
        name, negated, found = pred.field, pred.negated, _in_test(pred.values, ci)

        def in_list(record: Mapping[str, str | None]) -> bool | None:
            value = record.get(name)
            return None if value is None else found(value) != negated
        return in_list
    if isinstance(pred, IsNull):
        name, negated = pred.field, pred.negated
        return lambda record: (record.get(name) is None) != negated
    if isinstance(pred, And | Or):
        tests = [_prepare(item, ci) for item in pred.items]
        stop = isinstance(pred, Or)   # OR stops at the first true, AND at the first false

        def junction(record: Mapping[str, str | None]) -> bool | None:
            result: bool | None = not stop
            for test in tests:
                r = test(record)
                if r is stop:
                    return stop
                if r is None:
                    result = None
            return result
        return junction
    if isinstance(pred, Not):
        inner = _prepare(pred.item, ci)

        def negation(record: Mapping[str, str | None]) -> bool | None:
            r = inner(record)
            return None if r is None else not r
        return negation
    if isinstance(pred, MatchAll):
        return lambda record: True
    raise TypeError(f"not a query predicate: {pred!r}")


# ------------------------------------------------------------------------------------------- inspection


def _children(pred: Predicate) -> tuple[Predicate, ...]:
    if isinstance(pred, And | Or):
        return pred.items
    if isinstance(pred, Not):
        return (pred.item,)
    return ()


def referenced_fields(pred: Predicate) -> set[str]:
    """Every field name ``pred`` mentions, so the caller can reject fields the object does not have."""
    fields: set[str] = set()
    stack = [pred]
    while stack:
        node = stack.pop()
        if isinstance(node, Comparison | Like | InList | IsNull):
            fields.add(node.field)
        stack.extend(_children(node))
    return fields


def equality_lookup(pred: Predicate) -> tuple[str, str] | None:
    """``(FIELD, value)`` if ``pred`` is exactly one ``FIELD = value``, the common lookup by ID or NAME.

    The value is returned as written. ``=`` is numeric/date aware (``RECORDNO = '05'`` matches ``5``), so an
    index keyed on raw strings is exact only for plain text values; key the index with :func:`index_key`
    to be exact in every case.
    """
    if isinstance(pred, Comparison) and pred.op == "=":
        return pred.field, pred.value
    return None


# -------------------------------------------------------------------------------------------- rendering


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def render_condition(pred: Predicate) -> str:
    """Render ``pred`` back to query text that :func:`parse_condition` reads as an equivalent predicate.

    Used for logging and for round-trip tests; compound children are always parenthesised for clarity.
    """
    if isinstance(pred, MatchAll):
        return ""
    if isinstance(pred, Comparison):
        return f"{pred.field} {pred.op} {_quote(pred.value)}"
    if isinstance(pred, Like):
        return f"{pred.field} {'NOT LIKE' if pred.negated else 'LIKE'} {_quote(pred.pattern)}"
    if isinstance(pred, InList):
        values = ", ".join(_quote(v) for v in pred.values)
        return f"{pred.field} {'NOT IN' if pred.negated else 'IN'} ({values})"
    if isinstance(pred, IsNull):
        return f"{pred.field} IS {'NOT NULL' if pred.negated else 'NULL'}"
    if isinstance(pred, And | Or):
        joiner = " AND " if isinstance(pred, And) else " OR "
        return joiner.join(_wrap(item) for item in pred.items)
    if isinstance(pred, Not):
        return f"NOT {_wrap(pred.item)}"
    raise TypeError(f"not a query predicate: {pred!r}")


def _wrap(pred: Predicate) -> str:
    if isinstance(pred, MatchAll):
        raise ValueError("MatchAll has no text form inside a compound predicate")
    text = render_condition(pred)
    return f"({text})" if isinstance(pred, And | Or | Not) else text
