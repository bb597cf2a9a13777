"""Limits and budgets of earning rules and campaigns in the database (issue 14): set and read
them, preview what an award would get, give budget back on a refund. Taking an award from them
(cut to what is left, with the reason, never passed under concurrency) is
loyalty.services.limit_take; the rules (periods, cuts, give-back) are loyalty.domain.limits.

An award is judged in the period that holds the moment it is made (`now`, on the program's
calendar); budget given back goes to the period the award was made in.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.campaigns import budget_usage, earning_limits
from loyalty.db.ledger import ledger_entries
from loyalty.domain.ledger import EntryType
from loyalty.domain.limits import (
    Budget,
    CapState,
    Cut,
    Limits,
    MemberLimit,
    Period,
    PeriodUnit,
    budget_caps,
    cut_award,
    member_cap,
)
from loyalty.services import audit
from loyalty.services.campaigns import get_campaign
from loyalty.services.rules import get_rule
from loyalty.services.uow import AbstractUnitOfWork

TOTAL_KEY = "total"


class OwnerKind(StrEnum):
    RULE = "RULE"
    CAMPAIGN = "CAMPAIGN"


Owner = tuple[OwnerKind, str]


def _period(unit: str | None, days: int | None) -> Period | None:
    return None if unit is None else Period(PeriodUnit(unit), None if days is None else int(days))


def _from_row(row: Any) -> Limits:
    member = None
    if row.member_points is not None:
        period = _period(row.member_period, row.member_days)
        assert period is not None
        member = MemberLimit(int(row.member_points), period)
    budget = None
    if row.budget_total is not None or row.budget_per_period is not None:
        budget = Budget(
            None if row.budget_total is None else int(row.budget_total),
            None if row.budget_per_period is None else int(row.budget_per_period),
            _period(row.budget_period, None),
        )
    return Limits(member, budget)


async def all_limits(conn: AsyncConnection) -> dict[Owner, Limits]:
    """Every rule's and campaign's limits (what the earning configuration caches)."""
    rows = (await conn.execute(select(earning_limits))).all()
    return {(OwnerKind(r.owner_kind), r.owner_id): _from_row(r) for r in rows}


async def get_limits(conn: AsyncConnection, owner: Owner) -> Limits | None:
    row = (
        await conn.execute(
            select(earning_limits).where(
                earning_limits.c.owner_kind == owner[0].value,
                earning_limits.c.owner_id == owner[1],
            )
        )
    ).first()
    return None if row is None else _from_row(row)


async def set_limits(uow: AbstractUnitOfWork, owner: Owner, limits: Limits | None) -> Limits | None:
    """Sets (or, with None or empty limits, removes) the limits of a live rule or campaign.
    Budget already consumed stays counted."""
    async with uow:
        conn = uow.conn
        if owner[0] is OwnerKind.RULE:
            await get_rule(conn, owner[1])
        else:
            await get_campaign(conn, owner[1])
        checked = None if limits is None or limits.is_empty else limits.validated()
        before = await get_limits(conn, owner)
        where = and_(
            earning_limits.c.owner_kind == owner[0].value, earning_limits.c.owner_id == owner[1]
        )
        await conn.execute(earning_limits.delete().where(where))
        if checked is not None:
            member, budget = checked.per_member, checked.budget
            await conn.execute(
                earning_limits.insert().values(
                    owner_kind=owner[0].value,
                    owner_id=owner[1],
                    member_points=member.points if member else None,
                    member_period=member.period.unit.value if member else None,
                    member_days=member.period.days if member else None,
                    budget_total=budget.total if budget else None,
                    budget_per_period=budget.per_period if budget else None,
                    budget_period=budget.period.unit.value if budget and budget.period else None,
                    updated_date=uow.clock.now(),
                )
            )
        kind = "rule" if owner[0] is OwnerKind.RULE else "campaign"
        await audit.changed(uow, kind, owner[1], "set_limits", before, checked)
        return checked


# --- taking an award from its limits ------------------------------------------------------------


_REVERSAL = ledger_entries.alias("reversal")  # built once: aliasing copies every column


def _owner_column(kind: OwnerKind) -> Any:
    return ledger_entries.c.rule_id if kind is OwnerKind.RULE else ledger_entries.c.campaign_id


async def member_used(
    conn: AsyncConnection, owner: Owner, member_pk: int, *, since: datetime
) -> int:
    """What the member earned from `owner` since `since`, less what refunds took back of it."""
    column = _owner_column(owner[0])
    earns = and_(
        ledger_entries.c.member_pk == member_pk,
        ledger_entries.c.type == EntryType.EARN.value,
        column == owner[1],
        ledger_entries.c.created_at >= since,
    )
    earned = await conn.scalar(
        select(func.coalesce(func.sum(ledger_entries.c.points), 0)).where(earns)
    )
    reversal = _REVERSAL
    taken = await conn.scalar(
        select(func.coalesce(func.sum(reversal.c.points), 0))
        .select_from(
            reversal.join(ledger_entries, reversal.c.reverses_entry_id == ledger_entries.c.id)
        )
        .where(earns)
    )
    return int(earned or 0) + int(taken or 0)  # reversals are negative


def _usage_where(owner: Owner, key: str) -> Any:
    return and_(
        budget_usage.c.owner_kind == owner[0].value,
        budget_usage.c.owner_id == owner[1],
        budget_usage.c.period_key == key,
    )


def budget_keys(budget: Budget, at: datetime, zone: ZoneInfo) -> list[str]:
    """The budget rows an award at `at` takes from: its period's (when per period), the total."""
    keys = []
    if budget.per_period is not None and budget.period is not None:
        keys.append(budget.period.key(at, zone))
    if budget.total is not None:
        keys.append(TOTAL_KEY)
    return sorted(keys)


