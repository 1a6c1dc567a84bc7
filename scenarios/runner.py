"""Run a scenario: build the customer's Sage company in a fresh simulator, then play the steps.

Everything goes through the real wire: the connector talks XML over httpx to the simulator
in-process, and Sage admin changes go through the simulator's admin API. Each step records what
the connector did (its own report text) and the expectations checked against it.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from intacct_harness.connector.connection import Connection
from intacct_harness.connector.errors import ConnectorError
from intacct_harness.connector.intacct import RetryPolicy
from intacct_harness.connector.ledger import Ledger, State
from intacct_harness.connector.settings import ConnectionSettings, TmsUser, settings_from_dict
from intacct_harness.scenarios import expectations as ex
from intacct_harness.scenarios.source import ScenarioError, load
from intacct_harness.scenarios.spec import Scenario, Step, apply_tms, parse
from intacct_harness.simulator.app import create_app
from intacct_harness.simulator.testing import IN_PROCESS_BASE, Admin, AdminError, InProcessTransport
from intacct_harness.simulator.wire.protocol import GATEWAY_PATH

R = TypeVar("R")
SENDER_ENV = {"ALVYS_INTACCT_SENDER_PASSWORD": "sim-sender-secret"}


@dataclass
class StepResult:
    kind: str
    path: str
    line: int | None
    title: str
    output: str = ""
    checks: list[ex.Check] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)   # what Alvys tells the customer, quoted in the HTML report

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


@dataclass
class ScenarioResult:
    file: str
    name: str
    ticket: str
    description: str
    setup: list[str]
    steps: list[StepResult] = field(default_factory=list)
    error: str | None = None           # the scenario could not run at all (bad file)
    seconds: float = 0.0
    known_issue: str = ""              # a bug the scenario reproduces that is not fixed yet

    @property
    def expected_outcome(self) -> bool:
        """Passed, or still reproduces its known issue (a known issue that passes is a miss: remove the mark)."""
        return self.ok != bool(self.known_issue) and self.error is None

    @property
    def ok(self) -> bool:
        return self.error is None and all(s.ok for s in self.steps)

    @property
    def misses(self) -> list[tuple[StepResult, ex.Check]]:
        return [(s, c) for s in self.steps for c in s.checks if not c.ok]


class ProcessKilled(BaseException):
    """Stands for SIGKILL in an in-process run: no ``except Exception`` handler sees it."""


class _KillAfter(httpx.BaseTransport):
    """Forwards ``n`` requests, then the process 'dies': before sending the next one, or (``in_flight``)
    while the n-th is in flight, after Sage ran it and before its answer is read."""

    def __init__(self, inner: httpx.BaseTransport, n: int, in_flight: bool = False) -> None:
        self.inner, self.left, self.in_flight = inner, n, in_flight

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.left <= 0:
            raise ProcessKilled()
        self.left -= 1
        response = self.inner.handle_request(request)
        if self.in_flight and self.left == 0:
            response.read()
            raise ProcessKilled()
        return response


class _Counting(httpx.BaseTransport):
    """Counts the connector's HTTP requests (the ``requests`` check): a ticket "it hammers our Sage" needs it."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.count = inner, 0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.count += 1
        return self.inner.handle_request(request)


