"""Changing payments after the fact: reverse, apply an overpayment, and generic update / delete of drafts.

- ``reverse_appayment`` / ``reverse_arpayment key="N"`` with ``datereversed`` (and ``description``) as
  developer.intacct.com documents them: every amount the payment applied is taken back from its bills or
  invoices (TOTALPAID, TOTALDUE and STATE move back), and the payment is Reversed. The simulator keeps no separate
  reversal record for a payment (simulator's choice).
- ``apply_arpayment`` (``arpaymentkey``, ``paymentdate``, ``memo``, ``arpaymentitems/arpaymentitem{invoicekey,
  amount}``) applies what a payment has not yet applied (an overpayment), or a credit memo's credit (an ARADJUSTMENT
  RECORDNO, as the page allows), to more invoices; each amount at most what the invoice has due, all together at
  most what the payment or memo has left. (Advances and negative invoices, which the page also lists, are not
  modelled.)
- Generic ``update`` / ``delete`` of APPYMT and ARPYMT: "You can only update a payment that is in draft state"
  and (AR) "You can only delete payments that are in draft state" (the payment pages); the simulator applies the
  AR delete rule to AP too (simulator's choice: the AP page documents delete without saying). A draft has applied
  nothing, so changing or removing it moves no document.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lxml import etree

from intacct_harness.simulator.errors import (
    InvalidArgument,
    InvalidFieldValue,
    PaymentStateRefused,
    RecordNotFound,
    RequiredField,
)
from intacct_harness.simulator.models import doc_state, payments, writes
from intacct_harness.simulator.models.context import Ctx, Output
from intacct_harness.simulator.models.numbers import by_recordno_text
from intacct_harness.simulator.models.objects import OBJECTS, ObjectDef
from intacct_harness.simulator.store import Record

REVERSED = "Reversed"
_REVERSE = {"reverse_appayment": "APPYMT", "reverse_arpayment": "ARPYMT"}
_REVERSE_ELEMENTS = frozenset({"datereversed", "description", "nsfclosedaccount"})
_APPLY_ELEMENTS = frozenset({"arpaymentkey", "paymentdate", "memo", "overpaylocid", "overpaydeptid",
                             "arpaymentitems"})


def _payment(ctx: Ctx, obj: ObjectDef, key: str, function: str) -> Record:
    rec = by_recordno_text(ctx.tx, ctx.company_id, obj.name, key)
    if rec is None or not ctx.visible(rec):
        raise RecordNotFound(f"Cannot find {obj.label.lower()} with key '{key[:100]}' ({function}).")
    return rec


def _details(obj: ObjectDef, doc: dict[str, Any]) -> list[dict[str, Any]]:
    spec = payments.PAYMENTS[obj.name]
    holder = doc.get(spec.details[0])
    return [d for d in writes.as_list(holder.get(spec.details[1]) if isinstance(holder, dict) else None)
            if isinstance(d, dict)]


def _unapply(ctx: Ctx, obj: ObjectDef, rec: Record) -> None:
    """Take back from each bill or invoice what the payment applied to it."""
    target = OBJECTS[payments.PAYMENTS[obj.name].pays]
    for detail in _details(obj, rec.doc):
        key = str(detail.get("RECORDKEY") or "")
        doc = by_recordno_text(ctx.tx, ctx.company_id, target.name, key)
        if doc is None:
            continue   # the document was deleted since (it could not be while paid; kept for old stores)
        doc_state.apply_payment(doc.doc, -Decimal(str(detail.get("TRX_PAYMENTAMOUNT") or "0")))
        doc.doc.pop("WHENPAID", None)
        ctx.tx.update_record(ctx.company_id, doc, None)


def reverse_payment(ctx: Ctx, el: etree._Element) -> Output:
    """reverse_appayment / reverse_arpayment: undo what the payment applied; the payment is Reversed."""
    obj = OBJECTS[_REVERSE[el.tag]]
    raw = payments.legacy_elements(ctx, el, obj, "Edit", _REVERSE_ELEMENTS)
    key = (el.get("key") or "").strip()
    if not key:
        raise InvalidArgument(f"{el.tag} requires the key attribute (the payment's RECORDNO).")
    if not raw.get("datereversed"):
        raise RequiredField("datereversed", el.tag)
    when = writes.legacy_date(raw["datereversed"], "datereversed")
    rec = _payment(ctx, obj, key, el.tag)
    state = str(rec.doc.get("STATE", ""))
    if state in (payments.DRAFT, REVERSED):
        raise PaymentStateRefused(obj.label, rec.recordno, state, "only a posted payment can be reversed",
                                  "Delete a draft payment instead; a reversed payment stays as it is.")
    _unapply(ctx, obj, rec)
    rec.doc.update({"STATE": REVERSED, "REVERSALDATE": when, "WHENMODIFIED": ctx.timestamp(),
                    "MODIFIEDBY": ctx.session.user_id})
    if raw.get("description"):
        rec.doc["REVERSALDESCRIPTION"] = str(raw["description"])
    ctx.tx.update_record(ctx.company_id, rec, None)
    return Output(key=str(rec.recordno), object=obj.name, records=1, transactions=1)


def _source_to_apply(ctx: Ctx, key: str, function: str) -> tuple[ObjectDef, Record, Decimal]:
    """What ``arpaymentkey`` names and what it has left: a posted AR payment's unapplied amount, or an AR
    adjustment's credit (a credit memo: its negative amount due), as the apply_arpayment page lists them."""
    memo = by_recordno_text(ctx.tx, ctx.company_id, "ARADJUSTMENT", key)
    if memo is not None and ctx.visible(memo) and ctx.tx.by_recordno(ctx.company_id, "ARPYMT", int(key)) is None:
        obj = OBJECTS["ARADJUSTMENT"]
        left = -doc_state.amount(memo.doc, "TOTALDUE")
        if left <= 0:
            raise PaymentStateRefused(obj.label, memo.recordno, "without credit", "only a credit memo with credit "
                                      "left can be applied", "Apply a credit memo (negative AR adjustment) instead.")
        return obj, memo, left
    obj = OBJECTS["ARPYMT"]
    rec = _payment(ctx, obj, key, function)
    state = str(rec.doc.get("STATE", ""))
    if state in (payments.DRAFT, REVERSED):
        raise PaymentStateRefused(obj.label, rec.recordno, state, "only a posted payment can be applied",
                                  "Apply a payment that is posted and has an amount left to apply.")
    received = Decimal(str(rec.doc.get("PAYMENTAMOUNT") or rec.doc.get("TOTALENTERED") or "0"))
    applied = Decimal(str(rec.doc.get("TOTALPAID") or rec.doc.get("TOTALENTERED") or "0"))
    return obj, rec, received - applied


