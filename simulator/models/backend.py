"""The gateway's one entry point, top to bottom: admission, faults, concurrency slots, the work, latency.

``Backend.handle`` takes a parsed request and returns a plain ``Reply``. In one store transaction (a write
transaction for a request with a write, a snapshot plus its journal's short write for one that only reads):
who may run (admission and the company's concurrency limit, answered 429 at once when full), sign-in
(``models/signin.py``, Sage's order: control, then authentication) and the functions one by one (each atomic;
with ``transaction="true"`` the first failure rolls every one back), the journal and the usage count; then the
latency model's padding. With fault rules armed or late posts pending, admission runs first on a snapshot, so a
fault can replace the request before it runs. ``simulator/wire/`` renders the outcome.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from intacct_harness.simulator.errors import (
    AuthenticationError,
    DuplicateControlId,
    ErrorDetail,
    IntacctError,
    InternalError,
    RateLimited,
    StoreBusy,
    TransactionRolledBack,
    XmlParseError,
)
from intacct_harness.simulator.models import (
    admission,
    attachments,
    contacts,  # noqa: F401  (registers the employee-contact rule with writes)
    corrections,
    legacy_schema,
    metadata,
    payment_changes,
    payments,
    preferences,
    reads,
    references,
    signin,
    writes,
)
from intacct_harness.simulator.models.context import Ctx, Output, Session, now_iso
from intacct_harness.simulator.models.faults import (
    AFTER_ACTIONS,
    PROXY_HTML,
    FaultBook,
    FaultRule,
    function_object,
    operation_of,
    request_about,
)
from intacct_harness.simulator.models.still_processing import StillProcessing
from intacct_harness.simulator.store import NeedsWrite, Store, Tx
from intacct_harness.simulator.wire import response as wire
from intacct_harness.simulator.wire.envelope import Control, Operation, Request
from intacct_harness.simulator.wire.protocol import CONTENT_TYPE

log = logging.getLogger(__name__)

JOURNAL_LIMIT = 100_000        # entries kept; older ones are purged (create_app's JOURNAL_LIMIT)
PURGE_EVERY_SECONDS = 60.0
# _SESSION_SLIDE: each call slides a session's timeout to now + the session duration, and the response shows it in
# whole seconds. The stored timeout is rewritten only once it is no longer within that second (the whole-second
# value passed it, or a shorter session duration brought it forward), so a session ends in the second a response
# reported, never before it, and a busy session costs one write a second, not one per request. (The simulator's
# choice: Sage's own precision is not public.)

FunctionImpl = Callable[[Ctx, etree._Element], Output]

FUNCTIONS: dict[str, FunctionImpl] = {
    "getAPISession": metadata.get_api_session,
    "create": writes.create,
    "update": writes.update,
    "delete": writes.delete,
    "read": reads.read,
    "readByName": reads.read_by_name,
    "readByQuery": reads.read_by_query,
    "readMore": reads.read_more,
    "query": reads.query,
    "inspect": metadata.inspect,
    "lookup": metadata.lookup,
    "getDimensions": metadata.get_dimensions,
    "getUserPermissions": metadata.get_user_permissions,
    "getDimensionRelationships": metadata.get_dimension_relationships,
    "get_companyprefs": preferences.get_companyprefs,
    "create_invoice": writes.legacy_create,
    "create_bill": writes.legacy_create,
    "create_apadjustment": writes.legacy_create,
    "create_aradjustment": writes.legacy_create,
    **corrections.FUNCTIONS,
    **attachments.FUNCTIONS,
    **payments.FUNCTIONS,
    **payment_changes.FUNCTIONS,
    **references.FUNCTIONS,
}


@dataclass
class Reply:
    """What the gateway answers: status and body, or ``drop`` (close the connection, send nothing)."""

    http_status: int
    body: bytes
    content_type: str = CONTENT_TYPE
    drop: bool = False
    recorded: bool = False    # already in the console's journal, written in the request's own transaction


def gateway_error(exc: IntacctError) -> Reply:
    return Reply(exc.http_status, wire.control_failure(None, exc.errors))


class Backend:
    """All gateway rules; the Flask view only moves bytes in and out."""

    def __init__(self, store: Store, fault_seed: int | None = 0, journal_limit: int = JOURNAL_LIMIT) -> None:
        self.store = store
        self.faults = FaultBook(store, fault_seed)
        self.journal_limit = journal_limit
        self._fault_seed = fault_seed
        self._jitter: dict[str, random.Random] = {}
        self._internal = InternalErrorLog()
        self._next_purge = 0.0
        self._late = StillProcessing()
        # The QA console's exchange journal (set by simulator.console): a processed request's exchange is written in
        # the request's own transaction, so a request stays one write transaction.
        self.exchanges: Any = None

    def jitter(self, company_id: str, seed: int | None) -> random.Random:
        """The company's latency-jitter die: its ``latency.seed`` if set, else the app's seed; a run repeats."""
        rng = self._jitter.get(company_id)
        if rng is None:
            rng = self._jitter[company_id] = random.Random(f"{company_id}:{self._fault_seed if seed is None else seed}")
        return rng

    # -- clock (shared by every worker through the store, so tests can move time) -------------
    @staticmethod
    def now(tx: Tx) -> float:
        return time.time() + float(tx.get_meta("clock_offset", "0"))

    # -- the one entry point -------------------------------------------------------------------
    def handle(self, request: Request, endpoint: str, latency: bool = True, arrived: float | None = None) -> Reply:
        """A parsed request, top to bottom: retention, admission, faults, slots, the work, latency, faults after.

        ``arrived`` (``time.perf_counter()``) is when the gateway got the request: the modelled latency counts
        from then, so reading and parsing the body and admission are inside it, as on the real gateway.
        """
        try:
            return self._handle(request, endpoint, latency, time.perf_counter() if arrived is None else arrived)
        except sqlite3.OperationalError as exc:  # locked past the store's wait: the gateway's answer, not a 500
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            log.warning("store busy: %s", exc)
            return gateway_error(StoreBusy())

    def _handle(self, request: Request, endpoint: str, latency: bool, arrived: float) -> Reply:
        if not self._late.pending:
            taken: list[tuple[str, int]] = []
            try:
                reply = self._admit_and_run(request, endpoint, latency, arrived, taken)
            finally:
                self._release(taken)
            if reply is not None:
                return reply
        return self._handle_staged(request, endpoint, latency, arrived)

    def _admit_and_run(self, request: Request, endpoint: str, latency: bool, arrived: float,
                       taken: list[tuple[str, int]]) -> Reply | None:
        """The usual request, in the one transaction that runs it: admission, the slots, the work, then latency.

        A request with a write runs in one write transaction from its first read (admission reads the session
        and company the sign-in then uses); one that only reads runs on a snapshot, its own writes following in
        one short write transaction (``Store.read_then_write``). None: fault rules are armed, and the request
        takes the staged way (``_handle_staged``), where a fault may replace it before it runs.
        """
        if _reads_only(request):
            try:
                with self.store.read_then_write() as tx:
                    ran = self._admitted(tx, request, endpoint, taken)
            except NeedsWrite:   # it must write more than its journal: again, as a writer, in the slots it holds
                pass
            else:
                return self._after(ran, latency, arrived)
        with self.store.transaction() as tx:
            ran = self._admitted(tx, request, endpoint, taken)
        return self._after(ran, latency, arrived)

    def _admitted(self, tx: Tx, request: Request, endpoint: str, taken: list[tuple[str, int]]) -> _Ran | None:
        if self.faults.armed(tx):
            return None
        now = self.now(tx)
        planned = admission.plan(tx, request, functions=False)
        if not taken:   # (a writer's second run holds the slots already)
            for a in planned.admissions:
                slot = self.store.acquire_slot(a.company_id, a.limit)
                if slot is None:
                    self._journal_throttle(tx, now, a.company_id, request.control.controlid)
                    return _Ran(gateway_error(RateLimited(a.company_id, a.limit)), now, [])
                taken.append((a.company_id, slot))
        reply = self._recorded(tx, request, self._process(tx, request, endpoint, None), self.exchanges is not None)
        return _Ran(reply, now, planned.admissions)

    def _after(self, ran: _Ran | None, latency: bool, arrived: float) -> Reply | None:
        """Once the transaction is over: retention when due, and the latency model's padding."""
        if ran is None:
            return None
        self._purge_if_due(ran.now)
        if latency:
            self._pad(ran.admissions, arrived)
        return ran.reply

    def _pad(self, admissions: list[admission.Admission], arrived: float) -> None:
        dice = {a.company_id: self.jitter(a.company_id, _seed(a.latency)) for a in admissions}
        left = admission.modelled_seconds(admissions, dice) - (time.perf_counter() - arrived)
        if left > 0:  # the simulator's own work counts towards the modelled time
            time.sleep(left)

    def _release(self, taken: list[tuple[str, int]]) -> None:
        for company_id, slot in taken:
            self.store.release_slot(company_id, slot)

    def _handle_staged(self, request: Request, endpoint: str, latency: bool, arrived: float) -> Reply:
        """With fault rules armed or late posts pending: admission on a snapshot, then faults, slots, the work."""
        with self.store.read() as tx:
            now = self.now(tx)
            armed = self.faults.armed(tx)
            planned = admission.plan(tx, request, functions=armed)
        self._late.settle(t.company_id for t in planned.targets)
        self._purge_if_due(now)
        fault = self.faults.pick([(t.company_id, t.entity, t.functions) for t in planned.targets]) if armed else None
        if fault is not None:
            if fault.action == "still_processing":   # 524 now; the origin finishes ``ms`` later
                self._late.start((t.company_id for t in planned.targets), fault.ms,
                                 lambda: self.process(request, endpoint, fault))   # not a second exchange
                return Reply(524, PROXY_HTML[524], "text/html")
            early = self._fault_before(fault, request)
            if early is not None:
                return early
        taken: list[tuple[str, int]] = []
        try:
            for a in planned.admissions:
                slot = self.store.acquire_slot(a.company_id, a.limit)
                if slot is None:
                    self.record_throttle(a.company_id, request.control.controlid)
                    return gateway_error(RateLimited(a.company_id, a.limit))
                taken.append((a.company_id, slot))
            reply = self.process(request, endpoint, fault)
            if latency:
                self._pad(planned.admissions, arrived)
        finally:
            self._release(taken)
        return _fault_after(fault, reply)

    @staticmethod
    def _fault_before(fault: FaultRule, request: Request) -> Reply | None:
        """Faults that replace the request: an edge status, a reset, an injected control/auth error."""
        if fault.action == "latency":
            time.sleep(fault.ms / 1000.0)
            return None
        if fault.action == "reset":
            return Reply(200, b"", drop=True)
        if fault.action == "http" and fault.status != 524:
            if fault.status == 429:
                return gateway_error(RateLimited())
            return Reply(fault.status or 502, PROXY_HTML[fault.status or 502], "text/html")
        if fault.action == "error" and fault.level in ("control", "authentication"):
            exc = fault.build_error(request_about(request))
            if fault.level == "control":
                return Reply(exc.http_status, wire.control_failure(request.control, exc.errors))
            return Reply(200, wire.success(request.control, [
                wire.OperationOutcome(auth=wire.AuthInfo("failure", *_login_names(op)), auth_errors=list(exc.errors))
                for op in request.operations]))
        return None

    def record_throttle(self, company_id: str, controlid: str) -> None:
        with self.store.transaction() as tx:
            self._journal_throttle(tx, self.now(tx), company_id, controlid)

    @staticmethod
    def _journal_throttle(tx: Tx, now: float, company_id: str, controlid: str) -> None:
        tx.journal(ts=now, company=company_id, function="(gateway)", controlid=controlid[:256],
                   status="failure", errorno="GW-0010", message="concurrency limit", http_status=429)

    # -- retention -------------------------------------------------------------------------
    def _purge_if_due(self, now: float) -> None:
        """At most once a minute of server time: drop expired sessions and result sets, cap the journal."""
        if now < self._next_purge:
            return
        self._next_purge = now + PURGE_EVERY_SECONDS
        with self.store.transaction() as tx:
            tx.purge(now, self.journal_limit)

    # -- the request -------------------------------------------------------------------------
    def process(self, request: Request, endpoint: str, fault: FaultRule | None = None) -> Reply:
        """Run a parsed request in one write transaction; one that only reads runs on a snapshot instead.

        A read request's own writes (journal, usage, session, result set) follow in one short write
        transaction, so a long query holds no lock; if it must write more (a failed sign-in is counted),
        it runs again as a writer. ``fault`` may fail matching functions.
        """
        inject = None
        if fault is not None and fault.action == "error" and fault.level == "function":
            inject = _Injection(fault, request_about(request))
        record = self.exchanges is not None and fault is None   # a fault changes what is sent: the console's
        if _reads_only(request):                                # middleware records what really went out
            try:
                with self.store.read_then_write() as tx:
                    return self._recorded(tx, request, self._process(tx, request, endpoint, inject), record)
            except NeedsWrite:
                pass
        with self.store.transaction() as tx:
            return self._recorded(tx, request, self._process(tx, request, endpoint, inject), record)

    def _recorded(self, tx: Tx, request: Request, reply: Reply, record: bool) -> Reply:
        if not record or not self.exchanges.write(tx, request.raw, reply.body, reply.http_status):
            return reply
        return dataclasses.replace(reply, recorded=True)

    def _process(self, tx: Tx, request: Request, endpoint: str, inject: _Injection | None) -> Reply:
        now = self.now(tx)
        control = request.control
        unique_in = self._unique_companies(tx, request)
        try:
            signin.check_sender(tx, control)
            if any(tx.controlid_seen(control.senderid, c, control.controlid) for c in unique_in):
                raise DuplicateControlId(control.controlid)
            legacy_schema.check_request(((f.name, f.element) for op in request.operations for f in op.functions),
                                        FUNCTIONS)
            outcomes = [self._operation(tx, control, op, endpoint, now, inject) for op in request.operations]
        except IntacctError as exc:  # control level
            self._journal_failure(tx, now, unique_in[0] if unique_in else None, exc, control.controlid)
            return Reply(exc.http_status, wire.control_failure(control, exc.errors))
        signed_in = {o.auth.companyid for o in outcomes if o.auth.status == "success"}
        for company_id in unique_in:
            if company_id in signed_in:
                tx.remember_controlid(control.senderid, company_id, control.controlid, now)
        return Reply(200, wire.success(control, outcomes))

    @staticmethod
    def _unique_companies(tx: Tx, request: Request) -> list[str]:
        """Companies whose control IDs a ``uniqueid=true`` request must not repeat: every operation's."""
        if request.control.uniqueid.strip().lower() != "true":
            return []
        found = (admission.operation_target(tx, op) for op in request.operations)
        return list(dict.fromkeys(t[0] for t in found if t))

    def _operation(self, tx: Tx, control: Control, op: Operation, endpoint: str, now: float,
                   inject: _Injection | None = None) -> wire.OperationOutcome:
        login = op.login
        try:
            session = signin.authenticate(tx, control, op, now)
        except AuthenticationError as exc:
            self._journal_failure(tx, now, login.companyid if login else None, exc, control.controlid,
                                  user=login.userid if login else None)
            return wire.OperationOutcome(
                auth=wire.AuthInfo("failure", login.userid if login else "", login.companyid if login else ""),
                auth_errors=list(exc.errors))
        timeout = now + session.company.session_seconds
        self._slide(tx, op, session, timeout)
        results = self._run_functions(tx, session, op, endpoint, now, inject)
        return wire.OperationOutcome(
            auth=wire.AuthInfo("success", session.user_id, session.company.id, session.entity, now_iso(now),
                               now_iso(timeout)),
            results=results)

    @staticmethod
    def _slide(tx: Tx, op: Operation, session: Session, timeout: float) -> None:
        """Keep the session until ``timeout`` (see _SESSION_SLIDE); a new session is written in full."""
        if session.expires is None:
            tx.put_session(session.session_id, session.company.id, session.user_id, session.entity, timeout)
        elif not math.floor(timeout) <= session.expires <= timeout:
            tx.touch_session(session.session_id, timeout)

    def _run_functions(self, tx: Tx, session: Session, op: Operation, endpoint: str,
                       now: float, inject: _Injection | None = None) -> list[wire.Result]:
        results: list[wire.Result] = []
        outputs: list[Output | None] = []
        failed_at: int | None = None
        ctx = Ctx(tx=tx, session=session, now=now, endpoint=endpoint)

        def run_all() -> None:
            nonlocal failed_at
            for i, fn in enumerate(op.functions):
                if op.transaction and failed_at is not None:
                    results.append(wire.Result("aborted", fn.name, fn.controlid))
                    outputs.append(None)
                    continue
                ctx.function = fn.name
                result, output = self._run_one(ctx, fn.name, fn.controlid, fn.element, inject)
                results.append(result)
                outputs.append(output)
                tx.cooperate()   # a long read lets the gevent worker's other requests in (simulator.store)
                if result.status == "failure" and failed_at is None:
                    failed_at = i

        if op.transaction:
            try:
                with tx.savepoint():
                    run_all()
                    if failed_at is not None:
                        raise _RollBack()
            except _RollBack:
                for i, result in enumerate(results):
                    result.errors.append(TransactionRolledBack.DETAIL)
                    if i != failed_at:
                        result.status = "aborted"
                        result.data = None
                        result.key = None
                        result.errors = [TransactionRolledBack.DETAIL]
                outputs = [None] * len(outputs)
        else:
            run_all()
        month = datetime.fromtimestamp(now, UTC).strftime("%Y-%m")
        billed = 0
        entries = []   # Tx.JOURNAL_COLUMNS order
        for result, output in zip(results, outputs, strict=True):
            err = result.errors[0] if result.errors else None
            entries.append((now, session.company.id, session.user_id, session.entity, result.function,
                            output.object if output else None, result.controlid[:256], result.status,
                            err.errorno if err else None, err.description2[:500] if err else None,
                            output.records if output else 0))
            billed += output.transactions if output else 0
        tx.journal_many(entries)
        tx.add_usage(session.company.id, month, billed)
        return results

    def _run_one(self, ctx: Ctx, name: str, controlid: str, element: etree._Element,
                 inject: _Injection | None = None) -> tuple[wire.Result, Output | None]:
        impl = FUNCTIONS[name]   # the request's DTD check refused unknown functions before any ran
        try:
            if inject is not None and inject.fault.matches_function(name, function_object(name, element)):
                raise inject.fault.build_error({**inject.about, "operation": operation_of(name),
                                                "object": function_object(name, element)})
            with ctx.tx.savepoint(database=not writes.writes_once(name, element)):
                output = impl(ctx, element)
        except IntacctError as exc:  # a function's failure (a slide-in's entity errors keep their texts)
            ctx.forget_all()
            return wire.Result("failure", name, controlid, errors=list(exc.errors)), None
        except Exception as exc:  # a simulator bug must still answer like the gateway, never a 500
            self._internal.report(name, exc)
            ctx.forget_all()
            return wire.Result("failure", name, controlid, errors=list(InternalError().errors)), None
        status = "success"
        return wire.Result(status, name, controlid, data=output.data, key=output.key,
                           listtype=output.listtype), output

    @staticmethod
    def _journal_failure(tx: Tx, now: float, company: str | None, exc: IntacctError, controlid: str,
                         user: str | None = None) -> None:
        err: ErrorDetail = exc.errors[0]
        tx.journal(ts=now, company=company, user=user, function=f"({exc.level.value})", controlid=controlid[:256],
                   status="failure", errorno=err.errorno, message=err.description2[:500],
                   http_status=exc.http_status)


