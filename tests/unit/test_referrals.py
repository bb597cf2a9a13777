"""The referral program's pure rules (loyalty.domain.referrals): codes, e-mail normalisation, the
fraud screen's order, qualification, refunds inside the hold, and settings validation."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from loyalty.domain.errors import InvalidInput, RevisionMismatch
from loyalty.domain.referrals import (
    CODE_ALPHABET,
    CODE_LENGTH,
    Candidate,
    Limits,
    ProgramStatus,
    Reason,
    Reward,
    Settings,
    SettingsChanges,
    Trigger,
    new_code,
    new_codes,
    normalise_code,
    normalise_email,
    qualifies,
    refund_rejects,
    reward_due,
    screen,
    updated_settings,
)

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


def test_codes_are_unguessable_and_read_back_in_any_spelling() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    # The bulk draw of an import: the same form, every character of the alphabet in every place.
    many = new_codes(5000)
    assert len(set(many)) == 5000 and new_codes(0) == []
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in many)
    for place in range(CODE_LENGTH):
        assert {c[place] for c in many} == set(CODE_ALPHABET)
    code = "7K2M-9QXR 4T"
    assert normalise_code(code) == "7K2M9QXR4T"
    assert normalise_code("7k2m9qxr4t") == "7K2M9QXR4T"
    # Letters read as digits, as Crockford's base32 reads them.
    assert normalise_code("OIL0000000") == "0110000000"
    for bad in ("", "short", "7K2M9QXR4T5", "7K2M9QXR4!", "x" * 1000):
        assert normalise_code(bad) is None


@pytest.mark.parametrize(
    ("raw", "mailbox"),
    [
        ("Ann.Lee@Gmail.com", "annlee@gmail.com"),
        ("ann.lee+loyalty@googlemail.com", "annlee@gmail.com"),
        ("a.lee+x@example.com", "a.lee@example.com"),  # dots matter outside Gmail
        ("  bob@example.org ", "bob@example.org"),
        ("+tag@example.org", None),
        ("no-at-sign", None),
        ("", None),
        (None, None),
    ],
)
def test_emails_are_compared_as_the_mailbox_they_reach(
    raw: str | None, mailbox: str | None
) -> None:
    assert normalise_email(raw) == mailbox


def candidate(**changes: object) -> Candidate:
    base = Candidate(
        referrer_pk=1,
        friend_pk=2,
        referrer_email="ann@example.com",
        friend_email="bob@example.com",
        referrer_wallet=None,
        friend_wallet=None,
        friend_had_order=False,
        referrer_this_week=0,
        ip_this_week=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_the_screen_names_the_first_limit_broken_in_a_fixed_order() -> None:
    limits = Limits(per_referrer_per_week=3, per_ip_per_week=2)
    assert screen(candidate(), limits) is None
    assert screen(candidate(friend_pk=1, friend_had_order=True), limits) is Reason.SELF_REFERRAL
    assert screen(candidate(friend_email="a.n.n+x@example.com"), limits) is None  # not Gmail
    assert (
        screen(candidate(referrer_email="ann@gmail.com", friend_email="A.NN+x@gmail.com"), limits)
        is Reason.SAME_EMAIL
    )
    wallet = "0x" + "ab" * 20
    same_wallet = candidate(referrer_wallet=wallet, friend_wallet=wallet.upper().replace("X", "x"))
    assert screen(same_wallet, limits) is Reason.SAME_WALLET
    assert screen(candidate(friend_had_order=True, referrer_this_week=9), limits) is (
        Reason.FRIEND_NOT_NEW
    )
    assert screen(candidate(referrer_this_week=2), limits) is None
    assert screen(candidate(referrer_this_week=3), limits) is Reason.REFERRER_WEEKLY_LIMIT
    assert screen(candidate(ip_this_week=1), limits) is None
    assert screen(candidate(ip_this_week=2), limits) is Reason.IP_WEEKLY_LIMIT
    assert screen(candidate(referrer_this_week=99, ip_this_week=99), Limits()) is None
    assert screen(candidate(referrer_email=None, friend_email=None), limits) is None


def test_what_qualifies_and_when_the_rewards_fall_due() -> None:
    first_order = Settings(trigger=Trigger.FIRST_ORDER, minimum_amount=Decimal("20"))
    assert not qualifies(first_order, order_amount=None, has_order=False)
    assert not qualifies(first_order, order_amount=Decimal("19.99"), has_order=True)
    assert qualifies(first_order, order_amount=Decimal("20.00"), has_order=True)
    assert qualifies(
        replace(first_order, minimum_amount=None), order_amount=Decimal("0.01"), has_order=True
    )
    assert qualifies(Settings(trigger=Trigger.SIGN_UP), order_amount=None, has_order=False)
    assert reward_due(Settings(hold_days=14), NOW) == NOW + timedelta(days=14)
    assert reward_due(Settings(hold_days=0), NOW) == NOW


def test_a_refund_rejects_only_when_what_is_left_no_longer_qualifies() -> None:
    s = Settings(minimum_amount=Decimal("20"))
    assert not refund_rejects(s, amount=Decimal("50"), refunded=Decimal("30"))  # 20 left
    assert refund_rejects(s, amount=Decimal("50"), refunded=Decimal("30.01"))
    no_minimum = Settings()
    assert not refund_rejects(no_minimum, amount=Decimal("50"), refunded=Decimal("49.99"))
    assert refund_rejects(no_minimum, amount=Decimal("50"), refunded=Decimal("50"))


def test_settings_are_validated_and_revisioned() -> None:
    s = Settings()
    active = updated_settings(
        s,
        SettingsChanges(status=ProgramStatus.ACTIVE, referrer_points=500, hold_days=14),
        revision=1,
        now=NOW,
    )
    assert (active.revision, active.status, active.referrer_reward.points) == (
        2,
        ProgramStatus.ACTIVE,
        500,
    )
    with pytest.raises(RevisionMismatch):
        updated_settings(active, SettingsChanges(hold_days=1), revision=1, now=NOW)
    for changes, field in (
        (SettingsChanges(status=ProgramStatus.ACTIVE), "status"),  # rewards nobody
        (SettingsChanges(hold_days=-1), "holdDays"),
        (SettingsChanges(friend_points=10_000_000), "friendReward.points"),
        (SettingsChanges(per_referrer_per_week=0), "limits.perReferrerPerWeek"),
        (SettingsChanges(minimum_amount=Decimal("-1")), "qualification.minimumAmount"),
    ):
        with pytest.raises(InvalidInput) as raised:
            updated_settings(s, changes, revision=1, now=NOW)
        assert raised.value.field == field
    with pytest.raises(InvalidInput):
        updated_settings(active, SettingsChanges(status=ProgramStatus.DRAFT), revision=2, now=NOW)
    limited = updated_settings(
        active,
        SettingsChanges(per_ip_per_week=5, minimum_amount=Decimal("20")),
        revision=2,
        now=NOW,
    )
    cleared = updated_settings(
        limited, SettingsChanges(clear_limits=True, clear_minimum=True), revision=3, now=NOW
    )
    assert cleared.limits == Limits() and cleared.minimum_amount is None


def test_a_side_may_get_a_catalogue_reward_with_or_without_points() -> None:
    coupon_only = updated_settings(
        Settings(),
        SettingsChanges(status=ProgramStatus.ACTIVE, friend_reward_id="r-10"),
        revision=1,
        now=NOW,
    )
    assert coupon_only.friend_reward == Reward(0, "r-10") and coupon_only.friend_reward.gives
    assert not coupon_only.referrer_reward.gives
    both = updated_settings(coupon_only, SettingsChanges(friend_points=300), revision=2, now=NOW)
    assert both.friend_reward == Reward(300, "r-10")  # points added, the reward kept
    points_only = updated_settings(
        both, SettingsChanges(clear_friend_reward=True), revision=3, now=NOW
    )
    assert points_only.friend_reward == Reward(300, None)
    with pytest.raises(InvalidInput) as raised:  # the last reward of an ACTIVE program
        updated_settings(
            coupon_only, SettingsChanges(clear_friend_reward=True), revision=2, now=NOW
        )
    assert raised.value.field == "status"
    for changes in (
        SettingsChanges(friend_reward_id="r-10", clear_friend_reward=True),
        SettingsChanges(friend_reward_id="  "),
    ):
        with pytest.raises(InvalidInput) as raised:
            updated_settings(coupon_only, changes, revision=2, now=NOW)
        assert raised.value.field == "friendReward.rewardId"
