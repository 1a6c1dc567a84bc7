"""``query``'s related-object fields: ``VENDOR.NAME`` on APBILL, ``CUSTOMER.CREDITLIMIT`` on ARINVOICE.

developer.intacct.com/web-services/queries: the dot follows a many-to-one relationship that ``lookup`` lists
(its OBJECTPATH), in ``<select>`` and in ``<filter>``, across several relationships where they chain
(``VENDOR.TERM.DUEDATE``); readByQuery has no such fields (being able to is one of query's advantages).
The relationships are the object definitions' references (objects.relationships). A field the object itself
holds under a dotted name (``DISPLAYCONTACT.EMAIL1``, EMPLOYEE's ``CONTACT.FIRSTNAME``) stays its own. The
related record is the one the session sees under the key the record names (none: the field is NULL).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from intacct_harness.simulator.models.context import Ctx
from intacct_harness.simulator.models.objects import ObjectDef, Relation, relationships

MAX_HOPS = 3   # simulator's choice: the docs show two (PROJECT.CUSTOMER.CUSTOMERID), name no limit

Known = Callable[[ObjectDef], set[str]]
Row = dict[str, "str | None"]


@dataclass(frozen=True)
class Path:
    """A related field: the relationships to follow, then the field on the last related object."""

    name: str
    hops: tuple[tuple[Relation, ObjectDef], ...]
    field: str


def resolve(ctx: Ctx, obj: ObjectDef, name: str, known: Known, hops: int = 0) -> Path | None:
    """The relationship path ``name`` takes from ``obj``, if it names a field of a related object."""
    head, _, rest = name.upper().partition(".")
    if not rest or hops >= MAX_HOPS:
        return None
    rel = next((r for r in relationships(obj) if r.path.upper() == head), None)
    target = ctx.company.object_def(rel.object) if rel is not None else None
    if rel is None or target is None:
        return None
    if rest in known(target):
        return Path(name.upper(), ((rel, target),), rest)
    deeper = resolve(ctx, target, rest, known, hops + 1)
    return Path(name.upper(), ((rel, target), *deeper.hops), deeper.field) if deeper else None


class Related:
    """Adds the requested related fields to a record's flat row (each related record looked up once)."""

    def __init__(self, ctx: Ctx, paths: Iterable[Path], flat: Callable[[dict[str, Any]], Row]) -> None:
        self.ctx, self.paths, self.flat = ctx, list(paths), flat
        self._rows: dict[tuple[str, str], Row | None] = {}

    def __bool__(self) -> bool:
        return bool(self.paths)

    def add(self, row: Row) -> Row:
        for path in self.paths:
            row[path.name] = self._value(row, path)
        return row

    def _value(self, row: Row, path: Path) -> str | None:
        current: Row | None = row
        for rel, target in path.hops:
            key = current.get(rel.field.upper()) if current is not None else None
            if not key:
                return None
            current = self._row(target, key)
        return current.get(path.field) if current is not None else None

    def _row(self, target: ObjectDef, key: str) -> Row | None:
        ck = (target.name, key)
        if ck not in self._rows:
            rec = self.ctx.lookup(target, key)
            self._rows[ck] = self.flat(rec.doc) if rec is not None else None
        return self._rows[ck]
