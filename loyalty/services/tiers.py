"""Tiers in the database (CRUD) and members' tiers.

A member's tier is computed from their ledger entries inside the rolling window
(loyalty.domain.tiers) and kept in `member_tiers`: recomputed in the transaction of every ledger
entry (`recompute_member`), after a tier is created, changed or deleted (all members), and by
the periodic job (`roll_tiers`) for windows that roll past old points without any new entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence, Set
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.ledger import dialect_insert, ledger_entries, members
from loyalty.db.program import member_tiers, reward_configs
from loyalty.db.rules import earning_rule_configs, tiers
from loyalty.db.statements import once
from loyalty.db.times import utc as _utc
from loyalty.db.write_behind import WriteBehind
from loyalty.domain.errors import Conflict, InvalidInput, NotFound, UnknownTier
from loyalty.domain.events import TierChanged
from loyalty.domain.tier_program import (
    DowngradePolicy,
    next_check,
    notice_at,
    projected_downgrade,
    settle,
)
from loyalty.domain.tiers import (
    TIER_TYPES,
    KnownTierState,
    MemberTier,
    Movement,
    Tier,
    TierChanges,
    TierInput,
    check_revision,
    new_tier,
    tier_points,
    updated_tier,
    window_start,
)
from loyalty.services import audit
from loyalty.services.program import Program, get_program
from loyalty.services.tier_reads import current_tier_id as current_tier_id
from loyalty.services.tier_reads import list_tiers as list_tiers
from loyalty.services.tier_reads import rate_tier_at as rate_tier_at
from loyalty.services.tier_reads import tier_at as tier_at
from loyalty.services.tier_reads import tier_from_row as tier_from_row
from loyalty.services.tier_reads import tiers_at as tiers_at
from loyalty.services.uow import AbstractUnitOfWork


async def get_tier(conn: AsyncConnection, tier_id: str, *, lock: bool = False) -> Tier:
    query = select(tiers).where(tiers.c.id == tier_id)
    if lock:
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    if row is None:
        raise NotFound(f"no tier with id {tier_id!r}", field="id")
    return tier_from_row(row)


async def check_tier_ids(conn: AsyncConnection, wanted: Set[str], *, field: str) -> None:
    """Refuses tier ids (of a rule's or a reward's configs) that name no existing tier."""
    if not wanted:
        return
    found = set(
        (await conn.execute(select(tiers.c.id).where(tiers.c.id.in_(sorted(wanted))))).scalars()
    )
    missing = sorted(wanted - found)
    if missing:
        raise UnknownTier(
            f"unknown tier id(s) {', '.join(missing)}: use the id of an existing tier, or null "
            "for the base tier",
            field=field,
        )


async def _check_unique_threshold(conn: AsyncConnection, tier: Tier) -> None:
    clash = await conn.scalar(
        select(tiers.c.name).where(
            tiers.c.required_points == tier.required_points, tiers.c.id != tier.id
        )
    )
    if clash is not None:
        raise Conflict(
            f"tier {clash!r} already requires {tier.required_points} points; thresholds must "
            "be unique",
            field="requiredPoints",
        )


def _values(tier: Tier) -> dict[str, Any]:
    return {
        "name": tier.name,
        "description": tier.description,
        "required_points": tier.required_points,
        "revision": tier.revision,
        "updated_date": tier.updated_date,
    }


async def create_tier(
    uow: AbstractUnitOfWork, data: TierInput, *, now: datetime | None = None
) -> Tier:
    async with uow:
        now = now or uow.clock.now()
        tier = new_tier(data, tier_id=str(uuid.uuid4()), now=now)
        await _check_unique_threshold(uow.conn, tier)
        await uow.conn.execute(tiers.insert().values(id=tier.id, created_date=now, **_values(tier)))
        await recompute_all(uow, now=now)
        await audit.changed(uow, "tier", tier.id, "create", None, tier)  # last: see audit.append
        return tier


async def update_tier(
    uow: AbstractUnitOfWork,
    tier_id: str,
    changes: TierChanges,
    *,
    revision: int,
    now: datetime | None = None,
) -> Tier:
    async with uow:
        now = now or uow.clock.now()
        conn = uow.conn
        current = await get_tier(conn, tier_id, lock=True)
        tier = updated_tier(current, changes, revision=revision, now=now)
        await _check_unique_threshold(conn, tier)
        await conn.execute(tiers.update().where(tiers.c.id == tier.id).values(**_values(tier)))
        await recompute_all(uow, now=now)
        await audit.changed(uow, "tier", tier.id, "update", current, tier)
        return tier


async def delete_tier(
    uow: AbstractUnitOfWork, tier_id: str, *, revision: int, now: datetime | None = None
) -> None:
    """Refused while an earning rule or reward has a config for the tier: its members would
    silently change rates."""
    async with uow:
        conn = uow.conn
        current = await get_tier(conn, tier_id, lock=True)
        check_revision(current, revision)
        for table, what in ((earning_rule_configs, "earning rule"), (reward_configs, "reward")):
            used = await conn.scalar(select(table.c.id).where(table.c.tier_id == tier_id).limit(1))
            if used is not None:
                raise InvalidInput(
                    f"tier {tier_id} is used by an {what}'s configsByTier; remove those configs "
                    "first",
                    field="id",
                )
        await conn.execute(tiers.delete().where(tiers.c.id == tier_id))
        await recompute_all(uow, now=now or uow.clock.now())
        await audit.changed(uow, "tier", tier_id, "delete", current, None)


# --- members' tiers ----------------------------------------------------------------------------


async def _movements(
    conn: AsyncConnection, member_pk: int, *, since: datetime, until: datetime | None = None
) -> list[Movement]:
    query = select(
        ledger_entries.c.type, ledger_entries.c.points, ledger_entries.c.created_at
    ).where(
        ledger_entries.c.member_pk == member_pk,
        ledger_entries.c.type.in_(sorted(TIER_TYPES)),
        ledger_entries.c.created_at > since,
    )
    if until is not None:
        query = query.where(ledger_entries.c.created_at <= until)
    rows = (await conn.execute(query)).all()
    return [Movement(r.type, int(r.points), _utc(r.created_at)) for r in rows]


def _upsert(dialect: str) -> Any:
    statement = dialect_insert(dialect, member_tiers)
    return statement.on_conflict_do_update(
        index_elements=["member_pk"],
        set_={
            name: getattr(statement.excluded, name)
            for name in (
                "tier_id",
                "tier_points",
                "next_check_at",
                "updated_at",
                "tier_since",
                "downgrade_at",
                "downgrade_to",
                "downgrade_notice_at",
            )
        },
    )


async def _balance(conn: AsyncConnection, member_pk: int) -> int:
    m = members.c
    value = await conn.scalar(
        select(m.earned + m.adjusted - m.redeemed - m.expired - m.reversed).where(m.id == member_pk)
    )
    return int(value or 0)


async def recompute_member(
    conn: AsyncConnection,
    member_pk: int,
    *,
    now: datetime,
    tier_list: Sequence[Tier] | None = None,
    months: int | None = None,
    known: KnownTierState | None = None,
    program: Program | None = None,
    balance: int | None = None,
    held: WriteBehind | None = None,
) -> MemberTier:
    """Recomputes and stores the member's tier under the tier program's downgrade policy
    (loyalty.domain.tier_program), with its period and any projected downgrade and notice; the
    caller decides what a change means. `balance` (the member's, for BALANCE_BASED) is read
    when needed and not given. With `held` and `known`, the write waits for the transaction's
    end (loyalty.db.write_behind)."""
    if program is None:
        program = await get_program(conn)
    if known is not None:
        months, tier_list = known.months, known.tiers
    if months is None:
        months = program.tiers_window_months
    if tier_list is None:
        tier_list = await list_tiers(conn)
    since = window_start(now, months)
    if known is not None:
        moves = [m for m in known.movements if m.at > since]
        previous_tier_id, tier_since = known.stored_tier_id, known.tier_since
    else:
        moves = await _movements(conn, member_pk, since=since)
        previous = await conn.execute(
            select(member_tiers.c.tier_id, member_tiers.c.tier_since).where(
                member_tiers.c.member_pk == member_pk
            )
        )
        prev_row = previous.first()
        previous_tier_id = prev_row.tier_id if prev_row else None
        tier_since = _utc(prev_row.tier_since) if prev_row else None
    points = tier_points(moves, since=since)
    policy = program.tier_program.downgrade_policy
    current = next((t for t in tier_list if t.id == previous_tier_id), None)
    if (
        policy is DowngradePolicy.BALANCE_BASED or program.tier_program.downgrade_notice_days
    ) and balance is None:
        balance = await _balance(conn, member_pk)
    settled = settle(
        policy,
        tier_list,
        current=current,
        since=tier_since,
        points=points,
        balance=balance or 0,
        now=now,
        months=months,
    )
    downgrade = None
    if program.tier_program.downgrade_notice_days and settled.tier is not None:
        downgrade = projected_downgrade(
            policy, tier_list, settled, moves, balance=balance or 0, now=now, months=months
        )
    result = MemberTier(
        member_pk=member_pk,
        tier_id=settled.tier.id if settled.tier else None,
        tier_points=points,
        previous_tier_id=previous_tier_id,
        next_check_at=next_check(policy, settled, moves, now=now, months=months),
    )
    if known is not None:
        known.stored_tier_id = result.tier_id
        known.tier_since = settled.since
    dialect = conn.dialect.name
    statement = once(("member_tier", dialect), lambda: _upsert(dialect))
    row = {
        "member_pk": member_pk,
        "tier_id": result.tier_id,
        "tier_points": points,
        "next_check_at": result.next_check_at,
        "updated_at": now,
        "tier_since": settled.since,
        "downgrade_at": downgrade.at if downgrade else None,
        "downgrade_to": downgrade.to.id if downgrade and downgrade.to else None,
        "downgrade_notice_at": notice_at(program.tier_program, downgrade),
    }
    if held is not None and known is not None:
        # `known` carries the stored tier for this transaction's later reads.
        held.add(statement, row, key=member_pk)
    else:
        await conn.execute(statement, row)
    return result


async def _recompute_many(
    uow: AbstractUnitOfWork, member_pks: Sequence[int], *, now: datetime
) -> list[MemberTier]:
    """Each member's tier recomputed under its lock; a change publishes TierChanged."""
    conn = uow.conn
    program = await get_program(conn)
    months = program.tiers_window_months
    tier_list = await list_tiers(conn)
    changes = []
    for pk in member_pks:
        # The member's row lock orders this with concurrent postings (no-op on SQLite).
        await conn.execute(select(members.c.id).where(members.c.id == pk).with_for_update())
        result = await recompute_member(
            conn, pk, now=now, tier_list=tier_list, months=months, program=program
        )
        uow.cache.tier_states.pop(pk, None)  # read before this recompute: stale now
        uow.cache.tier_ids[pk] = result.tier_id
        if result.changed:
            await uow.publish(TierChanged(result, now))
            changes.append(result)
    return changes


async def recompute_all(uow: AbstractUnitOfWork, *, now: datetime) -> list[MemberTier]:
    """After the tiers themselves change. Ours: one transaction; fine for thousands of members,
    and it keeps a tier edit and its effect atomic."""
    pks = (await uow.conn.execute(select(members.c.id).order_by(members.c.id))).scalars().all()
    return await _recompute_many(uow, list(pks), now=now)


async def roll_tiers(uow: AbstractUnitOfWork, *, now: datetime | None = None) -> list[MemberTier]:
    """The periodic job: members whose oldest counted points have left the window."""
    async with uow:
        now = now or uow.clock.now()
        pks = (
            (
                await uow.conn.execute(
                    select(member_tiers.c.member_pk)
                    .where(member_tiers.c.next_check_at <= now)
                    .order_by(member_tiers.c.member_pk)
                )
            )
            .scalars()
            .all()
        )
        return await _recompute_many(uow, list(pks), now=now)
