"""Analytics' campaign figures (loyalty.services.campaign_analytics): extra points per campaign
in the range, and every budget's use and what is left, as of now."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from api.context import Context
from api.schema.scalars import Long
from loyalty.services import campaign_analytics as service
from loyalty.services.analytics import DateRange
from loyalty.services.earning_config import earning_config


@strawberry.type(description="The extra points one campaign added in the range.")
class CampaignPoints:
    campaign_id: strawberry.ID
    title: str | None = strawberry.field(description="null once the campaign is gone")
    awards: int
    issued: Long
    reversed: Long = strawberry.field(description="taken back by refunds in the range")


@strawberry.type(description="A rule's or campaign's budget: used and left, as of now.")
class BudgetUse:
    owner_kind: str = strawberry.field(description="RULE or CAMPAIGN")
    owner_id: strawberry.ID
    title: str | None
    total: Long | None
    used_total: Long
    left_total: Long | None
    per_period: Long | None
    period: str | None
    period_key: str | None = strawberry.field(description='The current period, e.g. "2026-12".')
    used_in_period: Long
    left_in_period: Long | None


def _long(value: int | None) -> Long | None:
    return None if value is None else Long(value)


async def points_per_campaign(
    info: Info[Context, None], start: date, end: date
) -> list[CampaignPoints]:
    async with info.context.connection() as conn:
        rows = await service.points_per_campaign(conn, DateRange(start, end))
    return [
        CampaignPoints(
            campaign_id=strawberry.ID(r.campaign_id),
            title=r.title,
            awards=r.awards,
            issued=Long(r.issued),
            reversed=Long(r.reversed),
        )
        for r in rows
    ]


async def budgets(info: Info[Context, None]) -> list[BudgetUse]:
    async with info.context.connection() as conn:
        zone = (await earning_config(conn)).zone
        rows = await service.budgets(conn, at=info.context.runtime.clock.now(), zone=zone)
    return [
        BudgetUse(
            owner_kind=r.owner_kind.value,
            owner_id=strawberry.ID(r.owner_id),
            title=r.title,
            total=_long(r.total),
            used_total=Long(r.used_total),
            left_total=_long(r.left_total),
            per_period=_long(r.per_period),
            period=r.period,
            period_key=r.period_key,
            used_in_period=Long(r.used_in_period),
            left_in_period=_long(r.left_in_period),
        )
        for r in rows
    ]
