"""Scenario files as QA writes them: YAML with every key's line kept, so errors point at the line.

``ScenarioError`` carries the file, the line and the key path (``steps[2].sync.expect.psoted``) and
says what is accepted there; unknown keys are errors, because a misspelt expectation that is
silently ignored is a scenario that checks nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intacct_harness.simulator.yaml_lines import Lines, YamlSyntaxError, load_with_lines


class ScenarioError(ValueError):
    """A scenario file that cannot run as written; the message names file, line and key."""

    def __init__(self, file: str, line: int | None, path: str, message: str) -> None:
        self.file, self.line, self.path, self.message = file, line, path, message
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {path}: {message}" if path else f"{where}: {message}")


@dataclass
class Source:
    """The parsed data of one file plus a way back from a key path to its line."""

    file: str
    data: Any
    lines: Lines

    def line(self, path: str | tuple[str | int, ...]) -> int | None:
        """The 1-based line of ``path`` (``a.b[2].c`` or a tuple); the nearest known parent otherwise."""
        return self.lines.line(path)

    def error(self, path: str, message: str) -> ScenarioError:
        return ScenarioError(self.file, self.line(path), path, message)


def load(path: str | Path) -> Source:
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(file, None, "", f"cannot read the file: {exc.strerror}") from None
    return loads(text, file)


def loads(text: str, file: str = "<scenario>") -> Source:
    try:
        data, lines = load_with_lines(text)
    except YamlSyntaxError as exc:
        raise ScenarioError(file, exc.line, "", exc.problem) from None
    return Source(file, data, lines)


# --------------------------------------------------------------------------- a small schema checker
def check_keys(src: Source, path: str, value: Any, allowed: Mapping[str, str], required: tuple[str, ...] = ()
               ) -> Mapping[str, Any]:
    """``value`` must be a mapping whose keys are in ``allowed`` (key -> what it is, for the message)."""
    if not isinstance(value, Mapping):
        raise src.error(path, f"expected a mapping with keys {', '.join(allowed)}; got {_kind(value)}")
    for key in value:
        if key not in allowed:
            raise src.error(f"{path}.{key}" if path else str(key),
                            f"unknown key (allowed here: {', '.join(sorted(allowed))})")
    for key in required:
        if key not in value or value[key] is None:
            raise src.error(f"{path}.{key}" if path else key, f"required: {allowed[key]}")
    return value


def check_type(src: Source, path: str, value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        raise src.error(path, f"expected {what}; got {_kind(value)}")
    if not isinstance(value, kind):
        raise src.error(path, f"expected {what}; got {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"boolean {value}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"