async def preview_cut(
    conn: AsyncConnection,
    owner: Owner,
    limits: Limits,
    *,
    member_pk: int | None,
    requested: int,
    now: datetime,
    zone: ZoneInfo,
) -> Cut:
    """What `take` would grant now, read without locking or writing (previewEarning)."""
    caps: list[CapState] = []
    if limits.per_member is not None:
        since, _ = limits.per_member.period.bounds(now, zone)
        used = 0 if member_pk is None else await member_used(conn, owner, member_pk, since=since)
        caps.append(member_cap(limits.per_member, used))
    if limits.budget is not None:
        usage = await budget_used(conn, owner)
        keys = budget_keys(limits.budget, now, zone)
        period_key = next((k for k in keys if k != TOTAL_KEY), None)
        caps.extend(
            budget_caps(
                limits.budget,
                used_in_period=usage.get(period_key, 0) if period_key else 0,
                used_in_total=usage.get(TOTAL_KEY, 0),
            )
        )
    return cut_award(requested, caps)


async def give_back(
    conn: AsyncConnection,
    owner: Owner,
    budget: Budget,
    points: int,
    *,
    earned_at: datetime,
    zone: ZoneInfo,
) -> None:
    """Gives `points` of budget back to the period `earned_at` fell in (and the total); never
    below zero. One atomic UPDATE per row."""
    if points <= 0:
        return
    for key in budget_keys(budget, earned_at, zone):
        await conn.execute(
            budget_usage.update()
            .where(_usage_where(owner, key))
            .values(
                used=case((budget_usage.c.used > points, budget_usage.c.used - points), else_=0)
            )
        )


async def budget_used(conn: AsyncConnection, owner: Owner) -> Mapping[str, int]:
    """Each budget row of `owner` (period key -> points used)."""
    rows = await conn.execute(
        select(budget_usage.c.period_key, budget_usage.c.used).where(
            budget_usage.c.owner_kind == owner[0].value, budget_usage.c.owner_id == owner[1]
        )
    )
    return {r.period_key: int(r.used) for r in rows}
