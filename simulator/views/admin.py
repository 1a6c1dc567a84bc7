"""The admin JSON API under ``/__sim/``: seed, reset, inspect and change the setup while running.

Loopback callers only, unless ``ADMIN_TOKEN`` is configured and the caller presents it in the
``X-Sim-Admin-Token`` header. Responses never contain password hashes or session ids.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from dataclasses import asdict
from typing import Any

import yaml
from flask import Blueprint, Response, abort, current_app, jsonify, request

from intacct_harness.simulator.errors import catalogue
from intacct_harness.simulator.models.backend import Backend
from intacct_harness.simulator.models.faults import FaultRule, FaultRuleError
from intacct_harness.simulator.models.setup import (
    SeedError,
    add_records,
    apply_seed,
    change_company,
    change_user,
    public_company,
    set_role_permissions,
)

ADMIN_PREFIX = "/__sim"
bp = Blueprint("admin", __name__, url_prefix=ADMIN_PREFIX)


def _backend() -> Backend:
    return current_app.extensions["intacct_sim"]


@bp.before_request
def _only_trusted_callers() -> None:
    token = current_app.config.get("ADMIN_TOKEN")
    given = request.headers.get("X-Sim-Admin-Token", "")
    if token and hmac.compare_digest(str(token), given):
        return
    try:
        loopback = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        abort(Response(json.dumps({"error": "the admin API accepts loopback callers only; configure ADMIN_TOKEN "
                                            "and send X-Sim-Admin-Token to allow remote callers"}),
                       status=403, content_type="application/json"))


@bp.errorhandler(SeedError)
def _seed_error(exc: SeedError) -> tuple[Response, int]:
    return jsonify(error=str(exc)), 400


def _body() -> Any:
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    try:
        if request.mimetype in ("application/yaml", "application/x-yaml", "text/yaml"):
            return yaml.safe_load(raw) or {}
        return json.loads(raw)
    except (ValueError, yaml.YAMLError) as exc:
        raise SeedError(f"request body is not valid {'YAML' if 'yaml' in request.mimetype else 'JSON'}: {exc}") \
            from None


@bp.get("/health")
def health() -> Response:
    return jsonify(status="ok")


@bp.post("/reset")
def reset() -> Response:
    _backend().store.reset()
    return jsonify(status="reset")


@bp.post("/seed")
def seed() -> Response:
    backend = _backend()
    with backend.store.transaction() as tx:
        now = backend.now(tx)
    return jsonify(apply_seed(backend.store, _body(), now))


@bp.get("/companies")
def companies() -> Response:
    with _backend().store.transaction() as tx:
        return jsonify(companies=tx.company_ids(), senders=tx.sender_ids())


@bp.get("/companies/<company_id>")
def company(company_id: str) -> Response:
    with _backend().store.transaction() as tx:
        doc = tx.get_company(company_id)
        if doc is None:
            return jsonify(error=f"company {company_id!r} does not exist"), 404  # type: ignore[return-value]
        out = public_company(doc)
        out["record_counts"] = tx.objects_with_records(company_id)
    return jsonify(out)


@bp.patch("/companies/<company_id>")
def patch_company(company_id: str) -> Response:
    return jsonify(public_company(change_company(_backend().store, company_id, _body())))


@bp.put("/companies/<company_id>/roles/<role>")
def put_role(company_id: str, role: str) -> Response:
    body = _body()
    return jsonify(role=role, permissions=set_role_permissions(_backend().store, company_id, role,
                                                               body.get("permissions", body)))


@bp.patch("/companies/<company_id>/users/<user_id>")
def patch_user(company_id: str, user_id: str) -> Response:
    change_user(_backend().store, company_id, user_id, _body())
    return jsonify(status="updated", user=user_id)


@bp.post("/companies/<company_id>/records")
def post_records(company_id: str) -> Response:
    backend = _backend()
    with backend.store.transaction() as tx:
        now = backend.now(tx)
    return jsonify(created=add_records(backend.store, company_id, _body(), now))


@bp.get("/companies/<company_id>/records/<object_name>")
def records(company_id: str, object_name: str) -> Response:
    with _backend().store.transaction() as tx:
        rows = [dict(r.doc, _entity=r.entity) for r in tx.scan(company_id, object_name.upper())]
    return jsonify(object=object_name.upper(), count=len(rows), records=rows)


@bp.get("/companies/<company_id>/usage")
def usage(company_id: str) -> Response:
    with _backend().store.transaction() as tx:
        return jsonify(company=company_id, transactions=tx.usage(company_id))


@bp.get("/journal")
def journal() -> Response:
    """Entries after ``since`` (a seq), at most ``limit`` (default 1000): page with the last seq seen."""
    company_id = request.args.get("company")
    since = int(request.args.get("since", "0") or 0)
    limit = min(int(request.args.get("limit", "1000") or 1000), 100_000)
    with _backend().store.transaction() as tx:
        return jsonify(entries=tx.journal_entries(company_id, since, limit, request.args.get("function")))


@bp.post("/clock")
def clock() -> Response:
    """Move the simulated clock forward (sessions expire, resultIds age)."""
    body = _body()
    backend = _backend()
    with backend.store.transaction() as tx:
        offset = float(tx.get_meta("clock_offset", "0")) + float(body.get("advance_seconds", 0))
        tx.set_meta("clock_offset", str(offset))
    return jsonify(clock_offset_seconds=offset)


@bp.post("/sessions/expire")
def expire_sessions() -> Response:
    body = _body()
    with _backend().store.transaction() as tx:
        n = tx.expire_sessions(body.get("company"))
    return jsonify(expired=n)


@bp.errorhandler(FaultRuleError)
def _fault_error(exc: FaultRuleError) -> tuple[Response, int]:
    return jsonify(error=str(exc)), 400


def _rules_json(rules: list[FaultRule]) -> list[dict[str, Any]]:
    return [asdict(r) for r in rules]


@bp.get("/faults")
def list_faults() -> Response:
    backend = _backend()
    with backend.store.transaction() as tx:
        return jsonify(faults=_rules_json(backend.faults.rules(tx)))


@bp.put("/faults")
def put_faults() -> Response:
    """Replace the whole rule list (first matching rule wins, in list order)."""
    return jsonify(faults=_rules_json(_backend().faults.replace(_body())))


@bp.post("/faults")
def add_fault() -> Response:
    return jsonify(fault=asdict(_backend().faults.add(_body())))


@bp.delete("/faults")
def clear_faults() -> Response:
    _backend().faults.clear()
    return jsonify(faults=[])


@bp.get("/errors")
def errors() -> Response:
    return jsonify(errors=[{"class": c.__name__, "level": c.level.value, "http_status": c.http_status,
                            "source": c.source, "doc": (c.__doc__ or "").strip()} for c in catalogue()])
