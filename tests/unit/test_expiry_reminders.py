"""Reminder timing (pure): a points.expiring reminder is due from reminderDays before the
expiration until it happens, never for a member whose points are not about to expire, and its
event id is stable per (member, expiration)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loyalty.domain.errors import InvalidInput
from loyalty.domain.expiry import (
    Expiration,
    ExpirationPolicy,
    ExpirationStatus,
    MemberActivity,
    reminder_due,
    reminders,
    validate_policy,
)
from loyalty.services.expiry_reminders import reminder_event_id

POLICY = ExpirationPolicy(ExpirationStatus.ENABLED, 12, 100, 14)
LAST = datetime(2026, 1, 10, 9, 30, tzinfo=UTC)
EXPIRES = datetime(2027, 1, 10, 9, 30, tzinfo=UTC)


def test_due_from_fourteen_days_before_until_the_expiry() -> None:
    exp = Expiration("ann", EXPIRES, 40)
    starts = EXPIRES - timedelta(days=14)
    assert not reminder_due(POLICY, exp, now=starts - timedelta(seconds=1))
    assert reminder_due(POLICY, exp, now=starts)
    assert reminder_due(POLICY, exp, now=EXPIRES - timedelta(seconds=1))
    assert not reminder_due(POLICY, exp, now=EXPIRES)  # expired: no reminder any more
    assert not reminder_due(ExpirationPolicy(ExpirationStatus.ENABLED, 12, 100), exp, now=starts)


def test_reminders_pick_the_members_whose_expiry_is_near() -> None:
    members = [
        MemberActivity("ann", 100, LAST, None),
        MemberActivity("bob", 100, LAST + timedelta(days=30), None),  # a month later
        MemberActivity("cy", 0, LAST, None),  # nothing to expire
    ]
    now = EXPIRES - timedelta(days=3)
    assert [e.member_id for e in reminders(POLICY, members, now=now)] == ["ann"]
    # A pause moved everyone's inactivity on: nobody is near.
    assert reminders(POLICY, members, now=now, resumed_at=LAST + timedelta(days=60)) == []


def test_event_ids_are_stable_per_member_and_expiry() -> None:
    one = reminder_event_id(Expiration("ann", EXPIRES, 40))
    assert one == reminder_event_id(Expiration("ann", EXPIRES, 35))  # same expiry, same id
    assert one != reminder_event_id(Expiration("ann", EXPIRES + timedelta(days=1), 40))
    assert one != reminder_event_id(Expiration("bob", EXPIRES, 40))
    assert len(reminder_event_id(Expiration("x" * 256, EXPIRES, 1))) <= 64


def test_reminder_days_are_checked() -> None:
    for bad in (0, 366, True):
        with pytest.raises(InvalidInput) as caught:
            validate_policy(ExpirationPolicy(ExpirationStatus.ENABLED, 12, 100, bad))
        assert caught.value.field == "pointsExpiration.reminderDays"
