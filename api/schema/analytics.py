"""`analytics(from, to)` (admins): points per day and per rule, purchases per day, members per
tier, top members and the outstanding points liability. Field names are the ones the admin
dashboard looks for (`pointsIssuedPerDay`, `membersPerTier`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.auth import require_auditor
from api.context import Context
from api.schema import campaign_analytics as campaign_figures
from api.schema.campaign_analytics import BudgetUse, CampaignPoints
from api.schema.scalars import Long, Money
from loyalty.services import analytics as service


@strawberry.type(description="Points moved by the ledger entries of one UTC day.")
class DailyPoints:
    day: date
    issued: Long = strawberry.field(description="awarded by earning rules (EARN)")
    adjusted: Long = strawberry.field(description="admins' adjustments, signed (ADJUST)")
    redeemed: Long = strawberry.field(description="spent on rewards (REDEEM)")
    refunded: Long = strawberry.field(description="given back for cancelled redemptions")
    reversed: Long = strawberry.field(
        description="taken back after order refunds (REVERSE), in full even where part "
        "became a debt"
    )
    expired: Long = strawberry.field(description="lost to inactivity (EXPIRE)")
    net_change: Long = strawberry.field(
        description="change of points outstanding: tokens minted minus burned for these entries"
    )


@strawberry.type(description="What one earning rule awarded in the range.")
class RulePoints:
    rule_id: strawberry.ID
    title: str | None = strawberry.field(description="null once the rule is deleted")
    awards: int
    issued: Long
    reversed: Long


@strawberry.type(description="Orders recorded on one UTC day, in the program's currency.")
class DailyPurchases:
    day: date
    orders: int
    amount: Money
    currency: str


@strawberry.type
class TierMembers:
    tier_id: strawberry.ID | None = strawberry.field(description="null: the base tier")
    tier_name: str | None
    required_points: Long
    members: int


@strawberry.enum(name="TopMembersOrder")
class TopMembersOrder(Enum):
    BALANCE = "BALANCE"
    EARNED = "EARNED"


@strawberry.type
class TopMember:
    member_id: str
    balance: Long
    earned: Long = strawberry.field(description="lifetime points earned")
    tier_id: strawberry.ID | None


@strawberry.type(description="Points members hold now, valued at the program's pointValue.")
class Liability:
    points_outstanding: Long
    point_value: Money
    amount: Money
    currency: str


@strawberry.type(
    description="Program figures for the UTC days from..to (inclusive). membersPerTier, "
    "topMembers and liability are as of now."
)
class Analytics:
    start: strawberry.Private[date]
    end: strawberry.Private[date]

    @strawberry.field(name="from")
    def from_(self) -> date:
        return self.start

    @strawberry.field
    def to(self) -> date:
        return self.end

    @property
    def _period(self) -> service.DateRange:
        return service.DateRange(self.start, self.end)

    @strawberry.field(description="Every day of the range, days without entries as zeros.")
    async def points_issued_per_day(self, info: Info[Context, None]) -> list[DailyPoints]:
        async with info.context.connection() as conn:
            rows = await service.points_per_day(conn, self._period)
        return [
            DailyPoints(
                day=r.day,
                issued=Long(r.issued),
                adjusted=Long(r.adjusted),
                redeemed=Long(r.redeemed),
                refunded=Long(r.refunded),
                reversed=Long(r.reversed),
                expired=Long(r.expired),
                net_change=Long(r.net_change),
            )
            for r in rows
        ]

    @strawberry.field(description="Points issued and reversed per earning rule, most first.")
    async def points_per_rule(self, info: Info[Context, None]) -> list[RulePoints]:
        async with info.context.connection() as conn:
            rows = await service.points_per_rule(conn, self._period)
        return [
            RulePoints(
                rule_id=strawberry.ID(r.rule_id),
                title=r.title,
                awards=r.awards,
                issued=Long(r.issued),
                reversed=Long(r.reversed),
            )
            for r in rows
        ]

    @strawberry.field(description="Purchase amount per day (orders with an id and an amount).")
    async def purchase_amount_per_day(self, info: Info[Context, None]) -> list[DailyPurchases]:
        currency = info.context.config.currency
        async with info.context.connection() as conn:
            rows = await service.purchases_per_day(conn, self._period)
        return [
            DailyPurchases(day=r.day, orders=r.orders, amount=Money(r.amount), currency=currency)
            for r in rows
        ]

    @strawberry.field(description="Members in each tier now, the base tier first.")
    async def members_per_tier(self, info: Info[Context, None]) -> list[TierMembers]:
        async with info.context.connection() as conn:
            rows = await service.members_per_tier(conn)
        return [
            TierMembers(
                tier_id=strawberry.ID(r.tier_id) if r.tier_id else None,
                tier_name=r.tier_name,
                required_points=Long(r.required_points),
                members=r.members,
            )
            for r in rows
        ]

    @strawberry.field(description=f"Members with the most points now (first: 1-{service.TOP_MAX}).")
    async def top_members(
        self,
        info: Info[Context, None],
        first: int = 10,
        order_by: TopMembersOrder = TopMembersOrder.BALANCE,
    ) -> list[TopMember]:
        async with info.context.connection() as conn:
            rows = await service.top_members(conn, first=first, by=service.TopBy(order_by.value))
        return [
            TopMember(
                member_id=r.member_id,
                balance=Long(r.balance),
                earned=Long(r.earned),
                tier_id=strawberry.ID(r.tier_id) if r.tier_id else None,
            )
            for r in rows
        ]

    @strawberry.field(description="Extra points per campaign (its own EARN entries), most first.")
    async def points_per_campaign(self, info: Info[Context, None]) -> list[CampaignPoints]:
        return await campaign_figures.points_per_campaign(info, self.start, self.end)

    @strawberry.field(description="Every rule's and campaign's budget: used and left, now.")
    async def budgets(self, info: Info[Context, None]) -> list[BudgetUse]:
        return await campaign_figures.budgets(info)

    @strawberry.field
    async def liability(self, info: Info[Context, None]) -> Liability:
        async with info.context.connection() as conn:
            found = await service.liability(conn)
        return Liability(
            points_outstanding=Long(found.points_outstanding),
            point_value=Money(found.point_value),
            amount=Money(found.amount),
            currency=info.context.config.currency,
        )


@strawberry.type
class AnalyticsQuery:
    @strawberry.field(
        description="Program analytics (admins and auditors). Days are UTC; the range defaults "
        f"to the last {service.DEFAULT_DAYS} days and may span at most {service.MAX_DAYS}."
    )
    def analytics(
        self,
        info: Info[Context, None],
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
    ) -> Analytics:
        require_auditor(info.context.principal)
        period = service.date_range(from_, to, today=datetime.now(UTC).date())
        return Analytics(start=period.start, end=period.end)
