"""The simulated clock: an offset from real time that the admin API moves forward.

Sessions expire and result sets age against ``time.time() + offset`` (Backend.now), so a test can
let 30 minutes pass in a millisecond. The clock only moves forward: a session that already expired
never comes back to life.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from intacct_harness.simulator.models.setup import SeedError
from intacct_harness.simulator.store import Tx

_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([dhms])")
_CLOCK_KEYS = ("advance", "advance_seconds")
MAX_ADVANCE_SECONDS = 10 * 365 * 86400.0



def parse_duration(text: str) -> float:
    """``"90s"``, ``"30m"``, ``"1h30m"``, ``"2d"`` -> seconds; anything else is a SeedError naming the form."""
    compact = text.replace(" ", "").lower()
    if not compact or _DURATION.sub("", compact):
        raise SeedError(f"clock.advance: {text!r} is not a duration; write it like 90s, 30m, 1h30m or 2d "
                        "(or give a number of seconds)")
    return sum(float(n) * _UNITS[unit] for n, unit in _DURATION.findall(compact))


def _seconds(key: str, value: Any) -> float:
    if isinstance(value, str) and key == "advance":
        seconds = parse_duration(value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise SeedError(f"clock.{key}: expected {'a duration such as 1h or ' if key == 'advance' else ''}"
                        f"a number of seconds, got {type(value).__name__}")
    if not math.isfinite(seconds) or seconds <= 0 or seconds > MAX_ADVANCE_SECONDS:
        raise SeedError(f"clock.{key}: {value!r} is out of range; the clock moves forward only, by more than 0 and "
                        f"at most {MAX_ADVANCE_SECONDS:.0f} seconds (10 years) at a time")
    return seconds


def advance_clock(tx: Tx, body: Any) -> float:
    """Apply ``{"advance": "1h"}`` or ``{"advance_seconds": 3600}``; returns the new offset in seconds."""
    if not isinstance(body, Mapping):
        raise SeedError(f"clock: expected a mapping, got {type(body).__name__}")
    unknown = sorted(set(body) - set(_CLOCK_KEYS))
    if unknown:
        raise SeedError(f"clock.{unknown[0]}: unknown key (allowed: {', '.join(_CLOCK_KEYS)})")
    given = [k for k in _CLOCK_KEYS if k in body]
    if len(given) != 1:
        raise SeedError("clock: give exactly one of advance (a duration such as 1h) or advance_seconds (a number)")
    offset = float(tx.get_meta("clock_offset", "0")) + _seconds(given[0], body[given[0]])
    tx.set_meta("clock_offset", str(offset))
    return offset
