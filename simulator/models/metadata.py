"""getAPISession, inspect, getDimensions, getUserPermissions: what a connector asks about the company."""

from __future__ import annotations

from lxml import etree

from intacct_harness.simulator.errors import (
    InvalidArgument,
    LoginIdNotFound,
    PermissionDenied,
    UnknownObject,
)
from intacct_harness.simulator.models.context import Ctx, Output
from intacct_harness.simulator.models.definitions import CATALOGUE, FieldDef
from intacct_harness.simulator.models.objects import (
    DIMENSIONS_MODULE,
    LINE_OBJECTS,
    OBJECTS,
    PERMISSIONS_MODULE,
    STANDARD_DIMENSIONS,
    ObjectDef,
    relationships,
)
from intacct_harness.simulator.models.permissions import FUNCTION_VERBS, GUIDE_MODULES, VERBS, level_name
from intacct_harness.simulator.models.signin import check_entity_access, new_session_id
from intacct_harness.simulator.wire import metadata as render
from intacct_harness.simulator.wire.envelope import text_of


def get_api_session(ctx: Ctx, el: etree._Element) -> Output:
    """The operation's session; with ``<locationid>`` a new session in that entity (empty: the top level).

    Sage's api-sessions page: from a top-level session pass an entity's location ID, from an entity-level
    session another entity or an empty one for the top level. The slide-in answers a new session ID and
    endpoint; the session the request came in on stays where it was (the functions after it in the same
    operation still run there), so a client can hold a top-level and an entity-level session at once.
    """
    session = ctx.session
    session_id, entity = session.session_id, session.entity
    loc = el.find("locationid")
    if loc is not None:
        entity = (loc.text or "").strip()
        check_entity_access(ctx.company, session.user_id, session.user, entity)
        session_id = new_session_id()
        ctx.tx.put_session(session_id, ctx.company_id, session.user_id, entity,
                           ctx.now + ctx.company.session_seconds)
    return Output(data=render.api_session(session_id, ctx.endpoint, entity))


_DATATYPES = {"text": "TEXT", "integer": "INTEGER", "decimal": "DECIMAL", "currency": "CURRENCY", "date": "DATE",
              "timestamp": "TIMESTAMP", "boolean": "BOOLEAN", "enum": "ENUM", "object": "OBJECT"}


def _info(f: FieldDef, custom: bool = False) -> render.FieldInfo:
    return render.FieldInfo(f.name, f.label or f.name, f.description, f.required, f.readonly, _DATATYPES[f.type],
                            f.valid_values, custom)


def field_infos(ctx: Ctx, obj: ObjectDef) -> list[render.FieldInfo]:
    """Every field of ``obj`` as inspect and lookup describe it: its own, the system fields, the company's custom."""
    own: dict[str, FieldDef]
    if obj.definition is not None:
        own = dict(obj.definition.fields)
    else:   # a user-defined dimension (company.udd_object)
        own = {n: FieldDef(n, "enum" if n in obj.valid_values else "text", obj.module_source,
                           required=n in obj.required, valid_values=obj.valid_values.get(n, ()))
               for n in obj.fields}
    infos = {n: _info(f) for n, f in CATALOGUE.system_fields.items()}
    infos.update({n: _info(f) for n, f in own.items()})
    for name in ctx.company.custom_fields(obj.name):
        infos.setdefault(name, render.FieldInfo(name, name, "", False, False, "TEXT", (), True))
    return [infos[n] for n in sorted(infos)]


def _named_object(ctx: Ctx, el: etree._Element, function: str) -> ObjectDef:
    """The object ``<object>`` (integration name) or ``<name>`` (its printable name) names, if the user may list it."""
    name = text_of(el, "object").upper()
    printable = text_of(el, "name")
    if not name and printable:
        name = next((o.name for o in OBJECTS.values() if o.label.lower() == printable.lower()), printable.upper())
    if not name:
        raise InvalidArgument(f"{function} requires an object or a name element.")
    obj = ctx.company.object_def(name)
    if obj is None:
        raise UnknownObject(name)
    verb, op = FUNCTION_VERBS["inspect"]
    ctx.require(obj.module, verb, op, obj.name)
    return obj


