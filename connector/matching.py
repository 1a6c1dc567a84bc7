"""Link customers, carriers and drivers to Sage records: External Accounting ID first, then name.

Rules (setup guide, "External Account IDs"): the ID set for *this* subsidiary must exist in Sage (an ID
Sage lacks is an error naming it; we never fall back to the name then). Without an ID, the name is
matched case-insensitively: one candidate is a match (reported, with the advice to set an ID), several
are an ambiguity error listing their Sage IDs (never a guess), none follows the connection's policy:
create the record in Sage, or fail the document.

One comparison rule, ``key()``, serves every step (ID lookup, name match, advice, created IDs): Unicode
whitespace is trimmed and collapsed and letter case is ignored, for names (the guide: "name matching is
case-insensitive") and for External Accounting IDs alike. Whether Sage compares record IDs with or
without case is not public; the connector does not depend on it: IDs not found as typed are looked up
again case-insensitively, and documents post with the ID exactly as Sage spells it, so a typed
``c-1001 `` posts to Sage's ``C-1001`` and never creates a near-duplicate. Only active Sage records are
candidates; when the only match is inactive the document fails before it is sent, naming the record to
reactivate. Lookups are batched: one ``query`` per object for many parties, and one more only for what
was not found as typed (an ID in another letter case, a Sage name with a stray or doubled space).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from intacct_harness.connector.intacct import Function, IntacctClient, Result, UncertainOutcome
from intacct_harness.connector.intacct import functions as fn
from intacct_harness.connector.intacct.envelope import el
from intacct_harness.connector.intacct.errors import ErrorDetail
from intacct_harness.connector.limits import too_long
from intacct_harness.connector.tms.model import Party, PartyKind

LOOKUP_CHUNK = 200
LIKE_CHUNK = 50          # LIKE patterns per fallback query (each one scans; they are few: names not found as typed)
CREATE_ATTEMPTS = 5      # numbered IDs tried for a created record whose ID is taken
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))   # zero-width characters people paste


def normalise(text: str | None) -> str:
    """``text`` with Unicode whitespace (no-break space included) trimmed and collapsed to single spaces."""
    return " ".join((text or "").translate(_INVISIBLE).split())


def key(text: str | None) -> str:
    """The comparison key of a name or record ID: normalised and case-folded."""
    return normalise(text).casefold()


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
    code: str    # MATCH-ID-UNKNOWN | MATCH-AMBIGUOUS | MATCH-INACTIVE | MATCH-NONE | MATCH-CREATE-FAILED
    message: str
    candidates: tuple[str, ...] = ()
    errors: tuple[ErrorDetail, ...] = ()


@dataclass(frozen=True)
class _Row:
    sage_id: str
    name: str
    active: bool


def _rows(obj: str, result: Result) -> list[_Row]:
    return [_Row(r.get(f"{obj}ID", ""), r.get("NAME", ""), r.get("STATUS", "active").lower() != "inactive")
            for r in result.records()]


def sage_object(kind: PartyKind) -> str:
    return "CUSTOMER" if kind is PartyKind.CUSTOMER else "VENDOR"


def _label(party: Party) -> str:
    return {PartyKind.CUSTOMER: "Customer", PartyKind.CARRIER: "Carrier", PartyKind.DRIVER: "Driver"}[party.kind]


def _profile(party: Party) -> str:
    """Where the guide says the External Accounting ID is set for this party."""
    kind = "customer/broker" if party.kind is PartyKind.CUSTOMER else party.kind.value
    return f"open the {kind} profile {normalise(party.name)}, then access the External Accounting ID dialog"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _like_pattern(name: str) -> str:
    """A LIKE pattern finding ``name`` with any spaces around or between its words.

    A ``%`` or ``_`` in the name only widens the pattern: every row found is compared by ``key`` after.
    """
    return "%" + "%".join(normalise(name).split(" ")) + "%"


def _name_like(obj: str, patterns: list[str]) -> Function:
    likes = [el("like", el("field", text="NAME"), el("value", text=p)) for p in patterns]
    cond = likes[0] if len(likes) == 1 else el("or", *likes)
    return Function(el("query", el("object", text=obj),
                       el("select", *(el("field", text=f) for f in (f"{obj}ID", "NAME", "STATUS"))),
                       el("filter", cond), el("options", el("caseinsensitive", text="true")),
                       el("pagesize", text=fn.QUERY_PAGE), el("offset", text=0)))


class Matcher:
    """Resolves parties for one subsidiary; results are cached for the matcher's lifetime (one sync)."""

    def __init__(self, client: IntacctClient, subsidiary_id: str, *, unmatched: str = "fail") -> None:
        self.client = client
        self.subsidiary_id = subsidiary_id
        self.unmatched = unmatched
        self._done: dict[str, Match | MatchFailure] = {}

    def _ext(self, party: Party) -> str:
        return normalise(party.external_id(self.subsidiary_id))

    def resolve(self, parties: Iterable[Party], *, create: bool = True) -> dict[str, Match | MatchFailure]:
        """Match many parties with one request (ID and name lookups for customers and vendors together)."""
        parties = list(parties)
        todo = list({p.id: p for p in parties if p.id not in self._done}.values())
        plan: list[tuple[str, str, list[Party]]] = []
        for obj in ("CUSTOMER", "VENDOR"):
            group = [p for p in todo if sage_object(p.kind) == obj]
            plan.append((obj, f"{obj}ID", [p for p in group if self._ext(p)]))
            plan.append((obj, "NAME", [p for p in group if not self._ext(p)]))
        plan = [step for step in plan if step[2]]
        functions: list[Function] = []
        spans: list[tuple[int, int]] = []
        for obj, field, group in plan:
            values = sorted({self._ext(p) if field != "NAME" else normalise(p.name) for p in group})
            chunks = [fn.query(obj, [f"{obj}ID", "NAME", "STATUS"], field=field, values=values[i:i + LOOKUP_CHUNK],
                               case_insensitive=field == "NAME") for i in range(0, len(values), LOOKUP_CHUNK)]
            spans.append((len(functions), len(functions) + len(chunks)))
            functions += chunks
        results = self.client.execute(functions)
        looked: list[tuple[str, str, list[Party], list[_Row]]] = []
        for (obj, field, group), (a, b) in zip(plan, spans, strict=True):
            failed = [r for r in results[a:b] if not r.ok]
            if failed:
                self._lookup_failed(group, failed[0].errors)
            else:
                looked.append((obj, field, group, [row for res in results[a:b] for row in _rows(obj, res)]))
        unmatched: list[Party] = []
        for obj, field, group, rows in self._widen(looked):
            if field == "NAME":
                unmatched += self._by_name(obj, group, rows)
            else:
                self._by_external_id(obj, group, rows)
        if unmatched and create:
            self._create(unmatched)
        return {p.id: self._done[p.id] for p in parties if p.id in self._done}

    def _lookup_failed(self, group: list[Party], errors: tuple[ErrorDetail, ...]) -> None:
        for p in group:
            self._done[p.id] = MatchFailure(p.id, errors[0].errorno if errors else "LOOKUP",
                                            f"{_label(p)} {normalise(p.name)} could not be looked up in Sage",
                                            errors=errors)

    def _widen(self, looked: list[tuple[str, str, list[Party], list[_Row]]]
               ) -> list[tuple[str, str, list[Party], list[_Row]]]:
        """Look up again what was not found as typed: IDs in any letter case, names with any spacing.

        The first lookup is exact for IDs (Sage can use its index); this one more request is made only when
        something was not found, for just those parties: the ones that would otherwise be failed as unknown,
        or created again beside a record Sage spells differently ("C-1001" for "c-1001", "Prairie  Grain Co ").
        """
        asks: list[tuple[int, Function]] = []
        for i, (obj, field, group, rows) in enumerate(looked):
            if field == "NAME":
                found = {key(r.name) for r in rows}
                names = sorted({normalise(p.name) for p in group if key(p.name) not in found})
                asks += [(i, _name_like(obj, [_like_pattern(n) for n in names[j:j + LIKE_CHUNK]]))
                         for j in range(0, len(names), LIKE_CHUNK)]
            else:
                have = {r.sage_id for r in rows}
                ids = sorted({self._ext(p) for p in group if self._ext(p) not in have})
                asks += [(i, fn.query(obj, [f"{obj}ID", "NAME", "STATUS"], field=field, values=ids[j:j + LOOKUP_CHUNK],
                                      case_insensitive=True)) for j in range(0, len(ids), LOOKUP_CHUNK)]
        if not asks:
            return looked
        extra: dict[int, list[_Row]] = {}
        for (i, _), result in zip(asks, self.client.execute([f for _, f in asks]), strict=True):
            extra.setdefault(i, []).extend(_rows(looked[i][0], result) if result.ok else [])
        out = []
        for i, (obj, field, group, rows) in enumerate(looked):
            seen = {r.sage_id for r in rows}
            out.append((obj, field, group, rows + [r for r in extra.get(i, []) if r.sage_id not in seen]))
        return out

    def _by_external_id(self, obj: str, group: list[Party], rows: list[_Row]) -> None:
        title = obj.title()
        index: dict[str, list[_Row]] = {}
        for row in rows:
            index.setdefault(key(row.sage_id), []).append(row)
        for p in group:
            ext = self._ext(p)
            same = index.get(key(ext), [])
            active = [r for r in same if r.active]
            if len(active) > 1:            # Sage holds IDs differing only in case: the exact spelling, or no guess
                active = [r for r in active if r.sage_id == ext] or active
            if len(active) == 1:
                sage_id = active[0].sage_id
                note = "" if sage_id == ext else (
                    f"{_label(p)} {normalise(p.name)}: the External Accounting ID {ext!r} was matched to Sage "
                    f"{title} {sage_id} (it differs only in letter case or spaces); {_profile(p)} and set it "
                    f"to {sage_id}.")
                self._done[p.id] = Match(p.id, sage_id, How.EXTERNAL_ID, note)
            elif active:
                ids = tuple(sorted(r.sage_id for r in active))
                self._done[p.id] = MatchFailure(
                    p.id, "MATCH-AMBIGUOUS",
                    f"{_label(p)} {normalise(p.name)}: the External Accounting ID {ext} matches {len(ids)} Sage "
                    f"{title} IDs that differ only in letter case ({', '.join(ids)}); Alvys will not guess. "
                    f"{_cap(_profile(p))} and set it exactly to the right one.", ids)
            elif same:
                self._done[p.id] = self._inactive(p, obj, same, by="External Accounting ID")
            else:
                self._done[p.id] = MatchFailure(
                    p.id, "MATCH-ID-UNKNOWN",
                    f"{_label(p)} {normalise(p.name)}: External Accounting ID {ext} (set for this subsidiary) "
                    f"does not exist in Sage as a {title} ID. Correct the External Accounting ID on the "
                    f"{_label(p).lower()} profile ({_profile(p)}) or create {title} {ext} in Sage.")

    def _inactive(self, p: Party, obj: str, rows: list[_Row], *, by: str) -> MatchFailure:
        title = obj.title()
        ids = tuple(sorted(r.sage_id for r in rows))
        named = ", ".join(f"{r.sage_id} ({normalise(r.name)})" for r in sorted(rows, key=lambda r: r.sage_id))
        return MatchFailure(
            p.id, "MATCH-INACTIVE",
            f"{_label(p)} {normalise(p.name)}: the only Sage {title} matching by {by} is inactive: {named}. "
            f"Sage does not post to inactive records. Reactivate {title} {ids[0]} in Sage, or {_profile(p)} "
            f"and set the External Accounting ID for this subsidiary to an active {title} ID.", ids)

    def _by_name(self, obj: str, group: list[Party], rows: list[_Row]) -> list[Party]:
        title = obj.title()
        candidates: dict[str, list[_Row]] = {}
        for row in rows:
            candidates.setdefault(key(row.name), []).append(row)
        unmatched: list[Party] = []
        for p in group:
            same = candidates.get(key(p.name), [])
            active = sorted(r.sage_id for r in same if r.active)
            name = normalise(p.name)
            if len(active) == 1:
                self._done[p.id] = Match(p.id, active[0], How.NAME, (
                    f"{_label(p)} {name} was matched by name to Sage {title} {active[0]}; {_profile(p)} and set "
                    f"the External Accounting ID for this subsidiary to {active[0]} to make the link reliable."))
            elif active:
                self._done[p.id] = MatchFailure(
                    p.id, "MATCH-AMBIGUOUS",
                    f"{_label(p)} {name}: {len(active)} Sage {title} records share this name "
                    f"({', '.join(active)}); Alvys will not guess. {_cap(_profile(p))} and set the "
                    "External Accounting ID for this subsidiary to the right one.", tuple(active))
            elif same:
                self._done[p.id] = self._inactive(p, obj, same, by="name")
            elif self.unmatched == "create":
                unmatched.append(p)
            else:
                self._done[p.id] = MatchFailure(
                    p.id, "MATCH-NONE",
                    f"{_label(p)} {name} has no External Accounting ID for this subsidiary and no Sage "
                    f"{title} has that name. Create it in Sage and set the External Accounting ID "
                    f"({_profile(p)}), or let the connection create missing records.")
        return unmatched

    # -- creation -----------------------------------------------------------------------------
    def _create(self, parties: list[Party]) -> None:
        """Create missing records, one per normalised name (a carrier and a driver profile of one owner-operator
        share one vendor); an ID already in Sage in any letter case is skipped, a lost answer re-checks by name.
        A name longer than Sage's NAME field is not sent (Sage would refuse it): the party fails with advice."""
        for p in parties:
            if (limit := too_long(sage_object(p.kind), "NAME", normalise(p.name))) is not None:
                self._done[p.id] = MatchFailure(
                    p.id, "FIELD-TOO-LONG", f"{_label(p)} {normalise(p.name)} cannot be created in Sage: the "
                    f"{sage_object(p.kind).title()} name (NAME) takes at most {limit} characters and this one has "
                    f"{len(normalise(p.name))}. Shorten the name on the {_label(p).lower()} profile in Alvys, or "
                    f"create the {sage_object(p.kind).title()} in Sage and set the External Accounting ID on the "
                    "profile.")
        parties = [p for p in parties if p.id not in self._done]
        groups: dict[tuple[str, str], list[Party]] = {}
        for p in parties:
            groups.setdefault((sage_object(p.kind), key(p.name)), []).append(p)
        firsts = [g[0] for g in groups.values()]
        taken = self._taken_ids(firsts)
        pending: dict[str, tuple[Party, int]] = {}
        for p in firsts:
            n = self._free_attempt(p, taken, 1)
            if key(new_id(p, n)) in taken:
                self._done[p.id] = MatchFailure(
                    p.id, "MATCH-CREATE-FAILED", f"{_label(p)} {normalise(p.name)} could not be created in Sage: "
                    f"the IDs {new_id(p)} to {new_id(p, n)} are all taken. Create it in Sage and set the External "
                    f"Accounting ID ({_profile(p)}).")
            else:
                pending[p.id] = (p, n)
        for _round in range(8):
            if not pending:
                break
            batch = list(pending.values())
            functions = [fn.create(sage_object(p.kind), {f"{sage_object(p.kind)}ID": new_id(p, n),
                                                         "NAME": normalise(p.name)}) for p, n in batch]
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
                                             f"{_label(p)} {normalise(p.name)} was created in Sage as "
                                             f"{obj.title()} {new_id(p, n)}.")
                elif result.errors and result.errors[0].errorno == "BL34000061" and n < CREATE_ATTEMPTS:
                    pending[p.id] = (p, self._free_attempt(p, taken, n + 1))
                else:
                    self._done[p.id] = MatchFailure(
                        p.id, "MATCH-CREATE-FAILED", f"{_label(p)} {normalise(p.name)} could not be created in "
                        f"Sage as a {obj.title()}: " + "; ".join(e.text for e in result.errors), errors=result.errors)
        for p, _ in pending.values():
            self._done[p.id] = MatchFailure(p.id, "MATCH-CREATE-FAILED", f"{_label(p)} {normalise(p.name)}: Sage did "
                                            "not confirm creating the record; it will be matched by name next sync.")
        for group in groups.values():
            self._share(group)

    def _share(self, group: list[Party]) -> None:
        """The other profiles of one created name get the same record (never a second one of that name)."""
        first = self._done.get(group[0].id)
        for p in group[1:]:
            if isinstance(first, Match):
                obj = sage_object(p.kind).title()
                self._done[p.id] = Match(p.id, first.sage_id, How.CREATED, (
                    f"{_label(p)} {normalise(p.name)} has the same name as {_label(group[0]).lower()} "
                    f"{normalise(group[0].name)} and shares Sage {obj} {first.sage_id} with it (one person, such "
                    f"as an owner-operator, is one {obj.lower()}). If they are different, {_profile(p)} and set "
                    "its own External Accounting ID."))
            elif first is not None:
                self._done[p.id] = MatchFailure(p.id, first.code, first.message, first.candidates, first.errors)

    def _taken_ids(self, parties: list[Party]) -> set[str]:
        """Keys of the IDs a created record could get that Sage already has in any letter case (one request)."""
        functions = []
        for obj in ("CUSTOMER", "VENDOR"):
            ids = sorted({new_id(p, n) for p in parties if sage_object(p.kind) == obj
                          for n in range(1, CREATE_ATTEMPTS + 1)})
            functions += [fn.query(obj, [f"{obj}ID"], field=f"{obj}ID", values=ids[i:i + LOOKUP_CHUNK],
                                   case_insensitive=True) for i in range(0, len(ids), LOOKUP_CHUNK)]
        taken: set[str] = set()
        for result, obj in zip(self.client.execute(functions), self._objects_of(functions), strict=True):
            taken.update(key(r.get(f"{obj}ID")) for r in (result.records() if result.ok else []))
        return taken

    @staticmethod
    def _objects_of(functions: list[Function]) -> list[str]:
        return [f.element.findtext("object") or "" for f in functions]

    @staticmethod
    def _free_attempt(party: Party, taken: set[str], start: int) -> int:
        n = start
        while n < CREATE_ATTEMPTS and key(new_id(party, n)) in taken:
            n += 1
        return n


def new_id(party: Party, attempt: int = 1) -> str:
    """A Sage ID for a created record: prefix + name letters, at most 20 characters, numbered on collision."""
    prefix = "C-" if party.kind is PartyKind.CUSTOMER else "V-"
    base = prefix + re.sub(r"[^A-Z0-9]", "", normalise(party.name).upper())[:15]
    return base if attempt == 1 else f"{base[:17]}-{attempt}"
