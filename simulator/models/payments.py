"""Payments: AP payments of bills (generic APPYMT) and AR payments of invoices (legacy create_arpayment).

The connector does not export payments (setup guide), but a connector that reads paid status, or a QA
scenario "the bill was paid in Sage", needs Sage's answers. Shapes: APPYMT as the PHP SDK writes it
([php:test/Intacct/Functions/AccountsPayable/ApPaymentCreateTest.php]: PAYMENTMETHOD, FINANCIALENTITY,
VENDORID, PAYMENTDATE, APPYMTDETAILS/APPYMTDETAIL{RECORDKEY, ENTRYKEY, TRX_PAYMENTAMOUNT, DISCOUNTDATE});
``create_arpayment (customerid, paymentamount, (batchkey|bankaccountid|undepfundsacct)?, refid?, datereceived?,
paymentmethod?, arpaymentitem*{invoicekey, amount})`` as the v2.1 DTD and ArPaymentCreateTest write it.
Payment methods: the DTD's ENUM_PAYMENTMETHOD comment plus the PHP SDK's constants. Each applied amount
moves the document's TOTALPAID / TOTALDUE / STATE (models/doc_state.py); paying more than is due, paying a
reversed document, or naming a bank account that does not exist is refused (texts: the simulator's choice).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lxml import etree

from intacct_harness.simulator.errors import InvalidFieldValue, InvalidReference, RequiredField, UnknownField
from intacct_harness.simulator.models import doc_state, writes
from intacct_harness.simulator.models.context import Ctx, Output
from intacct_harness.simulator.models.numbers import by_recordno_text
from intacct_harness.simulator.models.objects import OBJECTS, ObjectDef
from intacct_harness.simulator.store import Record

DRAFT = "Draft"
PAYMENT_METHODS = frozenset({"Printed Check", "Online", "Cash", "EFT", "Credit Card", "Online Charge Card",
                             "WF Check", "WF Domestic ACH", "WF USD Wire", "ACH", "Charge Card"})


@dataclass(frozen=True)
class GenericPayment:
    """A generic payment object: its party, the documents it pays, its required and allowed header fields."""

    object: str
    party_field: str
    pays: str
    details: tuple[str, str]
    required: tuple[str, ...]
    header: frozenset[str]


_COMMON_HEADER = frozenset({"PAYMENTMETHOD", "FINANCIALENTITY", "EXCH_RATE_DATE", "EXCH_RATE_TYPE_ID", "DOCNUMBER",
                            "DESCRIPTION", "PAYMENTDATE", "CURRENCY", "BASECURR", "ACTION"})
_DETAIL = frozenset({"RECORDKEY", "ENTRYKEY", "TRX_PAYMENTAMOUNT", "DISCOUNTDATE", "PAYMENTAMOUNT", "CREDITTOAPPLY",
                     "DISCOUNTTOAPPLY", "POSADJKEY", "POSADJENTRYKEY", "INLINEKEY", "INLINEENTRYKEY",
                     "TRX_INLINEAMOUNT", "ADJUSTMENTKEY", "ADJUSTMENTENTRYKEY", "TRX_ADJUSTMENTAMOUNT"})
PAYMENTS: dict[str, GenericPayment] = {
    # [php:ApPaymentCreateTest] writes PAYMENTMETHOD, FINANCIALENTITY, VENDORID and PAYMENTDATE as required.
    "APPYMT": GenericPayment("APPYMT", "VENDORID", "APBILL", ("APPYMTDETAILS", "APPYMTDETAIL"),
                             ("PAYMENTMETHOD", "FINANCIALENTITY", "VENDORID", "PAYMENTDATE"),
                             _COMMON_HEADER | {"VENDORID", "PAYMENTREQUESTMETHOD", "GROUPPAYMENTS", "PAYMENTCONTACT",
                                               "AMOUNTTOPAY", "APPYMTDETAILS"}),
    # developer.intacct.com/api/accounts-receivable/ar-payments and [php:ArPaymentCreateTest]: PAYMENTMETHOD,
    # CUSTOMERID, RECEIPTDATE; FINANCIALENTITY unless PRBATCH or UNDEPOSITEDACCOUNTNO.
    "ARPYMT": GenericPayment("ARPYMT", "CUSTOMERID", "ARINVOICE", ("ARPYMTDETAILS", "ARPYMTDETAIL"),
                             ("PAYMENTMETHOD", "CUSTOMERID", "RECEIPTDATE"),
                             _COMMON_HEADER | {"CUSTOMERID", "RECEIPTDATE", "PRBATCH", "UNDEPOSITEDACCOUNTNO",
                                               "ARPYMTDETAILS"}),
}
_ARPAYMENT = frozenset({"customerid", "paymentamount", "translatedamount", "batchkey", "bankaccountid",
                        "undepfundsacct", "refid", "overpaylocid", "overpaydeptid", "datereceived", "paymentmethod",
                        "basecurr", "currency", "exchratedate", "exchratetype", "exchrate", "cctype", "authcode",
                        "arpaymentitem", "onlinecardpayment", "onlineachpayment"})


def amount_of(field: str, value: Any) -> Decimal:
    text = writes.check_number(field, str(value or "").strip() or "x")
    number = Decimal(text)
    if number <= 0:
        raise InvalidFieldValue(field, text, "an amount greater than zero")
    return number


# What a payment's FINANCIALENTITY may name: "a checking account ID, a savings account ID, or a credit card ID"
# (developer.intacct.com/api/accounts-payable/ap-payments); an AR payment deposits to a bank account.
_FINANCIAL_ENTITIES = {"APPYMT": ("CHECKINGACCOUNT", "SAVINGSACCOUNT", "CREDITCARD"),
                       "ARPYMT": ("CHECKINGACCOUNT", "SAVINGSACCOUNT")}


def _bank_account(ctx: Ctx, account: str, doc_object: str) -> None:
    if all(ctx.lookup(OBJECTS[kind], account) is None for kind in _FINANCIAL_ENTITIES[doc_object]):
        raise InvalidReference(f"Bank account '{account}' specified is not valid.", doc_object,
                               "Name a checking or savings account (BANKACCOUNTID) that exists in Cash Management"
                               + (", or a credit card (CARDID)." if doc_object == "APPYMT" else "."))


def _method(method: str, field: str) -> str:
    if method not in PAYMENT_METHODS:
        raise InvalidFieldValue(field, method, "one of " + ", ".join(sorted(PAYMENT_METHODS)))
    return method


def pay(ctx: Ctx, obj: ObjectDef, key: str, party_field: str, party: str, paid: Decimal, doc_object: str,
         apply: bool = True) -> Record:
    """Apply ``paid`` to the document numbered ``key`` of ``party``; refuse what Sage refuses (``apply`` False:
    check only, as a draft payment does)."""
    rec = by_recordno_text(ctx.tx, ctx.company_id, obj.name, key)
    if rec is None or not ctx.visible(rec) or rec.doc.get(party_field) != party:
        raise InvalidReference(f"{obj.label} '{key[:50]}' specified is not valid for {party_field} {party}.",
                               doc_object, f"Name the RECORDNO of an open {obj.label.lower()} of {party}.")
    doc_state.guard(obj, rec, "pay")
    due = doc_state.amount(rec.doc, "TOTALDUE")
    if paid > due:
        raise InvalidFieldValue("amount", str(paid), f"at most the {due} due on {obj.label.lower()} {key}")
    if not apply:
        return rec
    doc_state.apply_payment(rec.doc, paid)
    rec.doc["WHENPAID" if doc_state.amount(rec.doc, "TOTALDUE") == 0 else "WHENMODIFIED"] = ctx.timestamp()[:10]
    ctx.tx.update_record(ctx.company_id, rec, None)
    return rec


def _store(ctx: Ctx, obj: ObjectDef, doc: dict[str, Any]) -> Record:
    recordno = ctx.tx.next_recordno(ctx.company_id)
    writes.stamp(ctx, obj, doc, recordno, ctx.session.entity)
    rec = Record(obj.name, recordno, str(recordno), ctx.session.entity, doc)
    ctx.tx.insert_record(ctx.company_id, rec, None)
    return rec


def create_generic(ctx: Ctx, obj: ObjectDef, raw: dict[str, Any]) -> Record:
    """One generic ``<APPYMT>`` / ``<ARPYMT>``: pay documents of one party from a bank account."""
    return _store(ctx, obj, checked_payment(ctx, obj, raw))


def checked_payment(ctx: Ctx, obj: ObjectDef, raw: dict[str, Any]) -> dict[str, Any]:
    """A generic payment checked and, unless it is a draft, applied to its documents; returns the payment's fields."""
    spec = PAYMENTS[obj.name]
    for field in raw:
        if field not in spec.header:
            raise UnknownField(field, obj.name)
    for field in spec.required:
        if not str(raw.get(field) or "").strip():
            raise RequiredField(field, obj.name)
    _method(str(raw["PAYMENTMETHOD"]), "PAYMENTMETHOD")
    party = str(raw[spec.party_field])
    doc = writes.validate_fields(ctx, obj, {k: v for k, v in raw.items() if k != spec.details[0]}, creating=False)
    if raw.get("FINANCIALENTITY"):
        _bank_account(ctx, str(raw["FINANCIALENTITY"]), obj.name)
    elif not (raw.get("PRBATCH") or raw.get("UNDEPOSITEDACCOUNTNO")):
        raise RequiredField("FINANCIALENTITY", obj.name)
    holder = raw.get(spec.details[0])
    details = writes.as_list(holder.get(spec.details[1]) if isinstance(holder, dict) else None)
    if not details:
        raise RequiredField(spec.details[0], obj.name)
    draft = _action(raw) == "Draft"
    total = Decimal(0)
    for detail in details:
        if not isinstance(detail, dict) or not str(detail.get("RECORDKEY") or "").strip():
            raise RequiredField("RECORDKEY", spec.details[1])
        for field in detail:
            if field not in _DETAIL:
                raise UnknownField(field, spec.details[1])
        paid = amount_of("TRX_PAYMENTAMOUNT", detail.get("TRX_PAYMENTAMOUNT"))
        pay(ctx, OBJECTS[spec.pays], str(detail["RECORDKEY"]).strip(), spec.party_field, party, paid, obj.name,
             apply=not draft)
        total += paid
    doc.update({"TOTALENTERED": str(total), "STATE": DRAFT if draft else "Complete",
                spec.details[0]: {spec.details[1]: details}})
    return doc


