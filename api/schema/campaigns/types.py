"""The campaign's GraphQL types (output)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from api.schema.pagination import PageInfo
from api.schema.rules import plain_money
from api.schema.scalars import Long, Money
from loyalty.domain import campaigns as domain


@strawberry.enum(
    name="CampaignStatus",
    description="DRAFT: being prepared; ACTIVE: applies inside its window; PAUSED: applies "
    "nothing until ACTIVE again; ENDED: final, never applies again.",
)
class CampaignStatus(Enum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    ENDED = "ENDED"


@strawberry.enum(
    name="CampaignCombination",
    description="STACK: adds to the other campaigns; BEST: only the BEST campaign giving the "
    "most applies; EXCLUSIVE: the EXCLUSIVE campaign of highest priority applies alone.",
)
class CampaignCombination(Enum):
    STACK = "STACK"
    BEST = "BEST"
    EXCLUSIVE = "EXCLUSIVE"


@strawberry.enum(name="CampaignEffectKind")
class CampaignEffectKind(Enum):
    MULTIPLIER = "MULTIPLIER"
    BONUS_POINTS = "BONUS_POINTS"
    CONVERSION_RATE = "CONVERSION_RATE"


@strawberry.enum(name="DayOfWeek")
class DayOfWeek(Enum):
    MONDAY = 1
    TUESDAY = 2
    WEDNESDAY = 3
    THURSDAY = 4
    FRIDAY = 5
    SATURDAY = 6
    SUNDAY = 7


@strawberry.type(description="Daily hours on the program's wall clock (timeZone), HH:MM.")
class DailyHours:
    start: str = strawberry.field(description="Inclusive, e.g. 18:00.")
    end: str = strawberry.field(
        description="Exclusive; not after start: the hours cross midnight and belong to the "
        "day they start on."
    )


@strawberry.type
class CampaignWindow:
    starts_at: datetime
    ends_at: datetime | None
    days_of_week: list[DayOfWeek] | None = strawberry.field(description="null: every day")
    hours: DailyHours | None = strawberry.field(description="null: all day")


@strawberry.type(description="All must hold; an empty list means any.")
class CampaignConditions:
    activity_types: list[str]
    trigger_app_ids: list[str]
    tier_ids: list[strawberry.ID]
    minimum_amount: Money | None


@strawberry.type
class CampaignConversionRate:
    money_amount: Money
    points: int


@strawberry.type(
    description="What the campaign adds to the matching rules' points R: MULTIPLIER m adds "
    "floor(R*m)-R; BONUS_POINTS adds a fixed number; CONVERSION_RATE earns "
    "floor(amount/moneyAmount*points) in place of R when that is more."
)
class CampaignEffect:
    kind: CampaignEffectKind
    multiplier: Money | None
    bonus_points: int | None
    conversion_rate: CampaignConversionRate | None


@strawberry.type(description="Time-boxed extra points on top of the earning rules.")
class Campaign:
    id: strawberry.ID
    revision: Long
    title: str
    description: str | None
    status: CampaignStatus
    window: CampaignWindow
    conditions: CampaignConditions
    effect: CampaignEffect
    combination: CampaignCombination
    priority: int = strawberry.field(description="0 to 1000; higher first.")
    created_date: datetime
    updated_date: datetime

    @classmethod
    def from_domain(cls, c: domain.Campaign) -> Campaign:
        w, cond, e = c.window, c.conditions, c.effect
        return cls(
            id=strawberry.ID(c.id),
            revision=Long(c.revision),
            title=c.title,
            description=c.description,
            status=CampaignStatus(c.status.value),
            window=CampaignWindow(
                starts_at=w.starts_at,
                ends_at=w.ends_at,
                days_of_week=None
                if w.days_of_week is None
                else [DayOfWeek(d) for d in sorted(w.days_of_week)],
                hours=None
                if w.hours is None
                else DailyHours(start=f"{w.hours.start:%H:%M}", end=f"{w.hours.end:%H:%M}"),
            ),
            conditions=CampaignConditions(
                activity_types=sorted(cond.activity_types),
                trigger_app_ids=sorted(cond.trigger_app_ids),
                tier_ids=[strawberry.ID(t) for t in sorted(cond.tier_ids)],
                minimum_amount=None
                if cond.minimum_amount is None
                else plain_money(cond.minimum_amount),
            ),
            effect=CampaignEffect(
                kind=CampaignEffectKind(e.kind.value),
                multiplier=None if e.multiplier is None else plain_money(e.multiplier),
                bonus_points=e.bonus_points,
                conversion_rate=None
                if e.money_amount is None or e.points is None
                else CampaignConversionRate(
                    money_amount=plain_money(e.money_amount), points=e.points
                ),
            ),
            combination=CampaignCombination(c.combination.value),
            priority=c.priority,
            created_date=c.created_date,
            updated_date=c.updated_date,
        )


@strawberry.type
class CampaignEdge:
    cursor: str
    node: Campaign


@strawberry.type
class CampaignConnection:
    edges: list[CampaignEdge]
    page_info: PageInfo

    @strawberry.field(description="The campaigns of this page (the edges' nodes).")
    def nodes(self) -> list[Campaign]:
        return [edge.node for edge in self.edges]


@strawberry.type
class DeleteCampaignResult:
    id: strawberry.ID
