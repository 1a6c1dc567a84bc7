"""The README's runnable examples: fenced blocks marked ``<!-- readme-test: GROUP KIND [ARG] -->`` on the line above.

Kinds: ``file NAME`` (the block is written as NAME), ``serve`` (one command started in the background, the
gateway's port replaced by a free one), ``sh`` (run with bash; each ``# "text"`` comment names text the output
must contain), ``pytest NAME`` (a test file run with pytest), ``xml SEED`` (a request posted to a company loaded
from SEED). tests/test_readme.py runs every group, so the README cannot drift from what works.
"""

from __future__ import annotations

import re
import textwrap
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"
KINDS = {"file": 1, "serve": 0, "sh": 0, "pytest": 1, "xml": 1}
# A marker and its block may be indented together (inside a list item); the body is dedented.
_MARKED = re.compile(r"^(?P<indent> *)<!-- readme-test: (?P<spec>[^>]*?) -->\n"
                     r"(?P=indent)```[a-z]*\n(?P<body>.*?)^(?P=indent)```$", re.M | re.S)
_EXPECTED = re.compile(r'#\s+"(?P<text>[^"]+)"\s*$')


@dataclass(frozen=True)
class Block:
    group: str
    kind: str
    arg: str
    text: str
    line: int

    def expected(self) -> list[str]:
        """The ``# "..."`` fragments of an ``sh`` block: what its output must contain."""
        return [m.group("text") for line in self.text.splitlines() if (m := _EXPECTED.search(line))]


def blocks(text: str | None = None) -> dict[str, list[Block]]:
    """Every marked block by group, in README order; a malformed marker is an error naming its line."""
    text = README.read_text(encoding="utf-8") if text is None else text
    groups: dict[str, list[Block]] = defaultdict(list)
    for m in _MARKED.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        group, kind, *args = m.group("spec").split()
        if kind not in KINDS or len(args) != KINDS[kind]:
            raise ValueError(f"README.md:{line}: marker kind {kind!r} with {args}; expected one of {KINDS}")
        groups[group].append(Block(group, kind, args[0] if args else "", textwrap.dedent(m.group("body")), line))
    if text.count("<!-- readme-test:") != sum(len(g) for g in groups.values()):
        raise ValueError("README.md: a readme-test marker is not directly above a fenced block")
    return dict(groups)