def inspect(ctx: Ctx, el: etree._Element) -> Output:
    """``inspect``: every object (``*``), or one object's fields; ``detail="1"`` describes each field."""
    if text_of(el, "object") == "*":
        names = set(OBJECTS) | set(LINE_OBJECTS) | set(ctx.company.user_dimensions)
        return Output(data=render.object_list(sorted(names)))
    obj = _named_object(ctx, el, "inspect")
    detail = (el.get("detail") or "0").strip() == "1"
    return Output(data=render.inspected(obj.name, field_infos(ctx, obj), detail))


def lookup(ctx: Ctx, el: etree._Element) -> Output:
    """``lookup``: one object's fields and its relationships (developer.intacct.com/api/platform-services/objects)."""
    obj = _named_object(ctx, el, "lookup")
    labels = {o.name: o.label for o in OBJECTS.values()}
    rels = [render.Relationship(r.path, r.object, labels.get(r.object, r.object.title()), r.field)
            for r in relationships(obj)]
    return Output(data=render.looked_up(obj.name, field_infos(ctx, obj), rels))


# getDimensions fixture order: the 11 GL dimensions, then COSTTYPE and FIXEDASSET (not GL-enabled).
_LABELS = {"DEPARTMENT": "Department", "LOCATION": "Location", "PROJECT": "Project", "CUSTOMER": "Customer",
           "VENDOR": "Vendor", "EMPLOYEE": "Employee", "ITEM": "Item", "CLASS": "Class", "CONTRACT": "Contract",
           "TASK": "Task", "WAREHOUSE": "Warehouse", "COSTTYPE": "Cost type", "FIXEDASSET": "Asset"}


def get_dimensions(ctx: Ctx, el: etree._Element) -> Output:
    ctx.require(DIMENSIONS_MODULE, "List", "READ_BY_QUERY", "dimensions")
    rows = [render.Dimension(n, _LABELS[n], False, True) for n in STANDARD_DIMENSIONS]
    rows += [render.Dimension("COSTTYPE", "Cost type", False, False), render.Dimension("FIXEDASSET", "Asset", False,
                                                                                        False)]
    rows += [render.Dimension(u, u.title(), True, True) for u in ctx.company.user_dimensions]
    return Output(data=render.dimensions(rows))


def get_dimension_relationships(ctx: Ctx, el: etree._Element) -> Output:
    """Every standard dimension and UDD with its relationships to other dimensions.

    Shape from developer.intacct.com/api/platform-services/dimensions/ (``relationship`` with dimension,
    object_id, autofillrelated, enableoverride, ``related``*). The simulator models no relationships
    between dimensions, so none has ``related``. LOCATION's object_id 5003 is the page's; the other
    standard dimensions are numbered around it in getDimensions order and UDDs from 10002 as in the
    page's sample (simulator's choice).
    """
    ctx.require(DIMENSIONS_MODULE, "List", "READ_BY_QUERY", "dimensions")
    names = list(STANDARD_DIMENSIONS) + ["COSTTYPE", "FIXEDASSET"]
    rows = [(n, 5002 + i) for i, n in enumerate(names)] + \
        [(u, 10002 + i) for i, u in enumerate(ctx.company.user_dimensions)]
    return Output(data=render.dimension_relationships(rows))


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
    modules = list(GUIDE_MODULES) + sorted(m for m in rights if m not in GUIDE_MODULES)
    granted = {m: rights.get(m, frozenset()) for m in modules}
    return Output(data=render.permissions(
        {m: ("|".join(v for v in VERBS if v in g), level_name(g)) for m, g in granted.items()}))
