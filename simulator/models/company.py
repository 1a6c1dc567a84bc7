"""A company as its Sage administrator set it up: subscriptions, authorizations, entities, users, roles.

Stored as one JSON document per company; this class is the typed view the rules read. A ``Company`` is
built from the document as a request (or an admin call) read it, and its derived tables (entities,
dimensions, custom fields, rights) are worked out once per instance: the write path asks for them once
per line field. Build a new ``Company`` after changing the document. A session's requests share one
instance per process while the stored document is unchanged (``Tx.shared_company``): nothing may change it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from intacct_harness.simulator.models.objects import LINE_OBJECTS, OBJECTS, ObjectDef
from intacct_harness.simulator.models.permissions import effective_rights


@dataclass
class Company:
    doc: dict[str, Any]
    _custom: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)
    _rights: dict[int, tuple[dict[str, Any], dict[str, frozenset[str]]]] = field(
        default_factory=dict, repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.doc["id"]

    @property
    def web_services(self) -> bool:
        return bool(self.doc.get("web_services", True))

    @property
    def authorized_senders(self) -> list[str]:
        return list(self.doc.get("authorized_senders", []))

    @cached_property
    def entities(self) -> dict[str, dict[str, Any]]:
        return {e["id"]: e for e in self.doc.get("entities", [])}

    @property
    def multi_entity(self) -> bool:
        return bool(self.doc.get("entities"))

    @property
    def restrict_top_level(self) -> bool:
        """'Restrict access to top level only': entity slide-in is unavailable."""
        return bool(self.doc.get("restrict_top_level", False))

    @property
    def concurrency_limit(self) -> int:
        return int(self.doc.get("concurrency_limit", 2))

    @property
    def session_seconds(self) -> float:
        return float(self.doc.get("session_minutes", 1440)) * 60

    @property
    def subscriptions(self) -> set[str] | None:
        """Module subscriptions; ``None`` means every module is subscribed."""
        subs = self.doc.get("subscriptions")
        return None if subs is None else set(subs)

    def user(self, login_id: str) -> dict[str, Any] | None:
        users = self.doc.get("users", {})
        if login_id in users:
            return users[login_id]
        # Sage login IDs are not case-sensitive.
        for uid, user in users.items():
            if uid.lower() == login_id.lower():
                return user
        return None

    def rights(self, user: dict[str, Any]) -> dict[str, frozenset[str]]:
        """The user's effective rights (``user`` is one of this document's users), worked out once per user."""
        found = self._rights.get(id(user))
        if found is None or found[0] is not user:
            found = self._rights[id(user)] = (user, self._work_out_rights(user))
        return found[1]

    def _work_out_rights(self, user: dict[str, Any]) -> dict[str, frozenset[str]]:
        roles = self.doc.get("roles", {})
        perms = [{m: frozenset(v) for m, v in roles[name].items()} for name in user.get("roles", []) if name in roles]
        if user.get("permissions"):  # user-based permissions
            perms.append({m: frozenset(v) for m, v in user["permissions"].items()})
        rights = effective_rights(user.get("type", "business"), perms)
        subs = self.subscriptions
        if subs is not None:
            rights = {m: v for m, v in rights.items() if m in subs}
        return rights

    @cached_property
    def user_dimensions(self) -> tuple[str, ...]:
        return tuple(d.upper() for d in self.doc.get("user_dimensions", []))

    def custom_fields(self, object_name: str) -> frozenset[str]:
        found = self._custom.get(object_name)
        if found is None:
            found = self._custom[object_name] = frozenset(
                f.upper() for f in self.doc.get("custom_fields", {}).get(object_name, []))
        return found

    def object_def(self, name: str) -> ObjectDef | None:
        name = name.upper()
        if name in OBJECTS:
            return OBJECTS[name]
        if name in LINE_OBJECTS:
            return LINE_OBJECTS[name]
        if name in self.user_dimensions:
            return udd_object(name)
        return None


# A UDD is a custom object: reads name its fields ``id``, ``name``, ``createdBy``, ``updatedBy`` (fylein's
# dimension_values selects them and fyle-intacct-api reads value['id'] / value['name']; developer.intacct.com
# platform-services/records shows custom objects' lower-case ``id`` and ``name``).
_UDD_SHOWN = {"ID": "id", "NAME": "name", "CREATEDBY": "createdBy", "UPDATEDBY": "updatedBy"}


def udd_object(name: str) -> ObjectDef:
    """A Platform Apps user-defined dimension: records with id and name, owned by Platform Services."""
    return ObjectDef(name=name, label=name.title(), module="Platform Services", id_field="ID", name_field="NAME",
                     fields=frozenset({"ID", "NAME", "STATUS", "DESCRIPTION"}), required=("ID", "NAME"),
                     is_dimension=True, module_source="simulator's choice", checks={"STATUS": "enum"},
                     valid_values={"STATUS": ("active", "inactive")}, read_fields=frozenset({"UPDATEDBY"}),
                     shown_as=_UDD_SHOWN, read_from={"UPDATEDBY": "MODIFIEDBY"})
