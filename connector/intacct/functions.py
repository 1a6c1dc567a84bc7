"""Function elements the connector sends: query, readByQuery, create, create_invoice and metadata calls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from intacct_harness.connector.intacct.envelope import Function, el, fields

QUERY_PAGE = 2000


def query(object_name: str, select: Sequence[str], *, field: str, values: Sequence[str],
          case_insensitive: bool = False, pagesize: int = QUERY_PAGE, offset: int = 0) -> Function:
    """``query`` with ``field IN (values)`` (``equalto`` for one value)."""
    if len(values) == 1:
        cond = el("equalto", el("field", text=field), el("value", text=values[0]))
    else:
        cond = el("in", el("field", text=field), *(el("value", text=v) for v in values))
    options = el("options", el("caseinsensitive", text="true")) if case_insensitive else None
    return Function(el("query", el("object", text=object_name), el("select", *(el("field", text=f) for f in select)),
                       el("filter", cond), options, el("pagesize", text=pagesize), el("offset", text=offset)))


def quote(value: str) -> str:
    r"""A readByQuery string literal: ``\`` for a backslash, ``'`` for a quote.

    Sage's own PHP SDK writes a quote as ``'`` (``addcslashes($value, "'")`` in
    Functions/Common/Query/Comparison/EqualTo/EqualToString.php), so Sage reads a backslash as an escape.
    The SDK leaves backslashes alone, which breaks a value ending in ``\`` or holding ``'``; escaping the
    backslash too (the simulator's choice of how Sage reads ``\``: not public) makes every value
    unambiguous. The simulator's lexer (simulator/query/condition.py) reads exactly this rule.
    """
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def read_by_query(object_name: str, condition: str, select: Sequence[str] = ("*",), pagesize: int = 1000) -> Function:
    return Function(el("readByQuery", el("object", text=object_name), el("fields", text=",".join(select)),
                       el("query", text=condition), el("pagesize", text=pagesize)))


def in_condition(field: str, values: Sequence[str]) -> str:
    """readByQuery text ``FIELD IN ('a','b')``, every value quoted by :func:`quote`."""
    if len(values) == 1:
        return f"{field} = {quote(values[0])}"
    return f"{field} IN ({','.join(quote(v) for v in values)})"


def create(object_name: str, values: Mapping[str, Any]) -> Function:
    return Function(el("create", fields(object_name, values)))


def create_invoice(values: Mapping[str, Any]) -> Function:
    return Function(fields("create_invoice", values))


def create_apadjustment(values: Mapping[str, Any]) -> Function:
    """An AP adjustment (debit memo): what Sage takes for money a vendor owes back, never a negative bill."""
    return Function(fields("create_apadjustment", values))


def get_user_permissions(user_id: str) -> Function:
    return Function(el("getUserPermissions", el("userId", text=user_id)))


def get_dimensions() -> Function:
    return Function(el("getDimensions"))


def inspect(object_name: str) -> Function:
    return Function(el("inspect", el("object", text=object_name), detail="0"))


def legacy_date(value: Any) -> dict[str, str]:
    """``{year, month, day}`` for legacy functions."""
    return {"year": f"{value.year:04d}", "month": f"{value.month:02d}", "day": f"{value.day:02d}"}


def generic_date(value: Any) -> str:
    return f"{value.month:02d}/{value.day:02d}/{value.year:04d}"
