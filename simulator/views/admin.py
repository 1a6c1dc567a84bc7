"""The admin JSON API under ``/__sim/``: seed, reset, inspect and change the setup while running.

Who may call it is ``admin_guard``'s job (local Host and loopback callers, or the admin token from
everyone; writes only with a JSON or YAML body). Every answer is JSON, refusals included (404 for an
unknown company, user or path, 405 for a wrong method), and ``GET /__sim/openapi.json`` describes every
route. Responses never contain password hashes or session ids.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import yaml
from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

from intacct_harness.simulator.errors import catalogue
from intacct_harness.simulator.models.backend import Backend
from intacct_harness.simulator.models.clock import advance_clock
from intacct_harness.simulator.models.faults import FaultRule, FaultRuleError
from intacct_harness.simulator.models.setup import (
    NotFoundError,
    SeedError,
    add_records,
    apply_seed,
    change_company,
    change_record,
    change_user,
    public_company,
    set_role_permissions,
)
from intacct_harness.simulator.views.admin_guard import require_trusted_admin
from intacct_harness.simulator.wire.protocol import ADMIN_PREFIX

bp = Blueprint("admin", __name__, url_prefix=ADMIN_PREFIX)
bp.before_request(require_trusted_admin)


def _backend() -> Backend:
    return current_app.extensions["intacct_sim"]


@bp.errorhandler(SeedError)
@bp.errorhandler(FaultRuleError)
def _refused(exc: ValueError) -> tuple[Response, int]:
    return jsonify(error=str(exc)), 404 if isinstance(exc, NotFoundError) else 400


@bp.errorhandler(InternalServerError)
def _internal(exc: InternalServerError) -> tuple[Response, int]:
    # Flask has logged the traceback already; the caller gets JSON, not an HTML page.
    return jsonify(error="the simulator failed on this admin request (see its log)"), 500


@bp.app_errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Any:
    """404, 405, 413... under /__sim/ answer JSON; elsewhere (the gateway) Flask's own page stands."""
    if not request.path.startswith(ADMIN_PREFIX + "/") and request.path != ADMIN_PREFIX:
        return exc
    resp = jsonify(error=f"{exc.code} {exc.name}: {exc.description}", path=request.path, method=request.method)
    resp.status_code = exc.code or 500
    allow = dict(exc.get_headers()).get("Allow")
    if allow:
        resp.headers["Allow"] = allow
    return resp


def _body() -> Any:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        if "yaml" in request.mimetype:
            return yaml.safe_load(raw) or {}
        return json.loads(raw)
    except (ValueError, yaml.YAMLError) as exc:
        raise SeedError(f"request body is not valid {'YAML' if 'yaml' in request.mimetype else 'JSON'}: {exc}") \
            from None


def _options(where: str, allowed: dict[str, type]) -> dict[str, Any]:
    """A small body of named options: a mapping, no unknown key, each value of its type."""
    body = _body()
    if not isinstance(body, Mapping):
        raise SeedError(f"{where}: expected a mapping, got {type(body).__name__}")
    for key, value in body.items():
        if key not in allowed:
            raise SeedError(f"{where}.{key}: unknown key (allowed: {', '.join(sorted(allowed)) or 'none'})")
        if value is not None and not isinstance(value, allowed[key]):
            raise SeedError(f"{where}.{key}: expected {allowed[key].__name__}, got {type(value).__name__}")
    return dict(body)


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    text = request.args.get(name, "") or str(default)
    try:
        value = int(text)
    except ValueError:
        raise SeedError(f"journal: ?{name}={text!r} is not a whole number") from None
    if not low <= value <= high:
        raise SeedError(f"journal: ?{name}={value} is out of range ({low} to {high})")
    return value


@bp.get("/health")
def health() -> Response:
    """Answer ok while the simulator serves (what a readiness probe polls)."""
    return jsonify(status="ok")


@bp.post("/reset")
def reset() -> Response:
    """Delete every company, sender, record, session and fault; ``{"keep_seed": true}`` reloads the served seed.

    The served seed is the one the server started with (``intacct-sim serve --seed`` or the app's SEED).
    """
    keep = bool(_options("reset", {"keep_seed": bool}).get("keep_seed"))
    source = current_app.config.get("RESET_SEED")
    if keep and source is None:
        raise SeedError("reset.keep_seed: this server was started without a seed, so there is none to keep")
    backend = _backend()
    backend.store.reset()
    if not keep:
        return jsonify(status="reset", seed=None)
    from intacct_harness.simulator.app import seed_store

    with backend.store.transaction() as tx:
        now = backend.now(tx)
    return jsonify(status="reset", seed=seed_store(backend.store, source, now))


@bp.post("/seed")
def seed() -> Response:
    """Load a seed (senders, companies, users, roles, records; JSON or YAML): all of it or nothing."""
    backend = _backend()
    with backend.store.transaction() as tx:
        now = backend.now(tx)
    return jsonify(apply_seed(backend.store, _body(), now))


@bp.get("/companies")
def companies() -> Response:
    """List company and sender ids."""
    with _backend().store.transaction() as tx:
        return jsonify(companies=tx.company_ids(), senders=tx.sender_ids())


@bp.get("/companies/<company_id>")
def company(company_id: str) -> Response:
    """One company's setup (users without password hashes) and its record counts per object."""
    with _backend().store.transaction() as tx:
        doc = tx.get_company(company_id)
        if doc is None:
            return jsonify(error=f"company {company_id!r} does not exist"), 404  # type: ignore[return-value]
        out = public_company(doc)
        out["record_counts"] = tx.objects_with_records(company_id)
    return jsonify(out)


