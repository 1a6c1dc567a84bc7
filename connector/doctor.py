"""The connection wizard's checklist: every setup-guide step checked against the live Sage company.

Sign-in failures are told apart by Sage's texts and placed on the step that fixes them; steps Sage checks
earlier are then known good and later ones cannot be checked (``skip``). After a good sign-in one batched
request reads the user's permissions, the dimensions, GL accounts, entities, mapped dimension values and
custom fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from intacct_harness.connector.advice import (
    AUTH_FIXES,
    GUIDE_MODULES,
    GUIDE_STEPS,
    MODULE_CONSEQUENCES,
    advise,
    permission_fix,
)
from intacct_harness.connector.export import LINE_FIELD, dimension_values
from intacct_harness.connector.intacct import AuthenticationFailure, ControlFailure, IntacctClient, IntacctError, Result
from intacct_harness.connector.intacct import functions as fn
from intacct_harness.connector.intacct.errors import AuthProblem
from intacct_harness.connector.preflight import dimension_setting_gap, gl_setting_gap
from intacct_harness.connector.settings import ConnectionSettings
from intacct_harness.connector.tms.model import Dataset

PASS, FAIL, WARN, SKIP = "pass", "fail", "warn", "skip"


@dataclass
class Check:
    key: str
    title: str
    step: int | None
    status: str = SKIP
    detail: str = ""
    fix: str = ""


@dataclass
class DoctorReport:
    subsidiary_id: str
    company_id: str
    entity: str | None
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.status != FAIL for c in self.checks)

    def check(self, key: str) -> Check:
        return next(c for c in self.checks if c.key == key)

    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status == FAIL]

    def to_dict(self) -> dict[str, Any]:
        return {"subsidiary_id": self.subsidiary_id, "company_id": self.company_id, "entity": self.entity,
                "ok": self.ok, "checks": [asdict(c) for c in self.checks]}

    def render(self) -> str:
        lines = [f"Sage Intacct connection check: subsidiary {self.subsidiary_id} -> company {self.company_id}, "
                 f"entity {self.entity or 'top level'}"]
        for c in self.checks:
            step = f"Step {c.step}" if c.step else "      "
            lines.append(f"  [{c.status.upper():4}] {step}  {c.title}" + (f": {c.detail}" if c.detail else ""))
            if c.fix and c.status in (FAIL, WARN):
                lines.append(f"                 Fix: {c.fix}")
        bad = self.failures()
        lines.append("Result: ready to sync." if not bad else
                     f"Result: NOT ready to sync: {len(bad)} problem(s) to fix in Sage or in the connection settings.")
        return "\n".join(lines)


def checks() -> list[Check]:
    """Every check of the wizard, in the setup guide's order (scenario files name them by key)."""
    out = [Check("subscription", "Web Services subscription", 1),
           Check("user", "Dedicated Web Services user, active, with Web Services access", 2),
           Check("sender", "Sender ID AlvysMPP in Web Services Authorizations", 3),
           Check("credentials", "Company ID, User ID and password", 5),
           Check("entity", "Entity (Location ID)", 5)]
    out += [Check(f"module:{m}", f'{m} set to "All"', 4) for m in GUIDE_MODULES]
    out += [Check("gl_accounts", "GL accounts for revenue and expense lines", None),
            Check("dimensions", "Mapped dimensions exist", 6),
            Check("custom_fields", "Mapped custom fields exist", 7),
            Check("document_prefix", "Document prefix not shared on this Sage company and entity", None)]
    return out


# The order Sage checks a sign-in in, and the checklist entry each failure lands on.
_SAGE_ORDER: tuple[tuple[str, frozenset[AuthProblem]], ...] = (
    ("sender", frozenset({AuthProblem.SENDER_CREDENTIALS})),
    ("credentials", frozenset({AuthProblem.UNKNOWN_COMPANY})),
    ("subscription", frozenset({AuthProblem.NOT_SUBSCRIBED})),
    ("sender", frozenset({AuthProblem.SENDER_NOT_AUTHORIZED})),
    ("credentials", frozenset({AuthProblem.SIGN_IN, AuthProblem.OTHER, AuthProblem.INVALID_SESSION})),
    ("user", frozenset({AuthProblem.USER_INACTIVE, AuthProblem.USER_LOCKED, AuthProblem.USER_NOT_WEB_SERVICES})),
    ("entity", frozenset({AuthProblem.UNKNOWN_ENTITY, AuthProblem.ENTITY_NOT_PERMITTED})),
)


