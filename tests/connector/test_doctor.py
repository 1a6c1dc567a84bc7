"""The wizard's checklist: each setup-guide step, found failing in the live (simulated) company."""

from __future__ import annotations

import json

import pytest

from intacct_harness.connector import Connection, CustomFieldMapping, DimensionMapping, GLAccounts, Secret, TmsUser
from intacct_harness.connector.intacct.client import DEFAULT_ENDPOINT
from intacct_harness.connector.settings import SENDER_PASSWORD_ENV
from tests.connector.conftest import company_block, connect, fast_retry

ADMIN = TmsUser("Ana", "Admin")
SIGN_IN = ("subscription", "user", "sender", "credentials", "entity")


def statuses(report):
    return {c.key: c.status for c in report.checks}


def test_a_company_set_up_as_the_guide_asks_is_ready(seeded):
    conn = connect(seeded, dimensions=(DimensionMapping("DEPARTMENT", source="division"),
                                       DimensionMapping("CLASS", source="equipment", values={"DRY": "DRY"})),
                   custom_fields=(CustomFieldMapping("LOAD_NUMBER", "number"),
                                  CustomFieldMapping("SETTLEMENT_NUMBER", "number", "bill")))
    report = conn.doctor(ADMIN)
    assert report.ok, report.render()
    assert set(statuses(report).values()) == {"pass"}
    assert "Result: ready to sync." in report.render()
    assert json.loads(json.dumps(report.to_dict()))["ok"] is True
    assert conn.client.endpoint == seeded.url != DEFAULT_ENDPOINT    # switched to the session's endpoint


def _failing(report):
    return [c.key for c in report.checks if c.status == "fail"]


def test_web_services_not_subscribed(sim):
    sim.admin.change_company(sim.company_id, web_services=False)
    report = connect(sim).doctor(ADMIN)
    assert _failing(report) == ["subscription"] and not report.ok
    assert "Company > Subscriptions" in report.check("subscription").fix
    assert report.check("module:Accounts Payable").status == "skip"
    assert "NOT ready to sync" in report.render()


def test_sender_not_authorized(sim):
    sim.admin.change_company(sim.company_id, authorized_senders=[])
    report = connect(sim).doctor(ADMIN)
    assert _failing(report) == ["sender"]
    assert report.check("subscription").status == "pass"
    assert "Company > Web Services Authorizations" in report.check("sender").fix
    assert "AlvysMPP" in report.check("sender").detail


def test_wrong_sender_password_is_a_control_failure(sim):
    conn = connect(sim)
    report = Connection(conn.settings, sim.client(), environ={SENDER_PASSWORD_ENV: "wrong"}).doctor(ADMIN)
    assert _failing(report) == ["sender"] and "Partner ID or password" in report.check("sender").detail


@pytest.mark.parametrize("overrides", [{"company_id": "NO-SUCH-CO"}, {"user_id": "nobody"}])
def test_wrong_company_or_user(sim, overrides):
    report = connect(sim, **overrides).doctor(ADMIN)
    assert _failing(report) == ["credentials"]
    assert "Company ID" in report.check("credentials").fix


def test_wrong_password(sim):
    report = connect(sim, user_password=Secret("not-it")).doctor(ADMIN)
    assert _failing(report) == ["credentials"]
    assert report.check("credentials").detail == "Sign-in information is incorrect"


@pytest.mark.parametrize(("change", "fix"), [({"status": "inactive"}, "Active"), ({"status": "locked"}, "Unlock"),
                                            ({"web_services": False}, "enable Web Services access")])
def test_web_services_user_problems(sim, change, fix):
    sim.admin.change_user(sim.company_id, sim.credentials.user_id, **change)
    report = connect(sim).doctor(ADMIN)
    assert _failing(report) == ["user"] and fix in report.check("user").fix
    assert all(report.check(k).status == "pass" for k in ("subscription", "sender", "credentials"))


@pytest.fixture
def multi(intacct_sim_factory):
    return intacct_sim_factory(company_block(entities=[{"id": "E100", "name": "East"}, {"id": "E200"}]))


def test_entity_unknown_or_not_permitted(multi):
    assert _failing(connect(multi, entity="E999").doctor(ADMIN)) == ["entity"]
    multi.admin.change_user(multi.company_id, multi.credentials.user_id, entities=["E200"])
    report = connect(multi, entity="E100").doctor(ADMIN)
    assert _failing(report) == ["entity"] and "access to the entity" in report.check("entity").fix
    assert connect(multi, entity="E200").doctor(ADMIN).ok


def test_multi_entity_company_without_entity_is_a_warning(multi):
    report = connect(multi).doctor(ADMIN)
    assert report.ok and report.check("entity").status == "warn"
    assert "Set the entity" in report.render()