def _action(raw: dict[str, Any]) -> str:
    """``ACTION``: ``Submit`` (the default) posts the payment, ``Draft`` keeps it unapplied (the payment docs)."""
    action = str(raw.get("ACTION") or "Submit").strip()
    if action not in ("Submit", "Draft"):
        raise InvalidFieldValue("ACTION", action, "Submit or Draft")
    return action


def legacy_elements(ctx: Ctx, el: etree._Element, obj: ObjectDef, verb: str, allowed: frozenset[str]) -> dict[str, Any]:
    """A legacy payment function's elements, after the permission check; an element it does not take is refused."""
    ctx.require(obj.module, verb, {"Add": "CREATE", "Edit": "UPDATE"}[verb], obj.name)
    raw = writes.element_value(el)
    raw = raw if isinstance(raw, dict) else {}
    for field in raw:
        if field not in allowed:
            raise UnknownField(field, el.tag)
    return raw


def create_arpayment(ctx: Ctx, el: etree._Element) -> Output:
    """Legacy ``create_arpayment``: receive a customer's payment, applied to the invoices it names."""
    obj = OBJECTS["ARPYMT"]
    raw = legacy_elements(ctx, el, obj, "Add", _ARPAYMENT)
    customer = str(raw.get("customerid") or "").strip()
    if not customer:
        raise RequiredField("customerid", el.tag)
    party = writes.validate_fields(ctx, obj, {"CUSTOMERID": customer}, creating=False)
    amount = amount_of("paymentamount", raw.get("paymentamount"))
    if raw.get("bankaccountid"):
        _bank_account(ctx, str(raw["bankaccountid"]), obj.name)
    if raw.get("paymentmethod"):
        _method(str(raw["paymentmethod"]), "paymentmethod")
    applied = Decimal(0)
    details = []
    for item in writes.as_list(raw.get("arpaymentitem")):
        if not isinstance(item, dict) or not str(item.get("invoicekey") or "").strip():
            raise RequiredField("invoicekey", "arpaymentitem")
        paid = amount_of("amount", item.get("amount"))
        pay(ctx, OBJECTS["ARINVOICE"], str(item["invoicekey"]).strip(), "CUSTOMERID", customer, paid, obj.name)
        applied += paid
        details.append({"RECORDKEY": str(item["invoicekey"]).strip(), "TRX_PAYMENTAMOUNT": str(paid)})
    if applied > amount:
        raise InvalidFieldValue("paymentamount", str(amount), f"at least the {applied} applied to invoices")
    doc = {"CUSTOMERID": customer, "PAYMENTAMOUNT": str(amount), "TOTALPAID": str(applied),
           "FINANCIALENTITY": str(raw.get("bankaccountid") or raw.get("undepfundsacct") or ""),
           "DOCNUMBER": str(raw.get("refid") or ""), "PAYMENTMETHOD": str(raw.get("paymentmethod") or ""),
           "RECEIPTDATE": writes.legacy_date(raw["datereceived"], "datereceived") if raw.get("datereceived") else "",
           "STATE": "Posted", "ARPYMTDETAILS": {"ARPYMTDETAIL": details}, **party}
    rec = _store(ctx, obj, doc)
    return Output(key=str(rec.recordno), object=obj.name, records=1, transactions=1)


writes.CUSTOM_CREATES.update(dict.fromkeys(PAYMENTS, create_generic))
FUNCTIONS = {"create_arpayment": create_arpayment}
