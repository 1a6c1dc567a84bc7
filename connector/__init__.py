"""The Alvys TMS -> Sage Intacct connector: AR invoices for delivered loads, AP bills for settlements.

Public API (tests, CLI, scenario runner, Locust)::

    settings = ConnectionSettings(subsidiary_id=..., company_id=..., user_id=..., user_password=Secret(...),
                                  established_at=...)
    conn = Connection(settings, httpx_client, ledger=Ledger("ledger.sqlite3"), environ={...})
    conn.doctor(TmsUser("ana", "Admin")).ok      # the wizard's checklist
    conn.sync(dataset)                           # SyncReport: posted / failed (with advice) / not_migrated
    conn.status()                                # ledger counts, failed documents and why
"""

from connector.connection import Connection, Status
from connector.doctor import DoctorReport
from connector.errors import ConnectorError, NotSupportedError, RoleNotAllowed, SettingsError
from connector.ledger import Ledger, State
from connector.secrets import Secret
from connector.settings import (
    ConnectionSettings,
    CustomFieldMapping,
    DimensionMapping,
    GLAccounts,
    TmsUser,
    settings_from_dict,
)
from connector.sync import SyncReport

__all__ = ["Connection", "ConnectionSettings", "ConnectorError", "CustomFieldMapping", "DimensionMapping",
           "DoctorReport", "GLAccounts", "Ledger", "NotSupportedError", "RoleNotAllowed", "Secret", "SettingsError",
           "State", "Status", "SyncReport", "TmsUser", "settings_from_dict"]
