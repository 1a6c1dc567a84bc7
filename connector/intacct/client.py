"""The XML gateway client: sessions, batching, retries with backoff, session refresh, concurrency limit.

Retry rules (why): a request Sage certainly did not run (429/GW-0010, connection refused, an expired
session) is retried as is. A read that timed out or lost its answer is retried too. A *write* whose answer
was lost (timeout after sending, dropped connection, 5xx) is never blindly re-sent: ``UncertainOutcome``
goes back to the caller, which checks Sage for the documents before posting them again. Business errors
(function failures) are never retried.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx

from intacct_harness.connector.intacct import response
from intacct_harness.connector.intacct.envelope import Function, Login, el, request
from intacct_harness.connector.intacct.errors import (
    AuthenticationFailure,
    AuthProblem,
    FunctionFailure,
    GatewayError,
    IntacctError,
    MalformedResponse,
    RateLimited,
    TransportError,
    UncertainOutcome,
)
from intacct_harness.connector.intacct.limiter import ConcurrencyLimiter
from intacct_harness.connector.intacct.response import Result, Session
from intacct_harness.connector.secrets import Secret

log = logging.getLogger("intacct_harness.connector.intacct")
DEFAULT_ENDPOINT = "https://api.intacct.com/ia/xml/xmlgw.phtml"
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_LOST = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass
class RetryPolicy:
    """Exponential backoff with jitter; ``sleep`` is injectable so tests do not wait."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 10.0
    jitter: float = 0.2
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        base = min(self.base_delay * (2 ** attempt), self.max_delay)
        return base * (1 + self.rng.uniform(-self.jitter, self.jitter))


@dataclass
class Credentials:
    sender_id: str
    sender_password: Secret
    company_id: str
    user_id: str
    user_password: Secret
    entity: str | None = None


