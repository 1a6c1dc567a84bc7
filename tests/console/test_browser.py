"""The console in a real headless Chromium: what support does to reproduce the Accounts Payable failure.

Change Accounts Payable to "Read only" on the company page, sync (the connector against the same live
server), find the failed bill in the journal with PL04000005 and the guide's fix, restore "All", sync
again and find the bill posted. Screenshots of the main pages go to results/console/.
"""

from __future__ import annotations

import httpx
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from intacct_harness.simulator.testing import SimulatedCompany, live_server

WAIT = 30  # a hang guard on a loaded machine, not a speed claim


def _wait(driver) -> WebDriverWait:  # type: ignore[no-untyped-def]
    """A wait that keeps polling while the page re-renders the element it reads: Chrome then answers "Node with
    given id does not belong to the document", a WebDriverException that is not a stale element (CI, once)."""
    return WebDriverWait(driver, WAIT, ignored_exceptions=(WebDriverException,))


def _set_level(driver, base: str, company: str, module: str, level: str) -> None:  # type: ignore[no-untyped-def]
    driver.get(f"{base}/__sim/console/companies/{company}")
    select = driver.find_element(By.CSS_SELECTOR, f'select.role-level[data-module="{module}"]')
    Select(select).select_by_visible_text(level)
    _wait(driver).until(ec.text_to_be_present_in_element(
        (By.ID, "announce"), f'{module} set to "{level}"'))
    step = driver.find_element(By.CSS_SELECTOR, "#last-step .step-yaml").get_attribute("value")
    assert f"set_role: {{role: Alvys Integration, permissions: {{{module}: {level}}}}}" in step


def test_read_only_accounts_payable_fails_the_bill_then_all_posts_it(sim: SimulatedCompany, browser, run_sync,
                                                                     shots) -> None:
    with live_server(sim.app) as base, httpx.Client(base_url=base) as http:
        live = SimulatedCompany(sim.app, sim.credentials, base_url=base)
        _set_level(browser, base, sim.company_id, "Accounts Payable", "Read only")
        assert sim.admin.company(sim.company_id)["roles"]["Alvys Integration"]["Accounts Payable"] == ["List", "View"]
        shots(browser, "company")

        report = run_sync(live, http)
        failed = [o for o in report.failed if o.errorno == "PL04000005"]
        assert failed and all(o.kind == "bill" for o in failed), report.to_dict()
        bill = failed[0].number

        browser.get(f"{base}/__sim/console/journal")
        errorno = browser.find_element(By.NAME, "errorno")
        errorno.send_keys("PL04000005")
        browser.find_element(By.NAME, "status").click()  # leaving the field applies the filter
        row = _wait(browser).until(ec.element_to_be_clickable(
            (By.CSS_SELECTOR, "#exchanges tbody tr.failed button.open")))
        assert {r.text for r in browser.find_elements(By.CSS_SELECTOR, "#exchanges td.errornos")} == {"PL04000005"}
        row.click()
        _wait(browser).until(ec.text_to_be_present_in_element((By.ID, "exchange-errors"), "PL04000005"))
        card = browser.find_element(By.ID, "exchange-errors").text
        assert "permission for API operation CREATE on objects of type apbill" in card
        assert 'set Accounts Payable to "All"' in card and "setup guide step 4" in card
        assert "PermissionDenied" in card  # the catalogue entry and its source
        request_xml = browser.find_element(By.ID, "exchange-request").text
        assert bill.split("-", 1)[-1] in request_xml and "<APBILL>" in request_xml
        assert sim.credentials.sender_password not in request_xml and "<password>***</password>" in request_xml
        assert browser.find_elements(By.CSS_SELECTOR, "#exchange-response .err-line")
        shots(browser, "journal")

        _set_level(browser, base, sim.company_id, "Accounts Payable", "All")
        again = run_sync(live, http)
        assert again.ok and again.posted >= len(failed), again.to_dict()

        browser.get(f"{base}/__sim/console/records?company={sim.company_id}&object=APBILL&q={bill}")
        rows = browser.find_elements(By.CSS_SELECTOR, "table.records tbody tr.by-connector")
        assert len(rows) == 1 and bill in rows[0].text and sim.credentials.user_id in rows[0].text
        shots(browser, "records")

        for page in ("faults", "reports", ""):
            browser.get(f"{base}/__sim/console/{page}")
            assert "Sage Intacct simulator" in browser.title
            shots(browser, page or "companies")


