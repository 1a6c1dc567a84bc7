"""Link customers, carriers and drivers to Sage records: External Accounting ID first, then name.

Rules (setup guide, "External Account IDs"): the ID set for *this* subsidiary must exist in Sage exactly
(an ID Sage lacks is an error naming it; we never fall back to the name then). Without an ID, the name
is matched case-insensitively: one candidate is a match (reported, with the advice to set an ID),
several are an ambiguity error listing their Sage IDs (never a guess), none follows the connection's
policy: create the record in Sage, or fail the document. Lookups are batched: one ``query`` per object
for many parties.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from intacct_harness.connector.intacct import Function, IntacctClient, UncertainOutcome
from intacct_harness.connector.intacct import functions as fn
from intacct_harness.connector.intacct.errors import ErrorDetail
from intacct_harness.connector.tms.model import Party, PartyKind

LOOKUP_CHUNK = 200


class How(StrEnum):
    EXTERNAL_ID = "external_id"
    NAME = "name"
    CREATED = "created"


@dataclass(frozen=True)
class Match:
    party_id: str
    sage_id: str
    how: How
    note: str = ""


@dataclass(frozen=True)
class MatchFailure:
    party_id: str
    code: str               # MATCH-ID-UNKNOWN | MATCH-AMBIGUOUS | MATCH-NONE | MATCH-CREATE-FAILED
    message: str
    candidates: tuple[str, ...] = ()
    errors: tuple[ErrorDetail, ...] = ()


def sage_object(kind: PartyKind) -> str:
    return "CUSTOMER" if kind is PartyKind.CUSTOMER else "VENDOR"


def _label(party: Party) -> str:
    return {PartyKind.CUSTOMER: "Customer", PartyKind.CARRIER: "Carrier", PartyKind.DRIVER: "Driver"}[party.kind]


class Matcher:
    """Resolves parties for one subsidiary; results are cached for the matcher's lifetime (one sync)."""

    def __init__(self, client: IntacctClient, subsidiary_id: str, *, unmatched: str = "fail") -> None:
        self.client = client
        self.subsidiary_id = subsidiary_id
        self.unmatched = unmatched
        self._done: dict[str, Match | MatchFailure] = {}

    def resolve(self, parties: Iterable[Party], *, create: bool = True) -> dict[str, Match | MatchFailure]:
        """Match many parties with one request (ID and name lookups for customers and vendors together)."""
        parties = list(parties)
        todo = list({p.id: p for p in parties if p.id not in self._done}.values())
        plan: list[tuple[str, str, list[Party]]] = []
        for obj in ("CUSTOMER", "VENDOR"):
            group = [p for p in todo if sage_object(p.kind) == obj]
            plan.append((obj, f"{obj}ID", [p for p in group if p.external_id(self.subsidiary_id)]))
            plan.append((obj, "NAME", [p for p in group if not p.external_id(self.subsidiary_id)]))
        plan = [step for step in plan if step[2]]
        functions: list[Function] = []
        spans: list[tuple[int, int]] = []
        for obj, field, group in plan:
            values = sorted({self._key(p, field) for p in group})
            chunks = [fn.query(obj, [f"{obj}ID", "NAME", "STATUS"], field=field, values=values[i:i + LOOKUP_CHUNK],
                               case_insensitive=field == "NAME") for i in range(0, len(values), LOOKUP_CHUNK)]
            spans.append((len(functions), len(functions) + len(chunks)))
            functions += chunks
        results = self.client.execute(functions)
        unmatched: list[Party] = []
        for (obj, field, group), (a, b) in zip(plan, spans, strict=True):
            failed = [r for r in results[a:b] if not r.ok]
            if failed:
                for p in group:
                    self._done[p.id] = MatchFailure(p.id, failed[0].errors[0].errorno if failed[0].errors else "LOOKUP",
                                                    f"{_label(p)} {p.name} could not be looked up in Sage",
                                                    errors=failed[0].errors)
                continue
            rows = [row for r in results[a:b] for row in r.records()]
            if field == "NAME":
                unmatched += self._by_name(obj, group, rows)
            else:
                self._by_external_id(obj, group, rows)
        if unmatched and create:
            self._create(unmatched)
        return {p.id: self._done[p.id] for p in parties if p.id in self._done}

    def _key(self, party: Party, field: str) -> str:
        return party.name if field == "NAME" else party.external_id(self.subsidiary_id) or ""

    def _by_external_id(self, obj: str, group: list[Party], rows: list[dict[str, str]]) -> None:
        found = {r.get(f"{obj}ID", "") for r in rows}
        for p in group:
            ext = p.external_id(self.subsidiary_id) or ""
            if ext in found:
                self._done[p.id] = Match(p.id, ext, How.EXTERNAL_ID)
            else:
                self._done[p.id] = MatchFailure(
                    p.id, "MATCH-ID-UNKNOWN",
                    f"{_label(p)} {p.name}: External Accounting ID {ext} (set for this subsidiary) does not "
                    f"exist in Sage as a {obj.title()} ID. Correct the External Accounting ID on the "
                    f"{_label(p).lower()} profile or create {obj.title()} {ext} in Sage.")

    def _by_name(self, obj: str, group: list[Party], rows: list[dict[str, str]]) -> list[Party]:
        candidates: dict[str, list[str]] = {}
        for row in rows:
            candidates.setdefault(row.get("NAME", "").casefold(), []).append(row.get(f"{obj}ID", ""))
        unmatched: list[Party] = []
        for p in group:
            ids = sorted(candidates.get(p.name.casefold(), []))
            if len(ids) == 1:
                self._done[p.id] = Match(p.id, ids[0], How.NAME, (
                    f"{_label(p)} {p.name} was matched by name to Sage {obj.title()} {ids[0]}; set the External "
                    f"Accounting ID on the {_label(p).lower()} profile for this subsidiary to {ids[0]} to make "
                    "the link reliable."))
            elif ids:
                self._done[p.id] = MatchFailure(
                    p.id, "MATCH-AMBIGUOUS",
                    f"{_label(p)} {p.name}: {len(ids)} Sage {obj.title()} records share this name "
                    f"({', '.join(ids)}); Alvys will not guess. Set the External Accounting ID on the "
                    f"{_label(p).lower()} profile for this subsidiary to the right one.", tuple(ids))
            elif self.unmatched == "create":
                unmatched.append(p)
            else:
                self._done[p.id] = MatchFailure(
                    p.id, "MATCH-NONE",
                    f"{_label(p)} {p.name} has no External Accounting ID for this subsidiary and no Sage "
                    f"{obj.title()} has that name. Create it in Sage and set the External Accounting ID, or let "
                    "the connection create missing records.")
        return unmatched

    # -- creation -----------------------------------------------------------------------------
    def _create(self, parties: list[Party]) -> None:
        """Create missing records; an ID already taken gets a numbered suffix, a lost answer a name re-check."""
        pending = {p.id: (p, 1) for p in parties}
        for _round in range(8):
            if not pending:
                return
            batch = list(pending.values())
            functions = [fn.create(sage_object(p.kind), {f"{sage_object(p.kind)}ID": new_id(p, n), "NAME": p.name})
                         for p, n in batch]
            try:
                results = self.client.execute(functions, writes=True)
            except UncertainOutcome:
                # Sage may have created some: match them by name again, create only the rest.
                again = [p for p, _ in batch]
                for p in again:
                    self._done.pop(p.id, None)
                self.resolve(again, create=False)
                pending = {p.id: (p, n) for p, n in batch if p.id not in self._done}
                continue
            pending = {}
            for (p, n), result in zip(batch, results, strict=True):
                obj = sage_object(p.kind)
                if result.ok:
                    self._done[p.id] = Match(p.id, new_id(p, n), How.CREATED,
                                             f"{_label(p)} {p.name} was created in Sage as {obj.title()} "
                                             f"{new_id(p, n)}.")
                elif result.errors and result.errors[0].errorno == "BL34000061" and n < 5:
                    pending[p.id] = (p, n + 1)
                else:
                    self._done[p.id] = MatchFailure(
                        p.id, "MATCH-CREATE-FAILED", f"{_label(p)} {p.name} could not be created in Sage as a "
                        f"{obj.title()}: " + "; ".join(e.text for e in result.errors), errors=result.errors)
        for p, _ in pending.values():
            self._done[p.id] = MatchFailure(p.id, "MATCH-CREATE-FAILED", f"{_label(p)} {p.name}: Sage did not "
                                            "confirm creating the record; it will be matched by name next sync.")


def new_id(party: Party, attempt: int = 1) -> str:
    """A Sage ID for a created record: prefix + name letters, at most 20 characters, numbered on collision."""
    prefix = "C-" if party.kind is PartyKind.CUSTOMER else "V-"
    base = prefix + re.sub(r"[^A-Z0-9]", "", party.name.upper())[:15]
    return base if attempt == 1 else f"{base[:17]}-{attempt}"
