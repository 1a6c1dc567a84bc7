"""``POST /ia/xml/xmlgw.phtml``: bytes in, bytes out. Every rule lives in simulator.models.

The view reads the body, parses the envelope and hands it to ``Backend.handle``, which returns a
plain reply (status, body, or "drop the connection"); nothing else happens here.
"""

from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from intacct_harness.simulator.errors import IntacctError, InvalidRequest
from intacct_harness.simulator.models.backend import Backend, Reply, gateway_error
from intacct_harness.simulator.wire.envelope import parse_request
from intacct_harness.simulator.wire.protocol import DROP_CONNECTION, EXCHANGE_RECORDED, GATEWAY_PATH

bp = Blueprint("gateway", __name__)


@bp.route(GATEWAY_PATH, methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
def gateway() -> Response:
    arrived = time.perf_counter()   # the modelled latency counts from here (Backend.handle)
    backend: Backend = current_app.extensions["intacct_sim"]
    if request.method != "POST":
        return _response(gateway_error(InvalidRequest(405, "The XML gateway accepts POST requests only.")))
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    try:
        body = request.get_data(cache=False)
        if limit is not None and request.content_length is None and len(body) >= limit:
            raise RequestEntityTooLarge()  # werkzeug silently stops a chunked body at the limit
    except RequestEntityTooLarge:
        return _response(gateway_error(InvalidRequest(413, f"The request body exceeds the limit of {limit} bytes.")))
    try:
        parsed = parse_request(body)
    except IntacctError as exc:  # XL03000003: nothing ran
        return _response(gateway_error(exc))
    return _response(backend.handle(parsed, _endpoint(request.environ), latency=bool(current_app.config["LATENCY"]),
                                    arrived=arrived))


_ENDPOINTS: dict[tuple[str, ...], str] = {}


def _endpoint(environ: dict[str, str]) -> str:
    """The URL this request reached the gateway at (getAPISession and RECORD_URLs name it), remembered per host.

    Mount prefixes count: an app served under ``/sage`` (``SCRIPT_NAME``) answers ``.../sage/ia/xml/...``,
    the URL the client must post its next request to.

    werkzeug rebuilds and IRI-decodes ``host_url`` on every call, 7 % of a one-function request; the answer
    only changes with the Host header, scheme and server, so a small table keeps it (cleared when a caller
    sends many different Host headers).
    """
    key = (environ.get("wsgi.url_scheme", ""), environ.get("HTTP_HOST", ""), environ.get("SERVER_NAME", ""),
           environ.get("SERVER_PORT", ""), environ.get("SCRIPT_NAME", ""))
    found = _ENDPOINTS.get(key)
    if found is None:
        if len(_ENDPOINTS) >= 256:
            _ENDPOINTS.clear()
        found = _ENDPOINTS[key] = request.root_url.rstrip("/") + GATEWAY_PATH
    return found


def _response(reply: Reply) -> Response:
    if reply.drop:  # the WSGI wrapper (simulator.app.DropConnection) drops the connection instead
        request.environ[DROP_CONNECTION] = True
    if reply.recorded:
        request.environ[EXCHANGE_RECORDED] = True
    return Response(reply.body, status=reply.http_status, content_type=reply.content_type)
