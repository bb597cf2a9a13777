"""What the campaign operations take, and their domain values."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.schema.campaigns.types import CampaignCombination, CampaignStatus, DayOfWeek
from api.schema.scalars import Money
from loyalty.domain import campaigns as domain


@strawberry.input
class DailyHoursInput:
    start: str
    end: str


@strawberry.input(
    description="startsAt inclusive, endsAt exclusive (instants); daysOfWeek and hours are "
    "read on the program's wall clock (loyaltyProgram.timeZone)."
)
class CampaignWindowInput:
    starts_at: datetime
    ends_at: datetime | None = None
    days_of_week: list[DayOfWeek] | None = None
    hours: DailyHoursInput | None = None

    def to_domain(self) -> domain.Window:
        hours = None
        if self.hours is not None:
            hours = domain.DailyHours(
                domain.parse_clock("window.hours.start", self.hours.start),
                domain.parse_clock("window.hours.end", self.hours.end),
            )
        days = None if self.days_of_week is None else frozenset(d.value for d in self.days_of_week)
        return domain.Window(self.starts_at, self.ends_at, days, hours)


@strawberry.input
class CampaignConditionsInput:
    activity_types: list[str] | None = None
    trigger_app_ids: list[str] | None = None
    tier_ids: list[strawberry.ID] | None = None
    minimum_amount: Money | None = None

    def to_domain(self) -> domain.Conditions:
        return domain.Conditions(
            activity_types=frozenset(self.activity_types or ()),
            trigger_app_ids=frozenset(self.trigger_app_ids or ()),
            tier_ids=frozenset(str(t) for t in self.tier_ids or ()),
            minimum_amount=self.minimum_amount,
        )


@strawberry.input
class CampaignConversionRateInput:
    money_amount: Money
    points: int


@strawberry.input(description="Give exactly one of multiplier, bonusPoints, conversionRate.")
class CampaignEffectInput:
    multiplier: Money | None = strawberry.field(
        default=None, description='More than 1, at most 100, up to 4 decimals (e.g. "2").'
    )
    bonus_points: int | None = None
    conversion_rate: CampaignConversionRateInput | None = None

    def to_domain(self) -> domain.Effect:
        rate = self.conversion_rate
        return domain.Effect.from_parts(
            multiplier=self.multiplier,
            bonus_points=self.bonus_points,
            money_amount=rate.money_amount if rate else None,
            points=rate.points if rate else None,
            rate_given=rate is not None,
        )


def campaign_status(value: CampaignStatus | None) -> domain.CampaignStatus | None:
    return None if value is None else domain.CampaignStatus(value.value)


def _combination(value: CampaignCombination | None) -> domain.Combination | None:
    return None if value is None else domain.Combination(value.value)


@strawberry.input(description="A new campaign (DRAFT unless a status is given).")
class CampaignInput:
    title: str
    window: CampaignWindowInput
    effect: CampaignEffectInput
    conditions: CampaignConditionsInput | None = None
    description: str | None = None
    status: CampaignStatus = CampaignStatus.DRAFT
    combination: CampaignCombination = CampaignCombination.STACK
    priority: int = 0

    def to_domain(self) -> domain.CampaignInput:
        return domain.CampaignInput(
            title=self.title,
            window=self.window.to_domain(),
            effect=self.effect.to_domain(),
            conditions=self.conditions.to_domain() if self.conditions else domain.Conditions(),
            status=domain.CampaignStatus(self.status.value),
            combination=domain.Combination(self.combination.value),
            priority=self.priority,
            description=self.description,
        )


@strawberry.input(
    description="A partial update: omitted fields stay; window, conditions and effect are "
    "replaced whole when given."
)
class CampaignUpdate:
    title: str | None = None
    description: str | None = None
    status: CampaignStatus | None = None
    window: CampaignWindowInput | None = None
    conditions: CampaignConditionsInput | None = None
    effect: CampaignEffectInput | None = None
    combination: CampaignCombination | None = None
    priority: int | None = None

    def to_domain(self) -> domain.CampaignChanges:
        return domain.CampaignChanges(
            title=self.title,
            description=self.description,
            status=campaign_status(self.status),
            window=self.window.to_domain() if self.window else None,
            conditions=self.conditions.to_domain() if self.conditions else None,
            effect=self.effect.to_domain() if self.effect else None,
            combination=_combination(self.combination),
            priority=self.priority,
        )


@strawberry.input
class CampaignFilter:
    status: CampaignStatus | None = None
