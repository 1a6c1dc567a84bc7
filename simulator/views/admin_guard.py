"""Who the admin API trusts: one ``before_request`` check shared by every admin-side blueprint.

The admin API can reset, reseed and read everything, so a request must pass, in order:

1. **Host**: without a token, the ``Host`` header must name this machine (``localhost``, a loopback
   address, or a name under the reserved ``.localhost`` / ``.test`` domains, which public DNS never
   resolves). A page on ``evil.example`` whose name was re-bound to 127.0.0.1 (DNS rebinding) sends
   ``Host: evil.example`` and is refused.
2. **Caller**: without a token, only loopback callers. With a token set, *every* caller, loopback
   included, must send it in ``X-Sim-Admin-Token``; it is compared as bytes in constant time, so a
   non-ASCII token or header is a 401, never a 500. Any Host is then accepted (a proxy's name).
3. **Cross-site requests**: a write (POST, PUT, PATCH, DELETE) must declare a JSON or YAML
   ``Content-Type``, even with an empty body. Browsers send those cross-site only after a CORS
   preflight, which the simulator never grants; the "simple" ``text/plain`` or form POST a foreign page
   can send without asking is refused (415). A browser request whose ``Origin`` is not this Host is
   refused too (403), whatever its method.

A same-origin page (the browser console) therefore works by sending ``Content-Type: application/json``
on every write, plus ``X-Sim-Admin-Token`` when the server has a token.
"""

from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import urlsplit

from flask import Response, current_app, jsonify, request

TOKEN_HEADER = "X-Sim-Admin-Token"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BODY_TYPES = frozenset({"application/json", "application/yaml", "application/x-yaml", "text/yaml"})
LOCAL_NAMES = frozenset({"localhost"})
RESERVED_SUFFIXES = (".localhost", ".test")


def _refuse(status: int, error: str, fix: str) -> Response:
    resp = jsonify(error=error, fix=fix)
    resp.status_code = status
    if status == 401:
        resp.headers["WWW-Authenticate"] = f'{TOKEN_HEADER} realm="intacct-sim admin"'
    return resp


def _host_name(netloc: str) -> str:
    """The name part of a Host header or Origin netloc: ``[::1]:8089`` -> ``::1``, ``Sim.Test:80`` -> ``sim.test``."""
    return (urlsplit(f"//{netloc}").hostname or "").lower()


def is_local_host(name: str) -> bool:
    """A Host name that can only mean this machine (never re-bindable from the public internet)."""
    if name in LOCAL_NAMES or name.endswith(RESERVED_SUFFIXES):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _token_bytes() -> bytes | None:
    token = current_app.config.get("ADMIN_TOKEN")
    if not token:
        return None
    return token if isinstance(token, bytes) else str(token).encode("utf-8")


def _given_token() -> bytes:
    # WSGI hands header values over as latin-1 text: encoding back gives the bytes the client sent.
    return request.headers.get(TOKEN_HEADER, "").encode("latin-1", "replace")


def _remote_is_loopback() -> bool:
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _check_origin() -> Response | None:
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    parts = urlsplit(origin)
    if origin != "null" and parts.netloc.lower() == request.host.lower() and parts.scheme in ("http", "https"):
        return None
    return _refuse(403, f"the admin API refuses requests from other origins (Origin {origin!r}, Host "
                        f"{request.host!r})", "call it from a page served by the simulator itself, or without a "
                                              "browser")


def _check_content_type() -> Response | None:
    if request.method not in WRITE_METHODS or request.mimetype in BODY_TYPES:
        return None
    given = request.mimetype or "none"
    return _refuse(415, f"the admin API accepts JSON or YAML bodies only (Content-Type {given!r})",
                   "send Content-Type: application/json (an empty body is fine) or application/yaml")


def require_trusted_admin() -> Response | None:
    """``before_request`` hook: None lets the request through, a JSON refusal ends it."""
    token = _token_bytes()
    if token is not None:
        if not hmac.compare_digest(token, _given_token()):
            return _refuse(401, f"the admin API needs the admin token in the {TOKEN_HEADER} header",
                           "send the token the server was started with (INTACCT_SIM_ADMIN_TOKEN or "
                           "--admin-token-file)")
    else:
        if not _remote_is_loopback():
            return _refuse(403, "the admin API accepts loopback callers only",
                           "start the server with an admin token (INTACCT_SIM_ADMIN_TOKEN or --admin-token-file) "
                           f"and send it in {TOKEN_HEADER} to allow remote callers")
        if not is_local_host(_host_name(request.host)):
            return _refuse(403, f"the admin API answers only for a local Host header, not {request.host!r}",
                           "call it as http://127.0.0.1:<port>/__sim/..., or start the server with an admin token "
                           "to serve it under another name")
    return _check_origin() or _check_content_type()
