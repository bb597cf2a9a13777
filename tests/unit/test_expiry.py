"""Expiry arithmetic: when points expire, how many, and validation of the policy."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from loyalty.domain.errors import InvalidInput
from loyalty.domain.expiry import (
    ExpirationPolicy,
    ExpirationStatus,
    MemberActivity,
    due,
    upcoming,
    validate_policy,
)

ON = ExpirationPolicy(ExpirationStatus.ENABLED, 6, 50)
LAST = datetime(2025, 1, 31, tzinfo=UTC)


def test_upcoming_is_months_after_last_activity_with_the_percentage_floored() -> None:
    exp = upcoming(ON, MemberActivity("m", 101, LAST, None))
    assert exp is not None
    assert exp.expiration_date == datetime(2025, 7, 31, tzinfo=UTC)
    assert exp.expiring_points == 50


def test_a_later_expiry_restarts_the_clock() -> None:
    exp = upcoming(ON, MemberActivity("m", 50, LAST, datetime(2025, 8, 1, tzinfo=UTC)))
    assert exp is not None and exp.expiration_date == datetime(2026, 2, 1, tzinfo=UTC)


def test_nothing_expires_when_disabled_or_empty() -> None:
    off = ExpirationPolicy(ExpirationStatus.DISABLED, 6, 50)
    assert upcoming(off, MemberActivity("m", 100, LAST, None)) is None
    assert upcoming(ON, MemberActivity("m", 1, LAST, None)) is None  # 50 % of 1 is 0
    assert upcoming(ON, MemberActivity("m", 100, None, None)) is None


def test_due_exactly_at_the_date_not_before() -> None:
    member = MemberActivity("m", 10, LAST, None)
    assert due(ON, [member], now=datetime(2025, 7, 30, 23, 59, tzinfo=UTC)) == []
    assert len(due(ON, [member], now=datetime(2025, 7, 31, tzinfo=UTC))) == 1


@pytest.mark.parametrize(("months", "pct"), [(0, 50), (121, 50), (6, 0), (6, 101)])
def test_policy_out_of_range_is_refused(months: int, pct: int) -> None:
    with pytest.raises(InvalidInput):
        validate_policy(ExpirationPolicy(ExpirationStatus.ENABLED, months, pct))
