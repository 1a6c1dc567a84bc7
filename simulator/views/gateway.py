"""``POST /ia/xml/xmlgw.phtml``: bytes in, bytes out. Every rule lives in simulator.models."""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from intacct_harness.simulator.errors import IntacctError, InvalidRequest, RateLimited
from intacct_harness.simulator.models.backend import Backend
from intacct_harness.simulator.models.faults import (
    AFTER_ACTIONS,
    PROXY_HTML,
    FaultRule,
    function_summary,
    request_about,
)
from intacct_harness.simulator.wire import response as wire
from intacct_harness.simulator.wire.envelope import Request, parse_request

GATEWAY_PATH = "/ia/xml/xmlgw.phtml"
DROP_CONNECTION = "intacct_sim.drop_connection"
bp = Blueprint("gateway", __name__)


def _reply(status: int, body: bytes) -> Response:
    return Response(body, status=status, content_type=wire.CONTENT_TYPE)


def _gateway_error(exc: IntacctError) -> Response:
    return _reply(exc.http_status, wire.control_failure(None, exc.errors))


@bp.route(GATEWAY_PATH, methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
def gateway() -> Response:
    backend: Backend = current_app.extensions["intacct_sim"]
    if request.method != "POST":
        return _gateway_error(InvalidRequest(405, "The XML gateway accepts POST requests only."))
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    try:
        body = request.get_data(cache=False)
        if limit is not None and request.content_length is None and len(body) >= limit:
            raise RequestEntityTooLarge()  # werkzeug silently stops a chunked body at the limit
    except RequestEntityTooLarge:
        return _gateway_error(InvalidRequest(413, f"The request body exceeds the limit of {limit} bytes."))
    try:
        parsed = parse_request(body)
    except IntacctError as exc:  # XL03000003: nothing ran
        return _reply(exc.http_status, wire.control_failure(None, exc.errors))
    endpoint = request.host_url.rstrip("/") + GATEWAY_PATH
    admission = backend.admission(parsed)
    fault = backend.faults.pick(admission.company_id if admission else None,
                                admission.entity if admission else None, function_summary(parsed))
    if fault is not None:
        if fault.action == "still_processing":
            return _answer_then_process(backend, parsed, endpoint, fault.ms)
        early = _fault_before(fault, parsed)
        if early is not None:
            return early
    if admission is None:
        reply = backend.process(parsed, endpoint, fault)
        return _fault_after(fault, reply.http_status, reply.body)
    store = backend.store
    if not store.acquire_slot(admission.company_id, admission.limit):
        backend.record_throttle(admission.company_id, parsed.control.controlid)
        return _gateway_error(RateLimited(admission.company_id, admission.limit))
    try:
        started = time.perf_counter()
        reply = backend.process(parsed, endpoint, fault)
        if current_app.config["LATENCY"] and admission.latency:
            _pad_to_modelled_latency(admission.company_id, admission.latency,
                                     sum(len(op.functions) for op in parsed.operations), started)
    finally:
        store.release_slot(admission.company_id)
    return _fault_after(fault, reply.http_status, reply.body)


def _answer_then_process(backend: Backend, parsed: Request, endpoint: str, ms: float) -> Response:
    """524 now; the origin finishes the request ``ms`` later, on its own thread."""
    def later() -> None:
        time.sleep(ms / 1000.0)
        backend.process(parsed, endpoint)

    threading.Thread(target=later, name="still-processing", daemon=True).start()
    return Response(PROXY_HTML[524], status=524, content_type="text/html")


def _fault_before(fault: FaultRule, parsed: Request) -> Response | None:
    """Faults that replace the request: an edge status, a reset, an injected control/auth error."""
    if fault.action == "latency":
        time.sleep(fault.ms / 1000.0)
        return None
    if fault.action == "reset":
        return _drop_connection()
    if fault.action == "http" and fault.status != 524:
        if fault.status == 429:
            return _gateway_error(RateLimited())
        return Response(PROXY_HTML[fault.status or 502], status=fault.status, content_type="text/html")
    if fault.action == "error" and fault.level in ("control", "authentication"):
        exc = fault.build_error(request_about(parsed))
        if fault.level == "control":
            return _reply(exc.http_status, wire.control_failure(parsed.control, exc.errors))
        return _reply(200, wire.success(parsed.control, [
            wire.OperationOutcome(auth=wire.AuthInfo("failure", *_login_names(op)), auth_errors=list(exc.errors))
            for op in parsed.operations]))
    return None


def _fault_after(fault: FaultRule | None, status: int, body: bytes) -> Response:
    """Faults that strike once the work is done: 524, a lost response, an empty or cut body."""
    if fault is None or fault.action not in AFTER_ACTIONS and fault.status != 524:
        return _reply(status, body)
    if fault.action == "http":
        return Response(PROXY_HTML[524], status=524, content_type="text/html")
    if fault.action == "lost_response":
        return _drop_connection()
    if fault.action == "empty":
        return _reply(status, b"")
    return _reply(status, body[: len(body) // 2])


def _login_names(op: Any) -> tuple[str, str]:
    return (op.login.userid, op.login.companyid) if op.login else ("", "")


def _drop_connection() -> Response:
    """Ask the WSGI wrapper (simulator.app.DropConnection) to drop the connection, not answer."""
    request.environ[DROP_CONNECTION] = True
    return Response(b"", status=200)


def _pad_to_modelled_latency(company_id: str, model: dict[str, float], functions: int, started: float) -> None:
    """Hold the answer (and the request's slot) until the modelled time has passed since the work began.

    The model is the real gateway's response time: per-request base plus per-function cost, with seeded
    jitter. The simulator's own processing counts towards it, so a request takes the modelled time on any
    machine, not the model plus however long this host took.
    """
    ms = float(model.get("base_ms", 0)) + float(model.get("per_function_ms", 0)) * functions
    jitter = float(model.get("jitter_ms", 0))
    if jitter:
        seed = model.get("seed")
        rng = current_app.extensions["intacct_sim"].jitter(company_id, None if seed is None else int(seed))
        ms += rng.uniform(-jitter, jitter)
    left = ms / 1000.0 - (time.perf_counter() - started)
    if left > 0:
        time.sleep(left)
