"""pytest items for scenario files: each YAML file in a scenario folder is one test.

The pytest plugin (``simulator.pytest_plugin``) collects the folders named by the ``intacct_scenarios`` ini
option with these classes, in this repository (``scenarios/suites``) and in any project that installs the
package with the ``connector`` extra. The runner is imported when an item runs, not at collection, so the
coverage of a run measures it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

SUFFIXES = (".yaml", ".yml")


class ScenarioFailed(Exception):
    """A scenario missed an expectation (or could not load); the message is its text report."""


class ScenarioFile(pytest.File):
    """One scenario file: one item, named after the file."""

    root: Path

    def collect(self) -> Any:
        yield ScenarioItem.from_parent(self, name=self.path.stem)


class ScenarioItem(pytest.Item):
    """Runs the file with the scenario runner; a ``known_issue`` that still reproduces is an expected failure."""

    def runtest(self) -> None:
        from intacct_harness.scenarios.report import text
        from intacct_harness.scenarios.runner import run_file

        result = run_file(self.path)
        if result.known_issue and result.expected_outcome:
            pytest.xfail(f"known issue: {result.known_issue}")
        if not result.expected_outcome:
            raise ScenarioFailed(text(result))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        root = getattr(self.parent, "root", self.path.parent)
        return self.path, 0, f"scenario: {self.path.relative_to(root)}"


def scenario_folders(rootpath: Path, configured: list[str]) -> list[Path]:
    """The ``intacct_scenarios`` folders as absolute paths (relative ones from the rootdir); each must exist."""
    folders = []
    for entry in configured:
        folder = Path(entry) if Path(entry).is_absolute() else rootpath / entry
        if not folder.is_dir():
            raise pytest.UsageError(f"intacct_scenarios: {entry!r} is not a folder (looked for {folder}); name a "
                                    "folder of scenario files, relative to the rootdir (where pytest.ini or "
                                    "pyproject.toml is)")
        folders.append(folder.resolve())
    return folders


def collect(parent: pytest.Collector, file_path: Path, folders: list[Path]) -> ScenarioFile | None:
    """A ``ScenarioFile`` for a YAML file under one of ``folders``, else None."""
    if file_path.suffix not in SUFFIXES:
        return None
    resolved = file_path.resolve()
    root = next((f for f in folders if f in resolved.parents), None)
    if root is None:
        return None
    item = ScenarioFile.from_parent(parent, path=file_path)
    item.root = root
    return item
