"""Tier arithmetic: thresholds, the rolling window, reversals, validation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from loyalty.domain.errors import InvalidInput, RevisionMismatch
from loyalty.domain.tiers import (
    Movement,
    Tier,
    TierChanges,
    TierInput,
    add_months,
    new_tier,
    next_drop,
    tier_for,
    tier_points,
    updated_tier,
    window_start,
)

NOW = datetime(2025, 6, 15, 12, tzinfo=UTC)


def tier(tid: str, required: int) -> Tier:
    return new_tier(TierInput(name=tid, required_points=required), tier_id=tid, now=NOW)


SILVER, GOLD = tier("silver", 100), tier("gold", 500)


@pytest.mark.parametrize(
    ("points", "expected"),
    [(0, None), (99, None), (100, "silver"), (499, "silver"), (500, "gold"), (10**9, "gold")],
)
def test_highest_tier_whose_threshold_is_reached(points: int, expected: str | None) -> None:
    found = tier_for([GOLD, SILVER], points)
    assert (found.id if found else None) == expected


def test_a_zero_threshold_tier_holds_everyone() -> None:
    bronze = tier("bronze", 0)
    assert tier_for([bronze, SILVER], 0) == bronze


def test_window_counts_earned_adjusted_minus_reversed_inside_it_only() -> None:
    old = datetime(2024, 6, 14, tzinfo=UTC)  # one day before a 12-month window starts
    moves = [
        Movement("EARN", 1000, old),
        Movement("EARN", 300, datetime(2025, 1, 1, tzinfo=UTC)),
        Movement("ADJUST", -50, datetime(2025, 2, 1, tzinfo=UTC)),
        Movement("ADJUST", 20, datetime(2025, 2, 2, tzinfo=UTC)),
        Movement("REVERSE", -100, datetime(2025, 3, 1, tzinfo=UTC)),
        Movement("REDEEM", -200, datetime(2025, 3, 2, tzinfo=UTC)),  # spending keeps progress
        Movement("EXPIRE", -10, datetime(2025, 3, 3, tzinfo=UTC)),
        Movement("REFUND", 200, datetime(2025, 3, 4, tzinfo=UTC)),
    ]
    assert tier_points(moves, since=window_start(NOW, 12)) == 300 - 50 + 20 - 100


def test_reversal_beyond_progress_floors_at_zero() -> None:
    moves = [Movement("EARN", 10, NOW), Movement("REVERSE", -50, NOW)]
    assert tier_points(moves, since=window_start(NOW, 12)) == 0


def test_add_months_clamps_the_day() -> None:
    assert add_months(datetime(2025, 3, 31, tzinfo=UTC), -1) == datetime(2025, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2024, 3, 31, tzinfo=UTC), -1) == datetime(2024, 2, 29, tzinfo=UTC)
    assert add_months(datetime(2025, 11, 30, tzinfo=UTC), 3) == datetime(2026, 2, 28, tzinfo=UTC)


def test_next_drop_is_when_the_oldest_progress_leaves_the_window() -> None:
    first = datetime(2025, 1, 10, tzinfo=UTC)
    moves = [Movement("EARN", 5, first), Movement("EARN", 5, datetime(2025, 4, 1, tzinfo=UTC))]
    assert next_drop(moves, now=NOW, months=12) == datetime(2026, 1, 10, tzinfo=UTC)
    assert next_drop([], now=NOW, months=12) is None


@pytest.mark.parametrize("required", [-1, 10_000_000, True])
def test_required_points_out_of_range_is_refused(required: int) -> None:
    with pytest.raises(InvalidInput) as err:
        new_tier(TierInput(name="x", required_points=required), tier_id="t", now=NOW)
    assert err.value.field == "requiredPoints"


def test_name_must_not_be_blank_or_too_long() -> None:
    for name in ("  ", "x" * 51):
        with pytest.raises(InvalidInput):
            new_tier(TierInput(name=name, required_points=1), tier_id="t", now=NOW)


def test_update_needs_the_current_revision_and_bumps_it() -> None:
    with pytest.raises(RevisionMismatch):
        updated_tier(SILVER, TierChanges(name="Silver+"), revision=7, now=NOW)
    changed = updated_tier(SILVER, TierChanges(required_points=150), revision=1, now=NOW)
    assert (changed.revision, changed.required_points, changed.name) == (2, 150, "silver")
    with pytest.raises(InvalidInput):
        updated_tier(SILVER, TierChanges(), revision=1, now=NOW)
