"""Connection settings per subsidiary, who may change them, and the features we refuse.

A connection ties one TMS subsidiary to one Sage company (and optionally one entity). Several
subsidiaries may share a company and entity; a second one is best made from the first as a template.
Secrets never live in code: the sender password comes from the environment or a secrets file, the
user password from the wizard (or the config file's env/file reference).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from intacct_harness.connector import validation as check
from intacct_harness.connector.errors import NotSupportedError, RoleNotAllowed, SettingsError
from intacct_harness.connector.secrets import Secret, read_secret

DEFAULT_SENDER_ID = "AlvysMPP"
SENDER_PASSWORD_ENV = "ALVYS_INTACCT_SENDER_PASSWORD"
STANDARD_DIMENSIONS: tuple[str, ...] = ("LOCATION", "DEPARTMENT", "PROJECT", "CUSTOMER", "VENDOR", "EMPLOYEE",
                                        "ITEM", "CLASS", "CONTRACT", "TASK", "WAREHOUSE")
CONNECTION_ROLES = frozenset({"Admin", "Partner Admin", "Support"})
DOCUMENT_KINDS = frozenset({"invoice", "bill"})
UNMATCHED_POLICIES = frozenset({"create", "fail"})
UNMAPPED_POLICIES = frozenset({"fail", "post_untagged"})
NEGATIVE_SETTLEMENT_POLICIES = frozenset({"fail", "adjustment"})

# The guide's "Features Not Supported", keyed by the config flag that would ask for them.
UNSUPPORTED: dict[str, tuple[str, str]] = {
    "custom_dimensions": ("Custom Dimensions (Platform Apps)",
                          "only the 11 standard Sage dimension types (" + ", ".join(STANDARD_DIMENSIONS)
                          + ") can be mapped."),
    "spend_management": ("Spend Management", "Sage Spend Management data is not synced by this integration."),
    "payment_export": ("Payment Export", "payments cannot be exported from Alvys to Sage through this integration."),
    "payroll": ("Payroll Integration", "payroll data is not included in this integration."),
    "historical_migration": ("Historical Data Migration",
                             "existing transactions are not migrated; only transactions created after the "
                             "connection is established will sync."),
}


def refuse(feature: str) -> NotSupportedError:
    """The error for an unsupported feature, in the guide's words."""
    name, detail = UNSUPPORTED[feature]
    return NotSupportedError(name, detail)


@dataclass(frozen=True)
class TmsUser:
    """The Alvys user acting on the connection."""

    name: str
    role: str


def require_connection_role(user: TmsUser, action: str = "run the Sage Intacct connection wizard") -> None:
    if user.role not in CONNECTION_ROLES:
        raise RoleNotAllowed(user.name, user.role, action)


@dataclass(frozen=True)
class GLAccounts:
    """GL accounts for revenue lines (invoices) and expense lines (bills)."""

    linehaul: str = "4000"
    fuel_surcharge: str = "4100"
    accessorial: str = "4200"
    carrier_pay: str = "5000"
    driver_pay: str = "5100"

    def all(self) -> dict[str, str]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class DimensionMapping:
    """Tag lines with a standard dimension: a TMS attribute (``source``) through ``values``, or a fixed ``value``."""

    dimension: str
    source: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    value: str | None = None
    applies_to: frozenset[str] = DOCUMENT_KINDS

    def __post_init__(self) -> None:
        dim = self.dimension.strip().upper()
        object.__setattr__(self, "dimension", dim)
        object.__setattr__(self, "applies_to", frozenset(self.applies_to))
        if dim not in STANDARD_DIMENSIONS:
            name, detail = UNSUPPORTED["custom_dimensions"]
            raise NotSupportedError(name, f"'{self.dimension}' is not a standard dimension; {detail}")
        if not self.source and not self.value:
            raise SettingsError(f"dimension mapping {dim}: give a TMS source attribute or a fixed value")
        if not self.applies_to <= DOCUMENT_KINDS or not self.applies_to:
            raise SettingsError(f"dimension mapping {dim}: applies_to must be invoice and/or bill")

    def sage_value(self, raw: str | None) -> str | None:
        """The Sage value for a TMS value; None for a value ``values`` lacks (see export.unmapped_dimensions)."""
        if raw and self.values:
            return self.values.get(raw) or self.value
        return raw or self.value


