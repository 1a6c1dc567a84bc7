"""The Sage administrator's side: seed files and the setup changes an admin makes while running.

A seed (YAML or the same structure as a dict) describes senders, companies, subscriptions,
authorizations, entities, roles, users and records. Unknown keys and wrong types are errors that
name the path (``companies[0].users[1].tpye``), because a typo silently ignored is a scenario that
tests nothing. Records go through the same validation as the gateway's ``create``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from intacct_harness.simulator.errors import IntacctError
from intacct_harness.simulator.models import writes
from intacct_harness.simulator.models.company import Company
from intacct_harness.simulator.models.context import Ctx, Session
from intacct_harness.simulator.models.faults import FaultRuleError, save_rules
from intacct_harness.simulator.models.numbers import by_recordno_text
from intacct_harness.simulator.models.objects import OBJECTS
from intacct_harness.simulator.models.permissions import (
    GUIDE_MODULES,
    USER_TYPE_CAPS,
    VERBS,
    known_module,
    parse_level,
)
from intacct_harness.simulator.models.secrets import hash_secret
from intacct_harness.simulator.store import Store, Tx


class SeedError(ValueError):
    """A seed or setup change that cannot be applied; the message names the path and the fix."""


class NotFoundError(SeedError):
    """A setup change names a company or user that does not exist (the admin API answers 404)."""


_SEED_KEYS = {"senders", "companies", "clock_offset_seconds", "faults"}
_SENDER_KEYS = {"id", "password"}
_COMPANY_KEYS = {"id", "web_services", "authorized_senders", "subscriptions", "entities", "restrict_top_level",
                 "concurrency_limit", "session_minutes", "custom_fields", "user_dimensions", "roles", "users",
                 "records", "latency", "closed_through"}
_ENTITY_KEYS = {"id", "name"}
_ROLE_KEYS = {"name", "permissions"}
_USER_KEYS = {"id", "password", "type", "status", "web_services", "entities", "roles", "permissions"}
_USER_STATUSES = {"active", "inactive", "locked"}

# Records are loaded masters first so that references resolve.
_LOAD_ORDER = ["GLACCOUNT", "LOCATION", "LOCATIONENTITY", "DEPARTMENT", "CLASS", "CUSTOMER", "VENDOR", "EMPLOYEE",
               "PROJECT", "TASK", "ITEM", "WAREHOUSE", "CONTRACT", "CHECKINGACCOUNT", "FIXEDASSET"]


def _keys(path: str, value: Any, allowed: set[str], required: tuple[str, ...] = ()) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise SeedError(f"{path}: expected a mapping, got {type(value).__name__}")
    for key in value:
        if key not in allowed:
            raise SeedError(f"{path}.{key}: unknown key (allowed: {', '.join(sorted(allowed))})")
    for key in required:
        if key not in value or value[key] in (None, ""):
            raise SeedError(f"{path}.{key}: required")
    return value


def _list(path: str, value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SeedError(f"{path}: expected a list, got {type(value).__name__}")
    return value


def _bool(path: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SeedError(f"{path}: expected true or false, got {value!r}")
    return value


def _int(path: str, value: Any, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SeedError(f"{path}: expected a whole number >= {minimum}, got {value!r}")
    return value


def _str(path: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float) or str(value) == "":
        raise SeedError(f"{path}: expected a non-empty string, got {value!r}")
    return str(value)


def _module(path: str, value: Any) -> str:
    try:
        return known_module(_str(path, value))
    except ValueError as exc:
        raise SeedError(f"{path}: {exc}") from None


def _permissions(path: str, value: Any) -> dict[str, list[str]]:
    if not isinstance(value, Mapping):
        raise SeedError(f"{path}: expected a mapping of module to level")
    out = {}
    for module, level in value.items():
        name = _module(f"{path}.{module}", module)
        try:
            verbs = parse_level(level)
        except ValueError as exc:
            raise SeedError(f"{path}.{module}: {exc}") from None
        out[name] = [v for v in VERBS if v in verbs]
    return out


def _date(path: str, value: Any) -> str:
    """MM/DD/YYYY as Sage writes it; YAML dates and ISO ``2026-11-09`` are accepted too."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = date.fromisoformat(value)
    if isinstance(value, date):
        value = value.strftime("%m/%d/%Y")
    try:
        return writes.check_date(path.rsplit(".", 1)[-1], str(value))
    except IntacctError as exc:
        raise SeedError(f"{path}: {exc}") from None


