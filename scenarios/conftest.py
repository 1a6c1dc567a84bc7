"""pytest collects every scenario file under scenarios/suites as a test item (so `make test` runs them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

SUITES = Path(__file__).parent / "suites"


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix == ".yaml" and SUITES in file_path.parents:
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> Any:
        yield ScenarioItem.from_parent(self, name=self.path.stem)


class ScenarioFailed(Exception):
    pass


class ScenarioItem(pytest.Item):
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
        return self.path, 0, f"scenario: {self.path.relative_to(SUITES)}"
