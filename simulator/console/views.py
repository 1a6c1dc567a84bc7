"""Console pages (server-rendered, read-only) and the JSON the journal page polls.

Views are thin: they read the store and hand plain data to the templates. The admin blueprint's
own guard (loopback or token, and whatever hardening it gains) runs before every console request.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, send_from_directory

from intacct_harness.simulator.console.explain import explain, pretty
from intacct_harness.simulator.models.backend import Backend
from intacct_harness.simulator.models.faults import FaultRule
from intacct_harness.simulator.models.permissions import GUIDE_MODULES, USER_TYPE_CAPS, level_name
from intacct_harness.simulator.models.setup import public_company

bp = Blueprint("console", __name__, template_folder="templates", static_folder="static")
RECORDS_SHOWN = 200
REPORT_SUFFIXES = {".html": "text/html", ".xml": "application/xml", ".json": "application/json"}
ADMIN_USER = "Admin"  # admin_ctx's user: records entered through the admin API or a seed


def _backend() -> Backend:
    return current_app.extensions["intacct_sim"]


@bp.before_request
def _as_the_admin_api() -> Response | None:
    """Run the admin API's guards first: the console is served on the admin API, with its security."""
    for guard in current_app.before_request_funcs.get("admin", []):
        refused = guard()
        if refused is not None:
            return refused
    return None


@bp.after_request
def _same_origin_only(resp: Response) -> Response:
    """No inline script, nothing from elsewhere, never framed: a page cannot be turned against the admin API."""
    resp.headers.setdefault("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; "
                                                      "base-uri 'none'; form-action 'none'")
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if ts else ""


@bp.app_template_filter("when")
def _when_filter(ts: float | None) -> str:
    return _when(ts)


@bp.get("/")
def companies() -> str:
    rows = []
    with _backend().store.read() as tx:
        for cid in tx.company_ids():
            doc = tx.get_company(cid) or {}
            rows.append({"id": cid, "web_services": doc.get("web_services", False),
                         "senders": doc.get("authorized_senders", []), "users": len(doc.get("users", {})),
                         "records": sum(tx.objects_with_records(cid).values()),
                         "transactions": sum(tx.usage(cid).values())})
    return render_template("companies.html", companies=rows, page="companies")


@bp.get("/companies/<company_id>")
def company(company_id: str) -> str:
    with _backend().store.read() as tx:
        doc = tx.get_company(company_id)
        if doc is None:
            abort(404, f"company {company_id!r} does not exist")
        counts = tx.objects_with_records(company_id)
        usage = tx.usage(company_id)
        senders = tx.sender_ids()
    pub = public_company(doc)
    roles = {name: {m: level_name(perms.get(m, [])) for m in GUIDE_MODULES} for name, perms in pub["roles"].items()}
    return render_template("company.html", company=pub, roles=roles, modules=GUIDE_MODULES, counts=counts,
                           usage=usage, known_senders=senders, levels=("All", "Read only", "None"),
                           user_types=sorted(USER_TYPE_CAPS), page="companies")


def _matches(doc: dict[str, Any], needle: str) -> bool:
    return needle in json.dumps(doc, default=str).lower()


@bp.get("/records")
def records() -> str:
    company_id = request.args.get("company", "")
    object_name = request.args.get("object", "").upper()
    needle = request.args.get("q", "").strip().lower()
    with _backend().store.read() as tx:
        ids = tx.company_ids()
        company_id = company_id if company_id in ids else (ids[0] if ids else "")
        counts = tx.objects_with_records(company_id) if company_id else {}
        if object_name not in counts:
            object_name = next(iter(counts), "")
        found = [r for r in tx.scan(company_id, object_name) if not needle or _matches(r.doc, needle)] \
            if object_name else []
    rows = [{"recordno": r.recordno, "key": r.key, "entity": r.entity, "doc": r.doc,
             "by_connector": str(r.doc.get("CREATEDBY") or ADMIN_USER) != ADMIN_USER} for r in found[:RECORDS_SHOWN]]
    return render_template("records.html", companies=ids, company_id=company_id, counts=counts,
                           object_name=object_name, q=request.args.get("q", ""), rows=rows, total=len(found),
                           shown=RECORDS_SHOWN, page="records")


@bp.get("/journal")
def journal() -> str:
    with _backend().store.read() as tx:
        ids = tx.company_ids()
        usage = {cid: tx.usage(cid) for cid in ids}
    return render_template("journal.html", companies=ids, usage=usage, page="journal")


@bp.get("/faults")
def faults() -> str:
    backend = _backend()
    with backend.store.read() as tx:
        rules = backend.faults.rules(tx)
        offset = float(tx.get_meta("clock_offset", "0"))
        ids = tx.company_ids()
        now = backend.now(tx)
    defaults = asdict(FaultRule(action=""))
    shown = [{k: v for k, v in asdict(r).items() if k == "action" or v != defaults[k]} for r in rules]
    return render_template("faults.html", rules=shown,
                           offset=offset, now=_when(now), companies=ids, page="faults")


def _results_dir() -> Path:
    return Path(current_app.config.get("CONSOLE_RESULTS_DIR") or "results").resolve()


@bp.get("/reports")
def reports() -> str:
    root = _results_dir()
    files = []
    if root.is_dir():
        for path in root.rglob("*"):
            if path.is_file() and path.suffix in REPORT_SUFFIXES:
                st = path.stat()
                files.append({"name": path.relative_to(root).as_posix(), "size": st.st_size, "mtime": st.st_mtime})
    files.sort(key=lambda f: f["mtime"], reverse=True)
    return render_template("reports.html", files=files[:100], root=str(root), page="reports")


@bp.get("/reports/<path:name>")
def report_file(name: str) -> Response:
    if Path(name).suffix not in REPORT_SUFFIXES:
        abort(404)
    resp = send_from_directory(_results_dir(), name, mimetype=REPORT_SUFFIXES[Path(name).suffix])
    resp.headers["Content-Security-Policy"] = "sandbox; default-src 'self' 'unsafe-inline'"  # a report runs no script
    return resp


# --------------------------------------------------------------------------- JSON for the journal page
@bp.get("/api/exchanges")
def exchanges() -> Response:
    from intacct_harness.simulator.console import console_capture

    args = request.args
    try:
        since = int(args.get("since", "0") or 0)
        limit = max(1, min(int(args.get("limit", "200") or 200), 1000))
    except ValueError:
        return jsonify(error="since and limit must be whole numbers"), 400  # type: ignore[return-value]
    rows = console_capture(current_app).exchanges(since=since, limit=limit, company=args.get("company"),
                                                  function=args.get("function"), status=args.get("status"),
                                                  errorno=args.get("errorno"))
    out = [{k: v for k, v in r.items() if k not in ("request", "response")} | {"when": _when(r["ts"])}
           for r in rows]
    return jsonify(exchanges=out)


@bp.get("/api/exchanges/<int:seq>")
def exchange(seq: int) -> Response:
    from intacct_harness.simulator.console import console_capture

    row = console_capture(current_app).get(seq)
    if row is None:
        return jsonify(error=f"exchange {seq} is not in the journal (only the newest are kept)"), \
            404  # type: ignore[return-value]
    return jsonify({k: v for k, v in row.items() if k not in ("request", "response")} | {
        "when": _when(row["ts"]), "request": pretty(row["request"]), "response": pretty(row["response"]),
        "errors": explain(row["response"])})
