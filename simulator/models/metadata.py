"""getAPISession, inspect, getDimensions, getUserPermissions: what a connector asks about the company."""

from __future__ import annotations

from typing import Any

from lxml import etree

from intacct_harness.simulator.errors import (
    EntityNotPermitted,
    LoginIdNotFound,
    PermissionDenied,
    UnknownEntity,
    UnknownObject,
)
from intacct_harness.simulator.models.company import Company
from intacct_harness.simulator.models.context import Ctx, Output
from intacct_harness.simulator.models.objects import (
    DIMENSIONS_MODULE,
    OBJECTS,
    PERMISSIONS_MODULE,
    STANDARD_DIMENSIONS,
    SYSTEM_FIELDS,
)
from intacct_harness.simulator.models.permissions import GUIDE_MODULES, VERBS, level_name
from intacct_harness.simulator.wire.envelope import text_of
from intacct_harness.simulator.wire.response import data_element


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def check_entity_access(company: Company, user_id: str, user: dict[str, Any], entity: str) -> None:
    """The entity rules shared by login and getAPISession's slide-in."""
    if entity:
        if entity not in company.entities:
            raise UnknownEntity(entity, company.id)
        if company.restrict_top_level:
            raise EntityNotPermitted(user_id, entity)
        allowed = user.get("entities") or []
        if allowed and entity not in allowed:
            raise EntityNotPermitted(user_id, entity)
    elif user.get("entities"):
        raise EntityNotPermitted(user_id, "")


def get_api_session(ctx: Ctx, el: etree._Element) -> Output:
    """Returns the session; with ``<locationid>`` it slides into that entity (or top level when empty)."""
    session = ctx.session
    loc = el.find("locationid")
    if loc is not None:
        entity = (loc.text or "").strip()
        check_entity_access(ctx.company, session.user_id, session.user, entity)
        session.entity = entity
        ctx.tx.put_session(session.session_id, ctx.company_id, session.user_id, entity,
                           ctx.now + ctx.company.session_seconds)
    data = etree.Element("data")
    api = _sub(data, "api")
    _sub(api, "sessionid", session.session_id)
    _sub(api, "endpoint", ctx.endpoint)
    _sub(api, "locationid", session.entity)
    return Output(data=data)


def inspect(ctx: Ctx, el: etree._Element) -> Output:
    name = text_of(el, "object").upper()
    if name == "*":
        names = sorted(set(OBJECTS) | set(ctx.company.user_dimensions))
        data = data_element({"listtype": "All", "count": len(names)})
        for n in names:
            t = _sub(data, "type", n)
            t.set("typename", n)
        return Output(data=data)
    obj = ctx.company.object_def(name)
    if obj is None:
        raise UnknownObject(name or "(empty)")
    ctx.require(obj.module, "List", "INSPECT", obj.name)
    fields = sorted(set(obj.fields) | SYSTEM_FIELDS | ctx.company.custom_fields(obj.name))
    data = data_element({"listtype": obj.name, "count": 1})
    t = _sub(data, "Type")
    t.set("Name", obj.name)
    fields_el = _sub(t, "Fields")
    for f in fields:
        _sub(fields_el, "Field", f)
    return Output(data=data)


# getDimensions fixture order: the 11 GL dimensions, then COSTTYPE and FIXEDASSET (not GL-enabled).
_LABELS = {"DEPARTMENT": "Department", "LOCATION": "Location", "PROJECT": "Project", "CUSTOMER": "Customer",
           "VENDOR": "Vendor", "EMPLOYEE": "Employee", "ITEM": "Item", "CLASS": "Class", "CONTRACT": "Contract",
           "TASK": "Task", "WAREHOUSE": "Warehouse", "COSTTYPE": "Cost type", "FIXEDASSET": "Asset"}


def get_dimensions(ctx: Ctx, el: etree._Element) -> Output:
    ctx.require(DIMENSIONS_MODULE, "List", "READ_BY_QUERY", "dimensions")
    data = etree.Element("data")
    dims = _sub(data, "dimensions")
    rows = [(n, _LABELS[n], False, True) for n in STANDARD_DIMENSIONS]
    rows += [("COSTTYPE", "Cost type", False, False), ("FIXEDASSET", "Asset", False, False)]
    rows += [(u, u.title(), True, True) for u in ctx.company.user_dimensions]
    for name, label, udd, in_gl in rows:
        d = _sub(dims, "dimension")
        _sub(d, "objectName", name)
        _sub(d, "objectLabel", label)
        _sub(d, "termLabel", label)
        _sub(d, "userDefinedDimension", "true" if udd else "false")
        _sub(d, "enabledInGL", "true" if in_gl else "false")
    return Output(data=data)


def get_user_permissions(ctx: Ctx, el: etree._Element) -> Output:
    """Response shape is the simulator's choice: the real one is NOT FOUND in public sources.

    ``<permissions><appSubscription><applicationName>…</applicationName><rights>List|View|…</rights>``
    per module, the guide's ten modules first. Reading anyone's permissions, one's own included,
    needs View on Administration.
    """
    login_id = text_of(el, "userId") or text_of(el, "userid")
    if "View" not in ctx.session.rights.get(PERMISSIONS_MODULE, frozenset()):
        raise PermissionDenied("READ", "userpermissions")
    user = ctx.company.user(login_id)
    if user is None:
        raise LoginIdNotFound(login_id)
    rights = ctx.company.rights(user)
    data = etree.Element("data")
    perms = _sub(data, "permissions")
    modules = list(GUIDE_MODULES) + sorted(m for m in rights if m not in GUIDE_MODULES)
    for module in modules:
        granted = rights.get(module, frozenset())
        app = _sub(perms, "appSubscription")
        _sub(app, "applicationName", module)
        _sub(app, "rights", "|".join(v for v in VERBS if v in granted))
        _sub(app, "level", level_name(granted))
    return Output(data=data)
