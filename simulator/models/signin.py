"""Sign-in: every rule that decides who a request is, in the order the gateway applies them.

Control: the sender ID and password must be a known Web Services sender. Authentication, by login:
the company must exist, subscribe to Web Services and authorize the sender; the user must exist and
know the password (a wrong one counts towards lock-out, a right one resets the count), be active,
have Web Services access and may use the entity asked for. By session: the session must exist and
not have expired, and the same company, sender, user and entity rules must still hold (access lost
since sign-in ends the session's use). ``getAPISession``'s entity slide-in reuses the entity rule.
"""

from __future__ import annotations

import secrets
from typing import Any

from intacct_harness.simulator.errors import (
    EntityNotPermitted,
    InvalidSender,
    InvalidSession,
    SenderNotAuthorized,
    SignInIncorrect,
    UnknownCompany,
    UnknownEntity,
    UserInactive,
    UserLockedOut,
    UserNotWebServicesEnabled,
    WebServicesNotSubscribed,
)
from intacct_harness.simulator.models.company import Company
from intacct_harness.simulator.models.context import Session
from intacct_harness.simulator.models.secrets import verify_secret
from intacct_harness.simulator.store import Tx
from intacct_harness.simulator.wire.envelope import Control, Operation


def check_sender(tx: Tx, control: Control) -> None:
    """The control block's sender: known, with the right password (XL03000006 otherwise)."""
    secret = tx.get_sender_secret(control.senderid)
    if secret is None or not verify_secret(secret, control.password):
        raise InvalidSender()


def authenticate(tx: Tx, control: Control, op: Operation, now: float) -> Session:
    """The operation's session: a new one from ``<login>``, or the one ``<sessionid>`` names."""
    if op.login is not None:
        return _login(tx, control, op)
    sid = op.session_id or ""
    found = tx.get_session(sid)
    if found is None or found[3] < now:
        raise InvalidSession(sid)
    company_id, user_id, entity, expires = found
    company = tx.shared_company(company_id, Company)   # read-only here: a session changes nothing of it
    if company is None:
        raise InvalidSession(sid)
    check_company(company, control)
    user = company.user(user_id)
    if user is None:
        raise InvalidSession(sid)
    check_user(user_id, user)
    check_entity_access(company, user_id, user, entity)  # access the user has since lost
    return Session(sid, company, user_id, user, entity, company.rights(user), expires)


def _login(tx: Tx, control: Control, op: Operation) -> Session:
    login = op.login
    assert login is not None
    doc = tx.get_company(login.companyid)
    if doc is None:
        raise UnknownCompany()
    company = Company(doc)
    check_company(company, control)
    user = company.user(login.userid)
    if user is None or not verify_secret(user.get("password_hash", ""), login.password):
        if user is not None:
            _failed_sign_in(tx, company, user)
        raise SignInIncorrect()
    user_id = next(uid for uid, u in company.doc["users"].items() if u is user)
    if user.pop("failed_signins", None) is not None and user.get("status", "active") == "active":
        tx.put_company(company.doc)  # a good password resets the count of failed attempts
    check_user(user_id, user)
    entity = login.locationid or ""
    check_entity_access(company, user_id, user, entity)
    return Session(new_session_id(), company, user_id, user, entity, company.rights(user))


def new_session_id() -> str:
    """An opaque session ID ending in ``..``, as every public fixture's does."""
    return secrets.token_urlsafe(24) + ".."


def check_company(company: Company, control: Control) -> None:
    """The company subscribes to Web Services and authorizes this sender."""
    if not company.web_services:
        raise WebServicesNotSubscribed()
    if control.senderid not in company.authorized_senders:
        raise SenderNotAuthorized(control.senderid, company.id)


def check_user(user_id: str, user: dict[str, Any]) -> None:
    """The user is active, not locked out and has Web Services access."""
    status = str(user.get("status", "active")).lower()
    if status == "inactive":
        raise UserInactive(user_id)
    if status in ("locked", "locked out", "lockedout"):
        raise UserLockedOut(user_id)
    if not user.get("web_services", True):
        raise UserNotWebServicesEnabled(user_id)


def check_entity_access(company: Company, user_id: str, user: dict[str, Any], entity: str) -> None:
    """The entity rules shared by login and getAPISession's slide-in."""
    if entity:
        if entity not in company.entities:
            raise UnknownEntity(entity, company.id)
        if company.restrict_top_level:
            raise EntityNotPermitted(user_id, entity)
        allowed = user.get("entities") or []
        if allowed and entity not in allowed:
            raise EntityNotPermitted(user_id, entity)
    elif user.get("entities"):
        raise EntityNotPermitted(user_id, "")


def _failed_sign_in(tx: Tx, company: Company, user: dict[str, Any]) -> None:
    """Count a wrong password; the attempt that reaches the threshold locks the user out."""
    user["failed_signins"] = int(user.get("failed_signins", 0)) + 1
    if user["failed_signins"] >= UserLockedOut.THRESHOLD:
        user["status"] = "locked"
    tx.put_company(company.doc)
