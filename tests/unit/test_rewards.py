"""Reward validation, the config a member redeems at, and affordability."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from loyalty.domain.errors import InvalidInput
from loyalty.domain.rewards import (
    InsufficientPoints,
    Reward,
    RewardConfig,
    RewardInput,
    RewardType,
    RewardUnavailable,
    check_affordable,
    config_for,
    new_coupon_code,
    new_reward,
)

NOW = datetime(2025, 6, 15, tzinfo=UTC)
BASE = RewardConfig(None, Decimal("5.00"), 100)
GOLD = RewardConfig("gold", Decimal("10.00"), 80)


def reward(*configs: RewardConfig, active: bool = True) -> Reward:
    return new_reward(
        RewardInput("5 off", RewardType.DISCOUNT_AMOUNT, tuple(configs), active),
        reward_id="r",
        now=NOW,
    )


def test_member_redeems_at_their_tier_config() -> None:
    assert config_for(reward(BASE, GOLD), "gold") == GOLD


def test_tier_without_config_falls_back_to_base() -> None:
    assert config_for(reward(BASE, GOLD), "silver") == BASE
    assert config_for(reward(BASE, GOLD), None) == BASE


def test_no_base_and_no_tier_config_is_unavailable() -> None:
    with pytest.raises(RewardUnavailable):
        config_for(reward(GOLD), None)


def test_inactive_reward_is_unavailable() -> None:
    with pytest.raises(RewardUnavailable):
        config_for(reward(BASE, active=False), None)


@pytest.mark.parametrize(
    "bad",
    [
        RewardConfig(None, Decimal("5"), -1),
        RewardConfig(None, Decimal("5"), 0),
        RewardConfig(None, Decimal("-5"), 10),
        RewardConfig(None, Decimal("0.0000001"), 10),
        RewardConfig(None, Decimal("NaN"), 10),
    ],
)
def test_bad_configs_are_refused(bad: RewardConfig) -> None:
    with pytest.raises(InvalidInput):
        reward(bad)


def test_duplicate_tier_configs_are_refused() -> None:
    with pytest.raises(InvalidInput):
        reward(BASE, RewardConfig(None, Decimal(1), 1))


def test_affordable_exactly_at_the_cost_not_one_below() -> None:
    check_affordable(100, 100)
    with pytest.raises(InsufficientPoints) as err:
        check_affordable(99, 100)
    assert err.value.code == "INSUFFICIENT_POINTS"


def test_coupon_codes_are_readable_and_distinct() -> None:
    codes = {new_coupon_code() for _ in range(1000)}
    assert len(codes) == 1000
    assert all(len(c) == 14 and not set(c) & set("01IO") for c in codes)
