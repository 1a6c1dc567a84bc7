"""Console fixtures: a company holding the connector's parties, a sync that runs over any httpx client,
and a real headless Chromium (skipped, with the reason, where no browser is installed)."""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from intacct_harness.connector.sync import SyncReport
from intacct_harness.connector.tms.fake import Sizes, generate, sage_records
from intacct_harness.connector.tms.model import Dataset
from intacct_harness.simulator.testing import SimulatedCompany
from tests.connector.conftest import company_block, connect

RESULTS = Path(__file__).resolve().parents[2] / "results" / "console"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1000")


@pytest.fixture
def data() -> Dataset:
    return generate(5, Sizes(customers=3, carriers=3, drivers=2, loads=4, settlements=3))


@pytest.fixture
def sim(intacct_sim_factory: Callable[..., SimulatedCompany], data: Dataset) -> SimulatedCompany:
    sim = intacct_sim_factory(company_block())
    sim.admin.add_records(sim.company_id, sage_records(data, "SUB-1"))
    return sim


@pytest.fixture
def run_sync(data: Dataset) -> Callable[..., SyncReport]:
    """Sync SUB-1 into ``sim`` over ``http``; one connection (one ledger) per test, as production keeps."""
    made: dict[str, Any] = {}

    def run(sim: SimulatedCompany, http: httpx.Client | None = None) -> SyncReport:
        if "conn" not in made:
            made["conn"] = connect(sim, http=http)
        return made["conn"].sync(data)

    return run


def _browser_missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for name in ("chromium", "chromedriver"):
        if shutil.which(name) is None:
            return f"no {name} on PATH: install Debian's chromium and chromium-driver (.ci/run does it in CI)"
    return None


@pytest.fixture
def browser() -> Iterator[Any]:
    """A real headless Chromium through chromedriver, with a fresh profile, at 1,280 px wide."""
    missing = _browser_missing()
    if missing:
        pytest.skip(missing)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="console-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or ""
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver") or ""))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def shots() -> Callable[[Any, str], Path]:
    """Save a screenshot of the browser's page under results/console/ (gitignored)."""
    RESULTS.mkdir(parents=True, exist_ok=True)

    def shot(driver: Any, name: str) -> Path:
        height = driver.execute_script("return Math.min(document.documentElement.scrollHeight, 2400)")
        driver.set_window_size(1280, max(800, int(height) + 120))
        path = RESULTS / f"{name}.png"
        driver.save_screenshot(os.fspath(path))
        driver.set_window_size(1280, 1000)
        # a small JPEG of the first screen too: the README's picture (simulator/console/screenshot.jpg) is one
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "jpeg", "quality": 55, "clip": {
            "x": 0, "y": 0, "width": 1280, "height": 820, "scale": 1}})
        (RESULTS / f"{name}.jpg").write_bytes(base64.b64decode(shot["data"]))
        return path

    return shot
