"""The ``query`` function's XML ``<filter>``, ``<orderby>`` and ``<select>``, mapped onto condition.py's AST.

Both query languages share one AST and one evaluator, so ``readByQuery`` and ``query`` cannot drift apart
in how they compare numbers, dates, text and NULLs. The XML forms are validated strictly: a connector that
sends a malformed filter should see a clear error from the simulator rather than silently matching
everything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

from lxml import etree

from .aggregate import AGGREGATE_FUNCTIONS, Selection
from .condition import (
    MAX_DEPTH,
    And,
    Comparison,
    InList,
    IsNull,
    Like,
    MatchAll,
    Or,
    Predicate,
    QuerySyntaxError,
    is_identifier,
    sort_key,
)

__all__ = [
    "AGGREGATES",
    "FILTER_OPERATORS",
    "filter_from_xml",
    "order_from_xml",
    "select_from_xml",
    "sort_records",
]

_COMPARISONS = {
    "equalto": "=",
    "notequalto": "<>",
    "lessthan": "<",
    "lessthanorequalto": "<=",
    "greaterthan": ">",
    "greaterthanorequalto": ">=",
}
FILTER_OPERATORS = (
    *_COMPARISONS,
    "like",
    "notlike",
    "in",
    "notin",
    "between",
    "isnull",
    "isnotnull",
    "and",
    "or",
)
"""Element names accepted inside ``<filter>`` (listed in error messages)."""

AGGREGATES = AGGREGATE_FUNCTIONS
"""``<select>`` aggregate elements (developer.intacct.com/web-services/queries/ schema)."""

_R = TypeVar("_R", bound=Mapping[str, "str | None"])


def _children(el: etree._Element) -> list[etree._Element]:
    """Element children only: comments and processing instructions carry no meaning here."""
    return [child for child in el if isinstance(child.tag, str)]


def _tag(el: etree._Element) -> str:
    return etree.QName(el).localname


def _error(message: str) -> QuerySyntaxError:
    return QuerySyntaxError(f"Invalid query: {message}")


def _field_name(el: etree._Element, context: str) -> str:
    name = (el.text or "").strip()
    if not name:
        raise _error(f"empty 'field' in '{context}'")
    if name == "*":
        raise _error("returning all fields is not supported; list each field in 'select'")
    if not is_identifier(name):
        raise _error(f"invalid field name {name!r} in '{context}'")
    return name.upper()


def _operands(el: etree._Element, op: str) -> tuple[str, list[str]]:
    """Return (FIELD, values) of an operator element, rejecting anything but <field> and <value>."""
    fields: list[str] = []
    values: list[str] = []
    for child in _children(el):
        tag = _tag(child)
        if tag == "field":
            fields.append(_field_name(child, op))
        elif tag == "value":
            values.append(child.text or "")
        else:
            raise _error(f"unexpected element '{tag}' in '{op}'; expected 'field' and 'value'")
    if len(fields) != 1:
        raise _error(f"'{op}' needs exactly one 'field', got {len(fields)}")
    return fields[0], values


def _expect_values(op: str, values: list[str], count: int | None) -> None:
    if count is None:
        if not values:
            raise _error(f"'{op}' needs at least one 'value'")
    elif len(values) != count:
        plural = "s" if count != 1 else ""
        raise _error(f"'{op}' needs exactly {count} 'value' element{plural}, got {len(values)}")


def _condition(el: etree._Element, depth: int) -> Predicate:
    op = _tag(el)
    if op in ("and", "or"):
        if depth >= MAX_DEPTH:
            raise _error(f"'filter' nests 'and' or 'or' deeper than {MAX_DEPTH} levels")
        items = [_condition(child, depth + 1) for child in _children(el)]
        if len(items) < 2:
            raise _error(f"'{op}' needs at least two conditions, got {len(items)}")
        return And(tuple(items)) if op == "and" else Or(tuple(items))
    if op not in FILTER_OPERATORS:
        raise _error(f"unknown filter operator '{op}'; supported: {', '.join(FILTER_OPERATORS)}")
    field, values = _operands(el, op)
    if op in _COMPARISONS:
        _expect_values(op, values, 1)
        return Comparison(field, _COMPARISONS[op], values[0])
    if op in ("like", "notlike"):
        _expect_values(op, values, 1)
        return Like(field, values[0], negated=op == "notlike")
    if op in ("in", "notin"):
        _expect_values(op, values, None)
        return InList(field, tuple(values), negated=op == "notin")
    if op == "between":
        _expect_values(op, values, 2)
        return And((Comparison(field, ">=", values[0]), Comparison(field, "<=", values[1])))
    _expect_values(op, values, 0)  # isnull / isnotnull
    return IsNull(field, negated=op == "isnotnull")


def filter_from_xml(filter_el: etree._Element | None) -> Predicate:
    """Convert a ``<filter>`` element (exactly one condition, possibly ``<and>``/``<or>``) to a Predicate.

    ``None`` (no ``<filter>`` in the request) means every record. ``between`` becomes ``>= low AND <= high``
    (inclusive, as in SQL). Raises :class:`QuerySyntaxError` for unknown operators or malformed operands.
    """
    if filter_el is None:
        return MatchAll()
    children = _children(filter_el)
    if len(children) != 1:
        raise _error(
            f"'filter' must contain exactly one condition, got {len(children)}; "
            "combine several with 'and' or 'or'"
        )
    return _condition(children[0], 0)


def order_from_xml(orderby_el: etree._Element | None) -> list[tuple[str, bool]]:
    """``<orderby><order><field>X</field><ascending/>|<descending/></order>...`` -> [(FIELD, ascending)].

    An ``<order>`` without a direction sorts ascending, as SQL does.
    """
    if orderby_el is None:
        return []
    order: list[tuple[str, bool]] = []
    for order_el in _children(orderby_el):
        if _tag(order_el) != "order":
            raise _error(f"unexpected element '{_tag(order_el)}' in 'orderby'; expected 'order'")
        fields: list[str] = []
        directions: list[bool] = []
        for child in _children(order_el):
            tag = _tag(child)
            if tag == "field":
                fields.append(_field_name(child, "order"))
            elif tag in ("ascending", "descending"):
                directions.append(tag == "ascending")
            else:
                raise _error(f"unexpected element '{tag}' in 'order'; expected 'field' and 'ascending'")
        if len(fields) != 1:
            raise _error(f"'order' needs exactly one 'field', got {len(fields)}")
        if len(directions) > 1:
            raise _error("'order' takes one of 'ascending' or 'descending', not both")
        order.append((fields[0], directions[0] if directions else True))
    return order


def sort_records(records: Sequence[_R], order: Sequence[tuple[str, bool]]) -> list[_R]:
    """Stable multi-key sort; numeric-aware like ``evaluate``; NULLs first ascending, last descending.

    Sorting once per key from the last key to the first relies on sort stability, which also keeps the
    input order for full ties (the simulator's natural RECORDNO order).
    """
    result = list(records)
    for field, ascending in reversed(order):
        result.sort(key=lambda rec, f=field: sort_key(rec.get(f)), reverse=not ascending)
    return result


def select_from_xml(select_el: etree._Element) -> Selection:
    """``<select><field>A</field><sum>B</sum>...`` -> a Selection (upper-cased, duplicates dropped, order kept).

    Aggregates name their field as text, as the SDKs write them (``<count>RECORDNO</count>``); with any
    aggregate the plain fields group the results (see aggregate.py).
    """
    selection = Selection()
    for child in _children(select_el):
        tag = _tag(child)
        if tag not in ("field", *AGGREGATES):
            raise _error(f"unexpected element '{tag}' in 'select'; expected 'field' or one of "
                         f"{', '.join(repr(a) for a in AGGREGATES)}")
        if tag != "field" and (_children(child) or not (child.text or "").strip()):
            raise _error(f"'{tag}' takes a field name as text, for example '{tag}' holding RECORDNO")
        column = (None if tag == "field" else tag, _field_name(child, tag if tag != "field" else "select"))
        if column not in selection.columns:
            selection.columns.append(column)
    if not selection.columns:
        raise _error("'select' must list at least one 'field'")
    return selection
