"""``POST /ia/xml/xmlgw.phtml``: bytes in, bytes out. Every rule lives in simulator.models."""

from __future__ import annotations

import random
import time

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from simulator.errors import IntacctError, InvalidRequest, RateLimited
from simulator.models.backend import Backend
from simulator.wire import response as wire
from simulator.wire.envelope import parse_request

GATEWAY_PATH = "/ia/xml/xmlgw.phtml"
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
    try:
        body = request.get_data(cache=False)
    except RequestEntityTooLarge:
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        return _gateway_error(InvalidRequest(413, f"The request body exceeds the limit of {limit} bytes."))
    try:
        parsed = parse_request(body)
    except IntacctError as exc:  # XL03000003: nothing ran
        return _reply(exc.http_status, wire.control_failure(None, exc.errors))
    endpoint = request.host_url.rstrip("/") + GATEWAY_PATH
    admission = backend.admission(parsed)
    if admission is None:
        reply = backend.process(parsed, endpoint)
        return _reply(reply.http_status, reply.body)
    store = backend.store
    if not store.acquire_slot(admission.company_id, admission.limit):
        backend.record_throttle(admission.company_id, parsed.control.controlid)
        return _gateway_error(RateLimited(admission.company_id, admission.limit))
    try:
        if current_app.config["LATENCY"] and admission.latency:
            _simulate_latency(admission.latency, sum(len(op.functions) for op in parsed.operations))
        reply = backend.process(parsed, endpoint)
    finally:
        store.release_slot(admission.company_id)
    return _reply(reply.http_status, reply.body)


_rng = random.Random()


def _simulate_latency(model: dict[str, float], functions: int) -> None:
    """Per-request base plus per-function cost, with jitter, while the request holds its slot."""
    ms = float(model.get("base_ms", 0)) + float(model.get("per_function_ms", 0)) * functions
    jitter = float(model.get("jitter_ms", 0))
    if jitter:
        ms += _rng.uniform(-jitter, jitter)
    if ms > 0:
        time.sleep(ms / 1000.0)
