"""The error catalogue: every error the simulator can put on the wire.

One class per wire error, as moto does it. Each class knows its failure level (control,
authentication, function, or gateway with its own HTTP status), its error number and texts, and
where the behaviour comes from: ``source`` names the public fixture or page that shows it (see
``shared/reference/sage-xml-api.md``); ``SIMULATOR_CHOICE`` marks behaviour the real gateway's
documentation does not show, chosen here to be plausible. ``catalogue()`` lists them all.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

SIMULATOR_CHOICE = "simulator's choice (real behaviour NOT FOUND in public sources)"


class Level(StrEnum):
    CONTROL = "control"
    AUTHENTICATION = "authentication"
    FUNCTION = "function"
    GATEWAY = "gateway"


@dataclass(frozen=True)
class ErrorDetail:
    """One ``<error>`` element."""

    errorno: str
    description: str = ""
    description2: str = ""
    correction: str = ""


_support_ids = itertools.count(1)


def support_id() -> str:
    """A ``[Support ID: …]`` suffix as the real gateway appends to many description2 texts."""
    return f" [Support ID: SIM{next(_support_ids):08d}]"


class IntacctError(Exception):
    """Base of every wire error. Subclasses set ``level``, ``http_status`` and ``source``."""

    level: ClassVar[Level] = Level.FUNCTION
    http_status: ClassVar[int] = 200
    source: ClassVar[str] = SIMULATOR_CHOICE
    example: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *errors: ErrorDetail) -> None:
        self.errors: tuple[ErrorDetail, ...] = errors
        super().__init__("; ".join(f"{e.errorno} {e.description2 or e.description}" for e in errors))


# --------------------------------------------------------------------------- control level
class ControlError(IntacctError):
    level = Level.CONTROL


class InvalidSender(ControlError):
    source = "[go] testfiles; PsIntacct tests; dmconsultant.co XL03000006"

    def __init__(self) -> None:
        super().__init__(ErrorDetail("XL03000006", "", "Incorrect Intacct XML Partner ID or password.", ""))


class XmlParseError(ControlError):
    source = "developer.intacct.com/web-services/error-handling/; [go:testfiles/execXMLError.xml]"

    def __init__(self, detail: str) -> None:
        super().__init__(ErrorDetail("XL03000003", "", f"XML Parse schema error: {detail}", ""))


class DuplicateControlId(ControlError):
    """``uniqueid=true`` and a control ID this company has already processed: nothing runs again.

    The docs say uniqueid "specifies whether a request can be submitted more than once without an
    error"; the error itself is NOT FOUND in public sources, so its number and texts are the
    simulator's choice.
    """

    source = "behaviour: developer.intacct.com/web-services/requests (uniqueid); errorno and texts: " \
        + SIMULATOR_CHOICE

    def __init__(self, controlid: str) -> None:
        super().__init__(ErrorDetail(
            "XL03000010", "Duplicate control ID",
            f"A request with control ID '{controlid[:256]}' was already processed for this company; with uniqueid "
            "set to true a control ID can be used only once.",
            "Send the request with a new control ID, or with uniqueid false."))


class UnknownCompany(ControlError):
    """Zapier's connector observed ``invalidRequest`` for a bad company ID; fylein saw it on HTTP 400."""

    http_status = 400
    source = "Zapier connector comment; fylein/sageintacct-sdk-py PR #51 (HTTP status as seen there)"

    def __init__(self) -> None:
        super().__init__(ErrorDetail("invalidRequest", "Invalid Request", "", ""))


# --------------------------------------------------------------------------- gateway level
class GatewayError(IntacctError):
    """``GW-nnnn`` errors: minimal ``<control><status>failure</status></control>``, no senderid."""

    level = Level.GATEWAY


class RateLimited(GatewayError):
    http_status = 429
    source = ("developer.intacct.com/web-services/error-handling/ (GW-0010, 429); texts: fylein SDK "
              "substring 'API rate limit exceeded' and Sage FAQ '(200024)'; element layout is the "
              + SIMULATOR_CHOICE)

    def __init__(self, company_id: str = "", limit: int | None = None) -> None:
        detail = "There are too many operations running for this company (200024)."
        if company_id and limit:
            detail += f" Company '{company_id}' allows {limit} concurrent requests."
        super().__init__(ErrorDetail("GW-0010", "API rate limit exceeded", detail,
                                     "Wait for running requests to finish, then try again."))


