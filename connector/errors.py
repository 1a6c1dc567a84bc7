"""Connector-side errors: what the TMS user did wrong, separate from what Sage said (intacct.errors)."""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every error the connector raises on its own account."""


class SettingsError(ConnectorError):
    """A connection setting is missing or malformed; the message names the setting."""


class NotSupportedError(ConnectorError):
    """A feature the setup guide lists under "Features Not Supported"; the message names it."""

    def __init__(self, feature: str, detail: str) -> None:
        self.feature = feature
        super().__init__(f"{feature} is not supported by the Sage Intacct integration: {detail}")


class RoleNotAllowed(ConnectorError):
    """The TMS user may not run the connection wizard or change connection settings."""

    def __init__(self, user: str, role: str, action: str) -> None:
        self.user, self.role = user, role
        super().__init__(
            f"{user} ({role or 'no role'}) may not {action}: only \"Admin\", \"Partner Admin\" and \"Support\" "
            "users can access Settings > Connections > Sage Intacct.")
