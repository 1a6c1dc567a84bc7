"""Fault injection: make the gateway fail the ways the real one and its network do.

Rules follow LocalStack's chaos API: each matches on company, entity, function, object and a
probability (seeded, so a run repeats), and the first matching rule wins. A rule acts with

- ``error``: a wire error at control, authentication or function level, either a catalogue
  class by name (``{"name": "PermissionDenied"}``) or literal texts (``{"errorno": …}``);
- ``http``: a status with the body the real edge returns (429 GW-0010 envelope, 502/503 proxy
  HTML, 524 "still processing" *after* the work was done);
- ``latency``: added milliseconds before the request runs;
- ``reset``: the connection drops before anything runs;
- ``lost_response``: the request runs, then the connection drops (the classic duplicate trap);
- ``empty`` / ``truncated``: the request runs, then an empty or half body comes back;
- ``still_processing``: the edge answers 524 at once while the origin keeps working: the request
  lands ``ms`` later (what "CDN cut connection but system still processing" means, and why a
  client must not re-post the moment it cannot find the document).

Rules live in the store (shared by every worker) and a reset clears them. ``times`` limits how
often a rule fires.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from intacct_harness.simulator import errors as catalogue
from intacct_harness.simulator.errors import ErrorDetail, IntacctError, Level
from intacct_harness.simulator.store import Store, Tx

ACTIONS = ("error", "http", "latency", "reset", "lost_response", "empty", "truncated", "still_processing")
AFTER_ACTIONS = frozenset({"lost_response", "empty", "truncated"})
_RULE_KEYS = {"id", "company", "entity", "function", "object", "probability", "times", "action", "error", "status",
              "ms"}

# Catalogue errors a rule may name; the lambdas receive what the request was about.
_NAMED: dict[str, Any] = {
    "InvalidSender": lambda m: catalogue.InvalidSender(),
    "XmlParseError": lambda m: catalogue.XmlParseError("Fatal Error 76: injected fault. Line: 1, column: 1."),
    "UnknownCompany": lambda m: catalogue.UnknownCompany(),
    "SenderNotAuthorized": lambda m: catalogue.SenderNotAuthorized(m["sender"], m["company"]),
    "SignInIncorrect": lambda m: catalogue.SignInIncorrect(),
    "InvalidSession": lambda m: catalogue.InvalidSession("x"),
    "WebServicesNotSubscribed": lambda m: catalogue.WebServicesNotSubscribed(),
    "UserInactive": lambda m: catalogue.UserInactive(m["user"]),
    "UserLockedOut": lambda m: catalogue.UserLockedOut(m["user"]),
    "PermissionDenied": lambda m: catalogue.PermissionDenied(m["operation"], m["object"] or "object"),
    "InternalError": lambda m: catalogue.InternalError(),
    "InvalidReference": lambda m: catalogue.InvalidReference("Injected invalid reference.", m["object"] or "object"),
}
_OPERATIONS = {"create": "CREATE", "update": "UPDATE", "delete": "DELETE", "read": "READ",
               "readByQuery": "READ_BY_QUERY", "readByName": "READ_BY_NAME", "query": "QUERY", "lookup": "INSPECT",
               "inspect": "INSPECT"}
# The legacy functions: the object each works on, and its API operation (the verb in its name).
LEGACY_OBJECTS = {
    "create_invoice": "ARINVOICE", "update_invoice": "ARINVOICE", "reverse_invoice": "ARINVOICE",
    "delete_invoice": "ARINVOICE", "create_bill": "APBILL", "update_bill": "APBILL", "reverse_bill": "APBILL",
    "delete_bill": "APBILL", "create_apadjustment": "APADJUSTMENT", "update_apadjustment": "APADJUSTMENT",
    "delete_apadjustment": "APADJUSTMENT", "create_aradjustment": "ARADJUSTMENT",
    "update_aradjustment": "ARADJUSTMENT", "delete_aradjustment": "ARADJUSTMENT", "create_arpayment": "ARPYMT",
    "apply_arpayment": "ARPYMT", "reverse_arpayment": "ARPYMT", "reverse_appayment": "APPYMT",
    "create_supdoc": "SUPDOC", "update_supdoc": "SUPDOC", "delete_supdoc": "SUPDOC", "get_supdoc": "SUPDOC",
    "create_supdocfolder": "SUPDOCFOLDER", "delete_customer": "CUSTOMER", "delete_vendor": "VENDOR",
}
_VERB_OPERATIONS = {"create": "CREATE", "update": "UPDATE", "delete": "DELETE", "reverse": "UPDATE",
                    "apply": "UPDATE", "get": "READ"}


class FaultRuleError(ValueError):
    """A rule that cannot be used; the message names the key and what it accepts."""


@dataclass
class FaultRule:
    action: str
    id: str = ""
    company: str | None = None
    entity: str | None = None
    function: str | None = None
    object: str | None = None
    probability: float = 1.0
    times: int | None = None
    error: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    ms: float = 0.0

    @classmethod
    def parse(cls, raw: Any, where: str = "fault") -> FaultRule:
        if not isinstance(raw, dict):
            raise FaultRuleError(f"{where}: expected a mapping")
        for key in raw:
            if key not in _RULE_KEYS:
                raise FaultRuleError(f"{where}.{key}: unknown key (allowed: {', '.join(sorted(_RULE_KEYS))})")
        action = raw.get("action")
        if action not in ACTIONS:
            raise FaultRuleError(f"{where}.action: expected one of {', '.join(ACTIONS)}, got {action!r}")
        prob = raw.get("probability", 1.0)
        if isinstance(prob, bool) or not isinstance(prob, int | float) or not 0 <= prob <= 1:
            raise FaultRuleError(f"{where}.probability: expected a number from 0 to 1, got {prob!r}")
        times = raw.get("times")
        if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
            raise FaultRuleError(f"{where}.times: expected a whole number >= 1, got {times!r}")
        rule = cls(action=action, id=str(raw.get("id", "")), probability=float(prob), times=times,
                   **{k: (str(raw[k]) if raw.get(k) is not None else None)
                      for k in ("company", "entity", "function", "object")})
        if action == "error":
            err = raw.get("error")
            if not isinstance(err, dict) or not (err.get("name") in _NAMED or err.get("errorno")):
                raise FaultRuleError(f"{where}.error: give name (one of {', '.join(sorted(_NAMED))}) or errorno, "
                                     "description2, level")
            if err.get("level", "function") not in ("control", "authentication", "function"):
                raise FaultRuleError(f"{where}.error.level: control, authentication or function")
            rule.error = {str(k): str(v) for k, v in err.items()}
            if err.get("name") in _NAMED:  # a catalogue error keeps its own level
                dummy = dict.fromkeys(("sender", "company", "user", "operation", "object"), "x")
                rule.error["level"] = _NAMED[err["name"]](dummy).level.value
        if action == "http":
            status = raw.get("status")
            if status not in (429, 500, 502, 503, 504, 524):
                raise FaultRuleError(f"{where}.status: one of 429, 500, 502, 503, 504, 524; got {status!r}")
            rule.status = int(status)
        if action == "still_processing":
            ms = raw.get("ms", 500)
            if isinstance(ms, bool) or not isinstance(ms, int | float) or not 0 < ms <= 120_000:
                raise FaultRuleError(f"{where}.ms: milliseconds from 1 to 120000; got {ms!r}")
            rule.ms = float(ms)
        if action == "latency":
            ms = raw.get("ms")
            if isinstance(ms, bool) or not isinstance(ms, int | float) or not 0 < ms <= 120_000:
                raise FaultRuleError(f"{where}.ms: milliseconds from 1 to 120000; got {ms!r}")
            rule.ms = float(ms)
        return rule

    def matches(self, company: str | None, entity: str | None, functions: Iterable[tuple[str, str]]) -> bool:
        if self.company is not None and self.company != company:
            return False
        if self.entity is not None and self.entity != (entity or ""):
            return False
        if self.function is None and self.object is None:
            return True
        return any(self.matches_function(name, obj) for name, obj in functions)

    def matches_function(self, name: str, obj: str) -> bool:
        return (self.function is None or self.function == name) and (self.object is None or self.object == obj)

    @property
    def level(self) -> str:
        return self.error.get("level", "function") if self.action == "error" else ""

    def build_error(self, about: dict[str, str]) -> IntacctError:
        """The injected wire error; named catalogue classes get what the request was about."""
        if self.error.get("name") in _NAMED:
            exc: IntacctError = _NAMED[self.error["name"]](about)
            return exc
        detail = ErrorDetail(self.error["errorno"], self.error.get("description", ""),
                             self.error.get("description2", ""), self.error.get("correction", ""))
        level = Level(self.level)
        cls = {Level.CONTROL: catalogue.ControlError, Level.AUTHENTICATION: catalogue.AuthenticationError,
               Level.FUNCTION: catalogue.FunctionError}[level]
        return cls(detail)


def operation_of(function: str) -> str:
    if function in LEGACY_OBJECTS:
        return _VERB_OPERATIONS.get(function.split("_", 1)[0], function.upper())
    return _OPERATIONS.get(function, function.upper())



def function_object(name: str, element: Any) -> str:
    """The object a function works on: ``<object>``, the first child of create/update, or the legacy one."""
    if name in LEGACY_OBJECTS:
        return LEGACY_OBJECTS[name]
    obj = element.findtext("object")
    if obj:
        return obj.strip().upper()
    if name in ("create", "update"):
        first = next((c for c in element if isinstance(c.tag, str)), None)
        return first.tag.upper() if first is not None else ""
    return ""


def function_summary(request: Any) -> list[tuple[str, str]]:
    return [(f.name, function_object(f.name, f.element)) for op in request.operations for f in op.functions]


def request_about(request: Any) -> dict[str, str]:
    """What named catalogue errors need to know about a request."""
    op = request.operations[0]
    summary = function_summary(request)
    name, obj = summary[0] if summary else ("", "")
    return {"sender": request.control.senderid, "company": op.login.companyid if op.login else "",
            "user": op.login.userid if op.login else "", "operation": operation_of(name), "object": obj}


_NO_MATCH = "\0no match"


class FaultBook:
    """The rule list in the store, and a seeded die per app for probabilities."""

    KEY = "faults"

    def __init__(self, store: Store, seed: int | None = 0) -> None:
        self.store = store
        self.rng = random.Random(seed)

    def rules(self, tx: Tx) -> list[FaultRule]:
        return [FaultRule(**r) for r in json.loads(tx.get_meta(self.KEY, "[]"))]

    def _save(self, tx: Tx, rules: list[FaultRule]) -> None:
        tx.set_meta(self.KEY, json.dumps([asdict(r) for r in rules]))

    def replace(self, raw_rules: Any) -> list[FaultRule]:
        with self.store.transaction() as tx:
            return save_rules(tx, raw_rules)

    def add(self, raw: Any) -> FaultRule:
        rule = FaultRule.parse(raw)
        with self.store.transaction() as tx:
            rules = self.rules(tx)
            rule.id = rule.id or f"rule-{len(rules) + 1}"
            rules.append(rule)
            self._save(tx, rules)
        return rule

    def clear(self) -> None:
        with self.store.transaction() as tx:
            self._save(tx, [])

    def armed(self, tx: Tx) -> bool:
        """Any rule at all (read in the caller's snapshot: the usual answer, no, costs no transaction)."""
        return tx.get_meta(self.KEY, "[]") != "[]"

    def pick(self, targets: list[tuple[str | None, str | None, list[tuple[str, str]]]]) -> FaultRule | None:
        """The first rule matching any operation (company, entity, functions) whose die roll fires.

        Counts it against ``times``; each operation of a request is looked at, not the first only.
        """
        with self.store.read() as tx:  # no rules (the usual case): no write lock taken
            if tx.get_meta(self.KEY, "[]") == "[]":
                return None
        with self.store.transaction() as tx:
            raw = tx.get_meta(self.KEY, "[]")
            if raw == "[]":
                return None
            rules = self.rules(tx)
            for i, rule in enumerate(rules):
                company = next((c for c, e, f in targets if rule.matches(c, e, f)), _NO_MATCH)
                if company is _NO_MATCH:
                    continue
                if rule.probability < 1 and self.rng.random() >= rule.probability:
                    continue
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times == 0:
                        rules.pop(i)
                    self._save(tx, rules)
                tx.journal(ts=time.time(), company=company, function="(fault)", status=rule.action,
                           message=f"fault rule {rule.id} fired")
                return rule
        return None


def save_rules(tx: Tx, raw_rules: Any, where: str = "faults") -> list[FaultRule]:
    """Validate and store a whole rule list (admin API, seed files, scenario files)."""
    if not isinstance(raw_rules, list):
        raise FaultRuleError(f"{where}: expected a list of rules")
    rules = [FaultRule.parse(r, f"{where}[{i}]") for i, r in enumerate(raw_rules)]
    for i, rule in enumerate(rules):
        rule.id = rule.id or f"rule-{i + 1}"
    tx.set_meta(FaultBook.KEY, json.dumps([asdict(r) for r in rules]))
    return rules


# Bodies the real edge returns for HTTP-level failures.
PROXY_HTML = {
    500: b"<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1>"
         b"</body></html>",
    502: b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
         b"</center>\r\n</body>\r\n</html>\r\n",
    503: b"<html><head><title>503 Service Unavailable</title></head><body><h1>The Service is Temporarily Off-line"
         b"</h1></body></html>",
    504: b"<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out"
         b"</h1></center>\r\n</body>\r\n</html>\r\n",
    524: b"<!DOCTYPE html><html><head><title>api.intacct.com | 524: A timeout occurred</title></head><body>"
         b"<h1>A timeout occurred</h1><p>The origin web server timed out responding to this request.</p></body></html>",
}