def apply_arpayment(ctx: Ctx, el: etree._Element) -> Output:
    """apply_arpayment: apply what an AR payment (an overpayment) or a credit memo has left to further invoices."""
    raw = payments.legacy_elements(ctx, el, OBJECTS["ARPYMT"], "Edit", _APPLY_ELEMENTS)
    for field in ("arpaymentkey", "paymentdate", "arpaymentitems"):
        if not raw.get(field):
            raise RequiredField(field, el.tag)
    writes.legacy_date(raw["paymentdate"], "paymentdate")
    obj, rec, left = _source_to_apply(ctx, str(raw["arpaymentkey"]).strip(), el.tag)
    items = raw["arpaymentitems"].get("arpaymentitem") if isinstance(raw["arpaymentitems"], dict) else None
    applied: list[dict[str, str]] = []
    total = Decimal(0)
    customer = str(rec.doc.get("CUSTOMERID", ""))
    for item in writes.as_list(items):
        if not isinstance(item, dict) or not str(item.get("invoicekey") or "").strip():
            raise RequiredField("invoicekey", "arpaymentitem")
        paid = payments.amount_of("amount", item.get("amount"))
        total += paid
        if total > left:
            raise InvalidFieldValue("amount", str(paid), f"at most the {left} {obj.label.lower()} {rec.recordno} "
                                    "has left to apply")
        invoice = str(item["invoicekey"]).strip()
        payments.pay(ctx, OBJECTS["ARINVOICE"], invoice, "CUSTOMERID", customer, paid, "ARPYMT")
        applied.append({"RECORDKEY": invoice, "TRX_PAYMENTAMOUNT": str(paid)})
    if total == 0:
        raise RequiredField("arpaymentitem", el.tag)
    if obj.name == "ARADJUSTMENT":   # the memo's credit is used up as an invoice's payments are
        doc_state.apply_payment(rec.doc, -total)
    else:
        details = _details(obj, rec.doc) + applied
        paid_before = Decimal(str(rec.doc.get("TOTALPAID") or rec.doc.get("TOTALENTERED") or "0"))
        rec.doc.update({"TOTALPAID": str(paid_before + total), "ARPYMTDETAILS": {"ARPYMTDETAIL": details}})
    rec.doc.update({"WHENMODIFIED": ctx.timestamp(), "MODIFIEDBY": ctx.session.user_id})
    ctx.tx.update_record(ctx.company_id, rec, None)
    return Output(key=str(rec.recordno), object=obj.name, records=1, transactions=1)


def _draft_only(obj: ObjectDef, rec: Record, action: str) -> None:
    state = str(rec.doc.get("STATE", ""))
    if state != payments.DRAFT:
        raise PaymentStateRefused(obj.label, rec.recordno, state or "posted",
                                  f"only a draft payment can be {action}",
                                  f"Reverse the payment (reverse_{obj.name[:2].lower()}payment) instead.")


def update_payment(ctx: Ctx, obj: ObjectDef, rec: Record, raw: dict[str, Any]) -> None:
    """Generic update of a draft APPYMT / ARPYMT: the header changes, the details given replace the old ones."""
    _draft_only(obj, rec, "updated")
    merged = {k: v for k, v in rec.doc.items() if k in payments.PAYMENTS[obj.name].header and k != "STATE"}
    if payments.PAYMENTS[obj.name].details[0] not in raw:   # header only: the details stay (the AR page)
        merged[payments.PAYMENTS[obj.name].details[0]] = rec.doc.get(payments.PAYMENTS[obj.name].details[0])
    merged.update({k: v for k, v in raw.items() if k != "RECORDNO"})
    merged["ACTION"] = payments.DRAFT
    checked = payments.checked_payment(ctx, obj, merged)
    rec.doc.update(checked)
    rec.doc.update({"WHENMODIFIED": ctx.timestamp(), "MODIFIEDBY": ctx.session.user_id})
    ctx.tx.update_record(ctx.company_id, rec, None)


def delete_payment(ctx: Ctx, obj: ObjectDef, rec: Record) -> None:
    _draft_only(obj, rec, "deleted")


writes.CUSTOM_UPDATES.update(dict.fromkeys(payments.PAYMENTS, update_payment))
writes.CUSTOM_DELETES.update(dict.fromkeys(payments.PAYMENTS, delete_payment))
FUNCTIONS = {"reverse_appayment": reverse_payment, "reverse_arpayment": reverse_payment,
             "apply_arpayment": apply_arpayment}
