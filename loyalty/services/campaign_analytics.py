"""Analytics of campaigns and budgets (issue 14, item 7): the extra points each campaign added in
a range (and what refunds took back of them), and each budget's use and what is left, now.

A campaign's extra is its own EARN entry naming it (loyalty.services.awarding); a refund's
REVERSE of it points at that entry (`reverses_entry_id`), so reversals are found through it,
counted on the day of the refund, like `pointsPerRule`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.campaigns import campaigns
from loyalty.db.ledger import ledger_entries
from loyalty.db.rules import earning_rules
from loyalty.domain.ledger import EntryType
from loyalty.services.analytics import DateRange, in_range
from loyalty.services.limits import TOTAL_KEY, OwnerKind, all_limits, budget_keys, budget_used


@dataclass(frozen=True)
class CampaignPoints:
    campaign_id: str
    title: str | None  # None once the campaign is deleted for good
    awards: int
    issued: int
    reversed: int


async def points_per_campaign(conn: AsyncConnection, period: DateRange) -> list[CampaignPoints]:
    """Extra points by campaign, most issued first."""
    le = ledger_entries.c
    earned = (
        await conn.execute(
            select(le.campaign_id, func.count(), func.sum(le.points))
            .where(
                in_range(le.created_at, period),
                le.campaign_id.is_not(None),
                le.type == EntryType.EARN.value,
            )
            .group_by(le.campaign_id)
        )
    ).all()
    reversal = ledger_entries.alias("reversal")
    taken = (
        await conn.execute(
            select(le.campaign_id, func.sum(reversal.c.points))
            .select_from(reversal.join(ledger_entries, reversal.c.reverses_entry_id == le.id))
            .where(
                in_range(reversal.c.created_at, period),
                reversal.c.type == EntryType.REVERSE.value,
                le.campaign_id.is_not(None),
            )
            .group_by(le.campaign_id)
        )
    ).all()
    found: dict[str, dict[str, int]] = {}
    for campaign_id, count, points in earned:
        found[campaign_id] = {"awards": int(count), "issued": int(points), "reversed": 0}
    for campaign_id, points in taken:
        f = found.setdefault(campaign_id, {"awards": 0, "issued": 0, "reversed": 0})
        f["reversed"] = -int(points)
    titles = dict(
        (
            await conn.execute(
                select(campaigns.c.id, campaigns.c.title).where(campaigns.c.id.in_(list(found)))
            )
        ).all()
    )
    out = [CampaignPoints(cid, titles.get(cid), **f) for cid, f in found.items()]
    return sorted(out, key=lambda c: (-c.issued, c.campaign_id))


@dataclass(frozen=True)
class BudgetUse:
    owner_kind: OwnerKind
    owner_id: str
    title: str | None
    total: int | None  # the total budget (None: none)
    used_total: int
    per_period: int | None
    period: str | None  # DAY, WEEK, MONTH or YEAR
    period_key: str | None  # the current period's name, e.g. "2026-12"
    used_in_period: int  # in the period `at` falls in

    @property
    def left_total(self) -> int | None:
        return None if self.total is None else max(0, self.total - self.used_total)

    @property
    def left_in_period(self) -> int | None:
        return None if self.per_period is None else max(0, self.per_period - self.used_in_period)


async def budgets(conn: AsyncConnection, *, at: datetime, zone: ZoneInfo) -> list[BudgetUse]:
    """Every rule's and campaign's budget: used and left in total and in the current period."""
    limits = {o: lim for o, lim in (await all_limits(conn)).items() if lim.budget is not None}
    ids = {kind: [o[1] for o in limits if o[0] is kind] for kind in OwnerKind}
    titles = {
        (OwnerKind.RULE, r.id): r.title
        for r in await conn.execute(
            select(earning_rules.c.id, earning_rules.c.title).where(
                earning_rules.c.id.in_(ids[OwnerKind.RULE])
            )
        )
    } | {
        (OwnerKind.CAMPAIGN, c.id): c.title
        for c in await conn.execute(
            select(campaigns.c.id, campaigns.c.title).where(
                campaigns.c.id.in_(ids[OwnerKind.CAMPAIGN])
            )
        )
    }
    out = []
    for owner, lim in sorted(limits.items()):
        budget = lim.budget
        assert budget is not None
        usage = await budget_used(conn, owner)
        period_key = next((k for k in budget_keys(budget, at, zone) if k != TOTAL_KEY), None)
        out.append(
            BudgetUse(
                owner_kind=owner[0],
                owner_id=owner[1],
                title=titles.get(owner),
                total=budget.total,
                used_total=int(usage.get(TOTAL_KEY, 0)),
                per_period=budget.per_period,
                period=None if budget.period is None else budget.period.unit.value,
                period_key=period_key,
                used_in_period=int(usage.get(period_key, 0)) if period_key else 0,
            )
        )
    return out
