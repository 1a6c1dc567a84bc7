"""The scenario format: what each section means, checked key by key against the file's lines.

A scenario describes one customer's situation end to end:

- ``sage``: their Sage company (same keys as a simulator seed company; by default laid over the
  guide-compliant standard company), extra ``senders`` and fault ``faults`` rules;
- ``tms``: their TMS data, explicit records or ``generate``d with Faker from a seed;
- ``connection``: the connector settings (as in a connector config file; defaults filled in);
- ``operator``: the Alvys user running the wizard and syncs;
- ``steps``: doctor, sync, concurrent_syncs (several subsidiaries at once), sage_admin (what an admin
  changes, records included), connection (settings changes), add_tms (new TMS documents and parties),
  interrupted_sync (a sync killed after N requests), wait, check; each may carry ``expect``.

Everything is validated before the first step runs (see ``validate``): keys, types and every name
a value holds (subsidiaries, parties, documents, modules, Sage objects, ledger states, checks).
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
from intacct_harness.scenarios import vocabulary as vocab
from intacct_harness.scenarios.source import Source, check_keys, check_type
from intacct_harness.scenarios.validate import Context, check_expect, count, one_of, text
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
STEP_KINDS = ("doctor", "sync", "concurrent_syncs", "sage_admin", "connection", "add_tms", "interrupted_sync",
              "wait", "check")
ADD_TMS = {k: TMS[k] for k in ("customers", "carriers", "drivers", "loads", "settlements")}
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
    _check_modules(src, sage.get("company") or {})
    connection = _connection(src, doc.get("connection") or {}, company, dataset)
    work = Dataset(list(dataset.subsidiaries), list(dataset.parties), list(dataset.loads), list(dataset.settlements))
    ctx = Context(_document_numbers(work))
    steps = [_step(src, i, raw, work, ctx, connection) for i, raw in
             enumerate(check_type(src, "steps", doc["steps"], list, "a list of steps"))]
    if not steps:
        raise src.error("steps", "a scenario needs at least one step")
    seed = _wire(seed)
    return Scenario(src, str(doc["name"]), str(doc.get("ticket", "")), str(doc.get("description", "")).strip(),
                    company, seed, dataset, connection, {k: str(v) for k, v in operator.items()}, steps,
                    [str(t) for t in doc.get("tags") or []], str(doc.get("known_issue") or ""))


def _wire(value: Any) -> Any:
    """YAML dates as Sage writes them (MM/DD/YYYY): seeds and admin changes travel as JSON."""
    if isinstance(value, Mapping):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    if isinstance(value, datetime):
        return value.strftime("%m/%d/%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%m/%d/%Y")
    return value


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
    add_tms(src, "tms", tms, data)
    return data, extra


def add_tms(src: Source, path: str, tms: Mapping[str, Any], data: Dataset) -> dict[str, list[Any]]:
    """Parties, loads and settlements of ``tms`` (or an ``add_tms`` step) appended to ``data``; returns them.

    Every reference must resolve: a load's customer, a settlement's payee, subsidiaries everywhere
    (``external_ids`` included), and a number must not repeat one already in the TMS data.
    """
    subs = [s.id for s in data.subsidiaries]
    default_sub = subs[0]
    added: dict[str, list[Any]] = {"parties": [], "loads": [], "settlements": []}
    ids = {p.id: p for p in data.parties}
    for section, kind in (("customers", PartyKind.CUSTOMER), ("carriers", PartyKind.CARRIER),
                          ("drivers", PartyKind.DRIVER)):
        for i, raw in enumerate(check_type(src, f"{path}.{section}", tms.get(section) or [], list, "a list")):
            at = f"{path}.{section}[{i}]"
            p = check_keys(src, at, raw, PARTY, ("id", "name"))
            if str(p["id"]) in ids:
                raise src.error(f"{at}.id", f"a party with id {p['id']!r} is already in the TMS data")
            ext = check_type(src, f"{at}.external_ids", p.get("external_ids") or {}, Mapping,
                             "a mapping of subsidiary id to Sage ID")
            for sub, sage_id in ext.items():
                one_of(src, f"{at}.external_ids.{sub}", str(sub), subs, "subsidiary")
                text(src, f"{at}.external_ids.{sub}", sage_id)
            party = Party(str(p["id"]), kind, str(p["name"]), {str(k): str(v) for k, v in ext.items()})
            ids[party.id] = party
            added["parties"].append(party)
    numbers = {(ld.subsidiary_id, ld.number) for ld in data.loads}
    for i, raw in enumerate(check_type(src, f"{path}.loads", tms.get("loads") or [], list, "a list of loads")):
        at = f"{path}.loads[{i}]"
        ld = check_keys(src, at, raw, LOAD, ("number", "customer", "charges"))
        if str(ld["customer"]) not in ids or ids[str(ld["customer"])].kind is not PartyKind.CUSTOMER:
            raise src.error(f"{at}.customer", f"no customer with id {ld['customer']!r} in tms.customers")
        sub = one_of(src, f"{at}.subsidiary", str(ld.get("subsidiary", default_sub)), subs, "subsidiary")
        if (sub, str(ld["number"])) in numbers:
            raise src.error(f"{at}.number", f"load {ld['number']!r} of {sub} is already in the TMS data")
        numbers.add((sub, str(ld["number"])))
        charges = []
        for j, c in enumerate(check_type(src, f"{at}.charges", ld["charges"], list, "a list of charges")):
            ch = check_keys(src, f"{at}.charges[{j}]", c, {"kind": "linehaul|fuel_surcharge|accessorial",
                                                           "amount": "amount", "description": "text"},
                            ("amount",))
            kind = _enum(src, f"{at}.charges[{j}].kind", ch.get("kind"), ChargeKind, ChargeKind.LINEHAUL)
            charges.append(Charge(kind, str(ch.get("description", kind.value.replace("_", " ").title())),
                                  _money(src, f"{at}.charges[{j}].amount", ch["amount"])))
        created = _when(src, f"{at}.created", ld.get("created"))
        added["loads"].append(Load(
            id=f"load-{ld['number']}", number=str(ld["number"]), subsidiary_id=sub,
            customer_id=str(ld["customer"]),
            status=_enum(src, f"{at}.status", ld.get("status"), LoadStatus, LoadStatus.DELIVERED),
            charges=charges, created_at=created, delivered_at=created,
            division=str(ld.get("division", "")), equipment=str(ld.get("equipment", "")),
            terminal=str(ld.get("terminal", "")), po_number=str(ld.get("po_number", ""))))
    numbers = {(st.subsidiary_id, st.number) for st in data.settlements}
    for i, raw in enumerate(check_type(src, f"{path}.settlements", tms.get("settlements") or [], list, "a list")):
        at = f"{path}.settlements[{i}]"
        st = check_keys(src, at, raw, SETTLEMENT, ("number", "payee", "lines"))
        payee = ids.get(str(st["payee"]))
        if payee is None or payee.kind is PartyKind.CUSTOMER:
            raise src.error(f"{at}.payee", f"no carrier or driver with id {st['payee']!r} in tms")
        sub = one_of(src, f"{at}.subsidiary", str(st.get("subsidiary", default_sub)), subs, "subsidiary")
        if (sub, str(st["number"])) in numbers:
            raise src.error(f"{at}.number", f"settlement {st['number']!r} of {sub} is already in the TMS data")
        numbers.add((sub, str(st["number"])))
        lines = []
        for j, ln in enumerate(check_type(src, f"{at}.lines", st["lines"], list, "a list of lines")):
            line = check_keys(src, f"{at}.lines[{j}]", ln, {"description": "text", "amount": "amount",
                                                           "load_number": "load"}, ("amount",))
            lines.append(SettlementLine(str(line.get("description", "Settlement")),
                                        _money(src, f"{at}.lines[{j}].amount", line["amount"]),
                                        str(line.get("load_number", ""))))
        created = _when(src, f"{at}.created", st.get("created"))
        added["settlements"].append(Settlement(
            id=f"settlement-{st['number']}", number=str(st["number"]), subsidiary_id=sub,
            payee_kind=payee.kind, payee_id=payee.id, lines=lines, created_at=created, period_end=created.date(),
            division=str(st.get("division", "")), equipment=str(st.get("equipment", "")),
            terminal=str(st.get("terminal", ""))))
    apply_tms(data, added)
    return added


def apply_tms(data: Dataset, added: Mapping[str, list[Any]]) -> None:
    data.parties.extend(added["parties"])
    data.loads.extend(added["loads"])
    data.settlements.extend(added["settlements"])


def _document_numbers(data: Dataset) -> set[str]:
    """Numbers a document expectation may use: the TMS number, or as sent to Sage (with the code prefix)."""
    codes = {s.id: s.code for s in data.subsidiaries}
    out = set()
    for src in (*data.loads, *data.settlements):
        out |= {src.number, f"{codes.get(src.subsidiary_id, '')}-{src.number}"}
    return out


def _check_modules(src: Source, company: Any) -> None:
    """Role and user permissions name modules Sage has (``Acounts Payable`` is refused, with the list)."""
    if not isinstance(company, Mapping):
        return
    for section in ("roles", "users"):
        items = company.get(section)
        for i, item in enumerate(items if isinstance(items, list) else []):
            perms = item.get("permissions") if isinstance(item, Mapping) else None
            for module in perms if isinstance(perms, Mapping) else {}:
                _module(src, f"sage.company.{section}[{i}].permissions.{module}", module)
    subs = company.get("subscriptions")
    for i, module in enumerate(subs if isinstance(subs, list) else []):
        _module(src, f"sage.company.subscriptions[{i}]", module)


def _module(src: Source, path: str, name: Any) -> str:
    from intacct_harness.simulator.models.permissions import known_module

    try:
        return known_module(str(name))
    except ValueError:
        raise src.error(path, f"unknown module {name!r} (one of: {', '.join(vocab.MODULES)})") from None


# --------------------------------------------------------------------------- connection and steps
def _connection(src: Source, raw: Any, company: dict[str, Any], data: Dataset) -> dict[str, Any]:
    conn = dict(check_type(src, "connection", raw, Mapping, "a mapping of connection settings"))
    conn.setdefault("subsidiary_id", data.subsidiaries[0].id)
    conn.setdefault("company_id", company["id"])
    conn.setdefault("user_id", DEFAULT_USER[0])
    if not any(k in conn for k in ("user_password", "user_password_env", "user_password_file")):
        conn["user_password"] = DEFAULT_USER[1]
    conn.setdefault("established_at", DEFAULT_ESTABLISHED)
    _setting_keys(src, "connection", conn)
    return conn


def _setting_keys(src: Source, path: str, conn: Mapping[str, Any]) -> None:
    for key in conn:
        if key not in vocab.CONNECTION_SETTINGS:
            raise src.error(f"{path}.{key}", f"unknown setting (one of: {', '.join(vocab.CONNECTION_SETTINGS)})")


OPERATOR_HELP = "{name, role}: the Alvys user"
SYNC_KEYS = {"operator": "who runs it", "include_history": "ask for historical migration",
             "export_payments": "ask for payment export", "expect": "expectations"}
STEP_KEYS: dict[str, dict[str, str]] = {
    "doctor": {"operator": "who runs the wizard", "expect": "expectations"},
    "sync": SYNC_KEYS,
    "concurrent_syncs": {"subsidiaries": "subsidiary ids whose syncs start at the same moment (2 or more)",
                         **{k: v for k, v in SYNC_KEYS.items() if k != "expect"},
                         "expect": "{subsidiary id: that subsidiary's sync expectations}"},
    "interrupted_sync": {"after_requests": "requests that get through before the process dies",
                         "in_flight": "true: it dies while the last of them is in flight (Sage ran it, the "
                                      "answer is never read)",
                         "expect": "expectations"},
    "sage_admin": {"set_role": "{role, permissions}", "change_user": "{user, ...changes}",
                   "change_company": "company settings", "add_records": "{OBJECT: [records]}",
                   "change_records": "[{object, key, action: update|deactivate|reactivate|delete, fields}]",
                   "faults": "replace the fault rules", "clear_faults": "true", "advance_clock": "seconds",
                   "expire_sessions": "true", "expect": "expectations"},
    "connection": {"change": "settings to change", "by": "{name, role}", "template_for": "new subsidiary id",
                   "expect": "expectations"},
    "add_tms": {**ADD_TMS},
    "wait": {"seconds": "real seconds to let pass (at most 10), e.g. for the connection's settle_seconds"},
    "check": {},
}
from intacct_harness.scenarios.expectations import CHECK_KEYS  # noqa: E402

STEP_KEYS["check"] = CHECK_KEYS
CHANGE_RECORD = {"object": "Sage object", "key": "its ID (VENDORID, CUSTOMERID...) or RECORDNO",
                 "action": "update|deactivate|reactivate|delete", "fields": "{FIELD: new value} (update only)"}


def _bool(src: Source, path: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise src.error(path, f"expected true or false; got {value!r}")


def _step(src: Source, i: int, raw: Any, work: Dataset, ctx: Context, conn: dict[str, Any]) -> Step:
    path = f"steps[{i}]"
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise src.error(path, f"each step is one of: {', '.join(STEP_KINDS)} (a mapping with exactly one key)")
    kind, body = next(iter(raw.items()))
    if kind not in STEP_KEYS:
        raise src.error(f"{path}.{kind}", f"unknown step (one of: {', '.join(STEP_KINDS)})")
    at = f"{path}.{kind}"
    body = dict(check_keys(src, at, body or {}, STEP_KEYS[kind]))
    expect = body.pop("expect", {}) or {}
    subs = [s.id for s in work.subsidiaries]
    for key in ("operator", "by"):
        if key in body:
            check_keys(src, f"{at}.{key}", body[key], OPERATOR, ("name",))
    for key in ("include_history", "export_payments", "in_flight", "clear_faults", "expire_sessions"):
        if key in body:
            _bool(src, f"{at}.{key}", body[key])
    if kind == "wait":
        seconds = body.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 < seconds <= 10:
            raise src.error(f"{at}.seconds", f"expected a number of seconds from 0 to 10; got {seconds!r}")
    elif kind == "interrupted_sync" and "after_requests" in body:
        if count(src, f"{at}.after_requests", body["after_requests"]) < 1:
            raise src.error(f"{at}.after_requests", "expected at least 1 request")
    elif kind == "sage_admin":
        _sage_admin(src, at, body)
        body = _wire(body)
    elif kind == "connection":
        change = check_type(src, f"{at}.change", body.get("change") or {}, Mapping, "a mapping of settings")
        _setting_keys(src, f"{at}.change", change)
        if "template_for" in body:
            one_of(src, f"{at}.template_for", str(body["template_for"]), subs, "subsidiary")
    elif kind == "add_tms":
        body = add_tms(src, at, body, work)
        ctx.documents |= _document_numbers(work)
        return Step(kind, body, at, {})
    if kind == "check":
        return Step(kind, {}, at, check_expect(src, at, kind, body, ctx))
    if kind == "concurrent_syncs":
        chosen = check_type(src, f"{at}.subsidiaries", body.get("subsidiaries"), list, "a list of subsidiary ids")
        if len(chosen) < 2 or len(set(map(str, chosen))) != len(chosen):
            raise src.error(f"{at}.subsidiaries", "list two or more different subsidiaries")
        for j, sub in enumerate(chosen):
            one_of(src, f"{at}.subsidiaries[{j}]", str(sub), subs, "subsidiary")
        per = check_type(src, f"{at}.expect", expect, Mapping, "a mapping of subsidiary id to expectations")
        for sub, want in per.items():
            one_of(src, f"{at}.expect.{sub}", str(sub), [str(c) for c in chosen], "subsidiary of this step")
            check_expect(src, f"{at}.expect.{sub}", "sync", want or {}, ctx)
        return Step(kind, body, at, dict(per))
    return Step(kind, body, at, check_expect(src, f"{at}.expect", kind, expect, ctx))


def _sage_admin(src: Source, at: str, body: dict[str, Any]) -> None:
    """The admin's changes, checked against what the simulator's admin API accepts."""
    if "set_role" in body:
        role = check_keys(src, f"{at}.set_role", body["set_role"], {"role": "role name",
                                                                     "permissions": "{module: level}"},
                          ("role", "permissions"))
        perms = check_type(src, f"{at}.set_role.permissions", role["permissions"], Mapping,
                           "a mapping of module to level")
        for module in perms:
            _module(src, f"{at}.set_role.permissions.{module}", module)
    if "change_user" in body:
        allowed = {"user": "user id (default: the connection's)"} | {k: k for k in vocab.USER_CHANGES}
        check_keys(src, f"{at}.change_user", body["change_user"], allowed)
        perms = body["change_user"].get("permissions")
        for module in perms if isinstance(perms, Mapping) else {}:
            _module(src, f"{at}.change_user.permissions.{module}", module)
    if "change_company" in body:
        check_keys(src, f"{at}.change_company", body["change_company"], {k: k for k in vocab.COMPANY_CHANGES})
        _check_modules(src, body["change_company"])
    if "add_records" in body:
        for obj in check_type(src, f"{at}.add_records", body["add_records"], Mapping, "a mapping of OBJECT to "
                              "records"):
            one_of(src, f"{at}.add_records.{obj}", obj, vocab.SAGE_OBJECTS, "Sage object")
    for j, ch in enumerate(check_type(src, f"{at}.change_records", body.get("change_records") or [], list,
                                      "a list of record changes")):
        cp = f"{at}.change_records[{j}]"
        ch = check_keys(src, cp, ch, CHANGE_RECORD, ("object", "key", "action"))
        obj = one_of(src, f"{cp}.object", ch["object"], vocab.SAGE_OBJECTS, "Sage object")
        text(src, f"{cp}.key", ch["key"])
        action = one_of(src, f"{cp}.action", ch["action"], vocab.ACTIONS, "action")
        if (action == "update") != ("fields" in ch):
            raise src.error(f"{cp}.fields", "required with action update" if action == "update"
                            else f"only with action update, not {action}")
        header, _ = vocab.object_fields(obj)
        for name in check_type(src, f"{cp}.fields", ch.get("fields") or {}, Mapping, "a mapping of field to value"):
            one_of(src, f"{cp}.fields.{name}", name, sorted(header), f"{obj} field")
    if "faults" in body:
        check_type(src, f"{at}.faults", body["faults"], list, "a list of fault rules")
    if "advance_clock" in body:
        value = body["advance_clock"]
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise src.error(f"{at}.advance_clock", f"expected seconds (0 or more); got {value!r}")
