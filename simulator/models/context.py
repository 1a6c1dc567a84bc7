"""What every function sees: the transaction, the company, the session's user and entity, the clock."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from intacct_harness.simulator.errors import PermissionDenied
from intacct_harness.simulator.models.company import Company
from intacct_harness.simulator.models.objects import ObjectDef
from intacct_harness.simulator.store import Record, Tx
from intacct_harness.simulator.wire.response import Records


@dataclass
class Session:
    session_id: str
    company: Company
    user_id: str
    user: dict[str, Any]
    entity: str            # "" is the top level
    rights: dict[str, frozenset[str]]
    expires: float | None = None   # the stored timeout of an existing session; None for a new sign-in


@dataclass
class Output:
    """What a function returns: its answer as data (``Records``) or a ``<data>`` element, or a legacy ``<key>``,
    plus accounting. ``simulator/wire/response.py`` renders it."""

    data: Records | etree._Element | None = None
    key: str | None = None
    listtype: etree._Element | None = None    # legacy get_list only
    object: str = ""
    records: int = 0          # records created/updated/deleted (journal)
    transactions: int = 0     # API transactions as Sage bills them (per record written, per query page)


_UNKNOWN = object()   # not looked up yet (None: looked up, no such visible record)


@dataclass
class Ctx:
    tx: Tx
    session: Session
    now: float
    endpoint: str
    function: str = ""
    _visible_cache: dict[tuple[str, str], Record | None] = field(default_factory=dict)
    _stamp: str | None = None
    # What a rule derived from a looked-up record, kept for the request beside that record (see writes.py)
    derived: dict[Any, tuple[Any, Any]] = field(default_factory=dict)
    _site: str | None = None

    @property
    def company(self) -> Company:
        return self.session.company

    @property
    def company_id(self) -> str:
        return self.session.company.id

    def require(self, module: str, verb: str, operation: str, object_name: str) -> None:
        """PL04000005 unless the user's roles grant ``verb`` on ``module``."""
        if verb not in self.session.rights.get(module, frozenset()):
            raise PermissionDenied(operation, object_name)

    def visible(self, rec: Record) -> bool:
        """An entity session sees its own records and those shared from the top level."""
        return not self.session.entity or rec.entity in ("", self.session.entity)

    def readable(self, rec: Record, show_private: bool = False) -> bool:
        """What the read functions answer: at the top level an entity's records are private to it.

        developer.intacct.com/web-services/queries: "queries from the top-level entity do not access data in
        private entities"; only ``query``'s ``options/showprivate`` documents a way in.
        """
        if self.session.entity:
            return rec.entity in ("", self.session.entity)
        return show_private or not rec.entity

    def lookup(self, obj: ObjectDef, key: str) -> Record | None:
        """A visible record by business key (cached for the request; lines repeat the same values)."""
        ck = (obj.name, key)
        rec = self._visible_cache.get(ck, _UNKNOWN)
        if rec is _UNKNOWN:
            rec = self.tx.by_key(self.company_id, obj.name, key)
            rec = self._visible_cache[ck] = rec if rec is not None and self.visible(rec) else None
        return rec  # type: ignore[return-value]

    def forget(self, obj: str, key: str) -> None:
        self._visible_cache.pop((obj, key), None)

    def forget_all(self) -> None:
        """After a failed function rolled back: what was cached may no longer exist."""
        self._visible_cache.clear()

    @property
    def site(self) -> str:
        """The endpoint without its ``/ia/...`` path: where a record's RECORD_URL points."""
        if self._site is None:
            self._site = self.endpoint.rsplit("/ia/", 1)[0]
        return self._site

    def timestamp(self) -> str:
        """The request's time as Sage stamps records (worked out once: every record of a request shares it)."""
        if self._stamp is None:
            self._stamp = datetime.fromtimestamp(self.now, UTC).strftime("%m/%d/%Y %H:%M:%S")
        return self._stamp


def now_iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def wall_clock() -> float:
    return time.time()