class StoreBusy(GatewayError):
    """The simulator's store stayed locked past its wait: answered like the gateway, never an HTML page.

    A real gateway under load answers 5xx; this envelope, number and text are the simulator's choice, so a
    client retries it as it retries any 503.
    """

    http_status = 503
    source = SIMULATOR_CHOICE

    def __init__(self) -> None:
        super().__init__(ErrorDetail("GW-0012", "Service temporarily unavailable",
                                     "The service is busy and could not take the request in time.",
                                     "Wait a few seconds, then send the request again."))


class InvalidRequest(GatewayError):
    """GW-0011 with the HTTP status the simulator chose for the case (405 for GET, 413 for size)."""

    source = "developer.intacct.com/web-services/error-handling/ (GW-0011 text); HTTP status is the " \
        + SIMULATOR_CHOICE

    def __init__(self, http_status: int, reason: str) -> None:
        self.http_status = http_status  # type: ignore[misc]
        super().__init__(ErrorDetail("GW-0011", f"Invalid Request [Request ID: SIM-{next(_support_ids)}]",
                                     reason, ""))


# --------------------------------------------------------------------------- authentication level
class AuthenticationError(IntacctError):
    level = Level.AUTHENTICATION


class SenderNotAuthorized(AuthenticationError):
    source = "developer.intacct.com/support/faq/"

    def __init__(self, sender_id: str, company_id: str) -> None:
        super().__init__(ErrorDetail(
            "XL03000006", "Invalid Web Services Authorization",
            f"The sender ID '{sender_id}' is not authorized to make Web Services requests to company ID "
            f"'{company_id}'.",
            "Contact the company administrator to grant Web Services authorization to this sender ID."))


class SignInIncorrect(AuthenticationError):
    """Wrong company, user or password. Spaces around the login fields: the company ID and user ID are trimmed,
    the password is compared exactly as sent (a space is a character of it), so a password pasted with a
    trailing space fails here. What the real gateway does with them is not public: the simulator's choice."""

    source = ("[php:OnlineResponseTest::testAuthenticationFailure]; [go:testfiles/execLoginInvalid.xml]; "
              "whitespace around login fields: " + SIMULATOR_CHOICE)

    def __init__(self) -> None:
        super().__init__(ErrorDetail("XL03000006", "", "Sign-in information is incorrect", ""))


class InvalidSession(AuthenticationError):
    """The real text echoes the session id, truncated in the fixture; we echo one character only."""

    source = "[go:testfiles/sessionInvalid.xml]"

    def __init__(self, session_id: str) -> None:
        super().__init__(ErrorDetail("XL03000006", "", f"Invalid session {session_id[:1]}....", ""))


class WebServicesNotSubscribed(AuthenticationError):
    source = "text: old developer.intacct.com FAQ; errorno and level: " + SIMULATOR_CHOICE

    def __init__(self) -> None:
        super().__init__(ErrorDetail(
            "XL03000006", "",
            "This company is not authorized for XML transactions. Please subscribe to the XML Gateway.",
            "Enable the Web Services subscription in Company > Subscriptions."))


class UserInactive(AuthenticationError):
    def __init__(self, user_id: str) -> None:
        super().__init__(ErrorDetail(
            "XL03000006", "", f"User '{user_id}' is inactive.",
            "Ask the company administrator to set the user's status to Active."))


class UserLockedOut(AuthenticationError):
    """Also what a user gets after ``THRESHOLD`` wrong passwords in a row, until an admin unlocks them."""

    THRESHOLD = 5  # failed sign-ins that lock a user: the real number is not public
    source = "text: " + SIMULATOR_CHOICE + "; lock-out after THRESHOLD wrong passwords: " + SIMULATOR_CHOICE

    def __init__(self, user_id: str) -> None:
        super().__init__(ErrorDetail(
            "XL03000006", "", f"User '{user_id}' is locked out.",
            "Ask the company administrator to unlock the user or reset the password."))


