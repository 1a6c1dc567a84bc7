"""The request path's layering (issue 10): views are entry points, not a place to import things from.

A module that imports a constant from a Flask view drags Flask's request machinery into code that
has no request (the connector, the benchmarks, the scenario runner); protocol constants live in
``simulator/wire/protocol.py``. Only ``simulator/app.py`` may import a view, to register its blueprint,
and views may import each other's helpers.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("simulator", "connector", "scenarios", "loadtests", "tests")
VIEWS = "intacct_harness.simulator.views"


def _view_imports(path: Path) -> list[tuple[int, str, list[str]]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(VIEWS):
            found.append((node.lineno, node.module or "", [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name, []) for a in node.names if a.name.startswith(VIEWS)]
    return found


def test_no_module_imports_from_a_view_but_the_app_factory() -> None:
    offenders = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith("simulator/views/"):
                continue
            for line, module, names in _view_imports(path):
                if rel == "simulator/app.py" and names == ["bp"]:
                    continue  # registering the blueprint is the one reason to import a view
                offenders.append(f"{rel}:{line}: from {module} import {', '.join(names) or '*'}")
    assert offenders == [], "import these from intacct_harness.simulator.wire.protocol instead:\n" + "\n".join(
        offenders)

