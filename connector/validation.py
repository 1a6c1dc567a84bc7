"""Type and range checks for what a config file may say: each refusal names where it is and what is allowed.

YAML hands over whatever was typed: ``batch_size: abc`` is a string, ``settle_seconds: .nan`` a float that
compares false with everything (it silently switched the settle guard off), ``concurrency_limit: 100000``
an int no Sage company allows. Settings are checked here before they are used, never by the ``TypeError``
of whatever first touches them.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urlsplit

from intacct_harness.connector.errors import SettingsError

# Sage's per-company concurrency is 2 on Tier 1; higher tiers' limits are not public (performance.md
# §1.1 gap). 64 is our ceiling (the benchmarks' fast tier): far above any published tier, far below a
# typo such as 100000 that would open that many threads at the gateway.
CONCURRENCY_MAX = 64
BATCH_MAX = 500
SETTLE_MAX = 86_400.0      # a day: longer than any request Sage runs (15 min)


def known_keys(path: str, spec: Mapping[str, Any], allowed: Collection[str]) -> None:
    for key in spec:
        if key not in allowed:
            near = difflib.get_close_matches(str(key), [str(a) for a in allowed], n=1, cutoff=0.6)
            hint = f" (did you mean {near[0]}?)" if near else ""
            raise SettingsError(f"{path}.{key}: unknown setting; allowed here: {', '.join(sorted(allowed))}{hint}")


def mapping(path: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise SettingsError(f"{path}: expected a mapping of settings, got {_show(value)}")
    return value


def listing(path: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise SettingsError(f"{path}: expected a list, got {_show(value)}")
    return value


def integer(path: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise SettingsError(f"{path}: expected a whole number from {lo} to {hi}, got {_show(value)}")
    return value


def number(path: str, value: Any, lo: float, hi: float) -> float:
    if (isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value)
            or not lo <= value <= hi):
        raise SettingsError(f"{path}: expected a number from {lo:g} to {hi:g}, got {_show(value)}")
    return float(value)


def text(path: str, value: Any) -> str:
    """A name or id: a string, or a number YAML read as one (``company_id: 12345``)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise SettingsError(f"{path}: expected text, got {_show(value)}")
    return str(value)


def flag(path: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SettingsError(f"{path}: expected true or false, got {_show(value)}")
    return value


def endpoint(path: str, value: Any) -> str:
    url = text(path, value)
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise SettingsError(f"{path}: expected the gateway's http(s) address such as "
                            f"https://api.intacct.com/ia/xml/xmlgw.phtml, got {url!r}")
    return url


def _show(value: Any) -> str:
    shown = repr(value)
    return f"{type(value).__name__} {shown if len(shown) <= 60 else shown[:57] + '...'}"
