"""The scenario format: what each section means, checked key by key against the file's lines.

A scenario describes one customer's situation end to end:

- ``sage``: their Sage company (same keys as a simulator seed company; by default laid over the
  guide-compliant standard company), extra ``senders`` and fault ``faults`` rules;
- ``tms``: their TMS data, explicit records or ``generate``d with Faker from a seed;
- ``connection``: the connector settings (as in a connector config file; defaults filled in);
- ``operator``: the Alvys user running the wizard and syncs;
- ``steps``: doctor, sync, sage_admin (what an admin changes), connection (settings changes),
  interrupted_sync (a sync killed after N requests), check; each may carry ``expect``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from intacct_harness.connector.tms.fake import Sizes, generate, sage_records
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
from intacct_harness.scenarios.source import Source, check_keys, check_type
from intacct_harness.simulator.testing import DEFAULT_USER, standard_company

TOP = {"name": "a one-line title", "ticket": "the support ticket it reproduces", "description": "what happens",
       "sage": "the customer's Sage setup", "tms": "the TMS data", "connection": "the connector settings",
       "operator": "the Alvys user acting", "steps": "what happens, in order, with expectations", "tags": "labels",
       "known_issue": "the scenario reproduces a bug not fixed yet: it is expected to fail, and must be removed "
                      "once it passes"}
SAGE = {"company": "a seed company block", "standard": "start from the guide-compliant company (default true)",
        "senders": "extra Web Services senders", "faults": "fault rules"}
TMS = {"subsidiaries": "list of {id, name, code}", "customers": "list of parties", "carriers": "list of parties",
       "drivers": "list of parties", "loads": "list of loads", "settlements": "list of settlements",
       "generate": "Faker data: {seed, subsidiaries, customers, carriers, drivers, loads, settlements, "
                   "sage_records}"}
PARTY = {"id": "TMS id", "name": "profile name", "external_ids": "{subsidiary id: Sage ID}"}
LOAD = {"number": "load number", "customer": "customer id", "subsidiary": "subsidiary id",
        "status": "booked|in_transit|delivered|cancelled", "created": "creation date-time",
        "charges": "list of {kind, amount, description}", "division": "TMS division", "equipment": "equipment type",
        "terminal": "terminal", "po_number": "PO number"}
SETTLEMENT = {"number": "settlement number", "payee": "carrier or driver id", "subsidiary": "subsidiary id",
              "created": "creation date-time", "lines": "list of {description, amount, load_number}",
              "division": "TMS division", "equipment": "equipment type", "terminal": "terminal"}
GENERATE = {"seed": "random seed", "subsidiaries": "count", "customers": "count", "carriers": "count",
            "drivers": "count", "loads": "count", "settlements": "count", "days": "span of creation dates",
            "start": "first creation date", "external_id_ratio": "share of parties with an External Accounting ID",
            "sage_records": "also create the matching Sage customers and vendors (default true)"}
OPERATOR = {"name": "user name", "role": "Alvys role"}
STEP_KINDS = ("doctor", "sync", "sage_admin", "connection", "interrupted_sync", "wait", "check")
DEFAULT_ESTABLISHED = "2026-11-01T00:00:00+00:00"
DEFAULT_CREATED = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


@dataclass
class Step:
    kind: str
    body: dict[str, Any]
    path: str
    expect: dict[str, Any] = field(default_factory=dict)


@dataclass
class Scenario:
    source: Source
    name: str
    ticket: str
    description: str
    company: dict[str, Any]
    seed: dict[str, Any]
    dataset: Dataset
    connection: dict[str, Any]
    operator: dict[str, str]
    steps: list[Step]
    tags: list[str]
    known_issue: str = ""

    @property
    def file(self) -> str:
        return self.source.file


def parse(src: Source) -> Scenario:
    """Validate the whole file up front: a scenario never fails half-way on a typo."""
    doc = check_keys(src, "", src.data, TOP, ("name", "steps"))
    sage = check_keys(src, "sage", doc.get("sage") or {}, SAGE)
    company = _company(src, sage)
    seed: dict[str, Any] = {"senders": [{"id": "AlvysMPP", "password": "sim-sender-secret"},
                                        *check_type(src, "sage.senders", sage.get("senders") or [], list,
                                                    "a list of {id, password}")],
                            "companies": [company]}
    if sage.get("faults"):
        seed["faults"] = check_type(src, "sage.faults", sage["faults"], list, "a list of fault rules")
    dataset, extra_records = _dataset(src, check_keys(src, "tms", doc.get("tms") or {}, TMS))
    if extra_records:
        records = company.setdefault("records", {})
        for obj, rows in extra_records.items():
            records[obj] = list(records.get(obj, [])) + rows
    operator = dict(check_keys(src, "operator", doc.get("operator") or {"name": "QA Admin", "role": "Admin"},
                               OPERATOR, ("name", "role")))
    connection = _connection(src, doc.get("connection") or {}, company, dataset)
    steps = [_step(src, i, raw) for i, raw in enumerate(check_type(src, "steps", doc["steps"], list,
                                                                     "a list of steps"))]
    if not steps:
        raise src.error("steps", "a scenario needs at least one step")
    return Scenario(src, str(doc["name"]), str(doc.get("ticket", "")), str(doc.get("description", "")).strip(),
                    company, seed, dataset, connection, {k: str(v) for k, v in operator.items()}, steps,
                    [str(t) for t in doc.get("tags") or []], str(doc.get("known_issue") or ""))


def _company(src: Source, sage: Mapping[str, Any]) -> dict[str, Any]:
    given = dict(check_type(src, "sage.company", sage.get("company") or {}, Mapping, "a seed company block"))
    standard = sage.get("standard", True)
    check_type(src, "sage.standard", standard, bool, "true or false")
    if not standard:
        if "id" not in given:
            raise src.error("sage.company.id", "required when sage.standard is false")
        return given
    base = standard_company(str(given.get("id", "ACME-TRUCKING")))
    records = dict(base["records"])
    for obj, rows in (given.pop("records", None) or {}).items():
        records[obj] = list(records.get(obj, [])) + list(rows or [])
    roles = _merge_by(base["roles"], given.pop("roles", None), "name", "permissions")
    users = _merge_by(base["users"], given.pop("users", None), "id", None)
    base.update(given)
    base.update(records=records, roles=roles, users=users)
    return base


def _merge_by(base: list[dict[str, Any]], given: Any, key: str, nested: str | None) -> list[dict[str, Any]]:
    """List only what differs: a role or user named like a standard one changes it, a new name adds one."""
    out = {item[key]: dict(item) for item in base}
    for item in given or []:
        if not isinstance(item, Mapping) or key not in item:
            return list(given)  # malformed: let the simulator's seed check name the problem
        name = item[key]
        merged = out.get(name, {})
        if nested and nested in item and nested in merged:
            item = {**item, nested: {**merged[nested], **(item[nested] or {})}}
        out[name] = {**merged, **item}
    return list(out.values())


# --------------------------------------------------------------------------- TMS data
def _when(src: Source, path: str, value: Any, default: datetime = DEFAULT_CREATED) -> datetime:
    if value is None:
        return default
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, 9, 0, tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise src.error(path, f"expected a date or date-time like 2026-11-10 or 2026-11-10T09:00; got {value!r}") \
            from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _money(src: Source, path: str, value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise src.error(path, f"expected an amount like 1250.00; got {value!r}") from None
    if not amount.is_finite():
        raise src.error(path, f"expected an amount like 1250.00; got {value!r}")
    return amount


def _enum(src: Source, path: str, value: Any, enum: type, default: Any) -> Any:
    if value is None:
        return default
    try:
        return enum(str(value))
    except ValueError:
        raise src.error(path, f"expected one of {', '.join(e.value for e in enum)}; got {value!r}") from None


def _dataset(src: Source, tms: Mapping[str, Any]) -> tuple[Dataset, dict[str, list[dict[str, Any]]]]:
    extra: dict[str, list[dict[str, Any]]] = {}
    if "generate" in tms:
        gen = dict(check_keys(src, "tms.generate", tms["generate"], GENERATE))
        with_sage = gen.pop("sage_records", True)
        seed = int(gen.pop("seed", 7))
        kwargs: dict[str, Any] = {}
        if "days" in gen:
            kwargs["days"] = int(gen.pop("days"))
        if "start" in gen:
            kwargs["start"] = _when(src, "tms.generate.start", gen.pop("start"))
        if "external_id_ratio" in gen:
            kwargs["external_id_ratio"] = float(gen.pop("external_id_ratio"))
        for key, value in gen.items():
            check_type(src, f"tms.generate.{key}", value, int, "a whole number")
        data = generate(seed, Sizes(**gen), **kwargs)
        if with_sage:
            for sub in data.subsidiaries:
                for obj, rows in sage_records(data, sub.id, seed=seed).items():
                    known = {r[f"{obj}ID"] for r in extra.get(obj, [])}
                    extra.setdefault(obj, []).extend(r for r in rows if r[f"{obj}ID"] not in known)
    else:
        data = Dataset()
    subs = check_type(src, "tms.subsidiaries", tms.get("subsidiaries") or [], list, "a list of {id, name, code}")
    for i, raw in enumerate(subs):
        s = check_keys(src, f"tms.subsidiaries[{i}]", raw, {"id": "id", "name": "name", "code": "prefix"}, ("id",))
        data.subsidiaries.append(Subsidiary(str(s["id"]), str(s.get("name", s["id"])),
                                            str(s.get("code", s["id"]))))
    if not data.subsidiaries:
        data.subsidiaries.append(Subsidiary("SUB1", "Main subsidiary", "AL"))
    default_sub = data.subsidiaries[0].id
    for section, kind in (("customers", PartyKind.CUSTOMER), ("carriers", PartyKind.CARRIER),
                          ("drivers", PartyKind.DRIVER)):
        for i, raw in enumerate(check_type(src, f"tms.{section}", tms.get(section) or [], list, "a list")):
            p = check_keys(src, f"tms.{section}[{i}]", raw, PARTY, ("id", "name"))
            ext = check_type(src, f"tms.{section}[{i}].external_ids", p.get("external_ids") or {}, Mapping,
                             "a mapping of subsidiary id to Sage ID")
            data.parties.append(Party(str(p["id"]), kind, str(p["name"]), {str(k): str(v) for k, v in ext.items()}))
    ids = {p.id: p for p in data.parties}
    for i, raw in enumerate(check_type(src, "tms.loads", tms.get("loads") or [], list, "a list of loads")):
        path = f"tms.loads[{i}]"
        ld = check_keys(src, path, raw, LOAD, ("number", "customer", "charges"))
        if str(ld["customer"]) not in ids or ids[str(ld["customer"])].kind is not PartyKind.CUSTOMER:
            raise src.error(f"{path}.customer", f"no customer with id {ld['customer']!r} in tms.customers")
        charges = []
        for j, c in enumerate(check_type(src, f"{path}.charges", ld["charges"], list, "a list of charges")):
            ch = check_keys(src, f"{path}.charges[{j}]", c, {"kind": "linehaul|fuel_surcharge|accessorial",
                                                             "amount": "amount", "description": "text"},
                            ("amount",))
            kind = _enum(src, f"{path}.charges[{j}].kind", ch.get("kind"), ChargeKind, ChargeKind.LINEHAUL)
            charges.append(Charge(kind, str(ch.get("description", kind.value.replace("_", " ").title())),
                                  _money(src, f"{path}.charges[{j}].amount", ch["amount"])))
        created = _when(src, f"{path}.created", ld.get("created"))
        data.loads.append(Load(
            id=f"load-{ld['number']}", number=str(ld["number"]), subsidiary_id=str(ld.get("subsidiary", default_sub)),
            customer_id=str(ld["customer"]),
            status=_enum(src, f"{path}.status", ld.get("status"), LoadStatus, LoadStatus.DELIVERED),
            charges=charges, created_at=created, delivered_at=created,
            division=str(ld.get("division", "")), equipment=str(ld.get("equipment", "")),
            terminal=str(ld.get("terminal", "")), po_number=str(ld.get("po_number", ""))))
    for i, raw in enumerate(check_type(src, "tms.settlements", tms.get("settlements") or [], list, "a list")):
        path = f"tms.settlements[{i}]"
        st = check_keys(src, path, raw, SETTLEMENT, ("number", "payee", "lines"))
        payee = ids.get(str(st["payee"]))
        if payee is None or payee.kind is PartyKind.CUSTOMER:
            raise src.error(f"{path}.payee", f"no carrier or driver with id {st['payee']!r} in tms")
        lines = []
        for j, ln in enumerate(check_type(src, f"{path}.lines", st["lines"], list, "a list of lines")):
            line = check_keys(src, f"{path}.lines[{j}]", ln, {"description": "text", "amount": "amount",
                                                             "load_number": "load"}, ("amount",))
            lines.append(SettlementLine(str(line.get("description", "Settlement")),
                                        _money(src, f"{path}.lines[{j}].amount", line["amount"]),
                                        str(line.get("load_number", ""))))
        created = _when(src, f"{path}.created", st.get("created"))
        data.settlements.append(Settlement(
            id=f"settlement-{st['number']}", number=str(st["number"]),
            subsidiary_id=str(st.get("subsidiary", default_sub)), payee_kind=payee.kind, payee_id=payee.id,
            lines=lines, created_at=created, period_end=created.date(), division=str(st.get("division", "")),
            equipment=str(st.get("equipment", "")), terminal=str(st.get("terminal", ""))))
    known_subs = {s.id for s in data.subsidiaries}
    for i, ld in enumerate(data.loads):
        if ld.subsidiary_id not in known_subs:
            raise src.error(f"tms.loads[{i}].subsidiary", f"no subsidiary {ld.subsidiary_id!r} in tms.subsidiaries")
    return data, extra


# --------------------------------------------------------------------------- connection and steps
def _connection(src: Source, raw: Any, company: dict[str, Any], data: Dataset) -> dict[str, Any]:
    conn = dict(check_type(src, "connection", raw, Mapping, "a mapping of connection settings"))
    conn.setdefault("subsidiary_id", data.subsidiaries[0].id)
    conn.setdefault("company_id", company["id"])
    conn.setdefault("user_id", DEFAULT_USER[0])
    if not any(k in conn for k in ("user_password", "user_password_env", "user_password_file")):
        conn["user_password"] = DEFAULT_USER[1]
    conn.setdefault("established_at", DEFAULT_ESTABLISHED)
    return conn


STEP_KEYS: dict[str, dict[str, str]] = {
    "doctor": {"operator": "who runs the wizard", "expect": "expectations"},
    "sync": {"operator": "who runs it", "include_history": "ask for historical migration",
             "export_payments": "ask for payment export", "expect": "expectations"},
    "interrupted_sync": {"after_requests": "requests that get through before the process dies",
                         "in_flight": "true: it dies while the last of them is in flight (Sage ran it, the "
                                      "answer is never read)",
                         "expect": "expectations"},
    "sage_admin": {"set_role": "{role, permissions}", "change_user": "{user, ...changes}",
                   "change_company": "company settings", "add_records": "{OBJECT: [records]}",
                   "faults": "replace the fault rules", "clear_faults": "true", "advance_clock": "seconds",
                   "expire_sessions": "true", "expect": "expectations"},
    "connection": {"change": "settings to change", "by": "{name, role}", "template_for": "new subsidiary id",
                   "expect": "expectations"},
    "wait": {"seconds": "real seconds to let pass (at most 10), e.g. for the connection's settle_seconds"},
    "check": {"sage_records": "{OBJECT: count}", "no_duplicates": "true", "api_transactions": "count",
              "ledger": "{state: count}", "documents": "{number: state or {state, errorno, message_contains}}"},
}


def _step(src: Source, i: int, raw: Any) -> Step:
    path = f"steps[{i}]"
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise src.error(path, f"each step is one of: {', '.join(STEP_KINDS)} (a mapping with exactly one key)")
    kind, body = next(iter(raw.items()))
    if kind not in STEP_KEYS:
        raise src.error(f"{path}.{kind}", f"unknown step (one of: {', '.join(STEP_KINDS)})")
    body = dict(check_keys(src, f"{path}.{kind}", body or {}, STEP_KEYS[kind]))
    expect = body.pop("expect", {}) or {}
    if kind == "wait":
        seconds = body.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 < seconds <= 10:
            raise src.error(f"{path}.wait.seconds", f"expected a number of seconds from 0 to 10; got {seconds!r}")
    if kind == "check":
        expect, body = body, {}
    check_type(src, f"{path}.{kind}.expect", expect, Mapping, "a mapping of expectations")
    from intacct_harness.scenarios.expectations import EXPECT_KEYS
    allowed = EXPECT_KEYS.get(kind, {})
    check_keys(src, f"{path}.{kind}" + (".expect" if kind != "check" else ""), expect, allowed)
    return Step(kind, body, f"{path}.{kind}", dict(expect))
