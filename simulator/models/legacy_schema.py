"""The element order of the legacy (2.1) functions, checked before anything runs, as Sage's DTD check does.

Sage validates a request against its DTD before it runs a function: a legacy function with an element its
content model does not allow at that place fails the whole request at control level, ``XL03000003 XML Parse
schema error: Error 1871: Element 'supdocid': This element is not expected. Expected is one of ( … )``
(intacct-sdk-net#217, create_aradjustment with supdocid). The sequences below are the function's elements in
the order developer.intacct.com lists them (which follows the DTD); only the function's own children are
checked (line items keep their function-level checks). What "Expected is one of" lists: the elements that may
come next, up to and including the next required one (libxml2's wording; its exact list for optional groups
is the simulator's approximation).
"""

from __future__ import annotations

from collections.abc import Container, Iterable

from lxml import etree

from intacct_harness.simulator.errors import XmlSchemaError

_R = "!"   # suffix: required
_REPEATED = frozenset({"arpaymentitem"})

_SEQUENCES: dict[str, tuple[str, ...]] = {
    "create_invoice": ("customerid!", "datecreated!", "dateposted", "datedue", "termname", "batchkey", "action",
                       "invoiceno", "ponumber", "onhold", "description", "externalid", "billto", "shipto", "basecurr",
                       "currency", "exchratedate", "exchratetype", "exchrate", "nogl", "supdocid", "customfields",
                       "taxsolutionid", "invoiceitems!"),
    "create_bill": ("vendorid!", "datecreated!", "dateposted", "datedue", "termname", "action", "batchkey", "billno",
                    "ponumber", "onhold", "description", "externalid", "payto", "returnto", "basecurr", "currency",
                    "exchratedate", "exchratetype", "exchrate", "nogl", "supdocid", "customfields", "billitems!",
                    "inclusivetax", "taxsolutionid"),
    "create_apadjustment": ("vendorid!", "datecreated!", "dateposted", "batchkey", "adjustmentno", "action", "billno",
                            "description", "externalid", "basecurr", "currency", "exchratedate", "exchratetype",
                            "exchrate", "nogl", "customfields", "inclusivetax", "taxsolutionid",
                            "apadjustmentitems!"),
    "create_aradjustment": ("customerid!", "datecreated!", "dateposted", "batchkey", "adjustmentno", "action",
                            "invoiceno", "description", "externalid", "basecurr", "currency", "exchratedate",
                            "exchratetype", "exchrate", "nogl", "taxsolutionid", "aradjustmentitems!"),
    "update_invoice": ("customerid", "datecreated", "dateposted", "datedue", "termname", "action", "invoiceno",
                       "ponumber", "description", "payto", "returnto", "basecurr", "currency", "exchratedate",
                       "exchratetype", "exchrate", "supdocid", "customfields", "updateinvoiceitems"),
    "update_bill": ("vendorid", "datecreated", "dateposted", "datedue", "termname", "action", "billno", "ponumber",
                    "onhold", "description", "payto", "returnto", "currency", "exchratedate", "exchratetype",
                    "exchrate", "supdocid", "customfields", "updatebillitems", "inclusivetax"),
    "update_apadjustment": ("vendorid", "datecreated", "dateposted", "adjustmentno", "action", "billno",
                            "description", "basecurr", "currency", "exchratedate", "exchratetype", "exchrate",
                            "customfields", "inclusivetax", "updateapadjustmentitems"),
    "update_aradjustment": ("customerid", "datecreated", "dateposted", "adjustmentno", "action", "invoiceno",
                            "description", "basecurr", "currency", "exchratedate", "exchratetype", "exchrate",
                            "customfields", "updatearadjustmentitems"),
    "create_arpayment": ("customerid!", "paymentamount!", "translatedamount", "batchkey", "bankaccountid",
                         "undepfundsacct", "refid", "overpaylocid", "overpaydeptid", "datereceived", "paymentmethod",
                         "basecurr", "currency", "exchratedate", "exchratetype", "exchrate", "cctype", "authcode",
                         "arpaymentitem", "onlinecardpayment", "onlineachpayment"),
    "apply_arpayment": ("arpaymentkey!", "paymentdate!", "memo", "overpaylocid", "overpaydeptid", "arpaymentitems!"),
    "reverse_invoice": ("datereversed!", "description"),
    "reverse_bill": ("datereversed!", "description"),
    "reverse_arpayment": ("datereversed!", "description", "nsfclosedaccount"),
    "reverse_appayment": ("datereversed!", "description"),
    # Attachments (developer.intacct.com company-console/attachments): order only; which are required is left to the
    # function's own checks (simulator's choice: the page marks supdocname required, fylein's SDK omits it).
    "create_supdoc": ("supdocid", "supdocname", "supdocfoldername", "supdocdescription", "attachments"),
    "update_supdoc": ("supdocid", "supdocname", "supdocfoldername", "supdocdescription", "attachments"),
    "create_supdocfolder": ("supdocfoldername", "supdocfolderdescription", "supdocparentfoldername"),
}


def _expected(sequence: tuple[str, ...], start: int) -> list[str]:
    out = []
    for item in sequence[start:]:
        out.append(item.rstrip(_R))
        if item.endswith(_R):
            break
    return out


def check(name: str, element: etree._Element) -> None:
    """Raise XmlSchemaError at the first child of a legacy function its sequence does not allow there."""
    sequence = _SEQUENCES.get(name)
    if sequence is None:
        return
    names = [s.rstrip(_R) for s in sequence]
    position = 0
    for child in element:
        if not isinstance(child.tag, str):
            continue
        tag = child.tag
        if position and tag in _REPEATED and names[position - 1] == tag:
            continue
        try:
            found = names.index(tag, position)
        except ValueError:
            raise XmlSchemaError(tag, _expected(sequence, position)) from None
        skipped = [s for s in sequence[position:found] if s.endswith(_R)]
        if skipped:   # a required element is missing before this one
            raise XmlSchemaError(tag, _expected(sequence, position))
        position = found + 1


# What libxml2 lists after an element a <function> may not hold (it names at most ten): the first ten choices of
# the DTD's function content model, exactly as Sage answered an unknown function (intacct-sdk-net#244,
# approveVendor: "Error 1871: Element 'approveVendor': This element is not expected. Expected is one of ( … )").
FUNCTION_CHOICES = ("create_apaccountlabel", "create_apadjustment", "create_apadjustmentbatch",
                    "create_araccountlabel", "create_aradjustment", "create_aradjustmentbatch", "create_arpayment",
                    "create_arpaymentbatch", "create_bill", "create_recurringbill")


def check_request(functions: Iterable[tuple[str, etree._Element]], known: Container[str]) -> None:
    """The DTD check of a whole request: an unknown function, or a legacy function's element out of its sequence,
    fails the request at control level before any function runs (so nothing of a batch posts)."""
    for name, element in functions:
        if name not in known:
            raise XmlSchemaError(name, list(FUNCTION_CHOICES))
        check(name, element)
