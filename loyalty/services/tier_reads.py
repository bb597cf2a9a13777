"""Reading tiers and members' tiers: the tiers in threshold order, the tier a member's window
points reach at a moment, the stored tier, and the tier whose rates apply under the tier program
(loyalty.domain.tier_program). Re-exported by loyalty.services.tiers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.ledger import ledger_entries
from loyalty.db.program import member_tiers
from loyalty.db.rules import tiers
from loyalty.db.times import utc as _utc
from loyalty.domain.tier_program import rate_tier
from loyalty.domain.tiers import TIER_TYPES, Movement, Tier, tier_for, tier_points, window_start
from loyalty.services.program import get_program


def tier_from_row(row: Any) -> Tier:
    return Tier(
        id=row.id,
        name=row.name,
        description=row.description,
        required_points=int(row.required_points),
        revision=int(row.revision),
        created_date=_utc(row.created_date),
        updated_date=_utc(row.updated_date),
    )


async def list_tiers(conn: AsyncConnection) -> list[Tier]:
    rows = (await conn.execute(select(tiers).order_by(tiers.c.required_points))).all()
    return [tier_from_row(r) for r in rows]


async def tier_at(conn: AsyncConnection, member_pk: int, at: datetime) -> str | None:
    """The member's tier at `at`, from the entries in the window ending then: this picks the
    earning rule's (and reward's) per-tier config."""
    tier = (await tiers_at(conn, [member_pk], at))[member_pk]
    return tier.id if tier else None


async def tiers_at(
    conn: AsyncConnection,
    member_pks: Sequence[int],
    at: datetime,
    *,
    months: int | None = None,
) -> dict[int, Tier | None]:
    """`tier_at` for several members: their movements in one statement (None: the base tier).
    A caller that has read the program's window already passes it."""
    if months is None:
        months = (await get_program(conn)).tiers_window_months
    since = window_start(at, months)
    wanted = sorted(set(member_pks))
    rows = (
        await conn.execute(
            select(
                ledger_entries.c.member_pk,
                ledger_entries.c.type,
                ledger_entries.c.points,
                ledger_entries.c.created_at,
            ).where(
                ledger_entries.c.member_pk.in_(wanted),
                ledger_entries.c.type.in_(sorted(TIER_TYPES)),
                ledger_entries.c.created_at > since,
                ledger_entries.c.created_at <= at,
            )
        )
    ).all()
    movements: dict[int, list[Movement]] = {pk: [] for pk in wanted}
    for r in rows:
        movements[r.member_pk].append(Movement(r.type, int(r.points), _utc(r.created_at)))
    tier_list = await list_tiers(conn)
    return {
        pk: tier_for(tier_list, tier_points(found, since=since)) for pk, found in movements.items()
    }


async def rate_tier_at(conn: AsyncConnection, member_pk: int, at: datetime) -> str | None:
    """The tier whose rates apply to the member at `at` under the tier program (status and
    downgrade policy, loyalty.domain.tier_program.rate_tier): rewards' costs and previews."""
    program = await get_program(conn)
    if not program.tier_program.active:
        return None
    computed = (await tiers_at(conn, [member_pk], at, months=program.tiers_window_months))[
        member_pk
    ]
    stored = await current_tier_id(conn, member_pk)
    return rate_tier(
        program.tier_program, await list_tiers(conn), computed=computed, stored_id=stored
    )


async def current_tier_id(conn: AsyncConnection, member_pk: int) -> str | None:
    """The stored tier (None when the member has none yet: the base tier)."""
    return await conn.scalar(
        select(member_tiers.c.tier_id).where(member_tiers.c.member_pk == member_pk)
    )