def shared_prefixes(connections: Sequence[ConnectionSettings], data: Dataset) -> dict[str, list[str]]:
    """Per subsidiary, the others posting to the same Sage company and entity with the same document prefix."""
    codes = {s.id: s.code for s in data.subsidiaries}
    out: dict[str, list[str]] = {}
    for a in connections:
        out[a.subsidiary_id] = [b.subsidiary_id for b in connections if b.subsidiary_id != a.subsidiary_id
                                and (b.company_id, b.entity) == (a.company_id, a.entity)
                                and codes.get(b.subsidiary_id) is not None
                                and codes.get(b.subsidiary_id) == codes.get(a.subsidiary_id)]
    return out


def _prefix(report: DoctorReport, settings: ConnectionSettings, peers: Sequence[str]) -> None:
    c = report.check("document_prefix")
    if not peers:
        c.status, c.detail = PASS, "no other subsidiary on this Sage company and entity uses this prefix"
        return
    c.status = WARN
    c.detail = (f"subsidiaries {', '.join(peers)} post to the same Sage company and entity "
                f"({settings.company_id}, {settings.entity or 'top level'}) with the same document prefix: their "
                "invoice and bill numbers can collide in Sage")
    c.fix = ("Give each subsidiary its own document prefix in Alvys before syncing; the connector tells its own "
             "documents apart, but people reading Sage cannot")


def run_doctor(client: IntacctClient, settings: ConnectionSettings, *, peers: Sequence[str] = ()) -> DoctorReport:
    """The checklist; ``peers`` are other subsidiaries sharing this one's company, entity and document prefix."""
    report = DoctorReport(settings.subsidiary_id, settings.company_id, settings.entity, checks())
    _prefix(report, settings, peers)
    try:
        session = client.login()
    except (ControlFailure, AuthenticationFailure) as exc:
        _place_sign_in_failure(report, exc)
        return report
    except IntacctError as exc:
        c = report.check("credentials")
        c.status, c.detail, c.fix = FAIL, f"Sage could not be reached: {exc}", "Try again later"
        return report
    for key in ("subscription", "user", "sender", "credentials"):
        report.check(key).status = PASS
    report.check("credentials").detail = f"signed in as {settings.user_id}"
    ent = report.check("entity")
    ent.status, ent.detail = PASS, f"session in {session.entity or 'the top level'}"
    _company_checks(client, settings, report)
    return report


def _place_sign_in_failure(report: DoctorReport, exc: ControlFailure | AuthenticationFailure) -> None:
    problem = exc.problem
    at = next(i for i, (_, problems) in enumerate(_SAGE_ORDER) if problem in problems)
    for i, (key, _) in enumerate(_SAGE_ORDER):
        c = report.check(key)
        if i < at and c.status == SKIP:
            c.status = PASS
    c = report.check(_SAGE_ORDER[at][0])
    _, fix = AUTH_FIXES.get(problem, (None, "Check the connection settings"))
    c.status, c.detail, c.fix = FAIL, "; ".join(e.text for e in exc.errors) or str(exc), fix
    for other in report.checks:
        if other.status == SKIP and not other.detail:
            other.detail = "not checked: Sage sign-in failed"


