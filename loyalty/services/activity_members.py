"""The members an activity posts to, locked, with their tier state: read in one statement
per member (loyalty.services.activities), or for a whole batch of activities at once and then
kept by the transaction's held writes (loyalty.db.write_behind), so that a member seen again in
the batch is not read again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.ledger import ledger_entries, members
from loyalty.db.locks import lock_members_in_order, sqlite_member_lock
from loyalty.db.program import member_tiers
from loyalty.db.times import utc
from loyalty.domain.members import Member
from loyalty.domain.tiers import TIER_TYPES, KnownTierState, Movement, window_start
from loyalty.services.earning_config import EarningConfig
from loyalty.services.members import member_from_row
from loyalty.services.uow import AbstractUnitOfWork

TierState = tuple[Member, tuple[str | None, datetime | None], list[Movement]]


def _with_tier_state(since: datetime) -> Select[Any]:
    """Members with their stored tier and their tier movements after `since` (one row per
    movement, at least one row per member)."""
    moves = and_(
        ledger_entries.c.member_pk == members.c.id,
        ledger_entries.c.type.in_(sorted(TIER_TYPES)),
        ledger_entries.c.created_at > since,
    )
    return select(
        members,
        member_tiers.c.tier_id.label("stored_tier_id"),
        member_tiers.c.tier_since.label("stored_tier_since"),
        ledger_entries.c.type.label("move_type"),
        ledger_entries.c.points.label("move_points"),
        ledger_entries.c.created_at.label("move_at"),
    ).select_from(
        members.outerjoin(member_tiers, member_tiers.c.member_pk == members.c.id).outerjoin(
            ledger_entries, moves
        )
    )


def _state_from_rows(
    rows: Sequence[Any],
) -> TierState:
    movements = [
        Movement(r.move_type, int(r.move_points), utc(r.move_at) or r.move_at)
        for r in rows
        if r.move_type is not None
    ]
    stored = (rows[0].stored_tier_id, utc(rows[0].stored_tier_since))
    return member_from_row(rows[0]), stored, movements


async def locked_with_tier_state(
    conn: AsyncConnection, member_id: str, *, since: datetime
) -> TierState | None:
    """The member locked (as `find_member(lock=True)` does), its stored tier and its tier
    movements after `since`, in one statement."""
    await sqlite_member_lock(conn, member_id)
    query = _with_tier_state(since).where(members.c.member_id == member_id)
    rows = (await conn.execute(query.with_for_update(of=members))).all()
    if not rows:
        return None
    return _state_from_rows(rows)


def held_state(uow: AbstractUnitOfWork, member_id: str, *, since: datetime) -> TierState | None:
    """The member and its tier state as this transaction left them, without a read: when its
    writes are held (loyalty.db.write_behind), it read the member (and locked it) already, and
    its tier movements from `since` or earlier."""
    held = uow.cache.write_behind
    member = held.members.get(member_id) if held is not None else None
    if held is None or member is None:
        return None
    known = uow.cache.tier_states.get(member.pk)
    window = held.windows.get(member.pk)
    if known is None or window is None or window > since:
        return None
    return member, (known.stored_tier_id, known.tier_since), known.movements


async def lock_batch_members(
    uow: AbstractUnitOfWork,
    config: EarningConfig,
    activities: Sequence[tuple[str, datetime]],
    *,
    now: datetime,
) -> None:
    """For a transaction that applies many activities (the inbox's batches): holds the
    postings' writes to its end (uow.hold_writes) and locks the known members of
    `activities` ((member id, when it happened)) up front, in member id order (the same order
    in every transaction, so no deadlock), reading each one's tier state with them in one
    statement; apply_activity then reads none of them again. On SQLite the caller's
    transaction holds the write lock already (its first statement wrote)."""
    held = uow.hold_writes()
    ids = sorted({member_id for member_id, _ in activities})
    if held is None or not ids:
        await lock_members_in_order(uow.conn, ids)
        return
    months = config.program.tiers_window_months
    since = min(min(window_start(at, months), window_start(now, months)) for _, at in activities)
    query = (
        _with_tier_state(since)
        .where(members.c.member_id.in_(ids))
        .order_by(members.c.member_id)
        .with_for_update(of=members)
    )
    by_pk: dict[int, list[Any]] = {}
    for row in (await uow.conn.execute(query)).all():
        by_pk.setdefault(row.id, []).append(row)
    for rows in by_pk.values():
        member, (tier_id, tier_since), movements = _state_from_rows(rows)
        uow.cache.tier_states[member.pk] = KnownTierState(
            movements, tier_id, config.tiers, months, tier_since
        )
        held.members[member.member_id] = member
        held.windows[member.pk] = since