def company_doc(path: str, spec: Mapping[str, Any], existing: dict[str, Any] | None = None) -> dict[str, Any]:
    """Validate a company block and build (or extend) its stored document."""
    _keys(path, spec, _COMPANY_KEYS, ("id",))
    doc: dict[str, Any] = dict(existing or {"id": _str(f"{path}.id", spec["id"]), "users": {}, "roles": {}})
    if "web_services" in spec:
        doc["web_services"] = _bool(f"{path}.web_services", spec["web_services"])
    if "authorized_senders" in spec:
        doc["authorized_senders"] = [_str(f"{path}.authorized_senders[{i}]", s)
                                     for i, s in enumerate(_list(f"{path}.authorized_senders",
                                                                 spec["authorized_senders"]))]
    if "subscriptions" in spec:
        doc["subscriptions"] = [_module(f"{path}.subscriptions[{i}]", s)
                                for i, s in enumerate(_list(f"{path}.subscriptions", spec["subscriptions"]))]
    if "entities" in spec:
        ents = []
        for i, e in enumerate(_list(f"{path}.entities", spec["entities"])):
            _keys(f"{path}.entities[{i}]", e, _ENTITY_KEYS, ("id",))
            ents.append({"id": _str(f"{path}.entities[{i}].id", e["id"]), "name": str(e.get("name", e["id"])),
                         "key": i + 1})
        doc["entities"] = ents
    for flag in ("restrict_top_level",):
        if flag in spec:
            doc[flag] = _bool(f"{path}.{flag}", spec[flag])
    if "concurrency_limit" in spec:
        doc["concurrency_limit"] = _int(f"{path}.concurrency_limit", spec["concurrency_limit"], 1)
    if "closed_through" in spec:  # the books are closed through this date (MM/DD/YYYY); null reopens them
        value = spec["closed_through"]
        doc["closed_through"] = _date(f"{path}.closed_through", value) if value else None
    if "session_minutes" in spec:
        doc["session_minutes"] = _int(f"{path}.session_minutes", spec["session_minutes"], 1)
    if "latency" in spec:
        doc["latency"] = dict(_keys(f"{path}.latency", spec["latency"], {"base_ms", "per_function_ms", "jitter_ms",
                                                                          "seed"}))
    if "custom_fields" in spec:
        cf = _keys(f"{path}.custom_fields", spec["custom_fields"], set(OBJECTS))
        doc["custom_fields"] = {obj: [_str(f"{path}.custom_fields.{obj}[{i}]", f).upper()
                                      for i, f in enumerate(_list(f"{path}.custom_fields.{obj}", fields))]
                                for obj, fields in cf.items()}
    if "user_dimensions" in spec:
        doc["user_dimensions"] = [_str(f"{path}.user_dimensions[{i}]", d).upper()
                                  for i, d in enumerate(_list(f"{path}.user_dimensions", spec["user_dimensions"]))]
    for i, role in enumerate(_list(f"{path}.roles", spec.get("roles"))):
        _keys(f"{path}.roles[{i}]", role, _ROLE_KEYS, ("name",))
        doc["roles"][str(role["name"])] = _permissions(f"{path}.roles[{i}].permissions", role.get("permissions", {}))
    for i, user in enumerate(_list(f"{path}.users", spec.get("users"))):
        doc["users"][_str(f"{path}.users[{i}].id", user.get("id") if isinstance(user, Mapping) else None)] = \
            user_doc(f"{path}.users[{i}]", user, doc)
    return doc


