"""The Alvys TMS -> Sage Intacct connector: AR invoices for delivered loads, AP bills for settlements.

Public API (tests, CLI, scenario runner, Locust)::

    settings = ConnectionSettings(subsidiary_id=..., company_id=..., user_id=..., user_password=Secret(...),
                                  established_at=...)
    conn = Connection(settings, httpx_client, ledger=Ledger("ledger.sqlite3"), environ={...})
    conn.doctor(TmsUser("ana", "Admin")).ok      # the wizard's checklist
    conn.sync(dataset)                           # SyncReport: posted / failed (with advice) / not_migrated
    conn.status()                                # ledger counts, failed documents and why
"""

from intacct_harness.connector.connection import Connection, Status
from intacct_harness.connector.doctor import DoctorReport
from intacct_harness.connector.errors import ConnectorError, NotSupportedError, RoleNotAllowed, SettingsError
from intacct_harness.connector.ledger import Ledger, State
from intacct_harness.connector.secrets import Secret
from intacct_harness.connector.settings import (
    ConnectionSettings,
    CustomFieldMapping,
    DimensionMapping,
    GLAccounts,
    TmsUser,
    settings_from_dict,
)
from intacct_harness.connector.sync import SyncReport

__all__ = ["Connection", "ConnectionSettings", "ConnectorError", "CustomFieldMapping", "DimensionMapping",
           "DoctorReport", "GLAccounts", "Ledger", "NotSupportedError", "RoleNotAllowed", "Secret", "SettingsError",
           "State", "Status", "SyncReport", "TmsUser", "settings_from_dict"]
