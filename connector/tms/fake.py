"""Realistic, seeded, reproducible TMS data of any size (Faker), plus the Sage records that match it.

The same ``seed`` and sizes always give the same data set, so a sync can be re-run against it and a
test can name a load by its number.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

try:
    from faker import Faker
except ImportError as exc:  # pragma: no cover - the simulator extra alone has no Faker (tests/test_packaging.py)
    raise ImportError("the connector's generated TMS data needs Faker, which the simulator extra leaves out: "
                      "pip install 'intacct-harness[connector]'") from exc

from intacct_harness.connector.tms.model import (
    Charge,
    ChargeKind,
    Dataset,
    Load,
    LoadStatus,
    Party,
    PartyKind,
    Settlement,
    SettlementLine,
    Subsidiary,
)

DEFAULT_START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
_CARRIER_SUFFIX = ("Trucking", "Freight Lines", "Logistics", "Transport", "Carriers", "Express")
_ACCESSORIALS = ("Detention", "Lumper fee", "Layover", "Stop-off charge", "Tarp fee", "Driver assist")
DIVISIONS = ("OTR", "REG")
EQUIPMENT = ("DRY", "REEFER")


@dataclass
class Sizes:
    subsidiaries: int = 1
    customers: int = 10
    carriers: int = 8
    drivers: int = 6
    loads: int = 40
    settlements: int = 15


def _money(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(f"{rng.uniform(low, high):.2f}")


def _unique(name: str, seen: set[str]) -> str:
    base, n = name, 2
    while name.lower() in seen:
        name, n = f"{base} {n}", n + 1
    seen.add(name.lower())
    return name


def generate(seed: int = 7, sizes: Sizes | None = None, *, start: datetime | date = DEFAULT_START, days: int = 60,
             external_id_ratio: float = 0.7, delivered_ratio: float = 0.8) -> Dataset:
    """A data set: ``external_id_ratio`` of parties have an External Accounting ID per subsidiary.

    ``start`` may be a date or a date-time with or without a time zone (UTC when it has none), as a config
    file writes it (``start: 2026-11-05``); the connection's ``established_at`` is compared with these times.
    """
    if not isinstance(start, datetime):
        start = datetime(start.year, start.month, start.day)
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    sizes = sizes or Sizes()
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    span = timedelta(days=days)

    def when() -> datetime:
        return start + timedelta(seconds=rng.randrange(int(span.total_seconds())))

    subs = [Subsidiary(f"SUB-{i + 1}", f"{fake.last_name()} Transportation {i + 1}", f"S{i + 1}")
            for i in range(sizes.subsidiaries)]
    data = Dataset(subsidiaries=subs)
    seen: dict[PartyKind, set[str]] = {k: set() for k in PartyKind}
    plan = ((PartyKind.CUSTOMER, sizes.customers, "C", lambda: fake.company()),
            (PartyKind.CARRIER, sizes.carriers, "V", lambda: f"{fake.last_name()} {rng.choice(_CARRIER_SUFFIX)}"),
            (PartyKind.DRIVER, sizes.drivers, "D", lambda: fake.name()))
    for kind, count, prefix, make_name in plan:
        for i in range(count):
            ext = {s.id: f"{prefix}-{s.code}-{1000 + i}" for s in subs if rng.random() < external_id_ratio}
            data.parties.append(Party(f"{kind.value}-{i + 1}", kind, _unique(make_name(), seen[kind]), ext,
                                      start - timedelta(days=30)))
    customers = list(data.of_kind(PartyKind.CUSTOMER))
    payees = list(data.of_kind(PartyKind.CARRIER)) + list(data.of_kind(PartyKind.DRIVER))
    for i in range(sizes.loads):
        created = when()
        delivered = rng.random() < delivered_ratio
        charges = [Charge(ChargeKind.LINEHAUL, "Linehaul", _money(rng, 800, 4200)),
                   Charge(ChargeKind.FUEL_SURCHARGE, "Fuel surcharge", _money(rng, 90, 650))]
        if rng.random() < 0.35:
            charges.append(Charge(ChargeKind.ACCESSORIAL, rng.choice(_ACCESSORIALS), _money(rng, 50, 400)))
        data.loads.append(Load(
            id=f"load-{i + 1}", number=f"L{100001 + i}", subsidiary_id=rng.choice(subs).id,
            customer_id=rng.choice(customers).id if customers else "",
            status=LoadStatus.DELIVERED if delivered else rng.choice(
                [LoadStatus.BOOKED, LoadStatus.IN_TRANSIT, LoadStatus.CANCELLED]),
            charges=charges, created_at=created, delivered_at=created + timedelta(days=2) if delivered else None,
            origin=f"{fake.city()}, {fake.state_abbr()}", destination=f"{fake.city()}, {fake.state_abbr()}",
            po_number=f"PO-{rng.randrange(10000, 99999)}", division=rng.choice(DIVISIONS),
            equipment=rng.choice(EQUIPMENT), terminal=fake.city()))
    delivered_loads = [ld for ld in data.loads if ld.status is LoadStatus.DELIVERED] or data.loads
    for i in range(sizes.settlements if payees else 0):
        payee = rng.choice(payees)
        loads = rng.sample(delivered_loads, k=min(len(delivered_loads), rng.randint(1, 3))) if delivered_loads else []
        rate = (0.8, 0.9) if payee.kind is PartyKind.CARRIER else (0.25, 0.35)
        lines = [SettlementLine(f"{'Carrier pay' if payee.kind is PartyKind.CARRIER else 'Driver pay'} "
                                f"{ld.number}", (ld.total * Decimal(str(round(rng.uniform(*rate), 2))))
                                .quantize(Decimal("0.01")), ld.number) for ld in loads] or \
            [SettlementLine("Settlement", _money(rng, 300, 2000))]
        created = when()
        data.settlements.append(Settlement(
            id=f"settlement-{i + 1}", number=f"ST{50001 + i}", subsidiary_id=rng.choice(subs).id,
            payee_kind=payee.kind, payee_id=payee.id, lines=lines, created_at=created,
            period_end=created.date(), division=rng.choice(DIVISIONS), equipment=rng.choice(EQUIPMENT),
            terminal=fake.city()))
    return data


def sage_records(data: Dataset, subsidiary_id: str, *, name_only_ratio: float = 1.0,
                 seed: int = 7) -> dict[str, list[dict[str, Any]]]:
    """CUSTOMER/VENDOR records a customer's Sage would hold for this subsidiary.

    Parties with an External Accounting ID get that ID; of the others ``name_only_ratio`` exist under
    their name (with a Sage-made ID, and the name's case changed, as typed by someone else).
    """
    rng = random.Random(seed)
    out: dict[str, list[dict[str, Any]]] = {"CUSTOMER": [], "VENDOR": []}
    for n, party in enumerate(data.parties):
        obj = "CUSTOMER" if party.kind is PartyKind.CUSTOMER else "VENDOR"
        ext = party.external_id(subsidiary_id)
        if ext is None and rng.random() >= name_only_ratio:
            continue
        key = ext or f"{obj[0]}N-{n + 1:05d}"
        name = party.name if ext else party.name.upper()
        out[obj].append({f"{obj}ID": key, "NAME": name})
    return out