def user_doc(path: str, spec: Any, company: dict[str, Any], existing: dict[str, Any] | None = None) -> dict[str, Any]:
    _keys(path, spec, _USER_KEYS, () if existing else ("id", "password"))
    spec = {k: v for k, v in spec.items() if k != "id"}
    user = dict(existing or {"type": "business", "status": "active", "web_services": True, "roles": [],
                             "entities": []})
    if "password" in spec:
        user["password_hash"] = hash_secret(_str(f"{path}.password", spec["password"]))
    if "type" in spec:
        utype = _str(f"{path}.type", spec["type"]).lower().replace(" user", "")
        if utype not in USER_TYPE_CAPS:
            raise SeedError(f"{path}.type: unknown user type {spec['type']!r} (one of: "
                            f"{', '.join(sorted(USER_TYPE_CAPS))})")
        user["type"] = utype
    if "status" in spec:
        status = _str(f"{path}.status", spec["status"]).lower().replace("locked out", "locked")
        if status not in _USER_STATUSES:
            raise SeedError(f"{path}.status: expected active, inactive or locked, got {spec['status']!r}")
        user["status"] = status
        user.pop("failed_signins", None)  # an admin setting the status also resets the failed sign-ins
    if "web_services" in spec:
        user["web_services"] = _bool(f"{path}.web_services", spec["web_services"])
    if "roles" in spec:
        roles = [_str(f"{path}.roles[{i}]", r) for i, r in enumerate(_list(f"{path}.roles", spec["roles"]))]
        for r in roles:
            if r not in company.get("roles", {}):
                raise SeedError(f"{path}.roles: role {r!r} is not defined in the company's roles")
        user["roles"] = roles
    if "entities" in spec:
        ents = [_str(f"{path}.entities[{i}]", e) for i, e in enumerate(_list(f"{path}.entities", spec["entities"]))]
        known = {e["id"] for e in company.get("entities", [])}
        for e in ents:
            if e not in known:
                raise SeedError(f"{path}.entities: entity {e!r} is not one of the company's entities")
        user["entities"] = ents
    if "permissions" in spec:
        user["permissions"] = _permissions(f"{path}.permissions", spec["permissions"])
    return user


