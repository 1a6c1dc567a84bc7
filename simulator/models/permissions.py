"""Modules, permission levels, user-type caps: what a role lets a Web Services user do.

Sage grants permissions per application (module) with the shortcuts All / Read only / None or
granular List / View / Add / Edit / Delete; a user type caps what any role can grant (an Employee
with Add on customers still only gets List/View). Sources: intacct.com help pages
permissions-overview, user-types, why-cant-I (see shared/reference/sage-xml-api.md §5).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# The ten modules the setup guide asks to set to "All", in the guide's order.
GUIDE_MODULES: tuple[str, ...] = (
    "Administration",
    "Company",
    "Cash Management",
    "General Ledger",
    "Accounts Payable",
    "Platform Services",
    "Accounts Receivable",
    "Inventory Control",
    "Order Entry",
    "Fixed Assets Management",
)

VERBS: tuple[str, ...] = ("List", "View", "Add", "Edit", "Delete")
READ_ONLY: frozenset[str] = frozenset({"List", "View"})
SHORTCUTS: dict[str, frozenset[str]] = {
    "all": frozenset(VERBS),
    "read only": READ_ONLY,
    "readonly": READ_ONLY,
    "none": frozenset(),
}

# User types (intacct.com help: user-types.htm). Only Business users can hold write rights.
USER_TYPE_CAPS: dict[str, frozenset[str]] = {
    "business": frozenset(VERBS),
    "employee": READ_ONLY,
    "project manager": READ_ONLY,
    "construction manager": READ_ONLY,
    "payment approver": READ_ONLY,
    "client": READ_ONLY,
    "platform": READ_ONLY,
    "crm": READ_ONLY,
    "warehouse": READ_ONLY,
}

# The verb each function needs, and the operation name PL04000005 reports.
FUNCTION_VERBS: dict[str, tuple[str, str]] = {
    "readByQuery": ("List", "READ_BY_QUERY"),
    "readMore": ("List", "READ_BY_QUERY"),
    "query": ("List", "QUERY"),
    "read": ("View", "READ"),
    "readByName": ("View", "READ_BY_NAME"),
    "inspect": ("List", "INSPECT"),
    "create": ("Add", "CREATE"),
    "update": ("Edit", "UPDATE"),
    "delete": ("Delete", "DELETE"),
}


def normalise_module(name: str) -> str:
    for module in GUIDE_MODULES:
        if module.lower() == name.strip().lower():
            return module
    return name.strip()


def known_module(name: str) -> str:
    """The module's canonical name; ``ValueError`` naming the modules when it is not one Sage has here.

    A misspelt module (``Acounts Payable``) must be refused, not stored as a module nobody checks.
    """
    module = normalise_module(name)
    if module not in GUIDE_MODULES:
        raise ValueError(f"unknown module {name!r} (one of: {', '.join(GUIDE_MODULES)})")
    return module


def parse_level(level: str | Iterable[str]) -> frozenset[str]:
    """``"All"``, ``"Read only"``, ``"None"`` or a list of verbs -> the set of verbs granted."""
    if isinstance(level, str):
        key = level.strip().lower()
        if key in SHORTCUTS:
            return SHORTCUTS[key]
        parts = [p.strip() for p in level.replace(",", " ").split()]
    else:
        parts = [str(p).strip() for p in level]
    verbs = set()
    for part in parts:
        match = [v for v in VERBS if v.lower() == part.lower()]
        if not match:
            raise ValueError(f"unknown permission {part!r}: use All, Read only, None or List/View/Add/Edit/Delete")
        verbs.add(match[0])
    return frozenset(verbs)


def level_name(verbs: Iterable[str]) -> str:
    """The shortcut name for a set of verbs, or the verbs joined by '|' (as getUserPermissions shows)."""
    granted = frozenset(verbs)
    if granted == SHORTCUTS["all"]:
        return "All"
    if granted == READ_ONLY:
        return "Read only"
    if not granted:
        return "None"
    return "|".join(v for v in VERBS if v in granted)


def effective_rights(user_type: str,
                     role_permissions: Iterable[Mapping[str, frozenset[str]]]) -> dict[str, frozenset[str]]:
    """The union of the user's roles per module, capped by the user type."""
    cap = USER_TYPE_CAPS.get(user_type.strip().lower(), READ_ONLY)
    rights: dict[str, set[str]] = {}
    for perms in role_permissions:
        for module, verbs in perms.items():
            rights.setdefault(module, set()).update(verbs)
    return {module: frozenset(verbs & cap) for module, verbs in rights.items()}
