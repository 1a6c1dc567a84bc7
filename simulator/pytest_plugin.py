"""pytest fixtures shipped through the ``pytest11`` entry point ``intacct_sim``.

- ``intacct_company``: a fresh simulated Sage company, set up as the guide asks, in-process.
- ``intacct_sim_factory``: build companies from your own company blocks (same keys as a seed file).
- ``intacct_live_server``: the same company served on an ephemeral loopback port, for socket tests.
- ``intacct_sdk``: fylein's ``sageintacctsdk`` client, signed in to ``intacct_live_server`` (extra ``sdk``).
- ``intacct_scenarios`` (ini option): a folder of scenario files pytest collects, one test per file.

Configure them in ``pytest.ini`` / ``pyproject.toml`` (``intacct_seed``, ``intacct_latency``) or per test with
``@pytest.mark.intacct(seed=..., latency=..., company={...})``. Any test during which the simulator hits a bug of
its own fails at teardown, whether it uses the fixtures or not (``allow_simulator_bugs=True`` opts out).

The simulator is imported inside the fixtures, not at plugin load: pytest loads entry-point
plugins before coverage starts, and a module imported then would never be measured.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from intacct_harness.simulator.testing import SimulatedCompany

_MARK_KEYS = {"seed", "latency", "company", "allow_simulator_bugs"}
_SCENARIO_FOLDERS = pytest.StashKey[list[Path]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("intacct_seed", "YAML seed file intacct_company loads (it signs in to the file's first company); "
                                  "relative to the rootdir. Default: the guide's standard company.", default="")
    parser.addini("intacct_scenarios", "folders of scenario files (YAML) to collect, one test per file; relative to "
                                       "the rootdir, and inside a path pytest collects (needs the connector extra)",
                  type="linelist", default=[])
    parser.addini("intacct_latency", "true to apply each company's latency model (default false: tests run at full "
                                     "speed)", type="bool", default=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "intacct(seed=PATH, latency=BOOL, company=DICT, allow_simulator_bugs=BOOL): "
                                       "per-test settings of the intacct_company fixture (company: standard_company() "
                                       "overrides; allow_simulator_bugs: no failure on the simulator's own DL02000001)")
    configured = config.getini("intacct_scenarios")
    if configured:
        from intacct_harness.scenarios.collect import scenario_folders

        config.stash[_SCENARIO_FOLDERS] = scenario_folders(config.rootpath, configured)


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    folders = parent.config.stash.get(_SCENARIO_FOLDERS, [])
    if not folders:
        return None
    from intacct_harness.scenarios.collect import collect

    return collect(parent, file_path, folders)


def _settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    settings: dict[str, Any] = {"seed": request.config.getini("intacct_seed") or None,
                                "latency": bool(request.config.getini("intacct_latency")), "company": None,
                                "allow_simulator_bugs": False}
    marker = request.node.get_closest_marker("intacct")
    if marker is not None:
        if marker.args or set(marker.kwargs) - _MARK_KEYS:
            raise pytest.UsageError(f"@pytest.mark.intacct takes keyword arguments {sorted(_MARK_KEYS)} only, got "
                                    f"{list(marker.args) + sorted(set(marker.kwargs) - _MARK_KEYS)}")
        settings.update(marker.kwargs)
    if settings["seed"] and not Path(settings["seed"]).is_absolute():
        settings["seed"] = str(Path(request.config.rootpath) / settings["seed"])
    return settings


@pytest.fixture
def intacct_sim_factory(request: pytest.FixtureRequest) -> Iterator[Callable[..., SimulatedCompany]]:
    """``make(company=None, config=None, seed=None)``: a fresh simulated Sage company per call, closed after the test.

    ``company`` is one company block with a seed file's keys (``standard_company("MY-CO", users=[...])``);
    the company signs in as its own first user (or ``alvys_ws`` when it lists that user). ``config`` goes to
    ``create_app`` (``LATENCY``, ``FAULT_SEED``...). Latency follows the ``intacct_latency`` ini option.

    """
    from intacct_harness.simulator.testing import seeded_company, simulated_company

    latency = _settings(request)["latency"]
    made: list[SimulatedCompany] = []

    def make(company: dict[str, Any] | None = None, config: dict[str, Any] | None = None, *,
             seed: str | None = None) -> SimulatedCompany:
        cfg = {"LATENCY": latency, **(config or {})}
        sim = seeded_company(seed, cfg) if seed else simulated_company(company, cfg)
        made.append(sim)
        return sim

    yield make
    for sim in made:
        sim.close()


@pytest.fixture(autouse=True)
def _intacct_simulator_bugs(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test, whether it uses these fixtures or builds an app itself: a simulator bug fails it at teardown.

    Such a bug is answered to the client as ``DL02000001`` and logged; a retrying connector, or a test that checks
    only the final state, would pass on it. ``@pytest.mark.intacct(allow_simulator_bugs=True)`` opts out.
    """
    allowed = _settings(request)["allow_simulator_bugs"]   # also refuses a mistyped marker keyword
    from intacct_harness.simulator.bug_watch import BugWatch

    with BugWatch() as bugs:
        yield
    failure = bugs.failure()
    if failure and not allowed:
        pytest.fail(failure, pytrace=False)


@pytest.fixture
def intacct_company(request: pytest.FixtureRequest,
                    intacct_sim_factory: Callable[..., SimulatedCompany]) -> SimulatedCompany:
    """A simulated Sage company set up as the setup guide asks, in-process (no sockets).

    ``.client()`` is an httpx.Client for the gateway at ``.url``, ``.credentials`` signs in, ``.admin`` changes
    the setup (roles, users, records, faults, clock). The ``intacct_seed`` ini option or
    ``@pytest.mark.intacct(seed=...)`` loads a whole seed file instead; ``company={...}`` overrides keys of the
    standard company.
    """
    from intacct_harness.simulator.testing import standard_company

    settings = _settings(request)
    if settings["seed"]:
        return intacct_sim_factory(seed=settings["seed"])
    return intacct_sim_factory(standard_company(**(settings["company"] or {})))


@pytest.fixture
def intacct_live_server(intacct_company: SimulatedCompany) -> Iterator[SimulatedCompany]:
    """``intacct_company`` served on an ephemeral loopback port: ``.base_url`` is ``http://127.0.0.1:<port>``.

    For clients that open their own sockets (requests, the Sage SDKs, another process).
    """
    from intacct_harness.simulator.testing import SimulatedCompany, live_server

    with live_server(intacct_company.app) as base:
        yield SimulatedCompany(intacct_company.app, intacct_company.credentials, base_url=base)


@pytest.fixture
def intacct_sdk(intacct_live_server: SimulatedCompany) -> Any:
    """fylein's ``sageintacctsdk.SageIntacctSDK``, signed in to ``intacct_live_server``; every API object posts there.

    For other credentials or a smaller page size call ``sdk_client(intacct_live_server, user_password=...,
    pagesize=...)`` from ``intacct_harness.simulator.testing``. Needs ``pip install 'intacct-harness[sdk]'``.
    """
    from intacct_harness.simulator.testing import sdk_client

    return sdk_client(intacct_live_server)