def test_setup_faults_and_clock_changed_from_the_console(sim: SimulatedCompany, browser, shots) -> None:
    """The other controls: each is the admin call a scenario makes, and the page offers that step."""
    admin = sim.admin
    with live_server(sim.app) as base:
        browser.get(f"{base}/__sim/console/companies/{sim.company_id}")
        row = browser.find_element(By.CSS_SELECTOR, 'tr[data-user="alvys_ws"]')
        Select(row.find_element(By.CSS_SELECTOR, 'select[data-field="status"]')).select_by_visible_text("Locked out")
        _wait(browser).until(ec.text_to_be_present_in_element((By.ID, "announce"), "status set to"))
        assert admin.company(sim.company_id)["users"]["alvys_ws"]["status"] == "locked"
        assert "change_user: {user: alvys_ws, status: locked}" in browser.find_element(
            By.CSS_SELECTOR, "#last-step .step-yaml").get_attribute("value")
        row.find_element(By.CSS_SELECTOR, 'input[data-field="web_services"]').click()
        _wait(browser).until(ec.text_to_be_present_in_element((By.ID, "announce"), "web_services"))
        assert admin.company(sim.company_id)["users"]["alvys_ws"]["web_services"] is False

        browser.find_element(By.ID, "new-sender").send_keys("OtherApp")
        browser.find_element(By.CSS_SELECTOR, "#add-sender button").click()
        _wait(browser).until(ec.text_to_be_present_in_element((By.ID, "announce"), "OtherApp"))
        assert admin.company(sim.company_id)["authorized_senders"] == ["AlvysMPP", "OtherApp"]
        assert "change_company: {authorized_senders: [AlvysMPP, OtherApp]}" in browser.find_element(
            By.CSS_SELECTOR, "#last-step .step-yaml").get_attribute("value")
        browser.find_element(By.CSS_SELECTOR, '.remove-sender[data-sender="AlvysMPP"]').click()
        _wait(browser).until(ec.text_to_be_present_in_element((By.ID, "announce"), "removed"))
        assert admin.company(sim.company_id)["authorized_senders"] == ["OtherApp"]
        closed = browser.find_element(By.ID, "closed-through")
        closed.send_keys("bad date")
        browser.find_element(By.ID, "reopen").click()
        _wait(browser).until(ec.text_to_be_present_in_element((By.ID, "announce"), "reopened"))

        browser.get(f"{base}/__sim/console/faults")
        area = browser.find_element(By.ID, "fault-json")
        area.clear()
        area.send_keys('{"action": "http", "status": 503, "times": 1, "tpye": 1}')
        browser.find_element(By.CSS_SELECTOR, "#add-fault button[type=submit]").click()
        _wait(browser).until(ec.text_to_be_present_in_element((By.ID, "announce"), "Not saved"))
        assert "tpye" in browser.find_element(By.ID, "announce").text and admin.http.get("/__sim/faults").json() == \
            {"faults": []}
        area.clear()
        area.send_keys('{"action": "http", "status": 503, "times": 1}')
        browser.find_element(By.CSS_SELECTOR, "#add-fault button[type=submit]").click()
        _wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".remove-fault")))
        assert [r["status"] for r in admin.http.get("/__sim/faults").json()["faults"]] == [503]
        assert "faults: [{action: http, status: 503, times: 1}]" in browser.find_element(
            By.CSS_SELECTOR, "#last-step .step-yaml").get_attribute("value")
        browser.find_element(By.CSS_SELECTOR, ".remove-fault").click()
        _wait(browser).until(ec.text_to_be_present_in_element((By.ID, "announce"), "removed"))
        assert admin.http.get("/__sim/faults").json() == {"faults": []}
        browser.find_element(By.ID, "advance-seconds").clear()
        browser.find_element(By.ID, "advance-seconds").send_keys("600")
        browser.find_element(By.CSS_SELECTOR, "#advance-clock button").click()
        _wait(browser).until(ec.text_to_be_present_in_element((By.ID, "announce"), "600"))
        assert "offset 600.0 s" in browser.page_source
        browser.find_element(By.CSS_SELECTOR, "#expire-sessions button").click()
        _wait(browser).until(ec.text_to_be_present_in_element((By.ID, "announce"), "expired"))
