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

import yaml


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
    root: yaml.Node | None

    def line(self, path: str | tuple[str | int, ...]) -> int | None:
        """The 1-based line of ``path`` (``a.b[2].c`` or a tuple); the nearest known parent otherwise."""
        parts = parse_path(path) if isinstance(path, str) else list(path)
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for part in parts:
            if isinstance(node, yaml.MappingNode) and isinstance(part, str):
                for key_node, value_node in node.value:
                    if key_node.value == part:
                        line = key_node.start_mark.line + 1
                        node = value_node
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line

    def error(self, path: str, message: str) -> ScenarioError:
        return ScenarioError(self.file, self.line(path), path, message)


def parse_path(path: str) -> list[str | int]:
    """``steps[2].sync.expect`` -> ["steps", 2, "sync", "expect"]."""
    parts: list[str | int] = []
    for chunk in path.replace("]", "").split("."):
        if not chunk:
            continue
        name, *indexes = chunk.split("[")
        if name:
            parts.append(name)
        parts.extend(int(i) for i in indexes if i.strip().lstrip("-").isdigit())
    return parts


def load(path: str | Path) -> Source:
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(file, None, "", f"cannot read the file: {exc.strerror}") from None
    return loads(text, file)


def loads(text: str, file: str = "<scenario>") -> Source:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(file, mark.line + 1 if mark else None, "", f"not valid YAML: {problem}") from None
    return Source(file, data, root)


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
