"""The three command lines behave alike: --version, examples and defaults in --help, exit 2 for "could not run"
and 1 for "ran, and something failed", no traceback for a user's mistake, no temporary folder left behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import httpx
import pytest

from intacct_harness.connector.cli import main as connector
from intacct_harness.scenarios.cli import main as scenarios
from intacct_harness.simulator.cli import main as sim
from intacct_harness.simulator.demo import free_port

ROOT = Path(__file__).resolve().parent.parent
CLIS = {"intacct-sim": sim, "intacct-connector": connector, "intacct-scenarios": scenarios}
SUBCOMMANDS = [("intacct-sim", "serve"), ("intacct-sim", "errors"), ("intacct-connector", "doctor"),
               ("intacct-connector", "sync"), ("intacct-connector", "status"), ("intacct-scenarios", "run"),
               ("intacct-scenarios", "new"), ("intacct-scenarios", "serve")]


@pytest.mark.parametrize("prog", sorted(CLIS))
def test_version_is_the_installed_distribution(prog, capsys):
    assert CLIS[prog](["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"{prog} {metadata.version('intacct-harness')}"


@pytest.mark.parametrize(("prog", "command"), SUBCOMMANDS)
def test_every_subcommand_has_its_own_help_with_examples(prog, command, capsys):
    assert CLIS[prog]([command, "--help"]) == 0
    page = capsys.readouterr().out
    assert page.startswith(f"usage: {prog} {command} ")     # its own page, not the top-level one
    examples = page.split("examples:\n", 1)[1]
    assert f"  {prog} {command} " in examples
    assert "exit status: 0 ok, 1 ran and something failed, 2 could not run" in page


def test_help_shows_defaults_and_the_doctor_options(capsys):
    sim(["serve", "--help"])
    page = " ".join(capsys.readouterr().out.split())
    assert "(default: 8089)" in page and "(default: 1)" in page and "(default: None)" not in page
    assert "removed when the server stops" in page
    connector(["doctor", "--help"])
    page = " ".join(capsys.readouterr().out.split())
    assert "--role ROLE" in page and "(default: intacct-connector.yaml)" in page
    scenarios(["new", "--help"])
    assert "(default: .)" in " ".join(capsys.readouterr().out.split())


def test_the_entry_points_installed_on_path_answer():
    """The console scripts themselves (what a newcomer types), not only ``main``."""
    bindir = Path(sys.executable).parent
    for prog in CLIS:
        proc = subprocess.run([str(bindir / prog), "--version"], capture_output=True, text=True, timeout=60,
                              check=False)
        assert (proc.returncode, proc.stdout.split()[0]) == (0, prog), proc.stderr


@pytest.mark.parametrize("argv", [
    ["intacct-sim"], ["intacct-sim", "serve", "--port", "eighty"], ["intacct-sim", "serve", "--port", "70000"],
    ["intacct-sim", "nonsense"], ["intacct-scenarios", "serve", "x.yaml", "--port", "-1"],
    ["intacct-connector"], ["intacct-connector", "dcotor"], ["intacct-connector", "sync", "--user", "ana"],
    ["intacct-scenarios", "run"], ["intacct-scenarios", "new"],
])
def test_usage_errors_exit_2(argv, capsys):
    assert CLIS[argv[0]](argv[1:]) == 2
    assert "usage:" in capsys.readouterr().err


def test_missing_or_unusable_files_exit_2_with_the_fix(tmp_path, capsys):
    cases = [
        (sim, ["serve", "--seed", str(tmp_path / "nope.yaml"), "--port", "0"], "cannot read the seed file"),
        (sim, ["serve", "--state", str(tmp_path / "no" / "such" / "state.sqlite3"), "--port", "0"],
         "check that its folder exists"),
        (sim, ["serve", "--workers", "0", "--port", "0"], "--workers and --threads must be at least 1"),
        (connector, ["status", "-c", str(tmp_path / "nope.yaml")], "cannot read config file"),
        (scenarios, ["run", str(tmp_path / "tikcet.yaml")], "no such file or folder"),
        (scenarios, ["run", str(tmp_path)], "no scenario files (*.yaml) found"),
        (scenarios, ["run", str(ROOT / "scenarios" / "template.yaml"), "--html", str(tmp_path / "no" / "r.html")],
         "does not exist"),
        (scenarios, ["new", "x", "--dir", str(ROOT / "README.md")], "is a file, not a folder"),
        (scenarios, ["new", "sub/x"], "is not a file name"),
        (scenarios, ["serve", str(tmp_path / "nope.yaml"), "--port", "0"], "cannot read the file"),
    ]
    for main, argv, message in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, (argv, err)
    (tmp_path / "report.html").mkdir()
    assert scenarios(["run", str(ROOT / "scenarios" / "template.yaml"), "--html", str(tmp_path / "report.html")]) == 2
    assert "--html" in capsys.readouterr().err
    (tmp_path / "ticket.yaml").write_text("x")
    assert scenarios(["new", "ticket", "--dir", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_a_scenario_that_runs_and_fails_exits_1_a_good_one_0(tmp_path, capsys):
    assert scenarios(["new", "ticket", "--dir", str(tmp_path)]) == 0
    assert scenarios(["run", str(tmp_path / "ticket.yaml"), "--quiet"]) == 0
    broken = tmp_path / "broken.yaml"
    broken.write_text((tmp_path / "ticket.yaml").read_text().replace("name: ticket", "name: ticket\ncolour: blue"))
    assert scenarios(["run", str(tmp_path)]) == 1   # one ran as expected, one could not load
    assert "colour" in capsys.readouterr().out


def _env(tmp: Path) -> dict[str, str]:
    tmp.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1"}


@contextmanager
def _listening() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


@pytest.mark.parametrize("argv", [["intacct_harness.simulator.cli", "serve"],
                                  ["intacct_harness.scenarios.cli", "serve", "scenarios/template.yaml"]])
def test_a_busy_port_fails_before_printing_a_url(argv, tmp_path):
    with _listening() as port:
        proc = subprocess.run([sys.executable, "-m", *argv, "--port", str(port)], cwd=ROOT, capture_output=True,
                              text=True, timeout=60, env=_env(tmp_path / "tmp"), check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""              # no URL, no "Serving ..." line
    assert f"port {port} on 127.0.0.1 is already in use" in proc.stderr and "--port" in proc.stderr
    assert list((tmp_path / "tmp").iterdir()) == []


def _wait_until_serving(proc: subprocess.Popen[str], port: int) -> None:
    deadline = time.monotonic() + 60       # a loaded machine starts gunicorn slowly; wait on the condition
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[0]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/__sim/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("the server did not answer within 60 s")


@pytest.mark.parametrize(("argv", "sig"), [
    (["intacct_harness.simulator.cli", "serve", "--workers", "2"], signal.SIGTERM),
    (["intacct_harness.simulator.cli", "serve"], signal.SIGINT),
    (["intacct_harness.scenarios.cli", "serve", "scenarios/template.yaml"], signal.SIGTERM),
])
def test_serve_leaves_no_temporary_folder_behind(argv, sig, tmp_path):
    tmp, port = tmp_path / "tmp", free_port()
    proc = subprocess.Popen([sys.executable, "-m", *argv, "--port", str(port)], cwd=ROOT, env=_env(tmp),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_until_serving(proc, port)
        assert list(tmp.iterdir())          # the state (and a scenario's seed) live while it serves
        proc.send_signal(sig)
        out = proc.communicate(timeout=60)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out
    assert "Traceback" not in out
    assert list(tmp.iterdir()) == [], out
