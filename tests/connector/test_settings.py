"""Settings: who may change them, templates, the unsupported features, config files and secrets."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from intacct_harness.connector import (
    ConnectionSettings,
    DimensionMapping,
    NotSupportedError,
    RoleNotAllowed,
    Secret,
    TmsUser,
)
from intacct_harness.connector.errors import SettingsError
from intacct_harness.connector.settings import (
    CONNECTION_ROLES,
    CustomFieldMapping,
    GLAccounts,
    load_config,
    settings_from_dict,
)
from tests.connector.conftest import ESTABLISHED, connect, settings_for

ADMIN = TmsUser("Ana", "Admin")


@pytest.mark.parametrize("role", sorted(CONNECTION_ROLES))
def test_connection_roles_may_run_the_wizard(sim, role):
    assert connect(sim).doctor(TmsUser("x", role)).ok


@pytest.mark.parametrize("role", ["Dispatcher", "Driver", "Accountant", ""])
def test_other_roles_are_refused_the_wizard_and_settings(sim, role):
    conn = connect(sim)
    with pytest.raises(RoleNotAllowed, match='only "Admin", "Partner Admin" and "Support"'):
        conn.doctor(TmsUser("Sam", role))
    with pytest.raises(RoleNotAllowed, match="may not change Sage Intacct connection settings"):
        conn.settings.changed(TmsUser("Sam", role), batch_size=10)
    with pytest.raises(RoleNotAllowed):
        conn.settings.as_template(TmsUser("Sam", role), "SUB-2")
    assert sim.admin.journal(sim.company_id) == []       # refused before anything reached Sage


def test_changes_and_templates_by_an_admin(sim):
    first = settings_for(sim, dimensions=(DimensionMapping("department", source="division"),))
    assert first.changed(ADMIN, batch_size=10).batch_size == 10
    second = first.as_template(TmsUser("Sue", "Support"), "SUB-2", established_at=ESTABLISHED)
    assert (second.subsidiary_id, second.company_id, second.entity) == ("SUB-2", first.company_id, first.entity)
    assert second.dimensions == first.dimensions and second.gl_accounts == first.gl_accounts
    assert first.as_template(ADMIN, "SUB-3").established_at > ESTABLISHED


@pytest.mark.parametrize("dimension", ["PLACE", "GLDIMTEAM", "COSTTYPE"])
def test_platform_apps_dimensions_are_not_supported(dimension):
    with pytest.raises(NotSupportedError, match=r"Custom Dimensions \(Platform Apps\) is not supported.*LOCATION"):
        DimensionMapping(dimension, value="X")


@pytest.mark.parametrize(("flag", "feature"), [
    ("custom_dimensions", "Custom Dimensions (Platform Apps)"), ("spend_management", "Spend Management"),
    ("payment_export", "Payment Export"), ("payroll", "Payroll Integration"),
    ("historical_migration", "Historical Data Migration")])
def test_unsupported_features_in_config_are_refused_by_name(flag, feature):
    with pytest.raises(NotSupportedError) as info:
        settings_from_dict({"subsidiary_id": "S", flag: True})
    assert info.value.feature == feature and str(info.value).startswith(f"{feature} is not supported")


def test_sync_refuses_history_and_payments(sim, data):
    conn = connect(sim)
    with pytest.raises(NotSupportedError, match="Historical Data Migration"):
        conn.sync(data, include_history=True)
    with pytest.raises(NotSupportedError, match="Payment Export"):
        conn.sync(data, export_payments=True)


@pytest.mark.parametrize(("changes", "message"), [
    ({"unmatched": "guess"}, "unmatched must be"), ({"batch_size": 0}, "batch_size"),
    ({"concurrency_limit": 0}, "concurrency_limit"), ({"established_at": datetime(2026, 1, 1)}, "time zone"),
    ({"company_id": " "}, "company_id is required"), ({"user_password": Secret("")}, "user_password"),
    ({"dimensions": (DimensionMapping("CLASS", value="A"), DimensionMapping("class", value="B"))}, "mapped twice")])
def test_invalid_settings_name_the_setting(sim, changes, message):
    with pytest.raises(SettingsError, match=message):
        settings_for(sim, **changes)


def test_mapping_validation():
    with pytest.raises(SettingsError, match="source attribute or a fixed value"):
        DimensionMapping("CLASS")
    with pytest.raises(SettingsError, match="applies_to"):
        DimensionMapping("CLASS", value="A", applies_to=frozenset({"payment"}))
    with pytest.raises(SettingsError, match="applies_to"):
        CustomFieldMapping("X", "number", applies_to="payment")
    with pytest.raises(SettingsError, match="level"):
        CustomFieldMapping("X", "number", level="footer")
    with pytest.raises(SettingsError, match="needs a Sage field"):
        CustomFieldMapping("", "number")
    m = DimensionMapping("DEPARTMENT", source="division", values={"OTR": "D-OTR"}, value="D-OTHER")
    assert (m.sage_value("OTR"), m.sage_value("XYZ"), m.sage_value(None)) == ("D-OTR", "D-OTHER", "D-OTHER")


def test_sender_password_comes_from_env_or_secrets_file(sim, tmp_path):
    s = settings_for(sim)
    assert s.sender_password({"ALVYS_INTACCT_SENDER_PASSWORD": "p1"}).reveal() == "p1"
    with pytest.raises(SettingsError, match="ALVYS_INTACCT_SENDER_PASSWORD"):
        s.sender_password({})
    secret = tmp_path / "sender.txt"
    secret.write_text("p2\n")
    assert settings_for(sim, sender_password_file=str(secret)).sender_password({}).reveal() == "p2"
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(SettingsError, match="empty"):
        settings_for(sim, sender_password_file=str(tmp_path / "empty.txt")).sender_password({})
    with pytest.raises(SettingsError, match="cannot read"):
        settings_for(sim, sender_password_file=str(tmp_path / "missing.txt")).sender_password({})


def test_secrets_never_show():
    s = Secret("hunter2")
    assert "hunter2" not in repr(s) + str(s) + repr([s])
    assert s == Secret("hunter2") and hash(s) == hash(Secret("hunter2")) and s != "hunter2"


def test_config_from_yaml_and_json(tmp_path):
    block = {"subsidiary_id": "SUB-1", "company_id": "ACME", "user_id": "ws", "user_password_env": "WS_PW",
             "established_at": "2026-01-15T00:00:00", "entity": "E100", "unmatched": "create",
             "gl_accounts": {"linehaul": 4001}, "sender_password_file": "sender.txt",
             "dimensions": [{"dimension": "CLASS", "source": "equipment"}],
             "custom_fields": [{"field": "load_number", "source": "number"}]}
    (tmp_path / "c.json").write_text(json.dumps({"connection": block}))
    (tmp_path / "c.yaml").write_text("connection:\n  subsidiary_id: SUB-1\n")
    assert load_config(tmp_path / "c.yaml")["connection"]["subsidiary_id"] == "SUB-1"
    s = settings_from_dict(load_config(tmp_path / "c.json")["connection"], environ={"WS_PW": "pw"},
                           base_dir=tmp_path)
    assert s.user_password.reveal() == "pw" and s.established_at.tzinfo is not None
    assert s.gl_accounts == GLAccounts(linehaul="4001") and s.custom_fields[0].field == "LOAD_NUMBER"
    assert s.sender_password_file == str(tmp_path / "sender.txt")
    assert "pw" not in json.dumps(s.public())


@pytest.mark.parametrize(("block", "message"), [
    ({"colour": "red"}, "unknown setting"), ({"user_password": "x"}, "established_at is required"),
    ({"user_password": "x", "established_at": "soon"}, "ISO date-time"),
    ({"user_password": "x", "established_at": "2026-01-01", "dimensions": [{"dim": "CLASS"}]},
     r"dimensions\[0\]\.dim: unknown setting"),
    ({"user_password": "x", "established_at": "2026-01-01", "gl_accounts": ["4000"]}, "expected a mapping")])
def test_bad_config_blocks(block, message):
    with pytest.raises(SettingsError, match=message):
        settings_from_dict(block)


def test_bad_config_files(tmp_path):
    with pytest.raises(SettingsError, match="cannot read"):
        load_config(tmp_path / "nope.yaml")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(SettingsError, match="not valid JSON"):
        load_config(tmp_path / "bad.json")


def test_settings_are_a_value(sim):
    s = settings_for(sim)
    assert isinstance(s, ConnectionSettings) and s.public()["sender_id"] == "AlvysMPP"


def test_a_template_copy_is_connected_now_and_owns_its_mappings(sim):
    from datetime import UTC, datetime
    dims = (DimensionMapping("DEPARTMENT", source="division", values={"OTR": "OTR"}),)
    first = settings_for(sim, dimensions=dims, entity=" E100 ")
    before = datetime.now(UTC)
    second = first.as_template(ADMIN, "SUB-2")
    assert first.entity == second.entity == "E100"
    assert second.established_at >= before > first.established_at == ESTABLISHED
    first.dimensions[0].values["REG"] = "REG"          # the template's mapping is edited afterwards
    assert dict(second.dimensions[0].values) == {"OTR": "OTR"}
    assert second.dimensions[0] is not first.dimensions[0]
