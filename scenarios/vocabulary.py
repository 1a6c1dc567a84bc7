"""What scenario keys may name, read from the code they describe so the two cannot drift apart.

Ledger states come from the connector's ledger, Sage objects and modules from the simulator's
object list, doctor check keys from the doctor's own checklist, error types from the connector's
exception classes. A scenario naming anything else is refused before it runs.
"""

from __future__ import annotations

from intacct_harness.connector import doctor
from intacct_harness.connector.connection import Connection  # noqa: F401  (imports every error class)
from intacct_harness.connector.errors import ConnectorError
from intacct_harness.connector.ledger import State
from intacct_harness.simulator.models.objects import OBJECTS
from intacct_harness.simulator.models.permissions import GUIDE_MODULES
from intacct_harness.simulator.models.setup import COMPANY_CHANGE_KEYS, RECORD_ACTIONS, USER_KEYS

LEDGER_STATES: tuple[str, ...] = tuple(s.value for s in State)
SYNC_STATES: tuple[str, ...] = ("posted", "failed", "not_migrated", "recovered", "uncertain")
SAGE_OBJECTS: tuple[str, ...] = tuple(sorted(OBJECTS))
MODULES: tuple[str, ...] = GUIDE_MODULES
DOCTOR_CHECKS: tuple[str, ...] = tuple(c.key for c in doctor.checks())
COMPANY_CHANGES: tuple[str, ...] = tuple(sorted(COMPANY_CHANGE_KEYS))
USER_CHANGES: tuple[str, ...] = tuple(sorted(USER_KEYS - {"id"}))
ACTIONS: tuple[str, ...] = tuple(RECORD_ACTIONS)


def _subclasses(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub} | _subclasses(sub)
    return out


# ``expect.error.type``: a connector refusal, or AdminError when the simulator's admin API refuses a change.
ERROR_TYPES: tuple[str, ...] = tuple(sorted({c.__name__ for c in _subclasses(ConnectorError)}
                                            | {"ConnectorError", "AdminError"}))


def object_fields(name: str) -> tuple[frozenset[str], frozenset[str]]:
    """(header fields, line fields) a field-value check on a Sage object may name."""
    from intacct_harness.simulator.models.objects import SYSTEM_FIELDS

    obj = OBJECTS[name]
    header = obj.fields | SYSTEM_FIELDS | {"STATE", "TOTALENTERED", "TOTALDUE", "TOTALPAID"}
    lines = frozenset()
    if obj.lines is not None:
        lines = frozenset(obj.lines.fields) | {"RECORDNO", "LINE_NO"}
    return frozenset(header), frozenset(lines)


def _connection_settings() -> tuple[str, ...]:
    from intacct_harness.connector.settings import CONNECTION_KEYS

    return tuple(sorted(CONNECTION_KEYS))


CONNECTION_SETTINGS: tuple[str, ...] = _connection_settings()


def _functions() -> tuple[str, ...]:
    from intacct_harness.simulator.models.backend import FUNCTIONS

    return tuple(sorted(FUNCTIONS))


FUNCTIONS: tuple[str, ...] = _functions()
