"""What the rule queries and mutations take: the filter, a new rule, a partial update, and
their conversion to the domain's values."""

from __future__ import annotations

import strawberry

from api.schema.rules.types import EarningRuleStatus
from api.schema.scalars import Money
from loyalty.domain import rules as domain


@strawberry.input
class EarningRuleFilter:
    trigger_app_id: str | None = None
    trigger_activity_type: str | None = None
    status: EarningRuleStatus | None = None


@strawberry.input
class FixedAmountConfigInput:
    tier_id: strawberry.ID | None = None
    points: int


@strawberry.input
class FixedAmountInput:
    configs: list[FixedAmountConfigInput]


@strawberry.input
class ConversionRateConfigInput:
    tier_id: strawberry.ID | None = None
    money_amount: Money
    points: int


@strawberry.input
class ConversionRateInput:
    configs: list[ConversionRateConfigInput]


def _fixed(value: FixedAmountInput | None) -> tuple[domain.FixedAmountConfig, ...] | None:
    if value is None:
        return None
    return tuple(domain.FixedAmountConfig(_tier(c.tier_id), c.points) for c in value.configs)


def _rate(value: ConversionRateInput | None) -> tuple[domain.ConversionRateConfig, ...] | None:
    if value is None:
        return None
    return tuple(
        domain.ConversionRateConfig(_tier(c.tier_id), c.money_amount, c.points)
        for c in value.configs
    )


def _tier(value: strawberry.ID | None) -> str | None:
    return None if value is None else str(value)


def rule_status(value: EarningRuleStatus | None) -> domain.RuleStatus | None:
    return None if value is None else domain.RuleStatus(value.value)


@strawberry.input(
    description="A new earning rule: give exactly one of fixedAmount or conversionRate."
)
class EarningRuleInput:
    title: str
    trigger_app_id: str
    trigger_activity_type: str
    status: EarningRuleStatus = EarningRuleStatus.ACTIVE
    fixed_amount: FixedAmountInput | None = None
    conversion_rate: ConversionRateInput | None = None
    hold_days: int | None = strawberry.field(
        default=None,
        description="Days this rule's awards are held before they count (the return window, "
        "0 to 365; 0: never held). Null or omitted: the program's holdDays.",
    )

    def to_domain(self) -> domain.RuleInput:
        return domain.RuleInput(
            title=self.title,
            trigger_app_id=self.trigger_app_id,
            trigger_activity_type=self.trigger_activity_type,
            status=domain.RuleStatus(self.status.value),
            fixed_amount=_fixed(self.fixed_amount),
            conversion_rate=_rate(self.conversion_rate),
            hold_days=self.hold_days,
        )


@strawberry.input(
    description="A partial update: omitted (or null) fields stay as they are. fixedAmount or "
    "conversionRate replaces the configs and may switch the point method."
)
class EarningRuleUpdate:
    title: str | None = None
    trigger_app_id: str | None = None
    trigger_activity_type: str | None = None
    status: EarningRuleStatus | None = None
    fixed_amount: FixedAmountInput | None = None
    conversion_rate: ConversionRateInput | None = None
    hold_days: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Days the rule's awards are held (0 to 365). Unlike the other fields, an "
        "explicit null is a change: the rule takes the program's holdDays again.",
    )

    def to_domain(self) -> domain.RuleChanges:
        inherit = self.hold_days is None  # given as null (omitted is UNSET)
        return domain.RuleChanges(
            title=self.title,
            trigger_app_id=self.trigger_app_id,
            trigger_activity_type=self.trigger_activity_type,
            status=rule_status(self.status),
            fixed_amount=_fixed(self.fixed_amount),
            conversion_rate=_rate(self.conversion_rate),
            hold_days=self.hold_days if isinstance(self.hold_days, int) else None,
            program_hold_days=True if inherit else None,
        )
