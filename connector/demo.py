"""``make demo``: serve the seeded demo company on loopback, run the wizard's checklist, sync, break, fix, re-sync.

Credentials are read from the demo seed (the "customer's" Sage setup), never written here; the sender
password reaches the connector through an environment mapping, as in production.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import httpx
import yaml

from intacct_harness.connector.connection import Connection
from intacct_harness.connector.ledger import Ledger
from intacct_harness.connector.secrets import Secret
from intacct_harness.connector.settings import (
    SENDER_PASSWORD_ENV,
    ConnectionSettings,
    CustomFieldMapping,
    DimensionMapping,
    TmsUser,
)
from intacct_harness.connector.sync import Progress, SyncReport
from intacct_harness.connector.tms.fake import DEFAULT_START, Sizes, generate, sage_records
from intacct_harness.simulator.demo import SEED, served

ROLE = "Alvys Integration"


def _seed() -> dict[str, Any]:
    with open(SEED, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _print_sync(title: str, report: SyncReport) -> None:
    print(f"\n{title}: {report.posted} posted, {len(report.failed)} failed, "
          f"{len(report.not_migrated)} not migrated, {report.already_posted} already posted")
    for o in report.posted_sample[:8]:
        print(f"  posted {o.label} -> Sage RECORDNO {o.recordno}")
    if report.posted > 8:
        print(f"  ... and {report.posted - 8} more")
    for o in report.failed[:3]:
        print(f"  FAILED {o.label}:\n    {o.advice}")
    if len(report.failed) > 3:
        print(f"  ... and {len(report.failed) - 3} more failed the same way")
    for note in report.notes[:3]:
        print(f"  note: {note}")


def main() -> int:
    started = time.monotonic()
    seed = _seed()
    company = seed["companies"][0]
    user = company["users"][0]
    data = generate(11, Sizes(customers=8, carriers=6, drivers=4, loads=60, settlements=24))
    sub = data.subsidiaries[0]
    with served() as base, httpx.Client(base_url=base, timeout=30) as http:
        admin = f"{base}/__sim/companies/{company['id']}"
        http.post(f"{admin}/records", json=sage_records(data, sub.id, name_only_ratio=0.6)).raise_for_status()
        settings = ConnectionSettings(
            subsidiary_id=sub.id, company_id=company["id"], user_id=user["id"], user_password=Secret(user["password"]),
            established_at=DEFAULT_START + timedelta(days=10), endpoint=f"{base}/ia/xml/xmlgw.phtml",
            unmatched="create", dimensions=(DimensionMapping("DEPARTMENT", source="division"),
                                            DimensionMapping("CLASS", source="equipment")),
            custom_fields=(CustomFieldMapping("LOAD_NUMBER", "number", "invoice"),
                           CustomFieldMapping("SETTLEMENT_NUMBER", "number", "bill")))
        environ = {SENDER_PASSWORD_ENV: seed["senders"][0]["password"]}
        conn = Connection(settings, http, ledger=Ledger(), environ=environ)
        print(f"Simulated Sage Intacct at {base}; TMS subsidiary {sub.name} ({sub.id})\n")
        print(conn.doctor(TmsUser("Dana (demo)", "Admin")).render())

        def progress(p: Progress) -> None:
            print(f"  ... {p.line()}")

        print('\nThe Sage admin sets Accounts Payable to "Read only" before the first sync.')
        http.put(f"{admin}/roles/{ROLE}", json={"permissions": {"Accounts Payable": "Read only"}}).raise_for_status()
        _print_sync("First sync", conn.sync(data, progress=progress))
        print('\nThe Sage admin sets Accounts Payable back to "All"; the next sync posts exactly what failed.')
        http.put(f"{admin}/roles/{ROLE}", json={"permissions": {"Accounts Payable": "All"}}).raise_for_status()
        _print_sync("Second sync", conn.sync(data, progress=progress))
        print("\n" + conn.status().render())
        usage = http.get(f"{admin}/usage").json()["transactions"]
        print(f"\nAPI transactions billed this month: {usage}; {conn.client.stats['requests']} requests sent")
    print(f"\nDemo finished in {time.monotonic() - started:.1f}s; simulator stopped.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
