"""pytest fixtures shipped through the ``pytest11`` entry point ``intacct_sim``.

- ``intacct_company``: a fresh simulated Sage company, set up as the guide asks, in-process.
- ``intacct_sim_factory``: build companies from your own company blocks (same keys as a seed file).
- ``intacct_live_server``: the same company served on an ephemeral loopback port, for socket tests.

The simulator is imported inside the fixtures, not at plugin load: pytest loads entry-point
plugins before coverage starts, and a module imported then would never be measured.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from intacct_harness.simulator.testing import SimulatedCompany


@pytest.fixture
def intacct_sim_factory() -> Iterator[Callable[..., SimulatedCompany]]:
    from intacct_harness.simulator.testing import simulated_company

    made: list[SimulatedCompany] = []

    def make(company: dict[str, Any] | None = None, config: dict[str, Any] | None = None) -> SimulatedCompany:
        sim = simulated_company(company, config)
        made.append(sim)
        return sim

    yield make
    for sim in made:
        sim.close()


@pytest.fixture
def intacct_company(intacct_sim_factory: Callable[..., SimulatedCompany]) -> SimulatedCompany:
    return intacct_sim_factory()


@pytest.fixture
def intacct_live_server(intacct_company: SimulatedCompany) -> Iterator[SimulatedCompany]:
    from intacct_harness.simulator.testing import SimulatedCompany, live_server

    with live_server(intacct_company.app) as base:
        yield SimulatedCompany(intacct_company.app, intacct_company.credentials, base_url=base)
