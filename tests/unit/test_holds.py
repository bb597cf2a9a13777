"""The hold rules (loyalty.domain.holds) and what they do to postings: pure, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from loyalty.domain.errors import InvalidInput
from loyalty.domain.holds import (
    HOLD_DAYS_MAX,
    Hold,
    HoldState,
    activity_hold_days,
    available_at,
    available_by,
    check_hold_days,
    describe_hold,
    effective_hold_days,
)
from loyalty.domain.ledger import EntryType, Totals, points_to_reverse, post
from loyalty.domain.rewards import InsufficientPoints, PointsHeld, check_affordable
from loyalty.domain.rules import (
    ConversionRateConfig,
    RuleChanges,
    RuleInput,
    new_rule,
    updated_rule,
)

T0 = datetime(2026, 3, 28, 12, tzinfo=UTC)  # the day before clocks go forward in Europe


@pytest.mark.parametrize("days", [0, 1, 14, HOLD_DAYS_MAX])
def test_hold_days_from_zero_to_a_year_are_accepted(days: int) -> None:
    check_hold_days(days)
    check_hold_days(days, nullable=False)


@pytest.mark.parametrize("days", [-1, HOLD_DAYS_MAX + 1, True, 1.5, "3"])
def test_other_hold_days_are_refused_naming_the_field(days: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_hold_days(days, field="program.holdDays")  # type: ignore[arg-type]
    assert caught.value.field == "program.holdDays"


def test_null_is_the_programs_only_where_a_rule_may_inherit() -> None:
    check_hold_days(None)
    with pytest.raises(InvalidInput):
        check_hold_days(None, nullable=False)


def test_a_rule_overrides_the_program_and_zero_means_no_hold() -> None:
    assert effective_hold_days(None, 14) == 14
    assert effective_hold_days(0, 14) == 0
    assert effective_hold_days(30, 14) == 30
    assert effective_hold_days(None, 0) == 0


def test_a_campaign_extra_is_held_as_long_as_the_longest_matched_rule() -> None:
    assert activity_hold_days([0, None, 30], 14) == 30
    assert activity_hold_days([0, None], 14) == 14
    assert activity_hold_days([0], 14) == 0
    assert activity_hold_days([], 7) == 7


def test_available_at_is_whole_24_hour_days_across_a_dst_change() -> None:
    assert available_at(T0, 2) == T0 + timedelta(hours=48)
    assert available_at(T0, 0) == T0
    with pytest.raises(ValueError):
        available_at(T0.replace(tzinfo=None), 1)
    assert describe_hold(0) == "not held"
    assert describe_hold(1) == "held 1 day"
    assert describe_hold(14) == "held 14 days"


def test_a_hold_is_due_at_available_at_exactly_and_only_while_held() -> None:
    hold = Hold(1, 100, 100, T0)
    assert not hold.is_due(T0 - timedelta(microseconds=1))
    assert hold.is_due(T0)
    with pytest.raises(InvalidInput):
        hold.activate(T0 - timedelta(seconds=1))
    active = hold.activate(T0)
    assert active.state is HoldState.ACTIVE and not active.is_due(T0 + timedelta(days=9))
    with pytest.raises(InvalidInput):
        active.cancel(1)


def test_refunds_cancel_their_proportional_share_and_all_of_it_cancels_the_hold() -> None:
    awarded = 99
    hold = Hold(1, awarded, awarded, T0)
    first = points_to_reverse(awarded, Decimal("99.99"), Decimal("33.32"), 0)
    hold = hold.cancel(first)
    assert (first, hold.remaining, hold.state) == (32, 67, HoldState.HELD)
    rest = points_to_reverse(awarded, Decimal("99.99"), Decimal("99.99"), first)
    hold = hold.cancel(rest)
    assert (rest, hold.remaining, hold.state) == (67, 0, HoldState.CANCELLED)
    with pytest.raises(InvalidInput):
        Hold(2, 10, 4, T0).cancel(5)  # more than is still held
    with pytest.raises(ValueError):
        Hold(3, 10, 11, T0)


def test_a_held_earn_and_a_held_reverse_move_nothing() -> None:
    totals = Totals(earned=10, debt=5)
    held = post(totals, EntryType.EARN, 40, held=True)
    assert (held.points, held.delta, held.debt_change, held.totals) == (40, 0, 0, totals)
    cancel = post(totals, EntryType.REVERSE, -40, held=True)
    assert (cancel.points, cancel.delta, cancel.debt_change, cancel.totals) == (-40, 0, 0, totals)
    with pytest.raises(InvalidInput):
        post(totals, EntryType.REDEEM, -1, held=True)
    with pytest.raises(InvalidInput):
        post(totals, EntryType.EARN, 0, held=True)


def test_activation_posts_like_an_earn_and_settles_a_debt_first() -> None:
    totals = Totals(earned=100, reversed=100, debt=30)
    out = post(totals, EntryType.ACTIVATE, 50)
    assert (out.delta, out.debt_change) == (20, -30)
    assert (out.totals.earned, out.totals.debt, out.totals.balance) == (150, 0, 20)
    with pytest.raises(InvalidInput):
        post(totals, EntryType.ACTIVATE, -5)


def test_held_points_never_pay_and_the_error_says_when_enough_will_be_available() -> None:
    held = [(30, T0 + timedelta(days=9)), (20, T0 + timedelta(days=2))]
    assert available_by(40, 60, held) == T0 + timedelta(days=2)
    assert available_by(40, 70, held) == T0 + timedelta(days=9)
    assert available_by(40, 91, held) is None
    assert available_by(60, 60, held) is None
    check_affordable(60, 60, held)
    with pytest.raises(PointsHeld) as caught:
        check_affordable(40, 70, held)
    assert caught.value.code == "POINTS_HELD" and (T0 + timedelta(days=9)).isoformat() in str(
        caught.value
    )
    with pytest.raises(InsufficientPoints) as short:
        check_affordable(40, 91, held)
    assert type(short.value) is InsufficientPoints and short.value.code == "INSUFFICIENT_POINTS"


def _rule_input(hold_days: int | None) -> RuleInput:
    return RuleInput(
        title="Buy",
        trigger_app_id="stores",
        trigger_activity_type="stores/OrderPaid",
        conversion_rate=(ConversionRateConfig(None, Decimal(1), 1),),
        hold_days=hold_days,
    )


def test_a_rules_hold_is_set_changed_and_given_back_to_the_program() -> None:
    rule = new_rule(_rule_input(14), rule_id="r", now=T0)
    assert rule.hold_days == 14
    assert new_rule(_rule_input(None), rule_id="r", now=T0).hold_days is None
    with pytest.raises(InvalidInput) as caught:
        new_rule(_rule_input(400), rule_id="r", now=T0)
    assert caught.value.field == "holdDays"
    changed = updated_rule(rule, RuleChanges(hold_days=0), revision=1, now=T0)
    assert (changed.hold_days, changed.revision) == (0, 2)
    inherited = updated_rule(changed, RuleChanges(program_hold_days=True), revision=2, now=T0)
    assert inherited.hold_days is None
    untouched = updated_rule(rule, RuleChanges(title="Other"), revision=1, now=T0)
    assert untouched.hold_days == 14
    with pytest.raises(InvalidInput):
        updated_rule(rule, RuleChanges(hold_days=3, program_hold_days=True), revision=1, now=T0)
