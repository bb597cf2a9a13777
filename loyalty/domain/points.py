"""Points arithmetic: what an activity earns under the matching rules. Integers and Decimal only.

Conversion rate (Ours): floor(amountSpent / moneyAmount * points), exact for any amount.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from loyalty.domain import values
from loyalty.domain.errors import CurrencyMismatch, InvalidInput
from loyalty.domain.rules import (
    ConversionRateConfig,
    EarningRule,
    FixedAmountConfig,
    RuleStatus,
    plain_decimal,
)

C = TypeVar("C", FixedAmountConfig, ConversionRateConfig)

MAX_AMOUNT = values.MONEY_MAX  # 10^15: beyond any single order


@dataclass(frozen=True)
class Money:
    value: Decimal
    currency: str


@dataclass(frozen=True)
class Activity:
    activity_type: str
    trigger_app_id: str
    amount: Money | None


@dataclass(frozen=True)
class Award:
    rule_id: str
    rule_revision: int
    points: int
    reason: str
    tier_id: str | None = None  # the tier whose config was used (None: the base config)


def conversion_points(amount: Decimal, money_amount: Decimal, points: int) -> int:
    """floor(amount / money_amount * points), exactly.

    Multiplying first and dividing with ROUND_FLOOR at a precision that holds every integer
    digit of the result keeps the floor exact: a rounded-down quotient never crosses an integer.
    """
    if money_amount <= 0:
        raise InvalidInput("moneyAmount must be more than 0")
    digits = len(amount.as_tuple().digits) + len(str(points)) + 40
    with decimal.localcontext() as ctx:
        ctx.prec = max(digits, 60)
        ctx.rounding = decimal.ROUND_FLOOR
        ctx.traps[decimal.Inexact] = False
        quotient = (amount * points) / money_amount
        return int(quotient.to_integral_value(rounding=decimal.ROUND_FLOOR))


def check_amount(amount: Money, *, currency: str) -> None:
    """An amount must be finite, 0 or more, and in the program's base currency."""
    if not amount.value.is_finite() or amount.value < 0 or amount.value > MAX_AMOUNT:
        raise InvalidInput(
            f"amount.value must be a decimal from 0 to {MAX_AMOUNT}", field="amount.value"
        )
    if amount.currency.strip().upper() != currency.strip().upper():
        raise CurrencyMismatch(
            f"amount is in {amount.currency!r} but the program's currency is {currency!r}: "
            "send the amount in the base currency (not the buyer's display currency)",
            field="amount.currency",
        )


def _pick(configs: tuple[C, ...], tier_id: str | None) -> C | None:
    """The member's tier config, else the base config (tierId null), else none."""
    base = None
    for config in configs:
        if tier_id is not None and config.tier_id == tier_id:
            return config
        if config.tier_id is None:
            base = config
    return base


def _tier_note(config_tier: str | None) -> str:
    return "base tier" if config_tier is None else f"tier {config_tier}"


def award_for(rule: EarningRule, activity: Activity, *, tier_id: str | None) -> Award:
    """What one matching rule awards (possibly 0 points, with the reason)."""
    if rule.fixed_amount is not None:
        fixed = _pick(rule.fixed_amount, tier_id)
        if fixed is None:
            return Award(
                rule.id, rule.revision, 0, f"no config for tier {tier_id} and no base config"
            )
        return Award(
            rule.id,
            rule.revision,
            fixed.points,
            f"fixed amount: {fixed.points} points per activity ({_tier_note(fixed.tier_id)})",
            fixed.tier_id,
        )
    rate = _pick(rule.conversion_rate or (), tier_id)
    if rate is None:
        return Award(rule.id, rule.revision, 0, f"no config for tier {tier_id} and no base config")
    if activity.amount is None:
        return Award(
            rule.id,
            rule.revision,
            0,
            "conversion-rate rule needs an amount spent; the activity has none",
            rate.tier_id,
        )
    points = conversion_points(activity.amount.value, rate.money_amount, rate.points)
    spent = format(activity.amount.value, "f")
    return Award(
        rule.id,
        rule.revision,
        points,
        f"conversion rate: floor({spent} {activity.amount.currency} / "
        f"{format(plain_decimal(rate.money_amount), 'f')} * {rate.points}) = {points} "
        f"({_tier_note(rate.tier_id)})",
        rate.tier_id,
    )


def matches(rule: EarningRule, activity: Activity) -> bool:
    return (
        rule.status is RuleStatus.ACTIVE
        and rule.trigger_app_id == activity.trigger_app_id
        and rule.trigger_activity_type == activity.activity_type
    )


def awards_for(
    rules: Iterable[EarningRule], activity: Activity, *, tier_id: str | None, currency: str
) -> list[Award]:
    """One award per ACTIVE rule matching (triggerAppId, activityType), in the rules' order.

    Awards of 0 points are returned so that a preview can explain them; callers that record
    points skip them. An amount in another currency than `currency` raises CurrencyMismatch.
    """
    if activity.amount is not None:
        check_amount(activity.amount, currency=currency)
    return [award_for(rule, activity, tier_id=tier_id) for rule in rules if matches(rule, activity)]