class InternalErrorLog:
    """A simulator bug is logged with its traceback once; repeats only raise a count (10, 100, 1000…).

    A retrying client can hit the same bug thousands of times a minute; the log must stay readable.
    """

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str, str], int] = {}
        self._lock = threading.Lock()

    def report(self, function: str, exc: Exception) -> int:
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb is not None else ""
        key = (function, type(exc).__name__, where)
        with self._lock:
            n = self._counts[key] = self._counts.get(key, 0) + 1
        if n == 1:
            log.error("internal error in %s (answered DL02000001)", function, exc_info=exc)
        elif str(n).rstrip("0") == "1":
            log.error("internal error in %s (%s at %s) has now happened %d times; traceback logged once",
                      function, key[1], where, n)
        return n


def _fault_after(fault: FaultRule | None, reply: Reply) -> Reply:
    """Faults that strike once the work is done: 524, a lost response, an empty or cut body."""
    if fault is None or fault.action not in AFTER_ACTIONS and fault.status != 524:
        return reply
    if fault.action == "http":
        return Reply(524, PROXY_HTML[524], "text/html")
    if fault.action == "lost_response":
        return Reply(reply.http_status, b"", drop=True)
    if fault.action == "empty":
        return Reply(reply.http_status, b"")
    return Reply(reply.http_status, reply.body[: len(reply.body) // 2])


READ_ONLY = frozenset({"getAPISession", "read", "readByName", "readByQuery", "readMore", "query", "inspect", "lookup",
                       "getDimensions", "getUserPermissions"})


def _reads_only(request: Request) -> bool:
    """Only reading functions, and no ``uniqueid`` (whose check and record must be one transaction)."""
    return request.control.uniqueid.strip().lower() != "true" and all(
        f.name in READ_ONLY for op in request.operations for f in op.functions)


def _login_names(op: Operation) -> tuple[str, str]:
    return (op.login.userid, op.login.companyid) if op.login else ("", "")


def _seed(model: dict[str, float]) -> int | None:
    seed = model.get("seed")
    return None if seed is None else int(seed)


@dataclass
class _Ran:
    reply: Reply
    now: float
    admissions: list[admission.Admission]   # the ones to pad to the latency model (none for a 429)


@dataclass
class _Injection:
    fault: FaultRule
    about: dict[str, str]


class _RollBack(Exception):
    """Raised inside the operation savepoint to undo every function of a failed transaction."""


__all__ = ["Backend", "FUNCTIONS", "Reply", "XmlParseError", "gateway_error"]
