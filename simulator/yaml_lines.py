"""YAML that remembers where each key was written, so a bad seed or scenario names its line.

``load_with_lines`` returns the data and a ``Lines`` map; ``Lines.line("companies[0].users[1].tpye")``
gives the 1-based line of that key (or of its nearest parent that exists).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml


def parse_path(path: str) -> list[str | int]:
    """``steps[2].sync.expect`` -> ["steps", 2, "sync", "expect"]; `` (annotations)`` are dropped."""
    path = re.sub(r" \([^)]*\)", "", path)
    parts: list[str | int] = []
    for chunk in path.replace("]", "").split("."):
        if not chunk:
            continue
        name, *indexes = chunk.split("[")
        if name:
            parts.append(name)
        parts.extend(int(i) for i in indexes if i.strip().lstrip("-").isdigit())
    return parts


@dataclass
class Lines:
    root: yaml.Node | None

    def line(self, path: str | list[str | int] | tuple[str | int, ...]) -> int | None:
        parts = parse_path(path) if isinstance(path, str) else list(path)
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for part in parts:
            if isinstance(node, yaml.MappingNode) and isinstance(part, str):
                for key_node, value_node in node.value:
                    if key_node.value == part:
                        line, node = key_node.start_mark.line + 1, value_node
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line


class YamlSyntaxError(ValueError):
    def __init__(self, line: int | None, problem: str) -> None:
        self.line, self.problem = line, problem
        super().__init__(problem)


def load_with_lines(text: str) -> tuple[object, Lines]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise YamlSyntaxError(mark.line + 1 if mark else None,
                              f"not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    return data, Lines(root)
