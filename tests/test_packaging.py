"""The distribution as another project meets it: import names of its own, and a wheel that works beside a project
with its own ``simulator/`` and ``connector/`` packages, installed with the simulator extra only."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
OLD_ROOTS = ("simulator", "connector", "scenarios")
SOURCES = ("simulator", "connector", "scenarios", "tests", "loadtests")
_MODULE_PATH = re.compile(rf"^({'|'.join(OLD_ROOTS)})(\.[A-Za-z_]\w*)+$")
_DATA_SUFFIX = re.compile(r"\.(ya?ml|json|html|txt|py|sqlite3?|csv|xml)$")
_DASH_M = re.compile(rf"-m\s+({'|'.join(OLD_ROOTS)})\.")


def _python_files() -> list[Path]:
    return sorted(p for d in SOURCES for p in (ROOT / d).rglob("*.py") if "__pycache__" not in p.parts)


def _old_names(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.split(".")[0] in OLD_ROOTS]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] in OLD_ROOTS:
            found.append(f"from {node.module} import ...")
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and _MODULE_PATH.match(node.value)
              and not _DATA_SUFFIX.search(node.value)):
            found.append(repr(node.value))   # a module path for ``python -m``, importlib or mock.patch
    return [f"{path.relative_to(ROOT)}:{name}" for name in found]


def test_no_module_uses_the_old_top_level_names():
    offenders = [hit for path in _python_files() for hit in _old_names(path)]
    assert offenders == [], "import through intacct_harness.* (the package's own name), not the folder names"


def test_scripts_entry_points_and_commands_name_the_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    targets = [*project["scripts"].values(), *project["entry-points"]["pytest11"].values()]
    assert targets and all(t.startswith("intacct_harness.") for t in targets), targets
    for name in ("Makefile", "tox.ini", ".ci/check", ".ci/run", "README.md", "loadtests/README.md"):
        text = (ROOT / name).read_text(encoding="utf-8")
        assert not _DASH_M.search(text), f"{name}: `python -m` names a folder, not intacct_harness.*"


CONSUMER_TESTS = '''
import httpx
import simulator
import connector

BILL = """<function controlid="b"><create><APBILL><VENDORID>V-1</VENDORID><WHENCREATED>11/20/2026</WHENCREATED>
<APBILLITEMS><APBILLITEM><ACCOUNTNO>5000</ACCOUNTNO><TRX_AMOUNT>10</TRX_AMOUNT></APBILLITEM></APBILLITEMS></APBILL>
</create></function>"""


def test_our_own_packages_are_ours():
    assert (simulator.OWNER, connector.OWNER) == ("consumer", "consumer")


def test_the_standard_company_signs_in(intacct_company):
    answer = intacct_company.client().post("/ia/xml/xmlgw.phtml",
                                           content=intacct_company.envelope("<getAPISession/>"))
    assert "<status>success</status>" in answer.text


def test_a_bill_needs_accounts_payable_and_the_console_explains_it(intacct_company):
    intacct_company.admin.add_records(intacct_company.company_id, {"VENDOR": [{"VENDORID": "V-1", "NAME": "V"}]})
    intacct_company.set_permission("Accounts Payable", "None")
    http = intacct_company.client()
    answer = http.post("/ia/xml/xmlgw.phtml", content=intacct_company.envelope(BILL))
    assert "PL04000005" in answer.text
    (row,) = http.get("/__sim/console/api/exchanges", params={"errorno": "PL04000005"}).json()["exchanges"]
    (error,) = http.get(f"/__sim/console/api/exchanges/{row['seq']}").json()["errors"]
    assert error["advice"]["step"] == 4          # the guide's fix, through the connector's advice, without faker


def test_a_company_of_our_own(intacct_sim_factory):
    from intacct_harness.simulator.testing import standard_company

    sim = intacct_sim_factory(standard_company("OURS", users=[{"id": "ops", "password": "pw", "type": "business",
                                                               "web_services": True,
                                                               "roles": ["Alvys Integration"]}]))
    answer = sim.client().post("/ia/xml/xmlgw.phtml", content=sim.envelope("<getAPISession/>"))
    assert sim.credentials.user_id == "ops" and "<status>success</status>" in answer.text


def test_over_a_real_socket(intacct_live_server):
    answer = httpx.post(intacct_live_server.url, content=intacct_live_server.envelope("<getAPISession/>"))
    assert "<status>success</status>" in answer.text


def test_the_connector_extra_is_not_installed():
    import importlib.util

    assert importlib.util.find_spec("faker") is None
'''


def _run(cmd: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    # A person's shell: no pytest, coverage or venv variables, and no PIP_CONSTRAINT from tox (-c says which set).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "COV_CORE", "COVERAGE", "VIRTUAL_ENV", "PYTHON", "PIP_CONSTRAINT"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    run = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert run.returncode == 0, f"{' '.join(cmd)} exited {run.returncode}\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}"
    return run


def _build_wheel(tmp: Path) -> Path:
    """Build from a copy of the sources, so the build leaves nothing (build/, *.egg-info) in the repository."""
    src = tmp / "src"
    for name in ("simulator", "connector", "scenarios"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp / "dist"), str(src)], tmp)
    (wheel,) = (tmp / "dist").glob("intacct_harness-*.whl")
    return wheel


# Builds a wheel and a venv (about 30 s; every step has a timeout). The install takes the versions in
# constraints.txt, which `make`'s own install put in pip's cache, so it downloads little on a warm machine.
@pytest.mark.xdist_group("packaging")
def test_the_wheel_works_beside_a_project_with_its_own_simulator_and_connector(tmp_path):
    wheel = _build_wheel(tmp_path)
    venv = tmp_path / "venv"
    _run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", str(venv)], tmp_path)
    python = venv / "bin" / "python"
    # The simulator extra only, plus xdist for -n 2, installed by this environment's pip (--python) so its cache
    # serves the versions constraints.txt pins, which make's own install downloaded.
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
          "-c", str(ROOT / "constraints.txt"),
          "--find-links", str(wheel.parent), f"intacct-harness[simulator] @ {wheel.as_uri()}", "pytest-xdist"],
         tmp_path, timeout=600)

    project = tmp_path / "consumer"
    for package in ("simulator", "connector"):
        (project / package).mkdir(parents=True)
        (project / package / "__init__.py").write_text('OWNER = "consumer"\n', encoding="utf-8")
    (project / "tests").mkdir()
    (project / "tests" / "test_consumer.py").write_text(CONSUMER_TESTS, encoding="utf-8")
    (project / "pyproject.toml").write_text('[tool.pytest.ini_options]\npythonpath = ["."]\ntestpaths = ["tests"]\n'
                                            'addopts = "-p no:cacheprovider"\n', encoding="utf-8")
    run = _run([str(python), "-m", "pytest", "-n", "2", "-v"], project)
    assert re.search(r"\b6 passed", run.stdout.strip().splitlines()[-1]), run.stdout
    assert "[gw0]" in run.stdout and "[gw1]" in run.stdout, run.stdout          # two workers ran the fixtures

    errors = _run([str(venv / "bin" / "intacct-sim"), "errors"], project)
    assert "PermissionDenied" in errors.stdout
    connector = subprocess.run([str(venv / "bin" / "intacct-connector"), "--help"], cwd=project, capture_output=True,
                               text=True, timeout=60, check=False)
    assert connector.returncode != 0 and "pip install 'intacct-harness[connector]'" in connector.stderr
