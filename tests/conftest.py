"""Shared helpers for the suite: build gateway envelopes and parse responses."""

from __future__ import annotations

import pytest

from tests.wire import Gateway


@pytest.fixture
def gateway(intacct_company):  # type: ignore[no-untyped-def]
    return Gateway(intacct_company)