class UserNotWebServicesEnabled(AuthenticationError):
    def __init__(self, user_id: str) -> None:
        super().__init__(ErrorDetail(
            "XL03000006", "", f"User '{user_id}' is not enabled for Web Services access.",
            "Enable Web Services access for the user in Company > Users."))


class UnknownEntity(AuthenticationError):
    """At login an authentication failure; getAPISession's slide-in answers the same error as its own
    function failure (that level, for the slide-in, is the simulator's choice)."""

    source = ("behaviour: developer.intacct.com/api/company-console/api-sessions/ (slide-in by locationid); "
              "support.ramp.com entity access article (only that access is refused); errorno and texts: "
              + SIMULATOR_CHOICE)

    def __init__(self, location_id: str, company_id: str) -> None:
        super().__init__(ErrorDetail(
            "XL03000006", "", f"Invalid entity '{location_id}': no such entity in company '{company_id}'.",
            "Use the Location ID of an entity that exists in the company."))


class EntityNotPermitted(AuthenticationError):
    """Login, a session whose user lost the entity, and getAPISession's slide-in (as UnknownEntity)."""

    source = UnknownEntity.source

    def __init__(self, user_id: str, location_id: str) -> None:
        target = f"entity '{location_id}'" if location_id else "the top level"
        super().__init__(ErrorDetail(
            "XL03000006", "",
            f"User '{user_id}' does not have access to {target}.",
            "Give the user access to the entity, or connect to an entity the user may use."))


# --------------------------------------------------------------------------- function level
class FunctionError(IntacctError):
    level = Level.FUNCTION


class PermissionDenied(FunctionError):
    source = "Carling-Kody/umpa-invoice-service docs/SAGE-INTEGRATION-STATUS.md"
    example = ("You do not have permission for API operation READ_BY_QUERY on objects of type arinvoice",)

    def __init__(self, operation: str, object_name: str) -> None:
        super().__init__(ErrorDetail(
            "PL04000005", "",
            f"You do not have permission for API operation {operation} on objects of type "
            f"{object_name.lower()}{support_id()}", ""))


class DuplicateRecord(FunctionError):
    source = "[php-hist:e680deae]; [go:testfiles/execFuncError.xml]"

    def __init__(self, label: str, value: str, object_name: str) -> None:
        super().__init__(
            ErrorDetail("BL34000061", "", f"Another {label} with the given value(s) {value}  already exists",
                        "Use a unique value instead."),
            ErrorDetail("BL01001973", "", f"Could not create {object_name.lower()} record!", ""),
            ErrorDetail("BL01001973", "", f"Could not create {label} record!", ""))


class UnknownObject(FunctionError):
    source = "[php:ResultTest], [php:ErrorMessageTest] (errorno 'Query Failed' as in the fixture)"

    def __init__(self, object_name: str) -> None:
        super().__init__(ErrorDetail("Query Failed", "", f"Object definition {object_name} not found", ""))


class InvalidReference(FunctionError):
    """A line or header points at a record that does not exist, is inactive, or lives elsewhere."""

    source = ("texts: fylein/fyle-intacct-api errors.py regexes and test_tasks.py; errorno BL01001973; the "
              "attachment, attachment-folder, bank-account, contact and paid-document texts (the folder must exist: "
              "developer.sage.com company-config/attachment) are the " + SIMULATOR_CHOICE)

    def __init__(self, text: str, object_name: str, correction: str = "") -> None:
        super().__init__(
            ErrorDetail("BL01001973", "", f"{text}{support_id()}", correction),
            ErrorDetail("BL01001973", "", f"Could not create {object_name.lower()} record!",
                        "Check the transaction for errors or inconsistencies, then try again."))


class RequiredField(FunctionError):
    def __init__(self, field: str, object_name: str) -> None:
        super().__init__(
            ErrorDetail("BL03000018", "", f"Required field {field} is missing on {object_name}.",
                        f"Enter a value for {field}, and try again."),
            ErrorDetail("BL01001973", "", f"Could not create {object_name.lower()} record!", ""))


class InvalidFieldValue(FunctionError):
    """Bad dates, numbers and enumerations."""

    def __init__(self, field: str, value: str, expected: str) -> None:
        super().__init__(ErrorDetail(
            "BL01001975", "", f"Invalid value '{value[:100]}' for field {field}: expected {expected}.",
            f"Enter {expected} in {field}, and try again."))