def _company_checks(client: IntacctClient, settings: ConnectionSettings, report: DoctorReport) -> None:
    wanted_dims = dimension_values(settings)
    functions = {"permissions": fn.get_user_permissions(settings.user_id),
                 "user": fn.query("USERINFO", ["LOGINID", "USERTYPE", "STATUS"], field="LOGINID",
                                  values=[settings.user_id]),
                 "dimensions": fn.get_dimensions(),
                 "gl": fn.query("GLACCOUNT", ["ACCOUNTNO", "STATUS"], field="ACCOUNTNO",
                                values=sorted({v for v in settings.gl_accounts.all().values() if v.strip()} or {""})),
                 "entities": fn.read_by_query("LOCATIONENTITY", "", ["LOCATIONID"], pagesize=10)}
    for dim, values in wanted_dims.items():
        if values:
            functions[f"dim:{dim}"] = fn.query(dim, [LINE_FIELD[dim], "STATUS"], field=LINE_FIELD[dim],
                                               values=sorted(values))
    for obj in sorted({("ARINVOICE" if c.applies_to == "invoice" else "APBILL") for c in settings.custom_fields}):
        functions[f"inspect:{obj}"] = fn.inspect(obj)
    results = dict(zip(functions, client.execute(list(functions.values())), strict=True))
    _permissions(report, results["permissions"])
    _user_type(report, settings, results["user"])
    _gl(report, settings, results["gl"])
    _entity(report, settings, results["entities"])
    _dimensions(report, settings, results)
    _custom_fields(report, settings, results)


def _permissions(report: DoctorReport, result: Result) -> None:
    if not result.ok:
        admin = report.check("module:Administration")
        admin.status, admin.detail = FAIL, "; ".join(e.text for e in result.errors)
        admin.fix = permission_fix("Administration")
        for m in GUIDE_MODULES[1:]:
            report.check(f"module:{m}").detail = "not checked: reading permissions needs Administration"
        return
    levels: dict[str, str] = {}
    perms = result.data.find("permissions") if result.data is not None else None
    for app in perms.findall("appSubscription") if perms is not None else []:
        levels[app.findtext("applicationName") or ""] = app.findtext("level") or "None"
    for module in GUIDE_MODULES:
        c = report.check(f"module:{module}")
        level = levels.get(module, "None")
        if level == "All":
            c.status, c.detail = PASS, "All"
        else:
            c.status = FAIL
            c.detail = f'is "{level}", not "All": {MODULE_CONSEQUENCES[module]}'
            c.fix = permission_fix(module)


def _user_type(report: DoctorReport, settings: ConnectionSettings, result: Result) -> None:
    """Guide step 2 asks for a Business User: any other type caps every role at List/View in Sage."""
    c = report.check("user")
    if not result.ok:
        c.detail = "user type not checked: " + "; ".join(e.text for e in result.errors)
        return
    rows = [r for r in result.records() if r.get("LOGINID", "").lower() == settings.user_id.lower()]
    user_type = rows[0].get("USERTYPE", "") if rows else ""
    if not user_type or user_type.lower() == "business user":
        c.detail = "Business User" if user_type else c.detail
        return
    c.status = FAIL
    c.detail = (f'user type is "{user_type}", not "Business User": Sage limits this user type to List and View '
                "whatever its role grants, so no invoice or bill can post")
    c.fix = ("Create a dedicated Web Services user in Sage: set the user type to Business User and enable Web "
             "Services access for that user (setup guide step 2).")
    for module in GUIDE_MODULES:
        m = report.check(f"module:{module}")
        if m.status == FAIL:
            m.detail += f' (the user type "{user_type}" caps it; a Business User gets what the role grants)'
            m.fix = c.fix


def _gl(report: DoctorReport, settings: ConnectionSettings, result: Result) -> None:
    c = report.check("gl_accounts")
    if not result.ok:
        c.status, c.detail = FAIL, "; ".join(e.text for e in result.errors)
        c.fix = advise(result.errors).fix
        return
    found = {r.get("ACCOUNTNO"): r.get("STATUS", "active") for r in result.records()}
    accounts = settings.gl_accounts.all()
    unset = [name for name, acct in accounts.items() if not acct.strip()]
    bad = [f"{name} {acct} ({'inactive' if acct in found else 'missing'})" for name, acct in
           accounts.items() if acct.strip() and found.get(acct, "missing") != "active"]
    if unset:
        c.status = FAIL
        c.detail = "; ".join([f"{name} not set" for name in unset] + ([f"not usable in Sage: {', '.join(bad)}"]
                                                                       if bad else []))
        c.fix = "; ".join(gl_setting_gap(name) for name in unset)
    elif bad:
        c.status, c.detail = FAIL, "not usable in Sage: " + ", ".join(bad)
        c.fix = "Create or activate these accounts in Sage, or correct the GL accounts at Settings > Connections"
    else:
        c.status, c.detail = PASS, ", ".join(f"{k} {v}" for k, v in settings.gl_accounts.all().items())


