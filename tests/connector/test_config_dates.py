"""Dates in a connector config, with or without a time zone: ``established_at`` and the TMS data's ``start``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import yaml

from intacct_harness.connector.cli import dataset_from_config
from intacct_harness.connector.errors import SettingsError
from intacct_harness.connector.settings import parse_moment, settings_from_dict

BLOCK = {"subsidiary_id": "SUB-1", "company_id": "CO", "user_id": "u", "user_password": "pw"}


@pytest.mark.parametrize(("written", "moment"), [
    ("2026-11-05", datetime(2026, 11, 5, tzinfo=UTC)),
    ("2026-11-05 08:30:00", datetime(2026, 11, 5, 8, 30, tzinfo=UTC)),
    ("2026-11-05T08:30:00-05:00", datetime(2026, 11, 5, 13, 30, tzinfo=UTC)),
    ("'2026-11-05T08:30'", datetime(2026, 11, 5, 8, 30, tzinfo=UTC)),
])
def test_established_at_as_yaml_writes_it(written, moment):
    raw = yaml.safe_load(f"established_at: {written}")["established_at"]
    settings = settings_from_dict({**BLOCK, "established_at": raw})
    assert settings.established_at == moment and settings.established_at.tzinfo is not None


@pytest.mark.parametrize("value", ["next tuesday", "2026-13-01"])
def test_a_moment_that_is_not_a_date_names_the_setting_and_the_forms(value):
    with pytest.raises(SettingsError, match=r"connection.established_at: expected a date such as 2026-11-05"):
        parse_moment("connection.established_at", value)


@pytest.mark.parametrize("start", [date(2026, 11, 5), "2026-11-05", "2026-11-05T00:00:00+00:00",
                                   datetime(2026, 11, 5)])
def test_tms_start_with_or_without_a_time_zone_gives_aware_times(start):
    data = dataset_from_config({"seed": 7, "start": start, "days": 20})
    times = [ld.created_at for ld in data.loads] + [st.created_at for st in data.settlements]
    assert all(t.tzinfo is not None for t in times)
    begin = datetime(2026, 11, 5, tzinfo=UTC)
    assert all(begin <= t < begin + timedelta(days=20) for t in times)
    established = settings_from_dict({**BLOCK, "established_at": "2026-11-01"}).established_at
    assert all(t > established for t in times)          # compares: no "offset-naive and offset-aware" crash


def test_a_start_in_another_time_zone_keeps_its_offset():
    east = timezone(timedelta(hours=-5))
    data = dataset_from_config({"seed": 7, "start": datetime(2026, 11, 5, tzinfo=east), "days": 1})
    assert {ld.created_at.utcoffset() for ld in data.loads} == {timedelta(hours=-5)}


@pytest.mark.parametrize(("key", "meant"), [("company", "company_id"), ("user", "user_id"), ("password_env",
                                                                                          "user_password_env")])
def test_a_near_miss_key_names_the_setting_meant(key, meant):
    with pytest.raises(SettingsError, match=rf"connection\.{key}: unknown setting; .*\(did you mean {meant}\?\)$"):
        settings_from_dict({**BLOCK, key: "x", "established_at": "2026-11-01"})