@dataclass(frozen=True)
class CustomFieldMapping:
    """Pass a TMS attribute to a Sage custom field on invoice or bill headers or lines."""

    field: str
    source: str
    applies_to: str = "invoice"
    level: str = "header"

    def __post_init__(self) -> None:
        object.__setattr__(self, "field", self.field.strip().upper())
        if self.applies_to not in DOCUMENT_KINDS:
            raise SettingsError(f"custom field {self.field}: applies_to must be 'invoice' or 'bill'")
        if self.level not in ("header", "line"):
            raise SettingsError(f"custom field {self.field}: level must be 'header' or 'line'")
        if not self.field or not self.source:
            raise SettingsError("custom field mapping needs a Sage field and a TMS source attribute")


@dataclass(frozen=True)
class ConnectionSettings:
    """One subsidiary's Sage Intacct connection."""

    subsidiary_id: str
    company_id: str
    user_id: str
    user_password: Secret
    established_at: datetime
    entity: str | None = None
    sender_id: str = DEFAULT_SENDER_ID
    sender_password_env: str = SENDER_PASSWORD_ENV
    sender_password_file: str | None = None
    gl_accounts: GLAccounts = GLAccounts()
    dimensions: tuple[DimensionMapping, ...] = ()
    custom_fields: tuple[CustomFieldMapping, ...] = ()
    unmatched: str = "fail"
    # A TMS value (a division, an equipment type) missing from a dimension's ``values``: fail the document with
    # advice naming the mapping to add, or post it without that dimension (with a note on the report).
    unmapped_dimensions: str = "fail"
    endpoint: str = "https://api.intacct.com/ia/xml/xmlgw.phtml"
    concurrency_limit: int = 2
    batch_size: int = 50
    # How long after a post whose answer was lost Sage may still be running it (a synchronous request runs
    # up to 15 minutes; a 524 means the CDN cut the connection while Sage kept processing). Until then a
    # document not found in Sage is left uncertain, never posted again.
    settle_seconds: float = 900.0
    # A settlement whose deductions exceed the pay: "fail" it with advice, or post it as an AP adjustment
    # (a debit memo); never as a negative bill.
    negative_settlements: str = "fail"

    def __post_init__(self) -> None:
        # Pasted IDs carry stray spaces (no-break ones too): trimmed here, so sign-in and the wizard's user check
        # use the real IDs. The password is kept exactly as typed: spaces may be part of it.
        for name in ("subsidiary_id", "company_id", "user_id", "sender_id"):
            object.__setattr__(self, name, str(getattr(self, name) or "").strip())
            if not getattr(self, name):
                raise SettingsError(f"{name} is required")
        if not isinstance(self.user_password, Secret) or not self.user_password:
            raise SettingsError("user_password is required (the Web Services user's password)")
        if self.established_at.tzinfo is None:
            raise SettingsError("established_at must carry a time zone")
        if self.unmatched not in UNMATCHED_POLICIES:
            raise SettingsError("unmatched must be 'create' (create the record in Sage) or 'fail' (fail the document)")
        if self.unmapped_dimensions not in UNMAPPED_POLICIES:
            raise SettingsError("unmapped_dimensions must be 'fail' (fail a document whose TMS value has no dimension "
                                "mapping) or 'post_untagged' (post it without that dimension, noted on the report)")
        if self.negative_settlements not in NEGATIVE_SETTLEMENT_POLICIES:
            raise SettingsError("negative_settlements must be 'fail' (fail the settlement with advice) or "
                                "'adjustment' (post it to Sage as an AP adjustment)")
        check.integer("batch_size", self.batch_size, 1, check.BATCH_MAX)
        check.integer("concurrency_limit", self.concurrency_limit, 1, check.CONCURRENCY_MAX)
        check.number("settle_seconds", self.settle_seconds, 0, check.SETTLE_MAX)   # NaN would switch the guard off
        check.endpoint("endpoint", self.endpoint)
        object.__setattr__(self, "entity", (self.entity or "").strip() or None)
        object.__setattr__(self, "dimensions", tuple(self.dimensions))
        object.__setattr__(self, "custom_fields", tuple(self.custom_fields))
        seen: set[str] = set()
        for d in self.dimensions:
            if d.dimension in seen:
                raise SettingsError(f"dimension {d.dimension} is mapped twice")
            seen.add(d.dimension)

    def sender_password(self, environ: Mapping[str, str] | None = None) -> Secret:
        return read_secret(env=self.sender_password_env, file=self.sender_password_file, environ=environ,
                           what=f"the sender password for {self.sender_id}")

    def changed(self, by: TmsUser, **changes: Any) -> ConnectionSettings:
        """These settings with ``changes`` applied, if ``by`` may change connection settings."""
        require_connection_role(by, "change Sage Intacct connection settings")
        return dataclasses.replace(self, **changes)

    def as_template(self, by: TmsUser, subsidiary_id: str, *, established_at: datetime | None = None,
                    **changes: Any) -> ConnectionSettings:
        """A second subsidiary's connection copied from this one (same company, entity, accounts, mappings).

        The copy is connected now (the guide: only transactions created after the connection is established
        sync, so the template's history is not posted) and owns its mappings: changing one subsidiary's
        dimension values never changes the other's.
        """
        require_connection_role(by, "configure a subsidiary's Sage Intacct connection")
        own = {"dimensions": tuple(dataclasses.replace(d, values=dict(d.values)) for d in self.dimensions),
               "custom_fields": tuple(dataclasses.replace(c) for c in self.custom_fields)}
        return dataclasses.replace(self, subsidiary_id=subsidiary_id,
                                   established_at=established_at or datetime.now(UTC), **(own | changes))

    def public(self) -> dict[str, Any]:
        """The settings without secrets, for reports."""
        return {"subsidiary_id": self.subsidiary_id, "company_id": self.company_id, "user_id": self.user_id,
                "entity": self.entity, "sender_id": self.sender_id, "established_at": self.established_at.isoformat(),
                "gl_accounts": self.gl_accounts.all(), "unmatched": self.unmatched,
                "unmapped_dimensions": self.unmapped_dimensions,
                "dimensions": [d.dimension for d in self.dimensions],
                "custom_fields": [c.field for c in self.custom_fields]}


