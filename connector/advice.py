"""Every Sage error as a message: what failed, why, and which setup-guide step fixes it, in the guide's words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from intacct_harness.connector.intacct.errors import AuthProblem, ErrorDetail, classify

GUIDE_STEPS: dict[int, str] = {
    1: "Enable the Web Services subscription in Sage",
    2: "Create a dedicated Web Services user in Sage",
    3: "Add Alvys to Authorized Client Applications in Sage",
    4: "Assign Web Services role permissions in Sage",
    5: "Gather your Sage connection credentials",
    6: "(Optional) Plan your dimension mapping",
    7: "(Optional) Plan your custom field mapping",
    8: "Confirm user access in Alvys",
}

# What breaks when the Web Services user's role lacks "All" on a module (the guide's ten, in its order).
MODULE_CONSEQUENCES: dict[str, str] = {
    "Administration": "the connection wizard cannot check the Web Services user's permissions",
    "Company": "Location, Department, Class and Project dimensions cannot be checked or tagged on transactions",
    "Cash Management": "cash and bank account data used by the integration cannot be read",
    "General Ledger": "GL accounts cannot be checked, so invoices and bills may fail to post to the GL",
    "Accounts Payable": "AP bills for carrier and driver settlements will not post to Sage, and carrier and "
                        "driver vendors cannot be matched or created",
    "Platform Services": "dimensions and custom fields cannot be checked, so their mappings may fail",
    "Accounts Receivable": "AR invoices for delivered loads will not post to Sage, and customers cannot be "
                           "matched or created",
    "Inventory Control": "the Item and Warehouse dimensions cannot be checked or tagged",
    "Order Entry": "the Contract dimension cannot be checked or tagged",
    "Fixed Assets Management": "fixed asset data cannot be read",
}
GUIDE_MODULES: tuple[str, ...] = tuple(MODULE_CONSEQUENCES)

OBJECT_MODULE: dict[str, str] = {
    "apbill": "Accounts Payable", "vendor": "Accounts Payable", "arinvoice": "Accounts Receivable",
    "customer": "Accounts Receivable", "glaccount": "General Ledger", "glbatch": "General Ledger",
    "userpermissions": "Administration", "userinfo": "Administration", "dimensions": "Platform Services",
    "location": "Company", "locationentity": "Company", "department": "Company", "class": "Company",
    "project": "Company", "task": "Company", "employee": "Company", "item": "Inventory Control",
    "warehouse": "Inventory Control", "contract": "Order Entry", "checkingaccount": "Cash Management",
    "fixedasset": "Fixed Assets Management",
}

_PERMISSION = re.compile(r"permission for API operation (\w+) on objects of type (\w+)", re.IGNORECASE)
_PARTY = re.compile(r"^(Vendor|Customer) '([^']*)' specified is not valid", re.IGNORECASE)
_ACCOUNT = re.compile(r"^Account (\S+) is not valid")
_MISSING_DIM = re.compile(r"missing the (\w+) dimension for the Account (\S+)")
_DIM_VALUE = re.compile(r"(?:Invalid (\w+) '([^']*)' specified|^(\w+) '([^']*)' (?:specified )?is not valid"
                        r"|The (employee) '([^']*)' is invalid)")
_FIELD = re.compile(r"Field '([^']*)' is not defined on object (\w+)")


@dataclass(frozen=True)
class Advice:
    """``what`` failed, ``why`` (Sage's words), the guide ``step`` and the ``fix``."""

    what: str
    why: str
    fix: str
    step: int | None = None

    @property
    def step_title(self) -> str | None:
        return GUIDE_STEPS.get(self.step) if self.step else None

    def __str__(self) -> str:
        where = f" (setup guide step {self.step}: {self.step_title})" if self.step else ""
        return f"{self.what}: {self.why.rstrip('.')}. {self.fix}{where}"


def permission_fix(module: str) -> str:
    return (f'Assign Web Services role permissions in Sage: set {module} to "All" for the Web Services user\'s '
            f"role. Until then {MODULE_CONSEQUENCES.get(module, 'transactions of that module will fail')}.")


AUTH_FIXES: dict[AuthProblem, tuple[int | None, str]] = {
    AuthProblem.SENDER_CREDENTIALS: (3, "Sage did not accept the Sender ID or its password. The Sender ID for Alvys "
                                        "is AlvysMPP: check the sender ID and the sender password (environment "
                                        "variable or secrets file) of this connection"),
    AuthProblem.UNKNOWN_COMPANY: (5, "Sage does not know this Company ID: copy the Company ID from Sage Intacct and "
                                     "enter it at Settings > Connections > Sage Intacct"),
    AuthProblem.NOT_SUBSCRIBED: (1, "In Sage Intacct, go to Company > Subscriptions and confirm that Web Services is "
                                    "enabled. If it is not listed as active, contact your Sage account administrator "
                                    "to activate it"),
    AuthProblem.SENDER_NOT_AUTHORIZED: (3, "In Sage Intacct, go to Company > Web Services Authorizations, click Add, "
                                           "enter the Sender ID: AlvysMPP, click Save, and confirm that AlvysMPP now "
                                           "appears in the authorized list"),
    AuthProblem.SIGN_IN: (5, "Check the Company ID, the User ID (the dedicated Web Services user) and that user's "
                             "password at Settings > Connections > Sage Intacct"),
    AuthProblem.USER_INACTIVE: (2, "Set the dedicated Web Services user's status to Active in Sage; a dedicated "
                                   "user keeps the integration stable if individual accounts are deactivated"),
    AuthProblem.USER_LOCKED: (2, "Unlock the dedicated Web Services user in Sage (or reset its password and enter "
                                 "the new one in Alvys)"),
    AuthProblem.USER_NOT_WEB_SERVICES: (2, "Set the user type to Business User and enable Web Services access for "
                                           "that user"),
    AuthProblem.UNKNOWN_ENTITY: (5, "The entity (Location ID) in the connection settings does not exist in Sage: "
                                    "enter the Location ID of the Sage entity this subsidiary posts to"),
    AuthProblem.ENTITY_NOT_PERMITTED: (5, "Give the Web Services user access to the entity in Sage, or connect to "
                                          "an entity the user may use"),
    AuthProblem.INVALID_SESSION: (None, "The Sage session expired; the connector opens a new session by itself. If "
                                        "this persists, check the Web Services user's session settings"),
}


def advise(errors: Sequence[ErrorDetail], *, what: str = "The Sage request failed",
           party_hint: str = "customer, carrier or driver") -> Advice:
    """Advice for a failed function or request; ``what`` names the document or check in TMS terms."""
    errors = list(errors)
    why = "; ".join(e.text for e in errors if e.text) or "Sage gave no reason"
    first = errors[0] if errors else ErrorDetail("-")
    for err in errors:
        m = _PERMISSION.search(err.text)
        if err.errorno == "PL04000005" or m:
            module = OBJECT_MODULE.get(m.group(2).lower(), "the module") if m else "the module"
            return Advice(what, err.text, permission_fix(module), 4)
    if first.errorno in ("XL03000006", "invalidRequest"):
        step, fix = AUTH_FIXES.get(classify(errors), (None, "Check the connection settings"))
        return Advice(what, why, fix, step)
    if first.errorno.startswith("GW-"):
        return Advice(what, why, "Sage is limiting requests for this company; the connector backs off and retries. "
                                 "If this persists, sync fewer subsidiaries at once or raise the company's API tier")
    for err in errors:
        advice = _function_advice(err, what, why, party_hint)
        if advice is not None:
            return advice
    fix = next((e.correction for e in errors if e.correction), "")
    fix = fix or "Correct the data in Alvys or Sage, then sync again"
    return Advice(what, why, fix)


def _function_advice(err: ErrorDetail, what: str, why: str, party_hint: str) -> Advice | None:
    text = err.text
    if m := _PARTY.search(text):
        kind, value = m.group(1).title(), m.group(2)
        if err.correction.lower().startswith("activate"):
            return Advice(what, text, f"{kind} {value} is inactive in Sage: activate the {kind.lower()} {value} "
                                      "in Sage, then sync again")
        return Advice(what, text, f"Sage has no {kind.lower()} {value} visible to this connection: set the External "
                                  f"Accounting ID on the {party_hint} profile, for this subsidiary, to the "
                                  f"{kind} ID in Sage Intacct")
    if m := _ACCOUNT.search(text):
        return Advice(what, text, f"GL account {m.group(1)} does not exist or is inactive in Sage: correct the GL "
                                  "accounts at Settings > Connections > Sage Intacct, or activate the account")
    if "empty Location is invalid" in text:
        return Advice(what, text, "This Sage company is multi-entity: set the entity (Location ID) in the connection "
                                  "settings, or map the Location dimension", 6)
    if m := _MISSING_DIM.search(text):
        return Advice(what, text, f"GL account {m.group(2)} requires the {m.group(1)} dimension: map the "
                                  f"{m.group(1)} dimension at Settings > Connections > Sage Intacct", 6)
    if m := _FIELD.search(text):
        return Advice(what, text, f"Sage has no custom field {m.group(1)} on {m.group(2)}: add it in Sage, or "
                                  "correct the custom field mapping at Settings > Connections > Sage Intacct", 7)
    if m := _DIM_VALUE.search(text):
        dim = next(g for g in (m.group(1), m.group(3), m.group(5)) if g)
        value = next(g for g in (m.group(2), m.group(4), m.group(6)) if g is not None)
        return Advice(what, text, f"The {dim} value {value} does not exist or is inactive in Sage: create or "
                                  f"activate it, or correct the {dim} dimension mapping", 6)
    if "Date must be on or after" in text:
        return Advice(what, text, "The Sage accounting period for this date is closed: reopen the period in Sage, "
                                  "then sync again")
    if err.errorno == "BL34000061":
        return Advice(what, text, "A record with this ID already exists in Sage: link the profile to it by "
                                  "setting its External Accounting ID")
    return None
