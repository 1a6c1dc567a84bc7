"""Our trucking data: subsidiaries, customers/brokers, carriers, drivers, loads and settlements.

Customers, carriers and drivers carry an External Accounting ID *per subsidiary*: the same carrier
may be vendor V-100 in one subsidiary's Sage and absent from another's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


class PartyKind(StrEnum):
    CUSTOMER = "customer"
    CARRIER = "carrier"
    DRIVER = "driver"


class LoadStatus(StrEnum):
    BOOKED = "booked"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class ChargeKind(StrEnum):
    LINEHAUL = "linehaul"
    FUEL_SURCHARGE = "fuel_surcharge"
    ACCESSORIAL = "accessorial"


@dataclass(frozen=True)
class Subsidiary:
    id: str
    name: str
    code: str          # short prefix of our document numbers in Sage (RECORDID), unique per TMS tenant


@dataclass
class Party:
    """A customer/broker, carrier or driver profile."""

    id: str
    kind: PartyKind
    name: str
    external_ids: dict[str, str] = field(default_factory=dict)    # subsidiary id -> Sage CUSTOMERID/VENDORID
    created_at: datetime | None = None

    def external_id(self, subsidiary_id: str) -> str | None:
        """The External Accounting ID set for this subsidiary; one set for another subsidiary does not count."""
        value = (self.external_ids.get(subsidiary_id) or "").strip()
        return value or None


@dataclass(frozen=True)
class Charge:
    kind: ChargeKind
    description: str
    amount: Decimal


@dataclass
class Load:
    id: str
    number: str
    subsidiary_id: str
    customer_id: str
    status: LoadStatus
    charges: list[Charge]
    created_at: datetime
    delivered_at: datetime | None = None
    origin: str = ""
    destination: str = ""
    po_number: str = ""
    division: str = ""       # e.g. OTR / REG: a natural Sage Department
    equipment: str = ""      # e.g. DRY / REEFER: a natural Sage Class
    terminal: str = ""

    @property
    def total(self) -> Decimal:
        return sum((c.amount for c in self.charges), Decimal("0"))


@dataclass(frozen=True)
class SettlementLine:
    description: str
    amount: Decimal
    load_number: str = ""


@dataclass
class Settlement:
    """A carrier or driver settlement: an AP bill to the carrier's or driver's vendor."""

    id: str
    number: str
    subsidiary_id: str
    payee_kind: PartyKind          # CARRIER or DRIVER
    payee_id: str
    lines: list[SettlementLine]
    created_at: datetime
    period_end: date | None = None
    division: str = ""
    equipment: str = ""
    terminal: str = ""

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))


@dataclass
class Dataset:
    subsidiaries: list[Subsidiary] = field(default_factory=list)
    parties: list[Party] = field(default_factory=list)
    loads: list[Load] = field(default_factory=list)
    settlements: list[Settlement] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._index: dict[str, Party] = {}

    def party(self, party_id: str) -> Party:
        if len(self._index) != len(self.parties):
            self._index = {p.id: p for p in self.parties}
        return self._index[party_id]

    def subsidiary(self, subsidiary_id: str) -> Subsidiary:
        for sub in self.subsidiaries:
            if sub.id == subsidiary_id:
                return sub
        raise KeyError(f"no subsidiary {subsidiary_id!r} in the TMS data")

    def of_kind(self, kind: PartyKind) -> Iterator[Party]:
        return (p for p in self.parties if p.kind is kind)
