"""Who a request is for, before it runs: every operation's company and entity, their tier settings.

A request may carry several ``<operation>`` blocks, each signing in (or naming a session) on its own.
The concurrency limit, the latency model, fault rules and ``uniqueid`` look at all of them: a bogus
first operation must not let the second run past its company's limit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from intacct_harness.simulator.models.company import Company
from intacct_harness.simulator.models.faults import function_object
from intacct_harness.simulator.store import Tx
from intacct_harness.simulator.wire.envelope import Operation, Request


@dataclass
class Target:
    """One operation's company and entity (None: unknown before authentication) and what it asks for."""

    company_id: str | None
    entity: str | None
    functions: list[tuple[str, str]]


@dataclass
class Admission:
    """A known company the request runs against: its concurrency limit, latency model and function count."""

    company_id: str
    limit: int
    latency: dict[str, float]
    functions: int = 0


@dataclass
class Plan:
    targets: list[Target] = field(default_factory=list)
    admissions: list[Admission] = field(default_factory=list)   # one per company, in first-seen order


def operation_target(tx: Tx, op: Operation) -> tuple[str, str] | None:
    """(company, entity) an operation names by login or by session; None if unknown."""
    if op.login is not None:
        return op.login.companyid, op.login.locationid or ""
    found = tx.get_session(op.session_id or "")
    return (found[0], found[2]) if found else None


def plan(tx: Tx, request: Request, functions: bool = True) -> Plan:
    """Every operation's target and every known company's settings, read in one snapshot.

    ``functions=False`` leaves each target's (function, object) list empty: only fault rules read it, and
    with none armed it is not worth a pass over every function of a 100-function request.
    """
    out = Plan()
    by_company: dict[str, Admission] = {}
    for op in request.operations:
        named = [(f.name, function_object(f.name, f.element)) for f in op.functions] if functions else []
        target = operation_target(tx, op)
        company = tx.shared_company(target[0], Company) if target else None
        if target is None or company is None:
            out.targets.append(Target(None, None, named))
            continue
        out.targets.append(Target(target[0], target[1], named))
        admission = by_company.get(target[0])
        if admission is None:
            admission = by_company[target[0]] = Admission(company.id, company.concurrency_limit,
                                                          company.doc.get("latency") or {})
            out.admissions.append(admission)
        admission.functions += len(op.functions)
    return out


def modelled_seconds(admissions: list[Admission], jitter: dict[str, random.Random]) -> float:
    """The real gateway's response time: per company, base plus per-function cost with seeded jitter."""
    total = 0.0
    for a in admissions:
        model = a.latency
        if not model:
            continue
        ms = float(model.get("base_ms", 0)) + float(model.get("per_function_ms", 0)) * a.functions
        spread = float(model.get("jitter_ms", 0))
        if spread:
            ms += jitter[a.company_id].uniform(-spread, spread)
        total += ms / 1000.0
    return total
