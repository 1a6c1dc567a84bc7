"""Contacts: CONTACT records, and the employee's contact that EMPLOYEE reads answer as ``CONTACT.*``.

An employee names an existing contact in ``PERSONALINFO/CONTACTNAME`` (developer.intacct.com/api/
employee-expenses/employees: "Contact name of an existing contact"; checked through the EMPLOYEE definition's
reference). fylein reads the employee's name and e-mail as ``CONTACT.FIRSTNAME`` ... ``CONTACT.EMAIL1`` and
``CONTACTKEY`` ([pysdk:apis/constants.py]); the simulator copies the contact onto the employee when either is
written, so reads of the employee show the contact as it is now.
"""

from __future__ import annotations

from typing import Any

from intacct_harness.simulator.models import writes
from intacct_harness.simulator.models.context import Ctx
from intacct_harness.simulator.models.objects import OBJECTS

_KEEP = frozenset(OBJECTS["CONTACT"].fields) - {"TAXSCHEDULE"}


def employee_contact(ctx: Ctx, doc: dict[str, Any]) -> None:
    info = doc.get("PERSONALINFO")
    name = info.get("CONTACTNAME") if isinstance(info, dict) else None
    contact = ctx.lookup(OBJECTS["CONTACT"], str(name)) if name else None
    if contact is None:
        doc.pop("CONTACT", None)
        doc.pop("CONTACTKEY", None)
        return
    doc["CONTACT"] = {k: v for k, v in contact.doc.items() if k in _KEEP}
    doc["CONTACTKEY"] = str(contact.recordno)


def contact_changed(ctx: Ctx, doc: dict[str, Any]) -> None:
    """A contact written: the employees that name it show its new fields."""
    name = doc.get("CONTACTNAME")
    for rec in ctx.tx.scan(ctx.company_id, "EMPLOYEE"):
        info = rec.doc.get("PERSONALINFO")
        if isinstance(info, dict) and info.get("CONTACTNAME") == name:
            rec.doc["CONTACT"] = {k: v for k, v in doc.items() if k in _KEEP}
            ctx.tx.update_record(ctx.company_id, rec, writes.name_of(OBJECTS["EMPLOYEE"], rec.doc))


writes.BEFORE_STORE["EMPLOYEE"] = employee_contact
writes.BEFORE_STORE["CONTACT"] = contact_changed
