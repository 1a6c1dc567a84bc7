"""The README's marked examples run as written (tests/readme.py): the fixtures example as a consumer's test file,
the raw request against the demo company, and the connector walk-through against ``intacct-sim serve``.

Each group runs in its own folder, with ``.venv`` linked to this interpreter's environment and the repository's
``simulator/`` beside it, so the README's relative commands (``.venv/bin/intacct-sim serve --seed
simulator/seeds/...``) run literally; only the gateway's port (8089) is replaced by a free one.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

import httpx
import pytest
import yaml
from lxml import etree

from intacct_harness.simulator.demo import free_port
from intacct_harness.simulator.testing import seeded_company
from tests.readme import Block, blocks

ROOT = Path(__file__).parents[1]
PORT = "8089"
GROUPS = blocks()
pytestmark = pytest.mark.xdist_group("readme")      # each group starts processes: keep them on one worker


def _env() -> dict[str, str]:
    """The environment a person's shell has: no pytest or xdist variables leaking into the examples."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTEST_XDIST"))}


def _workspace(tmp_path: Path) -> Path:
    (tmp_path / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    (tmp_path / "simulator").symlink_to(ROOT / "simulator", target_is_directory=True)
    return tmp_path


@contextmanager
def _served(command: str, cwd: Path, port: int) -> Iterator[str]:
    proc = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=cwd, env=_env(), start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with suppress(httpx.TransportError):
                if httpx.get(f"{base}/__sim/health", timeout=1).status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"README serve command did not start: {command}\n{proc.communicate()[0]}")
            time.sleep(0.1)
        yield base
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()


def _sh(block: Block, cwd: Path, port: int) -> str:
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", block.text.replace(PORT, str(port))], cwd=cwd,
                         env=_env(), capture_output=True, text=True, timeout=300, check=False)
    output = run.stdout + run.stderr
    assert run.returncode == 0, f"README.md:{block.line}: the commands exited {run.returncode}\n{output}"
    for text in block.expected():
        assert text in output, f"README.md:{block.line}: the output does not contain {text!r}\n{output}"
    return run.stdout


def _pytest(block: Block, cwd: Path) -> None:
    (cwd / block.arg).write_text(block.text, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", "-q", block.arg],
                         cwd=cwd, env=_env(), capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, f"README.md:{block.line}: the example's tests failed\n{run.stdout}{run.stderr}"
    assert re.search(r"\d+ passed", run.stdout), run.stdout


def _xml(block: Block) -> None:
    sim = seeded_company(ROOT / block.arg)
    try:
        answer = sim.client().post("/ia/xml/xmlgw.phtml", content=block.text.encode(),
                                   headers={"content-type": "application/xml"})
    finally:
        sim.close()
    root = etree.fromstring(answer.content)
    statuses = [s.text for s in root.iter("status")]
    assert statuses and set(statuses) == {"success"}, f"README.md:{block.line}: {answer.text}"


def run_group(group: list[Block], tmp_path: Path,
              served: Callable[[str], str] | None = None) -> dict[str, str]:
    """Run one group's blocks in order; ``served(base_url)`` runs last, while the group's server is still up."""
    cwd, port = _workspace(tmp_path), free_port()
    out: dict[str, str] = {"stdout": ""}
    with ExitStack() as servers:
        for block in group:
            if block.kind == "file":
                (cwd / block.arg).write_text(block.text.replace(PORT, str(port)), encoding="utf-8")
            elif block.kind == "serve":
                out["base"] = servers.enter_context(_served(block.text.strip().replace(PORT, str(port)), cwd, port))
            elif block.kind == "sh":
                out["stdout"] += _sh(block, cwd, port)
            elif block.kind == "pytest":
                _pytest(block, cwd)
            else:
                _xml(block)
        if served is not None:
            out["served"] = served(out["base"])
    return out


@pytest.mark.parametrize("group", sorted(set(GROUPS) - {"walkthrough"}))
def test_readme_examples_run_as_written(group, tmp_path):
    run_group(GROUPS[group], tmp_path)


def test_the_connector_walkthrough_posts_documents_to_the_served_company(tmp_path):
    def documents(base: str) -> str:
        return str(sum(len(httpx.get(f"{base}/__sim/companies/ACME-TRUCKING/records/{o}").json()["records"])
                       for o in ("ARINVOICE", "APBILL")))

    out = run_group(GROUPS["walkthrough"], tmp_path, documents)
    posted = [int(n) for n in re.findall(r"^Subsidiary SUB-1: (\d+) posted", out["stdout"], re.M)]
    assert posted[0] > 0 and posted[1:] == [0] * (len(posted) - 1)     # a second sync posts nothing twice
    assert int(out["served"]) == posted[0]                             # and Sage holds exactly those documents


def test_the_walkthrough_seed_holds_the_parties_the_readme_config_generates(tmp_path):
    from importlib.metadata import version

    pinned = re.search(r"^faker==(\S+)$", (ROOT / "constraints.txt").read_text(encoding="utf-8"), re.M | re.I)
    if pinned is None or version("faker") != pinned.group(1):
        pytest.skip("Faker's names differ between versions; the seed is made with the version in constraints.txt")
    from intacct_harness.connector.tms.sage_seed import main

    config = next(b for b in GROUPS["walkthrough"] if b.kind == "file" and b.arg == "connection.yaml")
    (tmp_path / "connection.yaml").write_text(config.text, encoding="utf-8")
    assert main(["-c", str(tmp_path / "connection.yaml"), "-o", str(tmp_path / "walkthrough.yaml")]) == 0
    made = (tmp_path / "walkthrough.yaml").read_text(encoding="utf-8")
    checked_in = (ROOT / "simulator" / "seeds" / "walkthrough.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(made) == yaml.safe_load(checked_in), (
        "simulator/seeds/walkthrough.yaml no longer matches the README's tms block: remake it with "
        "python -m intacct_harness.connector.tms.sage_seed -c connection.yaml -o simulator/seeds/walkthrough.yaml")


@pytest.mark.parametrize(("text", "message"), [
    ("<!-- readme-test: g bogus -->\n```sh\necho\n```\n", "marker kind 'bogus'"),
    ("<!-- readme-test: g file -->\n```yaml\na: 1\n```\n", "marker kind 'file' with []"),
    ("<!-- readme-test: g sh -->\n\n```sh\necho\n```\n", "not directly above a fenced block"),
])
def test_a_malformed_readme_marker_names_its_line(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        blocks(text)