def _entity(report: DoctorReport, settings: ConnectionSettings, result: Result) -> None:
    c = report.check("entity")
    multi = result.ok and bool(result.records())
    has_location = settings.entity or any(d.dimension == "LOCATION" for d in settings.dimensions)
    if multi and not has_location:
        c.status = WARN
        c.detail = "this Sage company is multi-entity and the connection posts at the top level without a Location"
        c.fix = "Set the entity (Location ID) this subsidiary posts to, or map the Location dimension"


def _dimensions(report: DoctorReport, settings: ConnectionSettings, results: dict[str, Result]) -> None:
    c = report.check("dimensions")
    dims = results["dimensions"]
    if not settings.dimensions:
        c.status, c.detail = PASS, "none mapped (optional)"
    if not dims.ok:
        if settings.dimensions:
            c.status, c.detail, c.fix = FAIL, "; ".join(e.text for e in dims.errors), advise(dims.errors).fix
        return
    listed: dict[str, tuple[bool, bool]] = {}
    root = dims.data.find("dimensions") if dims.data is not None else None
    for d in root.findall("dimension") if root is not None else []:
        listed[d.findtext("objectName") or ""] = (d.findtext("userDefinedDimension") == "true",
                                                  d.findtext("enabledInGL") == "true")
    udds = sorted(n for n, (udd, _) in listed.items() if udd)
    note = (f"; Sage also has Platform Apps dimensions ({', '.join(udds)}), which are not supported and will not "
            "appear in Alvys") if udds else ""
    problems = [f"{d.dimension} is not enabled in Sage" for d in settings.dimensions
                if not listed.get(d.dimension, (False, False))[1]]
    unset = [(d.dimension, raw) for d in settings.dimensions for raw, v in d.values.items() if not str(v).strip()]
    problems += [f"{dim} value for {raw} not set" for dim, raw in unset]
    for dim, values in dimension_values(settings).items():
        result = results.get(f"dim:{dim}")
        if result is None:
            continue
        if not result.ok:
            problems.append(f"{dim} values cannot be read ({'; '.join(e.text for e in result.errors)})")
            continue
        rows = {r.get(LINE_FIELD[dim]): r.get("STATUS", "active") for r in result.records()}
        problems += [f"{dim} {v} is {'inactive' if v in rows else 'missing'}" for v in sorted(values)
                     if rows.get(v, "missing") != "active"]
    if problems:
        c.status, c.detail = FAIL, "; ".join(problems) + note
        c.fix = "; ".join([dimension_setting_gap(dim, raw) for dim, raw in unset] + (
            ["Create or activate these values in Sage, or correct the dimension mapping at Settings > Connections"]
            if len(problems) > len(unset) else []))
    elif settings.dimensions:
        c.status, c.detail = PASS, ", ".join(d.dimension for d in settings.dimensions) + note
    else:
        c.detail += note


def _custom_fields(report: DoctorReport, settings: ConnectionSettings, results: dict[str, Result]) -> None:
    c = report.check("custom_fields")
    if not settings.custom_fields:
        c.status, c.detail = PASS, "none mapped (optional)"
        return
    problems = []
    for m in settings.custom_fields:
        obj = "ARINVOICE" if m.applies_to == "invoice" else "APBILL"
        result = results[f"inspect:{obj}"]
        if not result.ok:
            problems.append(f"{obj} cannot be inspected ({'; '.join(e.text for e in result.errors)})")
            continue
        names = {(f.text or "").upper() for f in result.data.iter("Field")} if result.data is not None else set()
        if m.field not in names:
            problems.append(f"{m.field} does not exist on {obj}")
    if problems:
        c.status, c.detail = FAIL, "; ".join(dict.fromkeys(problems))
        c.fix = "Add the custom fields in Sage, or correct the custom field mapping at Settings > Connections"
    else:
        c.status, c.detail = PASS, ", ".join(m.field for m in settings.custom_fields)


__all__ = ["GUIDE_STEPS", "Check", "DoctorReport", "run_doctor"]