def _stringify(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _stringify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def admin_ctx(tx: Tx, company: Company, now: float, endpoint: str = "http://127.0.0.1/ia/xml/xmlgw.phtml") -> Ctx:
    """A top-level session with every right: how an administrator enters data in the UI."""
    rights = {m: frozenset(VERBS) for m in GUIDE_MODULES}
    session = Session("admin", company, "Admin", {}, "", rights)
    return Ctx(tx=tx, session=session, now=now, endpoint=endpoint)


def load_records(ctx: Ctx, path: str, records: Any) -> int:
    """Create records through the gateway's own validation; errors name the record."""
    spec = _keys(path, records, set(OBJECTS) | set(ctx.company.user_dimensions))
    order = [o for o in _LOAD_ORDER if o in spec] + sorted(o for o in spec if o not in _LOAD_ORDER)
    created = 0
    for obj_name in order:
        obj = ctx.company.object_def(obj_name)
        assert obj is not None
        for i, raw in enumerate(_list(f"{path}.{obj_name}", spec[obj_name])):
            if not isinstance(raw, Mapping):
                raise SeedError(f"{path}.{obj_name}[{i}]: expected a mapping of field to value")
            doc = _stringify(raw)
            if obj.lines is not None and isinstance(doc.get(obj.lines.container), list):
                doc[obj.lines.container] = {obj.lines.item: doc[obj.lines.container]}
            try:
                with ctx.tx.savepoint():
                    writes.insert(ctx, obj, doc)
            except IntacctError as exc:
                raise SeedError(f"{path}.{obj_name}[{i}]: {exc}") from None
            created += 1
    return created


def _entity_records(company: Company) -> dict[str, list[dict[str, str]]]:
    ents = company.doc.get("entities", [])
    return {"LOCATION": [{"LOCATIONID": e["id"], "NAME": e["name"]} for e in ents],
            "LOCATIONENTITY": [{"LOCATIONID": e["id"], "NAME": e["name"]} for e in ents]}


def apply_seed(store: Store, seed: Any, now: float) -> dict[str, int]:
    """Load a whole seed in one transaction: all of it or nothing."""
    _keys("seed", seed, _SEED_KEYS)
    summary = {"senders": 0, "companies": 0, "records": 0}
    with store.transaction() as tx:
        if "clock_offset_seconds" in seed:
            tx.set_meta("clock_offset", str(float(seed["clock_offset_seconds"])))
        if "faults" in seed:
            try:
                save_rules(tx, seed["faults"], "seed.faults")
            except FaultRuleError as exc:
                raise SeedError(str(exc)) from None
        for i, sender in enumerate(_list("seed.senders", seed.get("senders"))):
            _keys(f"seed.senders[{i}]", sender, _SENDER_KEYS, ("id", "password"))
            tx.put_sender(_str(f"seed.senders[{i}].id", sender["id"]),
                          hash_secret(_str(f"seed.senders[{i}].password", sender["password"])))
            summary["senders"] += 1
        for i, spec in enumerate(_list("seed.companies", seed.get("companies"))):
            path = f"seed.companies[{i}]"
            if isinstance(spec, Mapping) and "id" in spec:
                path = f"seed.companies[{i}] ({spec['id']})"
            existing = tx.get_company(str(spec.get("id"))) if isinstance(spec, Mapping) else None
            doc = company_doc(path, spec, existing)
            tx.put_company(doc)
            company = Company(doc)
            ctx = admin_ctx(tx, company, now)
            if existing is None and company.multi_entity:
                records = {k: v for k, v in _entity_records(company).items()
                           if not any(r.get("LOCATIONID") in {e["id"] for e in doc["entities"]}
                                      for r in (spec.get("records") or {}).get(k, []))}
                summary["records"] += load_records(ctx, f"{path}.entities", records)
            if spec.get("records"):
                summary["records"] += load_records(ctx, f"{path}.records", spec["records"])
            summary["companies"] += 1
    return summary


# --------------------------------------------------------------------------- changes while running
_CHANGE_KEYS = _COMPANY_KEYS - {"id", "roles", "users", "records"}
COMPANY_CHANGE_KEYS = frozenset(_CHANGE_KEYS)   # what PATCH /companies/<id> accepts (scenarios validate with it)
USER_KEYS = frozenset(_USER_KEYS)               # what a user block and PATCH .../users/<id> accept


def _company(tx: Tx, company_id: str) -> dict[str, Any]:
    doc = tx.get_company(company_id)
    if doc is None:
        raise NotFoundError(f"company {company_id!r} does not exist")
    return doc


def change_company(store: Store, company_id: str, changes: Any) -> dict[str, Any]:
    """Flip a subscription, revoke a sender, change the tier: the company-level settings."""
    _keys("company", changes, _CHANGE_KEYS)
    with store.transaction() as tx:
        doc = company_doc("company", {"id": company_id, **changes}, _company(tx, company_id))
        tx.put_company(doc)
    return doc


def set_role_permissions(store: Store, company_id: str, role: str, permissions: Any) -> dict[str, list[str]]:
    """Set some modules of a role (others keep their level); creates the role if new."""
    perms = _permissions(f"roles.{role}", permissions)
    with store.transaction() as tx:
        doc = _company(tx, company_id)
        doc.setdefault("roles", {}).setdefault(role, {}).update(perms)
        tx.put_company(doc)
    return doc["roles"][role]


def change_user(store: Store, company_id: str, user_id: str, changes: Any, *, create: bool = False) -> None:
    """Deactivate, lock, re-enable Web Services, change roles or password of an existing user.

    ``create=True`` adds the user when new (the admin API's PUT); a PATCH of an unknown user is refused,
    so a typo in a user id never silently creates a second user.
    """
    with store.transaction() as tx:
        doc = _company(tx, company_id)
        users = doc.setdefault("users", {})
        existing = users.get(user_id)
        if existing is None and not create:
            known = ", ".join(sorted(users)) or "none"
            raise NotFoundError(f"user {user_id!r} does not exist in company {company_id!r} (users: {known}); "
                                "PUT the user to create it")
        spec = dict(changes) if isinstance(changes, Mapping) else changes
        if existing is None and isinstance(spec, dict):
            spec.setdefault("id", user_id)
        users[user_id] = user_doc(f"users.{user_id}", spec, doc, existing)
        users[user_id].pop("id", None)
        tx.put_company(doc)


def add_records(store: Store, company_id: str, records: Any, now: float) -> int:
    with store.transaction() as tx:
        ctx = admin_ctx(tx, Company(_company(tx, company_id)), now)
        return load_records(ctx, "records", records)


def public_company(doc: dict[str, Any]) -> dict[str, Any]:
    """A company's setup without password hashes, for the admin API and reports."""
    out = {k: v for k, v in doc.items() if k != "users"}
    out["users"] = {uid: {k: v for k, v in u.items() if k != "password_hash"}
                    for uid, u in doc.get("users", {}).items()}
    return out


# --------------------------------------------------------------------------- an admin changing one record
RECORD_ACTIONS = {"update": "change fields (give `fields`)", "deactivate": "set STATUS inactive",
                  "reactivate": "set STATUS active", "delete": "remove the record"}
_RECORD_CHANGE_KEYS = {"action", "fields"}


def change_record(store: Store, company_id: str, object_name: str, key: str, body: Any, now: float
                  ) -> dict[str, Any] | None:
    """What an admin does to one record in the UI: edit it, make it inactive or active again, delete it.

    ``key`` is the business ID (``VENDORID``...) or the RECORDNO. Returns the record as it now is
    (``None`` once deleted). Field changes go through the gateway's own field validation.
    """
    _keys("change", body, _RECORD_CHANGE_KEYS, ("action",))
    action = _str("change.action", body["action"])
    if action not in RECORD_ACTIONS:
        raise SeedError(f"change.action: unknown action {action!r} (one of: {', '.join(RECORD_ACTIONS)})")
    if (action == "update") != ("fields" in body):
        raise SeedError("change.fields: " + ("required with action update: {FIELD: value}" if action == "update"
                                             else f"only with action update, not {action}"))
    obj = OBJECTS.get(str(object_name).upper())
    if obj is None:
        raise SeedError(f"object {object_name!r} is not one the simulator has (one of: {', '.join(sorted(OBJECTS))})")
    with store.transaction() as tx:
        ctx = admin_ctx(tx, Company(_company(tx, company_id)), now)
        rec = tx.by_key(company_id, obj.name, key)
        if rec is None:
            rec = by_recordno_text(tx, company_id, obj.name, key)
        if rec is None:
            raise SeedError(f"no {obj.name} with {obj.id_field} or RECORDNO {key!r} in company {company_id!r}")
        if action == "delete":
            tx.delete_record(company_id, obj.name, rec.recordno)
            return None
        if action == "update":
            fields = body["fields"]
            if not isinstance(fields, Mapping) or not fields:
                raise SeedError("change.fields: expected a mapping of field to new value")
            if obj.id_field in fields or "RECORDNO" in fields:
                raise SeedError(f"change.fields: {obj.id_field} and RECORDNO cannot change; delete the record "
                                "and add a new one")
            try:
                changes = writes.validate_fields(ctx, obj, _stringify(dict(fields)), creating=False)
            except IntacctError as exc:
                raise SeedError(f"change.fields: {exc}") from None
        else:
            if "STATUS" not in obj.fields or obj.lines is not None:
                raise SeedError(f"change.action: {obj.name} records have no active/inactive status")
            changes = {"STATUS": "active" if action == "reactivate" else "inactive"}
        rec.doc.update(changes)
        rec.doc["WHENMODIFIED"] = ctx.timestamp()
        rec.doc["MODIFIEDBY"] = ctx.session.user_id
        tx.update_record(company_id, rec, writes.name_of(obj, rec.doc))
        return dict(rec.doc)
