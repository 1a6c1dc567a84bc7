"""Object definitions: what each Intacct object is called, keyed by, owned by and checked against.

Field names follow the SDK fixtures and fylein's read-field lists (shared/reference/sage-xml-api.md
§4). The module an object belongs to decides which role permission it needs; where the real
module is not documented for an object the mapping is the simulator's choice and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

# The 11 GL-enabled standard dimensions (getDimensions fixture order after DEPARTMENT/LOCATION).
STANDARD_DIMENSIONS: tuple[str, ...] = (
    "DEPARTMENT", "LOCATION", "PROJECT", "CUSTOMER", "VENDOR", "EMPLOYEE",
    "ITEM", "CLASS", "CONTRACT", "TASK", "WAREHOUSE",
)

# Line-level dimension elements (generic APBILLITEM / legacy lineitem) -> dimension object.
LINE_DIMENSION_FIELDS: dict[str, str] = {
    "LOCATIONID": "LOCATION", "DEPARTMENTID": "DEPARTMENT", "PROJECTID": "PROJECT",
    "CUSTOMERID": "CUSTOMER", "VENDORID": "VENDOR", "EMPLOYEEID": "EMPLOYEE", "ITEMID": "ITEM",
    "CLASSID": "CLASS", "CONTRACTID": "CONTRACT", "TASKID": "TASK", "WAREHOUSEID": "WAREHOUSE",
}

# How fylein's error regexes show an invalid reference, per object (errors.py of fyle-intacct-api).
INVALID_REFERENCE_TEXT: dict[str, str] = {
    "VENDOR": "Vendor '{v}' specified is not valid.",
    "CUSTOMER": "Customer '{v}' specified is not valid.",
    "GLACCOUNT": "Account {v} is not valid",
    "LOCATION": "Location '{v}' is not valid",
    "PROJECT": "Invalid Project '{v}' specified.",
    "DEPARTMENT": "Department '{v}' specified is not valid.",
    "EMPLOYEE": "The employee '{v}' is invalid.",
    "CLASS": "Invalid Class '{v}' specified.",
    "ITEM": "Invalid Item '{v}' specified.",
    "TASK": "Invalid Task '{v}' specified.",
    "WAREHOUSE": "Invalid Warehouse '{v}' specified.",
    "CONTRACT": "Invalid Contract '{v}' specified.",
    "SUPDOC": "Attachment '{v}' does not exist.",   # simulator's choice: Sage's text is not public
}

DATE_FIELDS = frozenset({
    "WHENCREATED", "WHENPOSTED", "WHENDUE", "WHENPAID", "BATCH_DATE", "REVERSEDATE", "STARTDATE", "ENDDATE",
    "BEGINDATE", "EXCH_RATE_DATE", "RECPAYMENTDATE", "PAYMENTDATE", "RECEIPTDATE",
})
NUMBER_FIELDS = frozenset({
    "TRX_AMOUNT", "AMOUNT", "CREDITLIMIT", "TOTALDUE", "TOTALENTERED", "TOTALPAID", "TR_TYPE", "EXCH_RATE",
    "QUANTITY", "PRICE", "BUDGETAMOUNT",
})
STATUS_VALUES = frozenset({"active", "inactive"})


@dataclass(frozen=True)
class LineSpec:
    """Line items of a transaction: container element, item element and their fields."""

    container: str
    item: str
    fields: frozenset[str]
    required: tuple[str, ...]
    account_field: str
    amount_field: str
    renamed: dict[str, str] = field(default_factory=dict)   # standard line dimension field -> this line's name


@dataclass(frozen=True)
class ObjectDef:
    name: str
    label: str                     # as Sage words it in "Another <label> with the given value(s)…"
    module: str
    id_field: str                  # the business key; "RECORDNO" when Sage numbers it
    name_field: str | None
    fields: frozenset[str]
    required: tuple[str, ...] = ()
    references: dict[str, str] = field(default_factory=dict)   # header field -> object it must name
    lines: LineSpec | None = None
    is_dimension: bool = False
    module_source: str = "documented"
    # Generic create/update/delete accepted? None: yes; else where Sage says only legacy functions write it.
    legacy_only: str | None = None

    @property
    def auto_key(self) -> bool:
        return self.id_field == "RECORDNO"

    def allowed(self, name: str) -> bool:
        return name in self.fields or name in SYSTEM_FIELDS


SYSTEM_FIELDS = frozenset({
    "RECORDNO", "WHENCREATED", "WHENMODIFIED", "CREATEDBY", "MODIFIEDBY",
    "MEGAENTITYKEY", "MEGAENTITYID", "MEGAENTITYNAME", "RECORD_URL",
})
CONTACT_FIELDS = frozenset({"DISPLAYCONTACT", "CONTACTINFO", "BILLTO", "SHIPTO", "PAYTO", "RETURNTO"})
_CHOICE = "simulator's choice"


def _f(*names: str) -> frozenset[str]:
    return frozenset(names)


_DIMENSION_LINE_FIELDS = frozenset(LINE_DIMENSION_FIELDS) | {"COSTTYPEID", "ALLOCATION", "BILLABLE"}

APBILL_LINES = LineSpec(
    container="APBILLITEMS", item="APBILLITEM",
    fields=_DIMENSION_LINE_FIELDS | _f("ACCOUNTNO", "ACCOUNTLABEL", "OFFSETGLACCOUNTNO", "TRX_AMOUNT",
                                       "ENTRYDESCRIPTION", "TAXENTRIES", "customfields", "FORM1099"),
    required=("ACCOUNTNO", "TRX_AMOUNT"), account_field="ACCOUNTNO", amount_field="TRX_AMOUNT")
ARINVOICE_LINES = LineSpec(
    container="ARINVOICEITEMS", item="ARINVOICEITEM",
    fields=_DIMENSION_LINE_FIELDS | _f("ACCOUNTNO", "OFFSETGLACCOUNTNO", "TRX_AMOUNT", "ENTRYDESCRIPTION",
                                       "customfields", "TAXENTRIES"),
    required=("ACCOUNTNO", "TRX_AMOUNT"), account_field="ACCOUNTNO", amount_field="TRX_AMOUNT")
# Adjustment lines carry the bill's / invoice's line fields (cdata's APADJUSTMENTITEM table; the DTD's lineitem).
APADJUSTMENT_LINES = replace(APBILL_LINES, container="APADJUSTMENTITEMS", item="APADJUSTMENTITEM")
ARADJUSTMENT_LINES = replace(ARINVOICE_LINES, container="ARADJUSTMENTITEMS", item="ARADJUSTMENTITEM")
# GLENTRY names location and department LOCATION and DEPARTMENT ([php:JournalEntryLineCreateTest]).
GLBATCH_LINES = LineSpec(
    container="ENTRIES", item="GLENTRY",
    fields=(_DIMENSION_LINE_FIELDS - {"LOCATIONID", "DEPARTMENTID"})
    | _f("DOCUMENT", "ACCOUNTNO", "TR_TYPE", "TRX_AMOUNT", "CURRENCY",
                                       "EXCH_RATE_DATE", "EXCH_RATE_TYPE_ID", "LOCATION", "DEPARTMENT",
                                       "DESCRIPTION", "customfields"),
    required=("ACCOUNTNO", "TR_TYPE", "TRX_AMOUNT"), account_field="ACCOUNTNO", amount_field="TRX_AMOUNT",
    renamed={"LOCATIONID": "LOCATION", "DEPARTMENTID": "DEPARTMENT"})

_TXN_HEADER = _f("RECORDID", "DOCNUMBER", "DESCRIPTION", "STATE", "TERMNAME", "BASECURR", "CURRENCY",
                 "SUPDOCID", "ONHOLD", "TOTALENTERED", "TOTALDUE", "TOTALPAID", "WHENCREATED", "WHENPOSTED",
                 "WHENDUE", "WHENPAID", "EXCH_RATE_DATE", "EXCH_RATE_TYPE_ID", "PRBATCH", "EXTERNALID",
                 "customfields")

OBJECTS: dict[str, ObjectDef] = {o.name: o for o in (
    ObjectDef("CUSTOMER", "Customer", "Accounts Receivable", "CUSTOMERID", "NAME",
              _f("CUSTOMERID", "NAME", "STATUS", "ONETIME", "HIDEDISPLAYCONTACT", "CUSTTYPE", "PARENTID",
                 "GLGROUP", "TERRITORYID", "SUPDOCID", "TERMNAME", "OFFSETGLACCOUNTNO", "ARACCOUNT",
                 "SHIPPINGMETHOD", "RESALENO", "TAXID", "CREDITLIMIT", "ONHOLD", "DELIVERYOPTIONS",
                 "CUSTMESSAGEID", "COMMENTS", "CURRENCY", "OBJECTRESTRICTION", "RESTRICTEDLOCATIONS",
                 "RESTRICTEDDEPARTMENTS", "TOTALDUE", "ENTITY") | CONTACT_FIELDS,
              required=("NAME",), is_dimension=True),
    ObjectDef("VENDOR", "Vendor", "Accounts Payable", "VENDORID", "NAME",
              _f("VENDORID", "NAME", "STATUS", "VENDTYPE", "PARENTID", "GLGROUP", "TAXID", "NAME1099",
                 "FORM1099TYPE", "FORM1099BOX", "APACCOUNT", "CREDITLIMIT", "ONHOLD", "DONOTCUTCHECK",
                 "CURRENCY", "PAYMETHODKEY", "TERMNAME", "VENDORACCOUNTNO", "OBJECTRESTRICTION",
                 "RESTRICTEDLOCATIONS", "COMMENTS", "TOTALDUE", "ONETIME") | CONTACT_FIELDS,
              required=("NAME",), is_dimension=True),
    ObjectDef("EMPLOYEE", "Employee", "Company", "EMPLOYEEID", "PERSONALINFO.CONTACTNAME",
              _f("EMPLOYEEID", "PERSONALINFO", "STATUS", "TITLE", "LOCATIONID", "DEPARTMENTID", "STARTDATE",
                 "ENDDATE", "SUPERVISORID", "CONTACT_NAME"),
              required=(), is_dimension=True, module_source=_CHOICE),
    ObjectDef("APBILL", "Bill", "Accounts Payable", "RECORDNO", None,
              _TXN_HEADER | _f("VENDORID", "VENDORNAME", "PAYTO", "RETURNTO"),
              required=("VENDORID", "WHENCREATED"), references={"VENDORID": "VENDOR", "SUPDOCID": "SUPDOC"},
              lines=APBILL_LINES),
    ObjectDef("ARINVOICE", "Invoice", "Accounts Receivable", "RECORDNO", None,
              _TXN_HEADER | _f("CUSTOMERID", "CUSTOMERNAME", "BILLTO", "SHIPTO", "PONUMBER"),
              required=("CUSTOMERID", "WHENCREATED"), references={"CUSTOMERID": "CUSTOMER", "SUPDOCID": "SUPDOC"},
              lines=ARINVOICE_LINES),
    # AP/AR adjustments: credit and debit memos. Sage writes them only through create_apadjustment /
    # create_aradjustment and deletes them with delete_*adjustment (developer.intacct.com/api/accounts-payable/
    # ap-adjustments lists lookup, query, readByQuery, read and the legacy functions; intacct-sdk-net#202:
    # "there are no non-legacy functions for AP Adjustment"). Header fields: cdata's APADJUSTMENT table.
    ObjectDef("APADJUSTMENT", "AP Adjustment", "Accounts Payable", "RECORDNO", None,
              _TXN_HEADER | _f("VENDORID", "VENDORNAME", "RECORDTYPE", "ADJUSTMENTTYPE"),
              required=("VENDORID", "WHENCREATED"), references={"VENDORID": "VENDOR"}, lines=APADJUSTMENT_LINES,
              legacy_only="create_apadjustment / delete_apadjustment (intacct-sdk-net#202)"),
    ObjectDef("ARADJUSTMENT", "AR Adjustment", "Accounts Receivable", "RECORDNO", None,
              _TXN_HEADER | _f("CUSTOMERID", "CUSTOMERNAME", "RECORDTYPE", "ADJUSTMENTTYPE"),
              required=("CUSTOMERID", "WHENCREATED"), references={"CUSTOMERID": "CUSTOMER"},
              lines=ARADJUSTMENT_LINES,
              legacy_only="create_aradjustment / delete_aradjustment (developer.intacct.com/api/"
                          "accounts-receivable/ar-adjustments)"),
    ObjectDef("GLBATCH", "Journal Entry", "General Ledger", "RECORDNO", None,
              _f("JOURNAL", "BATCH_DATE", "REVERSEDATE", "BATCH_TITLE", "HISTORY_COMMENT", "REFERENCENO",
                 "BASELOCATION_NO", "SUPDOCID", "STATE", "BATCHNO", "MODULE", "customfields"),
              required=("JOURNAL", "BATCH_DATE", "BATCH_TITLE"), references={"SUPDOCID": "SUPDOC"},
              lines=GLBATCH_LINES),
    # Payments (models/payments.py): generic APPYMT ([php:ApPaymentCreateTest]) and ARPYMT
    # (developer.intacct.com/api/accounts-receivable/ar-payments; [php:ArPaymentCreateTest]); legacy create_arpayment.
    ObjectDef("APPYMT", "AP Payment", "Accounts Payable", "RECORDNO", None,
              _f("PAYMENTMETHOD", "FINANCIALENTITY", "VENDORID", "VENDORNAME", "PAYMENTREQUESTMETHOD", "GROUPPAYMENTS",
                 "EXCH_RATE_DATE", "EXCH_RATE_TYPE_ID", "DOCNUMBER", "DESCRIPTION", "PAYMENTCONTACT", "PAYMENTDATE",
                 "CURRENCY", "BASECURR", "AMOUNTTOPAY", "ACTION", "APPYMTDETAILS", "TOTALENTERED", "STATE"),
              required=("PAYMENTMETHOD", "FINANCIALENTITY", "VENDORID", "PAYMENTDATE"),
              references={"VENDORID": "VENDOR"}),
    ObjectDef("ARPYMT", "AR Payment", "Accounts Receivable", "RECORDNO", None,
              _f("PAYMENTMETHOD", "FINANCIALENTITY", "CUSTOMERID", "CUSTOMERNAME", "RECEIPTDATE", "PAYMENTDATE",
                 "PRBATCH", "UNDEPOSITEDACCOUNTNO", "EXCH_RATE_DATE", "EXCH_RATE_TYPE_ID", "DOCNUMBER", "DESCRIPTION",
                 "CURRENCY", "BASECURR", "ACTION", "ARPYMTDETAILS", "PAYMENTAMOUNT", "TOTALENTERED", "TOTALPAID",
                 "STATE"),
              required=("PAYMENTMETHOD", "CUSTOMERID", "RECEIPTDATE"), references={"CUSTOMERID": "CUSTOMER"}),
    # Attachments and their folders: written only by the legacy *_supdoc* functions (models/attachments.py);
    # module per developer.sage.com company-config/attachment (Company subscription, "Add Attachments").
    ObjectDef("SUPDOC", "Attachment", "Company", "SUPDOCID", "SUPDOCNAME",
              _f("SUPDOCID", "SUPDOCNAME", "FOLDER", "DESCRIPTION", "CREATIONDATE", "ATTACHMENTS", "STATUS"),
              legacy_only="create_supdoc / update_supdoc / delete_supdoc ([dtd:v2.1/intacct_co_functions])"),
    ObjectDef("SUPDOCFOLDER", "Attachment Folder", "Company", "NAME", "NAME",
              _f("NAME", "DESCRIPTION", "PARENTFOLDER", "CREATIONDATE", "STATUS"),
              legacy_only="create_supdocfolder ([dtd:v2.1/intacct_co_functions])"),
    ObjectDef("GLACCOUNT", "GL Account", "General Ledger", "ACCOUNTNO", "TITLE",
              _f("ACCOUNTNO", "TITLE", "ACCOUNTTYPE", "NORMALBALANCE", "CLOSINGTYPE", "STATUS",
                 "REQUIREDEPT", "REQUIRELOC", "REQUIREPROJECT", "REQUIRECLASS", "CATEGORY"),
              required=("ACCOUNTNO", "TITLE")),
    ObjectDef("LOCATION", "Location", "Company", "LOCATIONID", "NAME",
              _f("LOCATIONID", "NAME", "PARENTID", "STATUS", "CURRENCY", "ENTITY", "SUPERVISORID"),
              required=("LOCATIONID", "NAME"), is_dimension=True),
    ObjectDef("LOCATIONENTITY", "Entity", "Company", "LOCATIONID", "NAME",
              _f("LOCATIONID", "NAME", "STATUS", "CURRENCY", "OPCOUNTRY", "STARTDATE"),
              required=("LOCATIONID", "NAME"), module_source=_CHOICE),
    ObjectDef("DEPARTMENT", "Department", "Company", "DEPARTMENTID", "TITLE",
              _f("DEPARTMENTID", "TITLE", "PARENTKEY", "PARENTID", "SUPERVISORNAME", "STATUS", "CUSTTITLE"),
              required=("DEPARTMENTID", "TITLE"), is_dimension=True),
    ObjectDef("CLASS", "Class", "Company", "CLASSID", "NAME",
              _f("CLASSID", "NAME", "DESCRIPTION", "STATUS", "PARENTKEY", "PARENTID", "PARENTNAME"),
              required=("CLASSID", "NAME"), is_dimension=True),
    ObjectDef("PROJECT", "Project", "Company", "PROJECTID", "NAME",
              _f("PROJECTID", "NAME", "DESCRIPTION", "STATUS", "CUSTOMERID", "PROJECTCATEGORY", "BEGINDATE",
                 "ENDDATE", "PARENTID"),
              required=("PROJECTID", "NAME"), is_dimension=True, module_source=_CHOICE),
    ObjectDef("TASK", "Task", "Company", "TASKID", "NAME",
              _f("TASKID", "NAME", "PROJECTID", "DESCRIPTION", "STATUS", "BILLABLE"),
              required=("TASKID", "NAME"), is_dimension=True, module_source=_CHOICE),
    ObjectDef("ITEM", "Item", "Inventory Control", "ITEMID", "NAME",
              _f("ITEMID", "NAME", "STATUS", "ITEMTYPE", "PRODUCTLINEID", "BASEPRICE", "GLGROUP", "UOMGRP"),
              required=("ITEMID", "NAME"), is_dimension=True),
    ObjectDef("WAREHOUSE", "Warehouse", "Inventory Control", "WAREHOUSEID", "NAME",
              _f("WAREHOUSEID", "NAME", "STATUS", "LOCATIONID", "PARENTID"),
              required=("WAREHOUSEID", "NAME"), is_dimension=True),
    ObjectDef("CONTRACT", "Contract", "Order Entry", "CONTRACTID", "NAME",
              _f("CONTRACTID", "NAME", "CUSTOMERID", "STATUS", "BEGINDATE", "ENDDATE", "DESCRIPTION"),
              required=("CONTRACTID", "NAME", "CUSTOMERID"), references={"CUSTOMERID": "CUSTOMER"},
              is_dimension=True, module_source=_CHOICE),
    ObjectDef("CHECKINGACCOUNT", "Checking Account", "Cash Management", "BANKACCOUNTID", "BANKNAME",
              _f("BANKACCOUNTID", "BANKNAME", "BANKACCOUNTNO", "GLACCOUNTNO", "STATUS", "CURRENCY"),
              required=("BANKACCOUNTID",)),
    ObjectDef("FIXEDASSET", "Asset", "Fixed Assets Management", "ASSETID", "NAME",
              _f("ASSETID", "NAME", "STATUS", "CLASSIFICATIONID", "INSERVICEDATE", "COST"),
              required=("ASSETID", "NAME"), module_source=_CHOICE),
    ObjectDef("USERINFO", "User", "Administration", "LOGINID", "DESCRIPTION",
              _f("LOGINID", "USERTYPE", "DESCRIPTION", "STATUS", "CONTACTINFO", "USERLOCATIONS",
                 "USERDEPARTMENTS", "LOGINDISABLED"),
              required=("LOGINID",)),
)}

# Fields Sage derives or computes on read (never written), as fylein's read-field lists
# (sageintacctsdk apis/constants.py) select them; ``query`` must accept them. Dotted names reach into
# the nested contact blocks (DISPLAYCONTACT.EMAIL1).
_CONTACT_PARTS = ("CONTACTNAME", "PREFIX", "FIRSTNAME", "INITIAL", "LASTNAME", "COMPANYNAME", "PRINTAS", "PHONE1",
                  "PHONE2", "CELLPHONE", "PAGER", "FAX", "EMAIL1", "EMAIL2", "URL1", "URL2", "MAILADDRESS.ADDRESS1",
                  "MAILADDRESS.ADDRESS2", "MAILADDRESS.CITY", "MAILADDRESS.STATE", "MAILADDRESS.ZIP",
                  "MAILADDRESS.COUNTRY", "MAILADDRESS.COUNTRYCODE")
# Set by reverse_invoice / reverse_bill: the original names its reversal and the date, the reversal its original
# (simulator's choice of names: Sage's reversal link fields are not public).
_REVERSAL_FIELDS = _f("REVERSALKEY", "REVERSALDATE", "REVERSEDKEY")
READ_FIELDS: dict[str, frozenset[str]] = {
    "CUSTOMER": _f("PARENTKEY", "PARENTNAME", "CUSTREPNAME", "GLGRPKEY")
    | {f"DISPLAYCONTACT.{p}" for p in _CONTACT_PARTS},
    "VENDOR": _f("PARENTKEY", "PARENTNAME", "ACCOUNTLABEL", "APACCOUNTTITLE")
    | {f"DISPLAYCONTACT.{p}" for p in _CONTACT_PARTS},
    "APBILL": _f("TOTALSELECTED", "RECPAYMENTDATE", "PAYMENTPRIORITY", "DUE_IN_DAYS") | _REVERSAL_FIELDS,
    "ARINVOICE": _f("CUSTMESSAGEID", "CUSTMESSAGE.MESSAGE", "DESCRIPTION2", "WHENDISCOUNT", "EXCHANGE_RATE",
                    "TOTALSELECTED", "BILLTOPAYTOCONTACTNAME", "SHIPTORETURNTOCONTACTNAME", "SYSTEMGENERATED",
                    "AUWHENCREATED", "DUE_IN_DAYS", "SHIPTO.TAXGROUP.NAME", "SHIPTO.TAXID", "SHIPTO.TAXGROUP.RECORDNO",
                    "SHIPTO.VISIBLE", "BILLTO.VISIBLE", "TAXSOLUTIONID", "TAXMETHOD", "RETAINAGEPERCENTAGE",
                    "TRX_TOTALRETAINED", "TRX_TOTALRELEASED", "TOTALRETAINED") | _REVERSAL_FIELDS
    | {f"{c}.{p}" for c in ("CONTACT", "SHIPTO", "BILLTO") for p in _CONTACT_PARTS},
    "GLACCOUNT": _f("ALTERNATIVEACCOUNT"),
}

@dataclass(frozen=True)
class LegacyCreate:
    """A 2.1-style create function: which object it writes, checked against which module, and its elements.

    ``header`` maps each element the v2.1 DTD allows ([dtd:v2.1/intacct_pr_functions.v2.1.dtd]) to the
    generic field it fills; ``ignored`` are allowed elements the simulator accepts without keeping.
    """

    object: str
    module: str
    header: dict[str, str]
    items: str
    ignored: frozenset[str]


_LEGACY_COMMON = {
    "datecreated": "WHENCREATED", "datedue": "WHENDUE", "description": "DESCRIPTION", "termname": "TERMNAME",
    "basecurr": "BASECURR", "currency": "CURRENCY", "supdocid": "SUPDOCID", "ponumber": "PONUMBER",
    "externalid": "EXTERNALID", "onhold": "ONHOLD", "customfields": "customfields",
}
_LEGACY_CREATE_IGNORED = frozenset({
    "action", "batchkey", "dateposted", "exchratedate", "exchratetype", "exchrate", "nogl", "taxsolutionid",
    "billto", "shipto", "payto", "returnto"})
# Adjustments: create_apadjustment / create_aradjustment as the DTD lists them; AR has neither supdocid nor
# customfields (intacct-sdk-net#217 shows Sage refusing supdocid on create_aradjustment).
_ADJUSTMENT_COMMON = {"datecreated": "WHENCREATED", "adjustmentno": "RECORDID", "description": "DESCRIPTION",
                      "externalid": "EXTERNALID", "basecurr": "BASECURR", "currency": "CURRENCY"}
_ADJUSTMENT_IGNORED = frozenset({"dateposted", "batchkey", "action", "exchratedate", "exchratetype", "exchrate",
                                 "nogl"})

# The legacy create_* functions and the module their write permission is checked against
# (the umpa notes say create_invoice is checked against the AR module, not the ARINVOICE object).
LEGACY_CREATES: dict[str, LegacyCreate] = {
    "create_invoice": LegacyCreate("ARINVOICE", "Accounts Receivable",
                                   {**_LEGACY_COMMON, "customerid": "CUSTOMERID", "invoiceno": "RECORDID"},
                                   "invoiceitems", _LEGACY_CREATE_IGNORED),
    "create_bill": LegacyCreate("APBILL", "Accounts Payable",
                                {**_LEGACY_COMMON, "vendorid": "VENDORID", "billno": "RECORDID"},
                                "billitems", _LEGACY_CREATE_IGNORED),
    "create_apadjustment": LegacyCreate("APADJUSTMENT", "Accounts Payable",
                                        {**_ADJUSTMENT_COMMON, "vendorid": "VENDORID", "billno": "DOCNUMBER",
                                         "customfields": "customfields"},
                                        "apadjustmentitems", _ADJUSTMENT_IGNORED),
    "create_aradjustment": LegacyCreate("ARADJUSTMENT", "Accounts Receivable",
                                        {**_ADJUSTMENT_COMMON, "customerid": "CUSTOMERID", "invoiceno": "DOCNUMBER"},
                                        "aradjustmentitems", _ADJUSTMENT_IGNORED),
}

# Platform Services owns dimensions metadata and inspect of custom objects (simulator's choice).
DIMENSIONS_MODULE = "Platform Services"
PERMISSIONS_MODULE = "Administration"