class Run:
    """One scenario's world: the simulator app, the admin handle, the connection and its ledger."""

    def __init__(self, sc: Scenario) -> None:
        self.sc = sc
        self.app = create_app({"LATENCY": True, "FAULT_SEED": 0})
        self.transport = InProcessTransport(app=self.app)
        self.admin = Admin(httpx.Client(transport=self.transport, base_url=IN_PROCESS_BASE))
        self.counting = _Counting(self.transport)
        try:
            self.admin.seed(sc.seed)
        except AdminError as exc:
            raise _seed_error(sc, str(exc)) from None
        self.ledger = Ledger()
        self.raw = dict(sc.connection, endpoint=IN_PROCESS_BASE + GATEWAY_PATH)
        self.settings = self._settings(self.raw, "connection")
        self.connection = self._connect(self.counting)

    def _settings(self, raw: dict[str, Any], path: str) -> ConnectionSettings:
        try:
            return settings_from_dict(raw, path="connection", environ=SENDER_ENV)
        except ConnectorError as exc:
            raise self.sc.source.error(path, str(exc)) from None

    def _connect(self, transport: httpx.BaseTransport, settings: ConnectionSettings | None = None) -> Connection:
        http = httpx.Client(transport=transport, base_url=IN_PROCESS_BASE)
        retry = RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05)
        return Connection(settings or self.settings, http, ledger=self.ledger, environ=SENDER_ENV, retry=retry,
                          timeout=30)

    def operator(self, step: Step) -> TmsUser:
        raw = step.body.get("operator") or self.sc.operator
        return TmsUser(str(raw.get("name", "QA")), str(raw.get("role", "")))

    # -- steps -------------------------------------------------------------------------------
    def run_step(self, step: Step) -> StepResult:
        result = StepResult(step.kind, step.path, self.sc.source.line(step.path), _title(step))
        handler = getattr(self, f"_{step.kind}")
        try:
            handler(step, result)
        except ScenarioError:
            raise
        except Exception as exc:  # a crash is a regression to report with the others, not a traceback
            result.output += ("\n" if result.output else "") + f"crashed: {type(exc).__name__}: {exc}"
            result.checks.append(ex.Check("step runs without crashing", "no exception",
                                          f"{type(exc).__name__}: {exc}", False))
        return result

    def _doctor(self, step: Step, out: StepResult) -> None:
        report = _attempt(lambda: self.connection.doctor(self.operator(step)), step.expect, out)
        if report is None:
            return
        out.output = report.render()
        out.advice += [f"{c.title}: {c.fix}" for c in report.failures() if c.fix]
        e = step.expect
        if "ok" in e:
            out.checks.append(ex.equal("ready to sync", bool(e["ok"]), report.ok))
        failed = {c.key for c in report.failures()}
        for key in e.get("failed_checks") or []:
            out.checks.append(ex.Check(f"check '{key}' fails", "fail", report.check(key).status
                                       if key in {c.key for c in report.checks} else "no such check",
                                       key in failed))
        passed = {c.key for c in report.checks if c.status == "pass"}
        for key in e.get("passed_checks") or []:
            out.checks.append(ex.Check(f"check '{key}' passes", "pass", "pass" if key in passed else
                                       next((c.status for c in report.checks if c.key == key), "no such check"),
                                       key in passed))
        out.checks += ex.text_checks("checklist text", e, "messages", out.output)

    def _sync(self, step: Step, out: StepResult) -> None:
        self._sync_with(self.connection, self.settings.subsidiary_id, step.body, step.expect, step, out)

    def _sync_with(self, connection: Connection, sub: str, body: dict[str, Any], e: dict[str, Any], step: Step,
                   out: StepResult, before: set[Any] | None = None) -> None:
        posted_before = before if before is not None else {en.key for en in self.ledger.entries(sub, State.POSTED)}
        report = _attempt(lambda: connection.sync(
            self.sc.dataset, include_history=bool(body.get("include_history")),
            export_payments=bool(body.get("export_payments"))), e, out)
        if report is None:
            return
        out.output = _render_sync(report)
        actual = {"posted": report.posted, "failed": len(report.failed), "not_migrated": len(report.not_migrated),
                  "recovered": len(report.recovered), "uncertain": len(report.uncertain)}
        out.checks += ex.count_checks(e, actual, ("posted", "failed", "not_migrated", "recovered", "uncertain"))
        if "ok" in e:
            out.checks.append(ex.equal("sync ok", bool(e["ok"]), report.ok))
        states: dict[str, dict[str, Any]] = {}
        for en in self.ledger.entries(sub, State.POSTED):   # posted by this run: the ledger has every RECORDNO
            if en.key not in posted_before:
                states[en.key.number] = {"state": "posted", "recordno": en.recordno}
        for o in report.failed:
            states[o.number] = {"state": "failed", "errorno": o.errorno, "message": o.message, "advice": o.advice}
            if o.advice:
                out.advice.append(o.advice)
        for n in report.not_migrated:
            states[n] = {"state": "not_migrated"}
        for n in report.recovered:
            states[n] = {"state": "recovered"}
        for n in report.uncertain:
            states[n] = {"state": "uncertain"}
        out.checks += ex.document_checks(e, states, self._code(sub))
        out.checks += ex.text_checks("sync report text", e, "messages", out.output)

    def _concurrent_syncs(self, step: Step, out: StepResult) -> None:
        """Each subsidiary's sync in its own thread, released together: one company's concurrency limit."""
        subs = [str(s) for s in step.body["subsidiaries"]]
        conns = {sub: self._connect(self.counting, self._settings(dict(self.raw, subsidiary_id=sub), step.path))
                 for sub in subs}
        parts = {sub: StepResult("sync", step.path, out.line, f"sync {sub}") for sub in subs}
        before = {sub: {en.key for en in self.ledger.entries(sub, State.POSTED)} for sub in subs}
        start = threading.Barrier(len(subs))

        def one(sub: str) -> None:
            start.wait(timeout=30)
            self._sync_with(conns[sub], sub, step.body, dict(step.expect.get(sub) or {}), step, parts[sub],
                            before[sub])

        threads = [threading.Thread(target=one, args=(sub,), name=f"sync-{sub}") for sub in subs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        for sub in subs:
            part = parts[sub]
            out.output += ("\n" if out.output else "") + f"[{sub}] " + part.output.replace("\n", f"\n[{sub}] ")
            for c in part.checks:
                out.checks.append(ex.Check(f"{sub}: {c.name}", c.expected, c.actual, c.ok))
            out.advice += part.advice

    def _add_tms(self, step: Step, out: StepResult) -> None:
        apply_tms(self.sc.dataset, step.body)
        out.output = "TMS: " + ", ".join(f"{len(v)} {k} added" for k, v in step.body.items() if v)

    def _interrupted_sync(self, step: Step, out: StepResult) -> None:
        n = int(step.body.get("after_requests", 1))
        in_flight = bool(step.body.get("in_flight"))
        dying = self._connect(_KillAfter(self.counting, n, in_flight))
        try:
            dying.sync(self.sc.dataset)
            out.output = f"the sync finished within {n} requests: nothing was interrupted"
        except ProcessKilled:
            when = "while request {n} was in flight (Sage ran it; its answer was never read)" if in_flight \
                else "after {n} request(s), before sending the next"
            out.output = f"process killed {when.format(n=n)}; the ledger keeps what it had committed"
        self.connection = self._connect(self.counting)  # the restarted process: same ledger, new client
        self._ledger_checks(step.expect, out)

    def _sage_admin(self, step: Step, out: StepResult) -> None:
        company = self.sc.company["id"]
        body, done = step.body, []
        error = None
        try:
            if "set_role" in body:
                role = body["set_role"]
                self.admin.set_role(company, str(role["role"]), role["permissions"])
                done.append(f"role {role['role']}: {_plain(role['permissions'])}")
            if "change_user" in body:
                changes = dict(body["change_user"])
                user = str(changes.pop("user", self.settings.user_id))
                self.admin.change_user(company, user, **changes)
                done.append(f"user {user}: {_plain(changes)}")
            if "change_company" in body:
                self.admin.change_company(company, **body["change_company"])
                done.append(f"company: {_plain(body['change_company'])}")
            if "add_records" in body:
                self.admin.add_records(company, body["add_records"])
                done.append("records added: " + ", ".join(f"{len(v)} {k}" for k, v in body["add_records"].items()))
            for ch in body.get("change_records") or []:
                self.admin.change_record(company, str(ch["object"]), str(ch["key"]), str(ch["action"]),
                                         ch.get("fields"))
                done.append(f"{ch['object']} {ch['key']}: {ch['action']}"
                            + (f" {_plain(ch['fields'])}" if ch.get("fields") else ""))
            if "faults" in body:
                self.admin.set_faults(body["faults"])
                done.append(f"{len(body['faults'])} fault rule(s) set")
            if body.get("clear_faults"):
                self.admin.clear_faults()
                done.append("fault rules cleared")
            if "advance_clock" in body:
                self.admin.advance_clock(float(body["advance_clock"]))
                done.append(f"clock moved {body['advance_clock']} s")
            if body.get("expire_sessions"):
                self.admin.expire_sessions(company)
                done.append("sessions expired")
        except (AdminError, KeyError, TypeError) as exc:
            error = exc
        out.output = "Sage admin: " + ("; ".join(done) or "nothing") + (f"; refused: {error}" if error else "")
        out.checks += ex.error_checks(step.expect, error)

    def _connection(self, step: Step, out: StepResult) -> None:
        raw = step.body.get("by") or self.sc.operator
        by = TmsUser(str(raw.get("name", "QA")), str(raw.get("role", "")))
        error = None
        try:
            if "template_for" in step.body:
                made = self.settings.as_template(by, str(step.body["template_for"]))  # the role check; connected now
                new = dict(self.raw, subsidiary_id=made.subsidiary_id, established_at=made.established_at.isoformat(),
                           **(step.body.get("change") or {}))
                out.output = f"{by.name} set up subsidiary {step.body['template_for']} from {self.raw['subsidiary_id']}"
            else:
                new = dict(self.raw, **(step.body.get("change") or {}))
                self.settings.changed(by)  # the role check
                out.output = f"{by.name} changed {sorted(step.body.get('change') or {})}"
            settings = settings_from_dict(new, path="connection", environ=SENDER_ENV)
        except ConnectorError as exc:
            error = exc
            out.output = f"refused: {exc}"
        else:
            self.raw, self.settings = new, settings
            self.connection = self._connect(self.counting)
        out.checks += ex.error_checks(step.expect, error)

    def _wait(self, step: Step, out: StepResult) -> None:
        """Let real time pass: the connector waits ``settle_seconds`` before it re-posts an unanswered post."""
        seconds = float(step.body["seconds"])
        time.sleep(seconds)
        out.output = f"waited {seconds:g} s"

    def _check(self, step: Step, out: StepResult) -> None:
        e, company = step.expect, self.sc.company["id"]
        lines = []
        for obj, count in (e.get("sage_records") or {}).items():
            records = self.admin.records(company, str(obj))
            out.checks.append(ex.equal(f"Sage {obj} records", int(count), len(records)))
            lines.append(f"Sage has {len(records)} {obj}")
        if e.get("no_duplicates"):
            documents = {obj: self.admin.records(company, obj) for obj in ("ARINVOICE", "APBILL")}
            for obj, records in documents.items():
                out.checks.append(ex.equal(f"no duplicate {obj} document numbers", {}, ex.duplicates(records)))
            posted = [en for en in self.ledger.entries(self.settings.subsidiary_id) if en.state == "posted"]
            in_sage = {r["RECORDNO"] for records in documents.values() for r in records}
            missing = [en.key.number for en in posted if en.recordno not in in_sage]
            out.checks.append(ex.equal("every posted document is in Sage", [], missing))
        if "api_transactions" in e:
            used = sum(self.admin.usage(company).values())
            out.checks.append(ex.equal("API transactions billed", int(e["api_transactions"]), used))
            lines.append(f"{used} API transactions")
        if "requests" in e:
            out.checks.append(ex.equal("HTTP requests sent", int(e["requests"]), self.counting.count))
            lines.append(f"{self.counting.count} requests")
        if {"functions", "sign_ins", "failed_sign_ins", "throttled"} & set(e):
            lines += self._journal_checks(e, out)
        for rc in e.get("records") or []:
            out.checks += ex.record_checks(rc, self.admin.records(company, str(rc["object"])))
        self._ledger_checks(e, out)
        out.output = "; ".join(lines) or "checked"

    def _journal_checks(self, e: dict[str, Any], out: StepResult) -> list[str]:
        """Counts from the gateway's journal: functions run, sign-ins (getAPISession) and refused sign-ins."""
        entries = self.admin.journal(self.sc.company["id"], limit=100_000)
        calls = Counter(str(en["function"]) for en in entries)
        refused = sum(1 for en in entries if en["function"] == "(authentication)" and en.get("user"))
        sign_ins = calls["getAPISession"] + refused
        for fn, n in (e.get("functions") or {}).items():
            out.checks.append(ex.equal(f"{fn} calls", int(n), calls.get(str(fn), 0)))
        if "sign_ins" in e:
            out.checks.append(ex.equal("sign-ins", int(e["sign_ins"]), sign_ins))
        if "failed_sign_ins" in e:
            out.checks.append(ex.equal("refused sign-ins", int(e["failed_sign_ins"]), refused))
        throttled = sum(1 for en in entries if en.get("errorno") == "GW-0010")
        if "throttled" in e:
            out.checks.append(ex.equal("requests throttled (GW-0010)", int(e["throttled"]), throttled))
        return [f"{sign_ins} sign-in(s), {refused} refused, {throttled} throttled"]

    def _ledger_checks(self, e: dict[str, Any], out: StepResult) -> None:
        sub = self.settings.subsidiary_id
        if "ledger" in e:
            counts = self.ledger.counts(sub)
            for state, count in e["ledger"].items():
                out.checks.append(ex.equal(f"ledger {state}", int(count), counts.get(str(state), 0)))
        if "documents" in e:
            states = {en.key.number: {"state": str(en.state), "errorno": en.errorno, "message": en.message,
                                      "advice": en.advice} for en in self.ledger.entries(sub)}
            out.checks += ex.document_checks(e, states, self._code())

    def _code(self, sub: str | None = None) -> str:
        try:
            return self.sc.dataset.subsidiary(sub or self.settings.subsidiary_id).code
        except KeyError:
            return ""


def _title(step: Step) -> str:
    if step.kind == "add_tms":
        return "add_tms " + ", ".join(f"{len(v)} {k}" for k, v in step.body.items() if v)
    body = {k: v for k, v in step.body.items() if k not in ("operator", "by")}
    return f"{step.kind} {_plain(body)}" if body else step.kind


def _plain(value: Any) -> str:
    """A YAML-ish one-line rendering for people, not a Python repr."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {'***' if 'password' in str(k).lower() else _plain(v)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _attempt(call: Callable[[], R], expect: dict[str, Any], out: StepResult) -> R | None:
    """Run a connector call for a step; a refusal is checked against the step's expected error and shown."""
    try:
        result = call()
    except ConnectorError as exc:
        out.checks += ex.error_checks(expect, exc)
        out.output = f"refused: {exc}"
        return None
    out.checks += ex.error_checks(expect, None)
    return result


def _render_sync(report: Any) -> str:
    lines = [f"posted {report.posted}, failed {len(report.failed)}, not migrated {len(report.not_migrated)}, "
             f"recovered {len(report.recovered)}, uncertain {len(report.uncertain)}"]
    for o in report.failed:
        lines.append(f"  FAILED {o.label} [{o.errorno}]: {o.advice or o.message}")
    for note in report.notes:
        lines.append(f"  note: {note}")
    if report.error:
        lines.append(f"  stopped: {report.error}")
    return "\n".join(lines)


_SEED_PATH = re.compile(r"seed\.companies\[0\](?: \([^)]*\))?")


def _seed_error(sc: Scenario, message: str) -> ScenarioError:
    """A simulator seed error names a seed path; point it at the scenario's sage.company line."""
    path = ""
    m = _SEED_PATH.search(message)
    if m:
        rest = message[m.end():].split(":", 1)[0]
        path = "sage.company" + rest
    elif message.startswith("seed.faults"):
        path = "sage.faults" + message[len("seed.faults"):].split(":", 1)[0]
    return sc.source.error(path or "sage", message)


def run_file(path: str | Path) -> ScenarioResult:
    started = time.perf_counter()
    try:
        sc = parse(load(path))
    except ScenarioError as exc:
        return ScenarioResult(str(path), Path(path).stem, "", "", [], error=str(exc))
    except Exception as exc:  # a validator gap must still be one file's error, never the end of the run
        return ScenarioResult(str(path), Path(path).stem, "", "", [],
                              error=f"{path}: cannot load: {type(exc).__name__}: {exc}")
    result = ScenarioResult(sc.file, sc.name, sc.ticket, sc.description, _setup_summary(sc),
                            known_issue=sc.known_issue)
    try:
        run = Run(sc)
        for step in sc.steps:
            result.steps.append(run.run_step(step))
    except ScenarioError as exc:
        result.error = str(exc)
    except Exception as exc:  # the simulator refused the setup in a way the validator did not foresee
        result.error = f"{sc.file}: cannot run: {type(exc).__name__}: {exc}"
    result.seconds = time.perf_counter() - started
    return result


def _setup_summary(sc: Scenario) -> list[str]:
    c = sc.company
    roles = {r["name"]: r.get("permissions", {}) for r in c.get("roles", [])}
    users = [f"{u['id']} ({u.get('type', 'business')}, {u.get('status', 'active')}"
             f"{', no Web Services' if u.get('web_services') is False else ''}, roles {u.get('roles', [])})"
             for u in c.get("users", [])]
    data = sc.dataset
    return [
        f"Sage company {c['id']}: Web Services {'on' if c.get('web_services', True) else 'OFF'}, authorized senders "
        f"{c.get('authorized_senders', [])}, entities {[e['id'] for e in c.get('entities', [])] or 'none'}",
        f"Users: {'; '.join(users) or 'none'}",
        "Roles: " + "; ".join(f"{n}: " + (", ".join(f"{m} {lv}" for m, lv in p.items()) or "no permissions")
                              for n, p in roles.items()),
        "Sage records: " + ", ".join(f"{len(v)} {k}" for k, v in (c.get("records") or {}).items()),
        f"TMS: {len(data.subsidiaries)} subsidiaries, {len(data.parties)} parties, {len(data.loads)} loads, "
        f"{len(data.settlements)} settlements",
        f"Connection: subsidiary {sc.connection['subsidiary_id']} -> company {sc.connection['company_id']}"
        f"{', entity ' + str(sc.connection['entity']) if sc.connection.get('entity') else ''}, "
        f"user {sc.connection['user_id']}, established {sc.connection['established_at']}",
    ]
