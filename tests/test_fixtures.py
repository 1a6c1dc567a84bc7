"""The pytest plugin's fixtures: credentials for any company block, clear errors, ini options and markers."""

from __future__ import annotations

import pytest
import yaml

from intacct_harness.simulator.testing import (
    CompanyBlockError,
    company_credentials,
    sdk_client,
    seeded_company,
    standard_company,
    standard_seed,
)
from tests.wire import Gateway, fn


def test_a_company_with_its_own_user_signs_in_as_that_user(intacct_sim_factory):
    own = standard_company("OWN-CO", users=[{"id": "ops_ws", "password": "ops-secret", "type": "business",
                                             "web_services": True, "roles": ["Alvys Integration"]}])
    sim = intacct_sim_factory(own)
    assert (sim.credentials.company_id, sim.credentials.user_id, sim.credentials.user_password) == \
        ("OWN-CO", "ops_ws", "ops-secret")
    assert Gateway(sim).call(fn("<getAPISession/>")).status() == "success"


@pytest.mark.parametrize(("block", "message"), [
    ({"web_services": True}, "'id' is required"),
    ({"id": ""}, "'id' is required"),
    (["ACME"], "a company block is a mapping"),
    ({"id": "X", "users": "alvys_ws"}, "'users' must be a non-empty list"),
    ({"id": "X", "users": [{"id": "u"}]}, "users[0] needs an 'id' and a 'password'"),
])
def test_bad_company_blocks_say_what_is_missing(intacct_sim_factory, block, message):
    with pytest.raises(CompanyBlockError) as exc:
        intacct_sim_factory(block)
    assert message in str(exc.value)


def test_a_block_without_users_signs_in_as_the_default_user_and_fails_as_sage_would():
    assert company_credentials({"id": "BARE"}).user_id == "alvys_ws"


def test_seeded_company_signs_in_to_the_files_first_company(tmp_path):
    path = tmp_path / "team.yaml"
    path.write_text(yaml.safe_dump(standard_seed(standard_company("TEAM-CO"), standard_company("OTHER-CO"))))
    sim = seeded_company(path)
    assert sim.company_id == "TEAM-CO"
    assert Gateway(sim).call(fn("<getAPISession/>")).status() == "success"
    (tmp_path / "empty.yaml").write_text("senders: []\n")
    with pytest.raises(CompanyBlockError, match="no 'companies' list"):
        seeded_company(tmp_path / "empty.yaml")


@pytest.mark.intacct(company={"id": "MARKED-CO"})
def test_the_marker_overrides_the_standard_company(intacct_company):
    assert intacct_company.company_id == "MARKED-CO"
    assert Gateway(intacct_company).call(fn("<getAPISession/>")).status() == "success"


@pytest.mark.intacct(latency=True)
def test_the_marker_turns_latency_on(intacct_company):
    assert intacct_company.app.config["LATENCY"] is True


def test_latency_is_off_by_default(intacct_company):
    assert intacct_company.app.config["LATENCY"] is False


def test_pytest_fixtures_shows_each_fixtures_docstring():
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--fixtures", __file__],
                         capture_output=True, text=True, timeout=120, check=False).stdout
    for name, words in (("intacct_sim_factory", "fresh simulated Sage company per call"),
                        ("intacct_company", "set up as the setup guide asks"),
                        ("intacct_live_server", "ephemeral loopback port"),
                        ("intacct_sdk", "signed in to ``intacct_live_server``")):
        block = out.split(f"{name} -- ", 1)[1].split("\n\n", 1)[0]
        assert words in block, block
    assert "no docstring available" not in out.split("intacct_harness.simulator.pytest_plugin", 1)[1].split(
        "fixtures defined from", 1)[0]


def test_the_sdk_fixture_is_signed_in_to_the_live_server(intacct_sdk, intacct_live_server):
    assert intacct_sdk.customers.count() == 0
    intacct_sdk.customers.post({"CUSTOMERID": "C-1", "NAME": "Prairie Grain Co"})
    assert [r["CUSTOMERID"] for r in intacct_live_server.records("CUSTOMER")] == ["C-1"]
    journal = intacct_live_server.admin.journal(intacct_live_server.company_id)
    assert [(e["function"], e["user"]) for e in journal[:2]] == [("getAPISession", "alvys_ws"), ("query", "alvys_ws")]


def test_sdk_client_takes_other_credentials_and_a_page_size(intacct_live_server):
    from sageintacctsdk.exceptions import InvalidTokenError

    with pytest.raises(InvalidTokenError):
        sdk_client(intacct_live_server, user_password="wrong")
    assert intacct_live_server.admin.journal(intacct_live_server.company_id)[-1]["status"] == "failure"
    sdk = sdk_client(intacct_live_server, pagesize=2)
    intacct_live_server.admin.add_records(intacct_live_server.company_id, {"CUSTOMER": [
        {"CUSTOMERID": f"C-{i}", "NAME": f"Customer {i}"} for i in range(5)]})
    assert len(sdk.customers.get_all(fields=["CUSTOMERID"])) == 5
    pages = [e for e in intacct_live_server.admin.journal(intacct_live_server.company_id) if e["function"] == "query"]
    assert len(pages) == 1 + 3                          # the count, then pages of 2, 2 and 1


def test_sdk_client_refuses_an_in_process_company(intacct_company):
    with pytest.raises(ValueError, match="serve the company first"):
        sdk_client(intacct_company)