class UnbalancedEntry(FunctionError):
    """A journal entry whose debits and credits differ."""

    source = "behaviour: double entry (GLBATCH debits must equal credits); errorno and texts: " + SIMULATOR_CHOICE

    def __init__(self, debits: object, credits: object) -> None:
        super().__init__(
            ErrorDetail("BL01001973", "", f"The journal entry is out of balance: debits {debits}, credits {credits}."
                        f"{support_id()}", "Make the debit (TR_TYPE 1) and credit (TR_TYPE -1) lines total the same."),
            ErrorDetail("BL01001973", "", "Could not create glbatch record!", ""))


class AttachmentTooLarge(FunctionError):
    """A file in ``attachments/attachment`` larger than the simulator keeps."""

    source = "limit and texts: " + SIMULATOR_CHOICE + "; the v2.1 DTD types attachmentdata STRING_100000"

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(ErrorDetail(
            "BL01001975", "", f"Invalid value '{size} bytes' for field attachmentdata: expected a file of at most "
            f"{limit} bytes ({limit // 1048576} MB); split or compress the file.",
            f"Attach files of at most {limit // 1048576} MB each, and try again."))


class FieldTooLong(FunctionError):
    """A value longer than the field holds: refused, never stored cut short.

    The limits and their sources are in ``simulator/models/limits.py``; the error number and text are the
    simulator's choice (Sage's wording for an over-long value is NOT FOUND in public sources).
    """

    source = SIMULATOR_CHOICE
    example = ("The value for NAME on VENDOR is 130 characters long; at most 100 are allowed.",)

    def __init__(self, field: str, object_name: str, length: int, limit: int) -> None:
        super().__init__(
            ErrorDetail("BL01001975", "", f"The value for {field} on {object_name} is {length} characters long; "
                                          f"at most {limit} are allowed.",
                        f"Shorten {field} to {limit} characters or fewer, and try again."),
            ErrorDetail("BL01001973", "", f"Could not create {object_name.lower()} record!", ""))


class NegativeTotal(FunctionError):
    """A bill or invoice whose lines add up to less than zero.

    Sage takes money owed back as an adjustment (an AP adjustment is a debit memo, an AR adjustment a credit
    memo), not as a negative bill or invoice. The refusal, its error number and text are the simulator's
    choice (Sage's behaviour for a negative total is NOT FOUND in public sources).
    """

    source = SIMULATOR_CHOICE
    example = ("The total of this bill is -120.00. A bill cannot have a negative total; enter an AP adjustment "
               "instead.",)

    def __init__(self, label: str, total: str, adjustment: str, object_name: str) -> None:
        super().__init__(
            ErrorDetail("BL01001973", "", f"The total of this {label} is {total}. A {label} cannot have a "
                                          f"negative total; enter an {adjustment} instead.",
                        f"Enter the amount as an {adjustment}, or correct the lines so the total is zero or more."),
            ErrorDetail("BL01001973", "", f"Could not create {object_name.lower()} record!", ""))


class UnknownField(FunctionError):
    def __init__(self, field: str, object_name: str) -> None:
        super().__init__(ErrorDetail(
            "PL03000002", "", f"Field '{field[:100]}' is not defined on object {object_name}.",
            "Use a field listed by inspect, or add the custom field in Platform Services."))


class RecordNotFound(FunctionError):
    """Update or delete of a key that does not exist."""

    source = "[php-hist:e680deae] (texts); the errorno for update is the " + SIMULATOR_CHOICE

    def __init__(self, text: str) -> None:
        super().__init__(ErrorDetail("BL01001973", "", text, ""))


class RecordInUse(FunctionError):
    """Delete of a customer, vendor, dimension value, account or contact that another record still names."""

    source = ("behaviour: Sage Intacct help (a customer or vendor with transactions cannot be deleted; make it "
              "inactive instead); errorno and texts: " + SIMULATOR_CHOICE)
    example = ("Customer C1 cannot be deleted: Invoice 12 uses it.",)

    def __init__(self, label: str, key: str, user_label: str, user_recordno: int) -> None:
        super().__init__(
            ErrorDetail("BL01001973", "", f"{label} {key[:100]} cannot be deleted: {user_label} {user_recordno} uses "
                                          f"it.{support_id()}",
                        f"Set the {label.lower()}'s STATUS to inactive instead, or delete what uses it first."),
            ErrorDetail("BL01001973", "", f"Could not delete {label} record!", ""))


