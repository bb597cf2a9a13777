"""Downgrade policies and the tier program's status (pure): when a member moves down, to which
tier, when the periodic roll looks again, the projected downgrade and its notice, and which
tier's rates apply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loyalty.domain.errors import InvalidInput
from loyalty.domain.tier_program import (
    Downgrade,
    DowngradePolicy,
    Settled,
    TierProgram,
    TierProgramStatus,
    next_check,
    notice_at,
    one_below,
    projected_downgrade,
    rate_tier,
    settle,
    validate_notice_days,
)
from loyalty.domain.tiers import Movement, Tier

ROLLING, ONE_DOWN, BALANCE = (
    DowngradePolicy.ROLLING_WINDOW,
    DowngradePolicy.ONE_DOWN,
    DowngradePolicy.BALANCE_BASED,
)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def tier(name: str, required: int) -> Tier:
    return Tier(name, name, None, required, 1, T0, T0)


SILVER, GOLD, PLATINUM = tier("silver", 100), tier("gold", 500), tier("platinum", 1000)
TIERS = (SILVER, GOLD, PLATINUM)


def at(month: int, day: int = 1, year: int = 2026) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def go(policy: DowngradePolicy, **kw: object) -> Settled:
    args: dict[str, object] = {"since": at(1), "balance": 0, "now": at(6), "months": 12}
    args.update(kw)
    return settle(policy, TIERS, **args)  # type: ignore[arg-type]


@pytest.mark.parametrize("policy", [ROLLING, ONE_DOWN, BALANCE])
def test_every_policy_upgrades_at_once_and_starts_a_period(policy: DowngradePolicy) -> None:
    assert go(policy, current=SILVER, points=1200) == Settled(PLATINUM, at(6))
    assert go(policy, current=None, since=None, points=150) == Settled(SILVER, at(6))
    assert go(policy, current=GOLD, points=600) == Settled(GOLD, at(1))  # kept, same period
    assert go(policy, current=None, since=None, points=10) == Settled(None, None)


def test_rolling_window_follows_the_window_down_at_once() -> None:
    assert go(ROLLING, current=PLATINUM, points=120) == Settled(SILVER, at(6))
    assert go(ROLLING, current=SILVER, points=0) == Settled(None, None)


def test_one_down_keeps_the_tier_through_its_period_then_drops_one() -> None:
    inside = go(ONE_DOWN, current=PLATINUM, points=0, now=at(12, 31, 2026))
    assert inside == Settled(PLATINUM, at(1))
    # The period (12 months from 1 January) ends on 1 January 2027: exactly one tier down.
    end = at(1, 1, 2027)
    assert go(ONE_DOWN, current=PLATINUM, points=0, now=end) == Settled(GOLD, end)
    assert go(ONE_DOWN, current=SILVER, points=0, now=end) == Settled(None, None)
    # Points that still reach a tier between: never below what they earn.
    assert go(ONE_DOWN, current=PLATINUM, points=700, now=end) == Settled(GOLD, end)


def test_balance_based_lands_where_the_balance_reaches_between_earned_and_current() -> None:
    end = at(1, 1, 2027)
    kept = go(BALANCE, current=PLATINUM, points=0, balance=5000, now=end)
    assert kept == Settled(PLATINUM, end)  # new period: the balance still reaches it
    assert go(BALANCE, current=PLATINUM, points=0, balance=600, now=end) == Settled(GOLD, end)
    assert go(BALANCE, current=PLATINUM, points=0, balance=5, now=end) == Settled(None, None)
    assert go(BALANCE, current=PLATINUM, points=150, balance=5, now=end) == Settled(SILVER, end)
    inside = go(BALANCE, current=PLATINUM, points=0, balance=0, now=at(6))
    assert inside == Settled(PLATINUM, at(1))


def test_the_roll_looks_again_when_points_leave_or_the_period_ends() -> None:
    moves = [Movement("EARN", 300, at(3)), Movement("EARN", 300, at(5))]
    rolling = next_check(ROLLING, Settled(GOLD, at(3)), moves, now=at(6), months=12)
    assert rolling == at(3, 1, 2027)
    period = next_check(ONE_DOWN, Settled(GOLD, at(5)), moves, now=at(6), months=12)
    assert period == at(5, 1, 2027)
    assert next_check(ONE_DOWN, Settled(None, None), moves, now=at(6), months=12) is None


def test_projected_downgrade_and_its_notice() -> None:
    moves = [Movement("EARN", 300, at(3)), Movement("EARN", 300, at(5))]
    rolling = projected_downgrade(
        ROLLING, TIERS, Settled(GOLD, at(5)), moves, balance=600, now=at(6), months=12
    )
    assert rolling == Downgrade(at(3, 1, 2027), SILVER)  # the March points leave the window
    one_down = projected_downgrade(
        ONE_DOWN, TIERS, Settled(PLATINUM, at(5)), moves, balance=600, now=at(6), months=12
    )
    assert one_down == Downgrade(at(5, 1, 2027), GOLD)
    rich = projected_downgrade(
        BALANCE, TIERS, Settled(GOLD, at(5)), moves, balance=900, now=at(6), months=12
    )
    assert rich is None  # the balance keeps Gold at the period's end
    program = TierProgram(downgrade_notice_days=14)
    assert notice_at(program, rolling) == at(3, 1, 2027) - timedelta(days=14)
    assert notice_at(TierProgram(), rolling) is None
    paused = TierProgram(TierProgramStatus.PAUSED, downgrade_notice_days=14)
    assert notice_at(paused, rolling) is None


def test_rates_are_the_base_tiers_unless_the_tier_program_is_active() -> None:
    active = TierProgram()
    assert rate_tier(active, TIERS, computed=SILVER, stored_id="gold") == "silver"
    kept = TierProgram(downgrade_policy=ONE_DOWN)
    assert rate_tier(kept, TIERS, computed=SILVER, stored_id="gold") == "gold"
    for status in (TierProgramStatus.PAUSED, TierProgramStatus.DISABLED):
        assert rate_tier(TierProgram(status), TIERS, computed=GOLD, stored_id="gold") is None
    assert one_below(TIERS, SILVER) is None and one_below(TIERS, PLATINUM) == GOLD


def test_notice_days_are_checked() -> None:
    assert validate_notice_days(None) is None and validate_notice_days(14) == 14
    for bad in (0, 366, True):
        with pytest.raises(InvalidInput):
            validate_notice_days(bad)  # type: ignore[arg-type]
