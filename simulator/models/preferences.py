"""get_companyprefs: a subscription's preferences, as a connector reads them before it syncs.

developer.intacct.com/api/company-console/subscriptions/ documents the function (``application`` is
required: GEN, ME, GL, CM, AP, AR, EE, PO, SO, INV, PA, CS), the response's ``<companypref>``
elements (application, preference, prefvalue), GEN's preference names and GL's EMPLOYEEDIMENSION.
fylein's Fyle connector reads ME's ``DISABLEENTITYSLIDEIN`` ('true' when entity slide-in is disabled)
and skips syncing entities then; here it follows the company's "Restrict access to top level only",
which makes slide-in unavailable. Values the simulator does not model are not invented: an
application without modelled preferences answers an empty ``<data/>`` (simulator's choice).
"""

from __future__ import annotations

from lxml import etree

from intacct_harness.simulator.errors import ApplicationNotSubscribed, MissingAttribute, UnknownApplication
from intacct_harness.simulator.models.context import Ctx, Output
from intacct_harness.simulator.wire import metadata as render

# application code -> the module a company subscribes to (None: every company has it)
APPLICATIONS: dict[str, str | None] = {
    "GEN": None, "ME": None, "GL": "General Ledger", "CM": "Cash Management", "AP": "Accounts Payable",
    "AR": "Accounts Receivable", "EE": "Employee Expenses", "PO": "Purchasing", "SO": "Order Entry",
    "INV": "Inventory Control", "PA": "Projects", "CS": "Global Consolidations",
}

# GEN's documented preferences; values a new US company starts with (simulator's choice).
GENERAL = (("PRIMARY_ACCTNO_LENGTH", "4"), ("ACCTNO_SEPARATOR", "-"), ("SUBACCTNO_LENGTH", "0"),
           ("FISCAL_FIRST_MONTH", "1"), ("FISCAL_FIRST_MONTH_TAX", "1"), ("WEEK_START", "1"),
           ("CUSTOM_ACCOUNTING_PERIODS", "false"), ("PACKAGE_TYPE", ""))


def get_companyprefs(ctx: Ctx, el: etree._Element) -> Output:
    application = el.get("application")
    if application is None:
        raise MissingAttribute("get_companyprefs", "application")
    code = application.strip().upper()
    if code not in APPLICATIONS:
        raise UnknownApplication(application, tuple(APPLICATIONS))
    module = APPLICATIONS[code]
    subscribed = ctx.company.subscriptions
    if code == "ME" and not ctx.company.multi_entity or module and subscribed is not None \
            and module not in subscribed:
        raise ApplicationNotSubscribed(code, ctx.company_id)
    return Output(data=render.company_prefs(code, _preferences(ctx, code)))


def _preferences(ctx: Ctx, code: str) -> tuple[tuple[str, str], ...]:
    if code == "GEN":
        return GENERAL
    if code == "ME":
        restricted = "true" if ctx.company.restrict_top_level else "false"
        # the second name mirrors the same setting so the list is a list (simulator's choice)
        return (("DISABLEENTITYSLIDEIN", restricted), ("RESTRICTTOPLEVELACCESS", restricted))
    if code == "GL":
        return (("EMPLOYEEDIMENSION", "T"),)
    return ()
