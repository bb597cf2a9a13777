"""The points formula, table-driven, and how awards pick configs (pure domain, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.domain.errors import CurrencyMismatch, InvalidInput
from loyalty.domain.points import Activity, Money, awards_for, conversion_points
from loyalty.domain.rules import (
    ConversionRateConfig,
    EarningRule,
    FixedAmountConfig,
    RuleStatus,
)

D = Decimal


@pytest.mark.parametrize(
    ("spent", "money_amount", "points", "expected"),
    [
        (D("100"), D("1"), 2, 200),  # Wix's worked example: $100 at 2 points per $1
        (D("99.99"), D("10"), 1, 9),  # 9.999 floors to 9
        (D("0.01"), D("1"), 1, 0),
        (D("0"), D("1"), 5, 0),
        (D("10"), D("10"), 1, 1),  # exactly on the boundary
        (D("9.999999"), D("10"), 1, 0),
        (D("1"), D("3"), 3, 1),  # 1/3*3: float would give 0.9999… or 1 by luck; exact gives 1
        (D("2"), D("3"), 3, 2),
        (D("0.3"), D("0.1"), 1, 3),  # float: 0.3/0.1 = 2.9999999999999996 -> 2
        (D("19.99"), D("0.01"), 1, 1999),
        (D("123456789012345.67"), D("0.01"), 9_999_999, 123456789012345_67 * 9_999_999),
        (D("999999999999999.999999"), D("0.000001"), 1, 999999999999999999999),
        (D("1000000000000000"), D("7"), 3, 428571428571428),  # 3e15/7 = 428571428571428.57…
    ],
)
def test_conversion_formula(spent: D, money_amount: D, points: int, expected: int) -> None:
    assert conversion_points(spent, money_amount, points) == expected


@given(
    cents=st.integers(min_value=0, max_value=10**17),
    rate_cents=st.integers(min_value=1, max_value=10**14),
    points=st.integers(min_value=1, max_value=9_999_999),
)
def test_conversion_equals_integer_floor_division(cents: int, rate_cents: int, points: int) -> None:
    # amount/rate*points with both in cents is (cents*points)//rate_cents exactly.
    got = conversion_points(D(cents).scaleb(-2), D(rate_cents).scaleb(-2), points)
    assert got == (cents * points) // rate_cents


NOW = datetime(2026, 1, 1, tzinfo=UTC)


def rule(
    rule_id: str = "r1",
    *,
    fixed: tuple[FixedAmountConfig, ...] | None = None,
    rate: tuple[ConversionRateConfig, ...] | None = None,
    status: RuleStatus = RuleStatus.ACTIVE,
    activity_type: str = "stores/OrderPaid",
    app: str = "stores",
) -> EarningRule:
    return EarningRule(
        id=rule_id,
        revision=3,
        title="t",
        source_app_id="loyalty",
        trigger_app_id=app,
        trigger_activity_type=activity_type,
        status=status,
        fixed_amount=fixed,
        conversion_rate=rate,
        can_be_deleted=True,
        created_date=NOW,
        updated_date=NOW,
    )


def paid(value: str | None, currency: str = "USD") -> Activity:
    amount = None if value is None else Money(D(value), currency)
    return Activity("stores/OrderPaid", "stores", amount)


def test_every_active_matching_rule_awards_and_others_do_not() -> None:
    rules = [
        rule("fixed", fixed=(FixedAmountConfig(None, 10),)),
        rule("rate", rate=(ConversionRateConfig(None, D("1"), 2),)),
        rule("paused", fixed=(FixedAmountConfig(None, 99),), status=RuleStatus.PAUSED),
        rule("other-type", fixed=(FixedAmountConfig(None, 99),), activity_type="events/Rsvp"),
        rule("other-app", fixed=(FixedAmountConfig(None, 99),), app="shop2"),
    ]
    awards = awards_for(rules, paid("100.00"), tier_id=None, currency="USD")
    assert [(a.rule_id, a.rule_revision, a.points) for a in awards] == [
        ("fixed", 3, 10),
        ("rate", 3, 200),
    ]
    assert "floor(100.00 USD / 1 * 2) = 200" in awards[1].reason


def test_tier_config_with_fallback_to_base() -> None:
    r = rule(rate=(ConversionRateConfig(None, D("1"), 1), ConversionRateConfig("gold", D("1"), 3)))
    assert awards_for([r], paid("10"), tier_id="gold", currency="USD")[0].points == 30
    assert awards_for([r], paid("10"), tier_id="silver", currency="USD")[0].points == 10
    assert awards_for([r], paid("10"), tier_id=None, currency="USD")[0].points == 10


def test_no_base_config_and_no_tier_config_awards_zero_with_reason() -> None:
    r = rule(fixed=(FixedAmountConfig("gold", 50),))
    [award] = awards_for([r], paid(None), tier_id="silver", currency="USD")
    assert award.points == 0 and "no config" in award.reason


def test_conversion_rule_without_amount_awards_zero_with_reason() -> None:
    r = rule(rate=(ConversionRateConfig(None, D("1"), 1),))
    [award] = awards_for([r], paid(None), tier_id=None, currency="USD")
    assert award.points == 0 and "needs an amount" in award.reason


def test_other_currency_is_refused_even_with_no_matching_rule() -> None:
    with pytest.raises(CurrencyMismatch, match="EUR"):
        awards_for([], paid("10", "EUR"), tier_id=None, currency="USD")
    # Case does not matter: ISO codes.
    assert awards_for([], paid("10", "usd"), tier_id=None, currency="USD") == []


@pytest.mark.parametrize("value", ["-1", "1e16", "NaN", "Infinity"])
def test_bad_amounts_are_refused(value: str) -> None:
    with pytest.raises(InvalidInput):
        awards_for([], paid(value), tier_id=None, currency="USD")