# --------------------------------------------------------------------------- config files
CONNECTION_KEYS = {"subsidiary_id", "company_id", "user_id", "user_password", "user_password_env",
                    "user_password_file", "established_at", "entity", "sender_id", "sender_password_env",
                    "sender_password_file", "gl_accounts", "dimensions", "custom_fields", "unmatched", "endpoint",
                    "concurrency_limit", "batch_size", "settle_seconds", "unmapped_dimensions",
                    "negative_settlements"} | set(UNSUPPORTED)


def _mapping(path: str, value: Any) -> Mapping[str, Any]:
    return check.mapping(path, value)


def parse_moment(path: str, value: Any) -> datetime:
    """A config file's moment: a date (``2026-11-05``, midnight) or an ISO date-time, with or without a time zone.

    Without one it is UTC, so every moment the connector compares (``established_at``, the TMS data's times)
    is aware and a naive one never meets an aware one.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):                  # YAML reads 2026-11-05 as a date
        parsed = datetime(value.year, value.month, value.day)
    else:
        try:
            parsed = datetime.fromisoformat(check.text(path, value))
        except ValueError:
            raise SettingsError(f"{path}: expected a date such as 2026-11-05 or an ISO date-time such as "
                                f"2026-11-05T08:00:00-05:00 (UTC when it has no time zone), got {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)



def settings_from_dict(raw: Any, *, path: str = "connection", environ: Mapping[str, str] | None = None,
                       base_dir: Path | None = None) -> ConnectionSettings:
    """Validate one connection block of a config file."""
    spec = _mapping(path, raw)
    check.known_keys(path, spec, CONNECTION_KEYS)
    for key in UNSUPPORTED:
        if key in spec and check.flag(f"{path}.{key}", spec[key]):
            raise refuse(key)
    spec = _typed(path, spec)
    if "user_password" in spec:
        password = Secret(spec["user_password"])
    elif not spec.get("user_password_env") and not spec.get("user_password_file"):
        raise SettingsError(f"{path}.user_password is not set: put the Web Services user's password in an "
                            f"environment variable and name it in {path}.user_password_env (for example "
                            f"user_password_env: ALVYS_INTACCT_USER_PASSWORD), or name a secrets file in "
                            f"{path}.user_password_file")
    else:
        file = spec.get("user_password_file")
        password = read_secret(env=spec.get("user_password_env"), file=(base_dir / file) if file and base_dir
                               else file, environ=environ, what=f"{path}.user_password")
    sender_file = spec.get("sender_password_file")
    if sender_file and base_dir is not None:
        sender_file = str(base_dir / sender_file)
    dims = tuple(DimensionMapping(**_dimension(f"{path}.dimensions[{i}]", d))
                 for i, d in enumerate(check.listing(f"{path}.dimensions", spec.get("dimensions") or [])))
    cfs = tuple(CustomFieldMapping(**_texts(f"{path}.custom_fields[{i}]", c, _CUSTOM_FIELD_KEYS))
                for i, c in enumerate(check.listing(f"{path}.custom_fields", spec.get("custom_fields") or [])))
    gl = GLAccounts(**_texts(f"{path}.gl_accounts", spec.get("gl_accounts") or {}, _GL_KEYS))
    extra = {k: spec[k] for k in ("entity", "sender_id", "sender_password_env", "unmatched", "endpoint",
                                  "concurrency_limit", "batch_size", "settle_seconds", "unmapped_dimensions",
                                  "negative_settlements")
             if k in spec}
    if "established_at" not in spec:
        raise SettingsError(f"{path}.established_at is required (when the connection was established)")
    return ConnectionSettings(
        subsidiary_id=str(spec.get("subsidiary_id", "")), company_id=str(spec.get("company_id", "")),
        user_id=str(spec.get("user_id", "")), user_password=password,
        established_at=parse_moment(f"{path}.established_at", spec["established_at"]),
        sender_password_file=sender_file, gl_accounts=gl, dimensions=dims, custom_fields=cfs, **extra)


_TEXT_KEYS = {"subsidiary_id", "company_id", "user_id", "user_password", "user_password_env", "user_password_file",
              "entity", "sender_id", "sender_password_env", "sender_password_file", "unmatched", "unmapped_dimensions",
              "negative_settlements"}
_GL_KEYS = frozenset(f.name for f in dataclasses.fields(GLAccounts))
_CUSTOM_FIELD_KEYS = frozenset(f.name for f in dataclasses.fields(CustomFieldMapping))
_DIMENSION_KEYS = frozenset(f.name for f in dataclasses.fields(DimensionMapping))


def _typed(path: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    """The block with every scalar checked for type and range (``batch_size: abc`` is refused here, by name)."""
    out = dict(spec)
    for key in _TEXT_KEYS & spec.keys():
        out[key] = check.text(f"{path}.{key}", spec[key])
    if "endpoint" in spec:
        out["endpoint"] = check.endpoint(f"{path}.endpoint", spec["endpoint"])
    if "batch_size" in spec:
        out["batch_size"] = check.integer(f"{path}.batch_size", spec["batch_size"], 1, check.BATCH_MAX)
    if "concurrency_limit" in spec:
        out["concurrency_limit"] = check.integer(f"{path}.concurrency_limit", spec["concurrency_limit"], 1,
                                                 check.CONCURRENCY_MAX)
    if "settle_seconds" in spec:
        out["settle_seconds"] = check.number(f"{path}.settle_seconds", spec["settle_seconds"], 0, check.SETTLE_MAX)
    return out


def _texts(path: str, raw: Any, allowed: frozenset[str]) -> dict[str, str]:
    spec = _mapping(path, raw)
    check.known_keys(path, spec, allowed)
    return {k: check.text(f"{path}.{k}", v) for k, v in spec.items()}


def _dimension(path: str, raw: Any) -> dict[str, Any]:
    spec = dict(_mapping(path, raw))
    check.known_keys(path, spec, _DIMENSION_KEYS)
    out: dict[str, Any] = {k: check.text(f"{path}.{k}", v) for k, v in spec.items() if k in ("dimension", "source",
                                                                                             "value")}
    if "values" in spec:
        values = _mapping(f"{path}.values", spec["values"])
        out["values"] = {check.text(f"{path}.values", k): check.text(f"{path}.values.{k}", v)
                         for k, v in values.items()}
    if "applies_to" in spec:
        kinds = spec["applies_to"]
        out["applies_to"] = frozenset([check.text(f"{path}.applies_to", kinds)] if isinstance(kinds, str) else
                                      (check.text(f"{path}.applies_to", k) for k in check.listing(
                                          f"{path}.applies_to", kinds)))
    if "dimension" not in out:
        raise SettingsError(f"{path}.dimension is required: one of {', '.join(STANDARD_DIMENSIONS)}")
    return out


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a YAML or JSON config file: ``connection`` (or ``connections``), ``ledger``, ``tms``, ``operator``."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"cannot read config file {p}: {exc.strerror}") from None
    try:
        data = json.loads(text) if p.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise SettingsError(f"config file {p} is not valid {'JSON' if p.suffix == '.json' else 'YAML'}: "
                            f"{exc}") from None
    return dict(_mapping(str(p), data or {}))