class IntacctClient:
    """One connection's client over an injected ``httpx.Client`` (kept open across requests)."""

    def __init__(self, http: httpx.Client, credentials: Credentials, *, endpoint: str = DEFAULT_ENDPOINT,
                 retry: RetryPolicy | None = None, limiter: ConcurrencyLimiter | None = None,
                 timeout: float = 120.0) -> None:
        self.http = http
        self.credentials = credentials
        self.endpoint = endpoint
        self.retry = retry or RetryPolicy()
        self.limiter = limiter or ConcurrencyLimiter(2)
        self.timeout = timeout
        self._session: Secret | None = None
        self._session_lock = threading.Lock()
        self._early_failure: Exception | None = None   # open_session_early's, raised at the first use
        self.stats = {"requests": 0, "retries": 0, "session_refreshes": 0}

    # -- sessions -----------------------------------------------------------------------------
    def login(self) -> Session:
        """Log in and open an API session (its own request, as Sage asks); switch to its endpoint."""
        c = self.credentials
        auth = Login(c.company_id, c.user_id, c.user_password, c.entity)
        fn = Function(el("getAPISession"), "getAPISession")
        results = self._send(auth, [fn], writes=False)
        if not results or not results[0].ok:
            raise FunctionFailure("getAPISession", results[0].errors if results else ())
        session = response.session_of(results[0])
        if session.endpoint:
            self.endpoint = session.endpoint
        self._session = Secret(session.session_id)
        return session

    def open_session_early(self) -> None:
        """Start opening the API session on a thread of its own, so its round trip overlaps the caller's work.

        Nothing is signed in twice: a request that needs the session waits for this one, and if it failed,
        the first request raises its error (as if that request had signed in itself).
        """
        def open_now() -> None:
            with self._session_lock:
                if self._session is None and self._early_failure is None:
                    try:
                        self.login()
                    except Exception as exc:  # noqa: BLE001  (kept for the first use, raised there)
                        self._early_failure = exc

        threading.Thread(target=open_now, name="api-session", daemon=True).start()

    def _current_session(self) -> Secret:
        with self._session_lock:
            if self._early_failure is not None:
                failure, self._early_failure = self._early_failure, None
                raise failure
            if self._session is None:
                self.login()
            assert self._session is not None
            return self._session

    def _drop_session(self, stale: Secret) -> None:
        with self._session_lock:
            if self._session == stale:
                self._session = None
                self.stats["session_refreshes"] += 1

    # -- functions ----------------------------------------------------------------------------
    def execute(self, functions: Sequence[Function], *, writes: bool = False, transaction: bool = False,
                on_send: Callable[[bool], None] | None = None) -> list[Result]:
        """Run many functions in one request; results come back in the order of ``functions``.

        ``on_send(first)`` runs inside the concurrency slot just before each attempt leaves (``first`` is
        False for retries after a backoff or a new session), so a caller can record when Sage may have
        got the request: after a wait for a slot or a backoff, not when it asked.
        """
        fns = [f.with_id() for f in functions]
        if not fns:
            return []
        for refreshed in (False, True):
            session = self._current_session()
            try:
                results = self._send(session, fns, writes=writes, transaction=transaction,
                                     on_send=on_send, resend=refreshed)
            except AuthenticationFailure as exc:
                if exc.problem is AuthProblem.INVALID_SESSION and not refreshed:
                    log.info("session expired; opening a new one")
                    self._drop_session(session)
                    continue
                raise
            by_id = {r.controlid: r for r in results}
            missing = [f.controlid for f in fns if f.controlid not in by_id]
            if missing:
                raise MalformedResponse(f"response lacks results for {len(missing)} function(s)")
            return [by_id[f.controlid] for f in fns]
        raise AssertionError("unreachable")  # pragma: no cover

    def call(self, function: Function, *, writes: bool = False) -> Result:
        """One function; its failure raises ``FunctionFailure``."""
        result = self.execute([function], writes=writes)[0]
        if not result.ok:
            raise FunctionFailure(function.name, result.errors)
        return result

    # -- the wire -----------------------------------------------------------------------------
    def _send(self, auth: Login | Secret, fns: Sequence[Function], *, writes: bool, transaction: bool = False,
              on_send: Callable[[bool], None] | None = None, resend: bool = False) -> list[Result]:
        c = self.credentials
        body = request(sender_id=c.sender_id, sender_password=c.sender_password, auth=auth, functions=fns,
                       transaction=transaction)
        names = ",".join(sorted({f.name for f in fns}))
        last: IntacctError | None = None
        for attempt in range(self.retry.attempts):
            if attempt:
                self.stats["retries"] += 1
            retry_after: float | None = None
            try:
                self.stats["requests"] += 1
                log.debug("POST %d function(s) [%s] attempt %d", len(fns), names, attempt + 1)
                with self.limiter.slot():
                    if on_send is not None:
                        on_send(not (attempt or resend))
                    resp = self.http.post(self.endpoint, content=body, timeout=self.timeout,
                                          headers={"content-type": "application/xml"})
            except _NOT_SENT as exc:
                last = TransportError(f"could not reach the Sage gateway: {type(exc).__name__}")
            except _LOST as exc:
                if writes:
                    raise UncertainOutcome(f"the answer to {len(fns)} write function(s) was lost "
                                           f"({type(exc).__name__}); Sage may have run them") from None
                last = TransportError(f"the Sage gateway did not answer: {type(exc).__name__}")
            else:
                try:
                    if resp.status_code >= 500:
                        raise GatewayError(f"Sage gateway HTTP {resp.status_code}", http_status=resp.status_code)
                    return response.parse(resp.content, resp.status_code)
                except RateLimited as exc:
                    last = exc
                    retry_after = _retry_after(resp)
                except (GatewayError, MalformedResponse) as exc:
                    if resp.status_code < 500 and not isinstance(exc, MalformedResponse):
                        raise
                    if writes:
                        raise UncertainOutcome(f"Sage gateway HTTP {resp.status_code} on {len(fns)} write "
                                               "function(s); Sage may have run them",
                                               http_status=resp.status_code) from None
                    last = exc
            if attempt + 1 < self.retry.attempts:
                delay = self.retry.delay(attempt, retry_after)
                log.warning("Sage request not completed (%s); retrying in %.2fs", last, delay)
                self.retry.sleep(delay)
        assert last is not None
        raise last


def _retry_after(resp: httpx.Response) -> float | None:
    value = resp.headers.get("retry-after", "")
    try:
        return float(value) if value else None
    except ValueError:
        return None
