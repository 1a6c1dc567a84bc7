"""A query condition compiled to SQLite over the records table, so pages and counts need no decoding.

``to_sql`` turns the shared AST (condition.py) into a WHERE expression over the record's columns and
its JSON ``doc``. Where SQLite computes exactly what :func:`condition.evaluate` would, the result says
``exact``: SQLite alone pages and counts. Where it cannot (a number or date literal, which the
evaluator compares by value; case-insensitive text; a nested field), the expression is a superset
(``1`` at worst) and the caller evaluates each candidate in Python as well.

Exact translations, each agreeing with the evaluator's three-valued logic:

- a text literal (neither a number nor a date) compares as text whichever the stored value is, so
  ``=``, ``<>``, ``<``... are SQLite's own comparisons (BINARY: code-point order, as Python's);
- ``IN`` of text literals is membership of ``json_each(?)`` (one parameter, any length, a set lookup);
- ``LIKE`` is ``GLOB`` with ``%``/``_`` as ``*``/``?`` and GLOB's own specials bracketed (both are
  case-sensitive, neither has an escape character);
- ``RECORDNO`` is the integer column: numbers compare as numbers, anything else as its text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .condition import And, Comparison, InList, IsNull, Like, MatchAll, Not, Or, Predicate, all_text, literal_kind

__all__ = ["Sql", "to_sql", "glob_pattern"]

TEXT = 3  # literal_kind of plain text

Column = Callable[[str], "str | None"]
"""Field name -> an SQL expression yielding the value as the evaluator sees it (text or NULL), or None."""


@dataclass
class Sql:
    where: str = "1"
    params: list[Any] = field(default_factory=list)
    exact: bool = True


@dataclass(frozen=True)
class Index:
    """An indexed column that holds a field's value exactly (after ``transform``): equality may use it."""

    column: str
    transform: Callable[[str], str] = str


def glob_pattern(like: str) -> str:
    """A LIKE pattern as a GLOB pattern: ``%`` -> ``*``, ``_`` -> ``?``, GLOB's ``* ? [`` taken literally."""
    out = []
    for ch in like:
        out.append({"%": "*", "_": "?", "*": "[*]", "?": "[?]", "[": "[[]"}.get(ch, ch))
    return "".join(out)


class _Compiler:
    def __init__(self, column: Column, indexes: Mapping[str, Index], case_insensitive: bool) -> None:
        self.column = column
        self.indexes = indexes
        self.ci = case_insensitive

    def node(self, pred: Predicate, positive: bool) -> Sql:
        """``positive``: no NOT above, so only where the node is true matters (an index hint may narrow it)."""
        if isinstance(pred, MatchAll):
            return Sql()
        if isinstance(pred, And | Or):
            parts = [self.node(item, positive) for item in pred.items]
            joiner = " AND " if isinstance(pred, And) else " OR "
            exact = all(p.exact for p in parts)
            return Sql(joiner.join(f"({p.where})" for p in parts), [a for p in parts for a in p.params], exact)
        if isinstance(pred, Not):
            inner = self.node(pred.item, False)
            return Sql(f"NOT ({inner.where})", inner.params) if inner.exact else Sql(exact=False)
        if pred.field.upper() == "RECORDNO":
            return self.recordno(pred)
        if self.ci:
            return Sql(exact=False)
        value = self.column(pred.field.upper())
        if value is None:
            return Sql(exact=False)
        return self.leaf(pred, value, positive)

    def leaf(self, pred: Predicate, value: str, positive: bool) -> Sql:
        index = self.indexes.get(pred.field.upper()) if positive else None
        if isinstance(pred, IsNull):
            return Sql(f"{value} IS {'NOT ' if pred.negated else ''}NULL")
        if isinstance(pred, Like):
            return Sql(f"{'NOT ' if pred.negated else ''}{value} GLOB ?", [glob_pattern(pred.pattern)])
        if isinstance(pred, Comparison):
            if literal_kind(pred.value) != TEXT:
                return Sql(exact=False)
            sql = Sql(f"{value} {pred.op} ?", [pred.value])
            if pred.op == "=" and index is not None and pred.value:
                sql = Sql(f"{index.column} = ? AND {sql.where}", [index.transform(pred.value), pred.value])
            return sql
        if isinstance(pred, InList):
            if not all_text(pred.values):
                return Sql(exact=False)
            values = json.dumps(list(pred.values))
            sql = Sql(f"{value} {'NOT ' if pred.negated else ''}IN (SELECT value FROM json_each(?))", [values])
            if not pred.negated and index is not None and all(pred.values):
                keys = json.dumps([index.transform(v) for v in pred.values])
                sql = Sql(f"{index.column} IN (SELECT value FROM json_each(?)) AND {sql.where}", [keys, values])
            return sql
        raise TypeError(f"not a query predicate: {pred!r}")

    def recordno(self, pred: Predicate) -> Sql:
        """RECORDNO is never NULL; it is a number, so only number literals compare by value."""
        if isinstance(pred, IsNull):
            return Sql("0" if not pred.negated else "1")
        if isinstance(pred, Like):
            return Sql(f"{'NOT ' if pred.negated else ''}CAST(recordno AS TEXT) GLOB ?", [glob_pattern(pred.pattern)])
        if isinstance(pred, Comparison):
            if literal_kind(pred.value) == 1:
                return Sql(f"recordno {pred.op} ?", [_number(pred.value)])
            return Sql(f"CAST(recordno AS TEXT) {pred.op} ?", [pred.value])   # compared as text, as the evaluator
        if isinstance(pred, InList):
            # a number list matches by value; text never equals a number's text (it would be a number)
            numbers = [int(d) for d in (Decimal(v) for v in pred.values if literal_kind(v) == 1)
                       if d == d.to_integral_value() and abs(d) < 2**63]
            return Sql(f"recordno {'NOT ' if pred.negated else ''}IN (SELECT value FROM json_each(?))",
                       [json.dumps(numbers)])
        raise TypeError(f"not a query predicate: {pred!r}")


def _number(text: str) -> int | float:
    d = Decimal(text)
    if d == d.to_integral_value() and abs(d) < 2**62:
        return int(d)
    return float(d)


def to_sql(pred: Predicate | None, column: Column, indexes: Mapping[str, Index] | None = None,
           case_insensitive: bool = False) -> Sql:
    """``pred`` as an SQL condition; ``exact`` False means "candidates: evaluate them too"."""
    if pred is None:
        return Sql()
    return _Compiler(column, indexes or {}, case_insensitive).node(pred, True)
