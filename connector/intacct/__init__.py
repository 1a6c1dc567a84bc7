"""The Sage Intacct XML gateway client (dtdversion 3.0) over an injected ``httpx.Client``."""

from intacct_harness.connector.intacct.client import DEFAULT_ENDPOINT, Credentials, IntacctClient, RetryPolicy
from intacct_harness.connector.intacct.envelope import Function
from intacct_harness.connector.intacct.errors import (
    AuthenticationFailure,
    AuthProblem,
    ControlFailure,
    ErrorDetail,
    FunctionFailure,
    GatewayError,
    IntacctError,
    MalformedResponse,
    RateLimited,
    TransportError,
    UncertainOutcome,
)
from intacct_harness.connector.intacct.limiter import ConcurrencyLimiter, limiter_for
from intacct_harness.connector.intacct.response import Result, Session

__all__ = [
    "DEFAULT_ENDPOINT", "AuthProblem", "AuthenticationFailure", "ConcurrencyLimiter", "ControlFailure",
    "Credentials", "ErrorDetail", "Function", "FunctionFailure", "GatewayError", "IntacctClient", "IntacctError",
    "MalformedResponse", "RateLimited", "Result", "RetryPolicy", "Session", "TransportError", "UncertainOutcome",
    "limiter_for",
]
