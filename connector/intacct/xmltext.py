"""Text XML 1.0 cannot carry (C0 controls but tab/newline/return, lone surrogates, U+FFFE/U+FFFF), replaced.

TMS text comes from people and Word: a memo with Word's manual line break (U+000B) is ordinary. lxml
refuses such a character outright (``ValueError``), which used to raise out of the sync and keep that
document's whole batch from ever posting. Every element text the connector writes goes through
:func:`xml_text`: an invalid character becomes a space (Word's U+000B and U+000C separate words), and
whoever builds one document inside :func:`replacements` learns what was replaced where, to tell the user.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

REPLACEMENT = " "
_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Replaced:
    """Characters replaced in one element's text."""

    element: str
    characters: tuple[str, ...]   # "U+000B", in order of first appearance

    def __str__(self) -> str:
        return f"{', '.join(self.characters)} in <{self.element}>"


_replaced: ContextVar[list[Replaced] | None] = ContextVar("xml_replaced", default=None)


def xml_text(value: str, element: str = "") -> str:
    """``value`` with every character XML cannot carry replaced by a space (recorded if someone listens)."""
    if _INVALID.search(value) is None:
        return value
    found = _replaced.get()
    if found is not None:
        chars = dict.fromkeys(f"U+{ord(c):04X}" for c in _INVALID.findall(value))
        found.append(Replaced(element, tuple(chars)))
    return _INVALID.sub(REPLACEMENT, value)


@contextmanager
def replacements() -> Iterator[list[Replaced]]:
    """Collect what :func:`xml_text` replaces in this thread while the block runs (building one document)."""
    found: list[Replaced] = []
    token = _replaced.set(found)
    try:
        yield found
    finally:
        _replaced.reset(token)