@pytest.mark.parametrize("module", ["Accounts Payable", "Accounts Receivable", "Order Entry", "Cash Management"])
def test_each_module_short_of_all_is_named_with_what_breaks(sim, module):
    sim.set_permission(module, "Read only")
    report = connect(sim).doctor(ADMIN)
    assert _failing(report) == [f"module:{module}"]
    check = report.check(f"module:{module}")
    assert check.detail.startswith('is "Read only", not "All"')
    assert f'set {module} to "All"' in check.fix


def test_ap_short_says_settlement_bills_will_not_post(sim):
    sim.set_permission("Accounts Payable", "None")
    check = connect(sim).doctor(ADMIN).check("module:Accounts Payable")
    assert "AP bills for carrier and driver settlements will not post to Sage" in check.detail


def test_without_administration_permissions_cannot_be_read(sim):
    sim.set_permission("Administration", "None")
    report = connect(sim).doctor(ADMIN)
    assert report.check("module:Administration").status == "fail"
    assert "permission" in report.check("module:Administration").detail
    assert report.check("module:Company").status == "skip"


def test_missing_gl_account(sim):
    report = connect(sim, gl_accounts=GLAccounts(linehaul="4999")).doctor(ADMIN)
    assert _failing(report) == ["gl_accounts"] and "linehaul 4999 (missing)" in report.check("gl_accounts").detail


def test_gl_accounts_unreadable_without_general_ledger(sim):
    sim.set_permission("General Ledger", "None")
    report = connect(sim).doctor(ADMIN)
    assert "gl_accounts" in _failing(report) and "General Ledger" in report.check("gl_accounts").fix


def test_mapped_dimension_values_must_exist(sim):
    dims = (DimensionMapping("DEPARTMENT", source="division", values={"OTR": "OTR", "REG": "NOPE"}),)
    report = connect(sim, dimensions=dims).doctor(ADMIN)
    assert _failing(report) == ["dimensions"] and "DEPARTMENT NOPE is missing" in report.check("dimensions").detail


def test_dimensions_unreadable_without_platform_services(sim):
    sim.set_permission("Platform Services", "None")
    report = connect(sim, dimensions=(DimensionMapping("CLASS", value="DRY"),)).doctor(ADMIN)
    assert report.check("dimensions").status == "fail"


def test_dimension_values_unreadable(sim):
    sim.set_permission("Company", "None")
    report = connect(sim, dimensions=(DimensionMapping("CLASS", value="DRY"),)).doctor(ADMIN)
    assert "CLASS values cannot be read" in report.check("dimensions").detail


def test_platform_apps_dimensions_in_sage_are_reported_as_unsupported(intacct_sim_factory):
    sim = intacct_sim_factory(company_block(user_dimensions=["PLACE"]))
    report = connect(sim).doctor(ADMIN)
    assert report.ok and "Platform Apps dimensions (PLACE)" in report.check("dimensions").detail
    report = connect(sim, dimensions=(DimensionMapping("CLASS", value="DRY"),)).doctor(ADMIN)
    assert "not supported" in report.check("dimensions").detail


def test_mapped_custom_fields_must_exist(sim):
    report = connect(sim, custom_fields=(CustomFieldMapping("TRIP_ID", "number", "bill"),)).doctor(ADMIN)
    assert _failing(report) == ["custom_fields"] and "TRIP_ID does not exist on APBILL" in report.check(
        "custom_fields").detail


def test_custom_fields_uninspectable(sim):
    sim.set_permission("Accounts Receivable", "None")
    report = connect(sim, custom_fields=(CustomFieldMapping("LOAD_NUMBER", "number"),)).doctor(ADMIN)
    assert "ARINVOICE cannot be inspected" in report.check("custom_fields").detail


def test_unreachable_gateway(sim, wire_factory):
    _, http = wire_factory(lambda r, n: "refuse")
    report = connect(sim, http=http, retry=fast_retry(2)).doctor(ADMIN)
    assert _failing(report) == ["credentials"] and "could not be reached" in report.check("credentials").detail


def test_company_and_user_id_pasted_with_spaces_are_trimmed_and_the_user_check_runs(sim):
    c = sim.credentials
    conn = connect(sim, company_id=f"\u00a0{c.company_id} ", user_id=f" {c.user_id}\t")
    assert (conn.settings.company_id, conn.settings.user_id) == (c.company_id, c.user_id)
    report = conn.doctor(ADMIN)
    assert statuses(report)["credentials"] == statuses(report)["user"] == "pass"
    sim.admin.change_user(sim.company_id, c.user_id, type="Employee")
    assert statuses(connect(sim, user_id=f" {c.user_id} ").doctor(ADMIN))["user"] == "fail"


def test_password_is_kept_as_typed(sim):
    c = sim.credentials
    conn = connect(sim, user_password=Secret(f"{c.user_password} "))
    assert conn.settings.user_password.reveal() == f"{c.user_password} "
    report = conn.doctor(ADMIN)
    assert _failing(report) == ["credentials"]
    assert report.check("credentials").detail == "Sign-in information is incorrect"
