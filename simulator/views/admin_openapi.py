"""The admin API's OpenAPI 3.1 document, built from the routes the app really has.

Paths and methods come from Flask's URL map (so a new ``/__sim/`` route appears by itself), each
operation's summary and description from its view's docstring. A route without a docstring makes the
document incomplete, and the suite's OpenAPI test fails on it.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from flask import Flask

from intacct_harness.simulator.views.admin_guard import TOKEN_HEADER

_ERROR = {"$ref": "#/components/schemas/Error"}
_REFUSALS = {
    "400": "the body or a parameter is invalid; `error` names the key and what is allowed",
    "401": f"the server has an admin token and the request did not send it in {TOKEN_HEADER}",
    "403": "a remote caller without a token, a non-local Host header, or a foreign Origin",
    "404": "no such company, user or path",
    "405": "the path exists but not with this method (see the Allow header)",
    "415": "a write without a JSON or YAML Content-Type",
}
_WRITES = ("POST", "PUT", "PATCH", "DELETE")


def _operation(app: Flask, endpoint: str, method: str, params: list[str]) -> dict[str, Any]:
    doc = inspect.getdoc(app.view_functions[endpoint]) or ""
    summary, _, rest = doc.partition("\n")
    op: dict[str, Any] = {
        "operationId": f"{endpoint.rsplit('.', 1)[-1]}_{method.lower()}",
        "summary": summary.strip(),
        "parameters": [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params],
        "responses": {"200": {"description": "done", "content": {"application/json": {"schema": {"type": "object"}}}},
                      **{code: {"description": text, "content": {"application/json": {"schema": _ERROR}}}
                         for code, text in _REFUSALS.items()}},
    }
    if rest.strip():
        op["description"] = rest.strip()
    if method in _WRITES:
        schema = {"type": ["object", "array"]}
        op["requestBody"] = {"required": False, "description": "JSON or YAML; an empty body is the same as {}",
                             "content": {t: {"schema": schema} for t in ("application/json", "application/yaml")}}
    return op


def openapi_document(app: Flask, prefix: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(prefix + "/") or not rule.endpoint.startswith("admin."):
            continue  # the QA console's pages (console.*) live under the prefix too, but are not the API
        params = list(rule.arguments)
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(app, rule.endpoint, method, params)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Sage Intacct simulator admin API", "version": "1",
                 "description": "Set up and inspect the simulated Sage Intacct. Loopback callers with a local Host "
                                "header only, unless the server has an admin token: then every caller sends it. "
                                "Writes need a JSON or YAML Content-Type."},
        "paths": paths,
        "components": {
            "schemas": {"Error": {"type": "object", "required": ["error"],
                                  "properties": {"error": {"type": "string"}, "fix": {"type": "string"}}}},
            "securitySchemes": {"adminToken": {"type": "apiKey", "in": "header", "name": TOKEN_HEADER}},
        },
        "security": [{}, {"adminToken": []}],
    }