@bp.patch("/companies/<company_id>")
def patch_company(company_id: str) -> Response:
    """Change company-level settings (subscriptions, senders, tier, latency...) of an existing company."""
    return jsonify(public_company(change_company(_backend().store, company_id, _body())))


@bp.put("/companies/<company_id>/roles/<role>")
def put_role(company_id: str, role: str) -> Response:
    """Set some modules' permissions of a role (``{"permissions": {...}}``); creates the role if new."""
    body = _body()
    return jsonify(role=role, permissions=set_role_permissions(_backend().store, company_id, role,
                                                               body.get("permissions", body)))


@bp.patch("/companies/<company_id>/users/<user_id>")
def patch_user(company_id: str, user_id: str) -> Response:
    """Change an existing user (status, password, roles, entities, Web Services); 404 for an unknown user."""
    change_user(_backend().store, company_id, user_id, _body())
    return jsonify(status="updated", user=user_id)


@bp.put("/companies/<company_id>/users/<user_id>")
def put_user(company_id: str, user_id: str) -> Response:
    """Create the user, or change it when it exists (same keys as a seed's user block)."""
    change_user(_backend().store, company_id, user_id, _body(), create=True)
    return jsonify(status="saved", user=user_id)


@bp.post("/companies/<company_id>/records")
def post_records(company_id: str) -> Response:
    """Create records (``{"VENDOR": [{...}]}``) through the gateway's own validation."""
    backend = _backend()
    with backend.store.transaction() as tx:
        now = backend.now(tx)
    return jsonify(created=add_records(backend.store, company_id, _body(), now))


@bp.get("/companies/<company_id>/records/<object_name>")
def records(company_id: str, object_name: str) -> Response:
    """Every record of one object in a company, with the entity that owns it."""
    with _backend().store.transaction() as tx:
        if tx.get_company(company_id) is None:
            raise NotFoundError(f"company {company_id!r} does not exist")
        rows = [dict(r.doc, _entity=r.entity) for r in tx.scan(company_id, object_name.upper())]
    return jsonify(object=object_name.upper(), count=len(rows), records=rows)


@bp.post("/companies/<company_id>/records/<object_name>/<key>")
def post_record_change(company_id: str, object_name: str, key: str) -> Response:
    """An admin edits one record: ``{"action": "update", "fields": {...}}``, deactivate, reactivate, delete."""
    backend = _backend()
    with backend.store.transaction() as tx:
        now = backend.now(tx)
    record = change_record(backend.store, company_id, object_name, key, _body(), now)
    return jsonify(object=object_name.upper(), key=key, deleted=record is None, record=record)


@bp.get("/companies/<company_id>/usage")
def usage(company_id: str) -> Response:
    """Billable transactions counted for the company (Sage's performance tiers)."""
    with _backend().store.transaction() as tx:
        if tx.get_company(company_id) is None:
            raise NotFoundError(f"company {company_id!r} does not exist")
        return jsonify(company=company_id, transactions=tx.usage(company_id))


@bp.get("/journal")
def journal() -> Response:
    """Entries after ``since`` (a seq), at most ``limit`` (default 1000): page with the last seq seen."""
    company_id = request.args.get("company")
    since = _int_arg("since", 0, 0, 2**62)
    limit = _int_arg("limit", 1000, 1, 100_000)
    with _backend().store.transaction() as tx:
        return jsonify(entries=tx.journal_entries(company_id, since, limit, request.args.get("function")))


@bp.post("/clock")
def clock() -> Response:
    """Move the simulated clock forward: ``{"advance": "1h"}`` or ``{"advance_seconds": 3600}``.

    Sessions expire and result sets age against it; anything else in the body is refused.
    """
    body = _body()
    with _backend().store.transaction() as tx:
        offset = advance_clock(tx, body)
    return jsonify(clock_offset_seconds=offset)


@bp.post("/sessions/expire")
def expire_sessions() -> Response:
    """End every session now, or only one company's (``{"company": "ID"}``)."""
    body = _options("sessions.expire", {"company": str})
    with _backend().store.transaction() as tx:
        n = tx.expire_sessions(body.get("company"))
    return jsonify(expired=n)


def _rules_json(rules: list[FaultRule]) -> list[dict[str, Any]]:
    return [asdict(r) for r in rules]


@bp.get("/faults")
def list_faults() -> Response:
    """The fault rules in force, in the order they are tried."""
    backend = _backend()
    with backend.store.transaction() as tx:
        return jsonify(faults=_rules_json(backend.faults.rules(tx)))


@bp.put("/faults")
def put_faults() -> Response:
    """Replace the whole rule list (first matching rule wins, in list order)."""
    return jsonify(faults=_rules_json(_backend().faults.replace(_body())))


@bp.post("/faults")
def add_fault() -> Response:
    """Append one fault rule (see the README's fault rules for the keys)."""
    return jsonify(fault=asdict(_backend().faults.add(_body())))


@bp.delete("/faults")
def clear_faults() -> Response:
    """Remove every fault rule."""
    _backend().faults.clear()
    return jsonify(faults=[])


@bp.get("/errors")
def errors() -> Response:
    """The wire-error catalogue: class, level, HTTP status, source (Sage's or the simulator's choice)."""
    return jsonify(errors=[{"class": c.__name__, "level": c.level.value, "http_status": c.http_status,
                            "source": c.source, "doc": (c.__doc__ or "").strip()} for c in catalogue()])


@bp.get("/openapi.json")
def openapi() -> Response:
    """This API's OpenAPI 3.1 document, generated from the routes the server has."""
    from intacct_harness.simulator.views.admin_openapi import openapi_document

    return jsonify(openapi_document(current_app, ADMIN_PREFIX))
