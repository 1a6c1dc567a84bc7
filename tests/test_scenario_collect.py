"""Any project collects its own scenario folder with pytest through the ``intacct_scenarios`` ini option."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SUITE = Path(__file__).parents[1] / "scenarios" / "suites" / "permissions" / "missing_ap_permission.yaml"


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_CORE"))}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", *args],
                          cwd=project, capture_output=True, text=True, timeout=180, check=False, env=env)


def test_a_projects_own_scenario_folder_is_collected_one_test_per_file(tmp_path):
    qa = tmp_path / "qa" / "tickets"
    qa.mkdir(parents=True)
    (tmp_path / "pytest.ini").write_text("[pytest]\nintacct_scenarios = qa/tickets\n", encoding="utf-8")
    text = SUITE.read_text(encoding="utf-8")
    (qa / "sup_1_bills_fail.yaml").write_text(text, encoding="utf-8")
    (qa / "sup_2_wrong.yaml").write_text(text.replace("posted: 2\n", "posted: 3\n", 1), encoding="utf-8")
    (tmp_path / "qa" / "not_a_scenario.yaml").write_text("just: data\n", encoding="utf-8")   # outside the folder

    run = _pytest(tmp_path, "-rA", "qa")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "PASSED qa/tickets/sup_1_bills_fail.yaml::sup_1_bills_fail" in run.stdout
    assert "FAILED qa/tickets/sup_2_wrong.yaml::sup_2_wrong" in run.stdout
    assert "[FAIL] posted count: expected 3, got 2" in run.stdout                 # the scenario's own report
    assert "1 failed, 1 passed" in run.stdout


def test_a_missing_scenario_folder_is_a_usage_error_naming_it(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\nintacct_scenarios = qa/missing\n", encoding="utf-8")
    run = _pytest(tmp_path)
    assert run.returncode == 4
    assert "intacct_scenarios: 'qa/missing' is not a folder" in run.stderr