class PaymentStateRefused(FunctionError):
    """Update or delete of a payment that is no longer a draft; reversal or application of one that cannot be."""

    source = ("behaviour: developer.intacct.com/api/accounts-receivable/ar-payments and /accounts-payable/ap-payments "
              "(only a draft payment can be updated or deleted); reversing a draft or reversed payment and applying "
              "more than a payment has left: the simulator's choice of rule; errorno and texts: " + SIMULATOR_CHOICE)
    example = ("AR Payment 31 is complete; only a draft payment can be updated.",)

    def __init__(self, label: str, recordno: int, state: str, action: str, fix: str) -> None:
        super().__init__(ErrorDetail(
            "BL01001973", "", f"{label} {recordno} is {state.lower()}; {action}.{support_id()}", fix))


class XmlSchemaError(ControlError):
    """A legacy function with an element its DTD does not allow: the whole request fails at control level."""

    source = ("intacct-sdk-net#217 (create_aradjustment with supdocid: 'Response control status failure - "
              "XL03000003 XML Parse schema error: Error 1871: Element 'supdocid': This element is not expected. "
              "Expected is one of ( … )'); intacct-sdk-net#244 (the same for an unknown function)")
    example = ("XML Parse schema error: Error 1871: Element 'supdocid': This element is not expected. Expected is one "
               "of ( description, externalid, basecurr, currency, nogl, taxsolutionid, aradjustmentitems ).. Line: 1, "
               "column: 0.",)

    def __init__(self, element: str, expected: list[str]) -> None:
        wanted = f" Expected is one of ( {', '.join(expected)} )." if expected else ""
        super().__init__(ErrorDetail(
            "XL03000003", "", f"XML Parse schema error: Error 1871: Element '{element[:100]}': This element is not "
                              f"expected.{wanted}. Line: 1, column: 0.{support_id()}", ""))


_PAST = {"update": "updated", "delete": "deleted", "reverse": "reversed", "pay": "paid"}


class DocumentStateRefused(FunctionError):
    """Update, delete, reverse or pay of an invoice, bill or adjustment whose state forbids it."""

    source = ("behaviour: Sage Intacct help (a reversed transaction is final; payments must be reversed before "
              "the paid document is changed); errorno and texts: " + SIMULATOR_CHOICE)
    example = ("Bill 42 is reversed; a reversed bill cannot be updated.",
               "Invoice 7 has payments applied and cannot be deleted.")

    def __init__(self, label: str, recordno: int, action: str, state: str) -> None:
        verb = _PAST.get(action, action)
        if state in ("Reversed", "Reversal"):
            text = f"{label} {recordno} is {state.lower()}; a {state.lower()} {label.lower()} cannot be {verb}."
            fix = f"Leave it as it is; enter a new {label.lower()} for any further change."
        else:
            text = f"{label} {recordno} has payments applied and cannot be {verb}."
            fix = "Reverse the payments applied to it first, then try again."
        super().__init__(ErrorDetail("BL01001973", "", f"{text}{support_id()}", fix))


class LegacyOnlyObject(FunctionError):
    """Generic create/update/delete of an object Sage writes only through its legacy functions, or of a line object
    (APBILLITEM ...), which is written with its document."""

    source = ("behaviour: developer.intacct.com/api/accounts-payable/ap-adjustments (only the legacy create and "
              "delete); intacct-sdk-net#202 ('there are no non-legacy functions for AP Adjustment'); line objects: "
              "their pages document lookup, query, readByQuery and read only; errorno and texts: " + SIMULATOR_CHOICE)
    example = ("The create operation is not supported for object APADJUSTMENT.",)

    def __init__(self, operation: str, object_name: str, legacy: str) -> None:
        super().__init__(ErrorDetail(
            "BL01001973", "", f"The {operation} operation is not supported for object {object_name}.",
            f"Use {legacy}."))


class InvalidQuery(FunctionError):
    def __init__(self, message: str) -> None:
        super().__init__(ErrorDetail("Query Failed", "", message[:500],
                                     "Check the query syntax and field names."))


