"""Zero false passes: every expectation key of every suite scenario, mutated, is refused before it runs.

Each mutant renames a key, misspells it, or gives its value the wrong type; ``parse`` (validation
only, nothing runs) must refuse every one with a ``ScenarioError`` naming the file and key. A
mutant that parsed would be a scenario checking something other than what its author wrote.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intacct_harness.scenarios.cli import scenario_files
from intacct_harness.scenarios.source import ScenarioError, Source, load
from intacct_harness.scenarios.spec import parse

SUITES = Path(__file__).resolve().parents[1] / "scenarios" / "suites"
FILES = scenario_files([str(SUITES)])
Path_ = tuple[Any, ...]


def _expect_roots(data: dict[str, Any]) -> Iterator[Path_]:
    """Where each step's expectations live: ``expect`` of a step, the whole body of a ``check``."""
    for i, step in enumerate(data["steps"]):
        (kind, body), = step.items()
        if kind == "check":
            yield ("steps", i, kind)
        elif isinstance(body, dict) and "expect" in body:
            yield ("steps", i, kind, "expect")


def _keys_under(value: Any, path: Path_) -> Iterator[Path_]:
    """Every mapping key (and list item) below ``path``, depth first."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*path, key)
            yield from _keys_under(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            if isinstance(child, dict | list):
                yield from _keys_under(child, (*path, i))


def _get(data: Any, path: Path_) -> Any:
    for part in path:
        data = data[part]
    return data


def _misspell(key: str) -> str:
    return key[:len(key) // 2] + key[len(key) // 2 + 1:] if len(key) > 2 else key + key[-1]


def _wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, dict):
        return 7
    if isinstance(value, list):
        return 7
    return [value]


def mutants(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for root in _expect_roots(data):
        for path in _keys_under(_get(data, root), root):
            parent, key = _get(data, path[:-1]), path[-1]
            if not isinstance(key, str):
                continue
            where = ".".join(str(p) for p in path)
            for how, new_key in (("rename", f"{key}_old"), ("misspell", _misspell(key))):
                mutant = copy.deepcopy(data)
                target = _get(mutant, path[:-1])
                target[new_key] = target.pop(key)
                yield f"{how} {where} -> {new_key}", mutant
            mutant = copy.deepcopy(data)
            _get(mutant, path[:-1])[key] = _wrong_type(parent[key])
            yield f"wrong type {where} = {_wrong_type(parent[key])!r}", mutant


@pytest.mark.parametrize("file", FILES, ids=[str(f.relative_to(SUITES)) for f in FILES])
def test_every_mutated_expectation_is_refused(file):
    src = load(file)
    parse(src)  # the file itself is valid
    survivors, tried = [], 0
    for what, data in mutants(src.data):
        tried += 1
        try:
            parse(Source(src.file, data, src.lines))
        except ScenarioError as exc:
            assert src.file in str(exc)
        else:
            survivors.append(what)
    assert tried > 0
    assert survivors == [], f"{len(survivors)} of {tried} mutants of {file.name} would run: {survivors}"
