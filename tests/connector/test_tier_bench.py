"""The tier row's arithmetic: the protocol floor and the timeline breakdown (loadtests/bench.py row 3)."""

from __future__ import annotations

import pytest

from loadtests.bench import tier_floor
from loadtests.common import Tier
from loadtests.connector_driver import Exchange, breakdown


def test_the_floor_counts_the_session_the_lookup_and_the_half_empty_last_round():
    tier = Tier(concurrency=2, base_ms=300)
    assert tier_floor([59], tier, 50) == pytest.approx((2 + 30) * 0.3)       # 2,918 documents, one subsidiary
    assert tier_floor([30, 30], tier, 50) == pytest.approx((2 + 30) * 0.3)   # two sharing the company's slots
    assert tier_floor([30, 30, 30], tier, 50) == pytest.approx((4 + 45) * 0.3)


def test_the_breakdown_separates_fixed_requests_from_posts():
    ex = [Exchange(0.1, 0.4, "getAPISession", 1), Exchange(0.4, 0.7, "query", 4),
          Exchange(0.75, 1.05, "create_invoice", 50), Exchange(0.76, 1.06, "create", 50)]
    b = breakdown(ex, 0.0, 1.1, slots=2)
    assert b["fixed_requests"] == 2 and b["posts"] == 2
    assert b["first_request_s"] == pytest.approx(0.1) and b["first_post_s"] == pytest.approx(0.75)
    assert b["post_ms"] == pytest.approx(300) and b["slots_busy"] == pytest.approx(1.2 / 2.2)