class InvalidArgument(FunctionError):
    """A function is missing an element or has a value out of range (pagesize, keys)."""

    def __init__(self, message: str) -> None:
        super().__init__(ErrorDetail("XL03000004", "", message[:500], ""))


class ReadMoreExpired(FunctionError):
    source = "[php-hist] readMore fixture"

    def __init__(self, result_id: str) -> None:
        super().__init__(ErrorDetail(
            "readMore failed", "", f"Attempt to readMore with an invalid or expired resultId: {result_id[:64]}",
            ""))


class MissingAttribute(FunctionError):
    """A function without an attribute its schema requires (get_companyprefs' ``application``).

    The XSD (Intacct/intacct_dtd v3.0/api.xsd) makes it required; the text is libxml2's wording for a
    missing attribute, as the gateway's other schema errors use libxml2's. The level is the simulator's choice:
    this function's failure only, where an unknown function or a legacy element out of order fails the request."""

    source = "Intacct/intacct_dtd v3.0/api.xsd (required attribute); level and text: " + SIMULATOR_CHOICE

    def __init__(self, element: str, attribute: str) -> None:
        super().__init__(ErrorDetail(
            "XL03000003", "",
            f"XML Parse schema error: Element '{element}': The attribute '{attribute}' is required but missing.",
            f"Add the {attribute} attribute."))


class UnknownApplication(FunctionError):
    """get_companyprefs for an application code the subscriptions page does not list."""

    def __init__(self, application: str, known: tuple[str, ...]) -> None:
        super().__init__(ErrorDetail(
            "XL03000004", "", f"Invalid application '{application[:40]}' for get_companyprefs.",
            f"Use one of: {', '.join(known)}."))


class ApplicationNotSubscribed(FunctionError):
    """get_companyprefs for an application the company does not subscribe to (ME: not multi-entity)."""

    def __init__(self, application: str, company_id: str) -> None:
        super().__init__(ErrorDetail(
            "BL03000130", "", f"Company '{company_id}' is not subscribed to application {application}.",
            "Subscribe the company to the application in Company > Admin > Subscriptions, or ask for another "
            "application's preferences."))


class ReadMoreNothingPending(FunctionError):
    """readMore by ``<object>`` when the session has no readByQuery of that object still paging.

    The docs allow ``<object>`` instead of ``<resultId>``; what Sage answers with nothing to continue is
    not public (errorno as the resultId case's, text: the simulator's choice)."""

    def __init__(self, object_name: str) -> None:
        super().__init__(ErrorDetail(
            "readMore failed", "",
            f"Attempt to readMore on object {object_name[:64]} with no readByQuery of it still paging in this "
            "session.",
            "Send readByQuery first, from the same session, or readMore with the resultId it answered."))


class LoginIdNotFound(FunctionError):
    source = "[php-hist] getUserPermissions fixture"

    def __init__(self, login_id: str) -> None:
        super().__init__(ErrorDetail("BL03000025", "", f"Login ID {login_id} does not exist.",
                                     "Provide a valid USER.LOGINID value."))


class TransactionRolledBack(FunctionError):
    """Appended to every result of an operation with ``transaction="true"`` that failed."""

    source = "[php:test/Intacct/OnlineClientTest.php::testExecuteBatchTransactionResultException]"
    DETAIL = ErrorDetail(
        "XL03000009", "", "The entire transaction in this operation has been rolled back due to an error.", "")

    def __init__(self) -> None:
        super().__init__(self.DETAIL)


class InternalError(FunctionError):
    source = "[php-hist] DL02000001 fixture"

    def __init__(self) -> None:
        super().__init__(ErrorDetail("DL02000001", "Error", "There was an error processing the request.", ""))


def catalogue() -> list[type[IntacctError]]:
    """Every concrete wire error class, for documentation and the admin API."""
    seen: list[type[IntacctError]] = []
    stack: list[type[IntacctError]] = [IntacctError]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.__module__ == __name__ and sub not in (ControlError, GatewayError, AuthenticationError,
                                                            FunctionError):
                seen.append(sub)
    return sorted(seen, key=lambda c: (c.level.value, c.__name__))
