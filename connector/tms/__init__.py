"""The TMS side: our own model of trucking data, and a seeded fake generator of it."""

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

__all__ = ["Charge", "ChargeKind", "Dataset", "Load", "LoadStatus", "Party", "PartyKind", "Settlement",
           "SettlementLine", "Subsidiary"]
