"""Sage's wire errors as typed exceptions, one per failure level (control, gateway, authentication, function).

Texts are kept as Sage sent them except session ids, which are redacted: an exception message may end
up in a log, a ticket or a CLI screen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_SUPPORT_ID = re.compile(r"\s*\[Support ID: [^\]]*\]")
_SESSION = re.compile(r"(Invalid session)\s+\S+", re.IGNORECASE)


def clean_text(text: str) -> str:
    """Drop ``[Support ID: …]`` and any echoed session id."""
    return _SESSION.sub(r"\1 (id redacted)", _SUPPORT_ID.sub("", text or "")).strip()


@dataclass(frozen=True)
class ErrorDetail:
    """One ``<error>`` element, texts cleaned."""

    errorno: str
    description: str = ""
    description2: str = ""
    correction: str = ""

    @property
    def text(self) -> str:
        return self.description2 or self.description or self.errorno

    def __str__(self) -> str:
        return f"{self.errorno}: {self.text}"


class Level(StrEnum):
    TRANSPORT = "transport"
    GATEWAY = "gateway"
    CONTROL = "control"
    AUTHENTICATION = "authentication"
    FUNCTION = "function"


class AuthProblem(StrEnum):
    """Which setup-guide step an authentication or control failure points at (from Sage's texts)."""

    SENDER_CREDENTIALS = "sender_credentials"
    UNKNOWN_COMPANY = "unknown_company"
    NOT_SUBSCRIBED = "not_subscribed"
    SENDER_NOT_AUTHORIZED = "sender_not_authorized"
    SIGN_IN = "sign_in"
    USER_INACTIVE = "user_inactive"
    USER_LOCKED = "user_locked"
    USER_NOT_WEB_SERVICES = "user_not_web_services"
    UNKNOWN_ENTITY = "unknown_entity"
    ENTITY_NOT_PERMITTED = "entity_not_permitted"
    INVALID_SESSION = "invalid_session"
    OTHER = "other"


_PATTERNS: tuple[tuple[str, AuthProblem], ...] = (
    ("incorrect intacct xml partner id", AuthProblem.SENDER_CREDENTIALS),
    ("not authorized to make web services requests", AuthProblem.SENDER_NOT_AUTHORIZED),
    ("not authorized for xml transactions", AuthProblem.NOT_SUBSCRIBED),
    ("subscribe to the xml gateway", AuthProblem.NOT_SUBSCRIBED),
    ("sign-in information is incorrect", AuthProblem.SIGN_IN),
    ("is inactive", AuthProblem.USER_INACTIVE),
    ("locked out", AuthProblem.USER_LOCKED),
    ("not enabled for web services", AuthProblem.USER_NOT_WEB_SERVICES),
    ("invalid entity", AuthProblem.UNKNOWN_ENTITY),
    ("does not have access to", AuthProblem.ENTITY_NOT_PERMITTED),
    ("invalid session", AuthProblem.INVALID_SESSION),
)


def classify(errors: tuple[ErrorDetail, ...] | list[ErrorDetail]) -> AuthProblem:
    for err in errors:
        if err.errorno == "invalidRequest":
            return AuthProblem.UNKNOWN_COMPANY
        text = f"{err.description} {err.description2}".lower()
        for needle, problem in _PATTERNS:
            if needle in text:
                return problem
    return AuthProblem.OTHER


class IntacctError(Exception):
    """Sage (or the way to it) refused a request. ``errors`` holds the wire errors, if any."""

    level: Level = Level.FUNCTION

    def __init__(self, message: str, errors: tuple[ErrorDetail, ...] = (), http_status: int | None = None) -> None:
        self.errors = tuple(errors)
        self.http_status = http_status
        super().__init__(message)

    @property
    def errorno(self) -> str:
        return self.errors[0].errorno if self.errors else self.level.value

    @classmethod
    def from_errors(cls, errors: tuple[ErrorDetail, ...], http_status: int | None = None) -> IntacctError:
        text = "; ".join(str(e) for e in errors) or "no error details"
        return cls(f"{cls.level.value} failure: {text}", errors, http_status)


class TransportError(IntacctError):
    """The request could not be delivered (after retries); nothing ran."""

    level = Level.TRANSPORT


class UncertainOutcome(IntacctError):
    """A write request was sent but its answer was lost: Sage may or may not have run it."""

    level = Level.TRANSPORT


class GatewayError(IntacctError):
    """``GW-nnnn`` or a non-XML 4xx/5xx from the gateway."""

    level = Level.GATEWAY


class RateLimited(GatewayError):
    """HTTP 429 / GW-0010: over the company's concurrency limit; nothing ran."""


class ControlFailure(IntacctError):
    """Control-level failure (bad sender credentials, unknown company, malformed XML): nothing ran."""

    level = Level.CONTROL

    @property
    def problem(self) -> AuthProblem:
        return classify(self.errors)


class AuthenticationFailure(IntacctError):
    """Authentication failed: no function ran. ``problem`` says which guide step it points at."""

    level = Level.AUTHENTICATION

    @property
    def problem(self) -> AuthProblem:
        return classify(self.errors)


class MalformedResponse(IntacctError):
    """The gateway answered something that is not a Sage response."""

    level = Level.GATEWAY


class FunctionFailure(IntacctError):
    """One function failed (raised only by single-function helpers; batches return results)."""

    level = Level.FUNCTION

    def __init__(self, function: str, errors: tuple[ErrorDetail, ...]) -> None:
        self.function = function
        super().__init__(f"{function} failed: " + "; ".join(str(e) for e in errors), errors)
