"""The ``query`` function's aggregates: ``<count>``, ``<sum>``, ``<avg>``, ``<min>``, ``<max>`` in ``<select>``.

developer.intacct.com/web-services/queries/ ("Aggregate functions"): the aggregate elements hold a field
name as text (the SDKs write ``<sum>TOTALDUE</sum>``), the ``<field>``s in the same ``<select>`` group the
results, and each result names its aggregate ``FUNCTION.FIELD`` (``<COUNT.RECORDNO>18</COUNT.RECORDNO>``;
a user script reads ``SUM.<field>`` the same way). As in SQL, NULLs are skipped, ``count`` counts the
non-NULL values, and an aggregate with no ``<field>`` answers one row over every matching record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .condition import QuerySyntaxError, sort_key

AGGREGATE_FUNCTIONS = ("count", "sum", "avg", "min", "max")

Row = Mapping[str, "str | None"]


@dataclass
class Selection:
    """What ``<select>`` asks for, in the request's order: plain fields and (function, FIELD) aggregates."""

    columns: list[tuple[str | None, str]] = field(default_factory=list)  # (function or None, FIELD)

    @property
    def fields(self) -> list[str]:
        return [name for func, name in self.columns if func is None]

    @property
    def aggregates(self) -> list[tuple[str, str]]:
        return [(func, name) for func, name in self.columns if func is not None]

    @property
    def referenced(self) -> set[str]:
        """Every field the selection reads (plain or aggregated), for field-name checks."""
        return {name for _, name in self.columns}

    @property
    def output(self) -> list[str]:
        """The element names of a result row: ``FIELD`` or ``FUNCTION.FIELD``."""
        return [column_name(func, name) for func, name in self.columns]


def column_name(func: str | None, name: str) -> str:
    return name if func is None else f"{func.upper()}.{name}"


def aggregate_rows(selection: Selection, rows: Iterable[Row]) -> list[dict[str, str | None]]:
    """Group ``rows`` by the selection's fields (first appearance order) and compute each aggregate."""
    keys = selection.fields
    groups: dict[tuple[str | None, ...], list[Row]] = {}
    for row in rows:
        groups.setdefault(tuple(row.get(k) for k in keys), []).append(row)
    if not keys and not groups:
        groups[()] = []  # SQL: an aggregate over no rows still answers one row
    out = []
    for key, members in groups.items():
        result: dict[str, str | None] = dict(zip(keys, key, strict=True))
        for func, name in selection.aggregates:
            result[column_name(func, name)] = _compute(func, name, [m.get(name) for m in members])
        out.append(result)
    return out


def _compute(func: str, name: str, values: list[str | None]) -> str | None:
    present = [v for v in values if v is not None and v != ""]
    if func == "count":
        return str(len(present))
    if not present:
        return None
    if func in ("min", "max"):
        pick = min if func == "min" else max
        return pick(present, key=sort_key)
    numbers = [_number(func, name, v) for v in present]
    total = sum(numbers, Decimal(0))
    return _text(total if func == "sum" else total / len(numbers))


def _number(func: str, name: str, value: str) -> Decimal:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise QuerySyntaxError(f"Invalid query: '{func}' needs a numeric field; {name} has the value "
                               f"{value[:40]!r}")
    return number


def _text(number: Decimal) -> str:
    """A plain decimal without exponent or trailing zeros (``15``, ``1679615.93``, ``0.3333333333``)."""
    number = number.quantize(Decimal("1.0000000000")) if number.as_tuple().exponent < -10 else number
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
