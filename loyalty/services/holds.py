"""Held points (loyalty.domain.holds) in the database: the holds of a refund's awards, the
account's held points, and the activation job.

Every writer of a hold holds its member's lock first (refunds and activation lock the member
row, as every posting does), so a refund and an activation of the same award never interleave.
Activation is exactly once twice over: under the member's lock the hold is read again and only a
HELD one is activated, and the ACTIVATE entry's business key `activate:<entry id>` is unique, so
a second activator (another process, a re-run after a crash) finds nothing left to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.holds import H_ACTIVE, H_HELD, held_points
from loyalty.db.ledger import ledger_entries, members
from loyalty.db.times import utc
from loyalty.domain.holds import Hold, HoldState, describe_hold
from loyalty.domain.ledger import EntryType
from loyalty.services.ledger import post_entry
from loyalty.services.members import get_member
from loyalty.services.uow import AbstractUnitOfWork

BATCH = 500  # holds read per round of the job (each member then in its own transaction)


def _hold(row: Any) -> Hold:
    return Hold(
        entry_id=int(row.entry_id),
        points=int(row.points),
        remaining=int(row.remaining),
        available_at=utc(row.available_at),
        state=HoldState(row.status),
    )


async def held_of_entries(conn: AsyncConnection, entry_ids: Sequence[int]) -> dict[int, Hold]:
    """The holds of these EARN entries (entries awarded without a hold have none)."""
    if not entry_ids:
        return {}
    rows = await conn.execute(select(held_points).where(held_points.c.entry_id.in_(entry_ids)))
    return {int(row.entry_id): _hold(row) for row in rows}


async def cancel_held(conn: AsyncConnection, hold: Hold, points: int, *, now: datetime) -> Hold:
    """Takes a refund's share out of a HELD hold (the caller holds the member's lock and has
    posted the REVERSE that records it)."""
    after = hold.cancel(points)
    await conn.execute(
        held_points.update()
        .where(held_points.c.entry_id == hold.entry_id, held_points.c.status == H_HELD)
        .values(remaining=after.remaining, status=after.state.value, updated_at=now)
    )
    return after


# --- reads for the account ----------------------------------------------------------------------


@dataclass(frozen=True)
class HeldPoints:
    entry_id: int
    points: int  # still held
    awarded: int
    hold_days: int
    available_at: datetime
    created_at: datetime


async def held_totals(conn: AsyncConnection, member_pks: Sequence[int]) -> dict[int, int]:
    """Points still held per member (0 for a member with none), in one statement."""
    wanted = sorted(set(member_pks))
    if not wanted:
        return {}
    rows = await conn.execute(
        select(held_points.c.member_pk, func.sum(held_points.c.remaining))
        .where(held_points.c.member_pk.in_(wanted), held_points.c.status == H_HELD)
        .group_by(held_points.c.member_pk)
    )
    found = {int(pk): int(total or 0) for pk, total in rows}
    return {pk: found.get(pk, 0) for pk in wanted}


async def held_lists(
    conn: AsyncConnection, member_pks: Sequence[int]
) -> dict[int, list[HeldPoints]]:
    """Each member's HELD awards, soonest available first, in one statement."""
    wanted = sorted(set(member_pks))
    found: dict[int, list[HeldPoints]] = {pk: [] for pk in wanted}
    if not wanted:
        return found
    rows = await conn.execute(
        select(held_points)
        .where(
            held_points.c.member_pk.in_(wanted),
            held_points.c.status == H_HELD,
            held_points.c.remaining > 0,
        )
        .order_by(held_points.c.available_at, held_points.c.entry_id)
    )
    for row in rows:
        found[int(row.member_pk)].append(
            HeldPoints(
                entry_id=int(row.entry_id),
                points=int(row.remaining),
                awarded=int(row.points),
                hold_days=int(row.hold_days),
                available_at=utc(row.available_at),
                created_at=utc(row.created_at),
            )
        )
    return found


@dataclass(frozen=True)
class EntryHold:
    """The hold of one ledger entry as the transactions list shows it: for a held EARN its own
    hold, for an ACTIVATE entry the hold it activated."""

    state: HoldState
    points: int  # still held (0 once ACTIVE or CANCELLED)
    awarded: int
    hold_days: int
    available_at: datetime
    held_entry_id: int
    activation_entry_id: int | None


async def holds_of_entries(conn: AsyncConnection, entry_ids: Sequence[int]) -> dict[int, EntryHold]:
    """The hold of each entry of a page that has one, in one statement."""
    wanted = sorted(set(entry_ids))
    if not wanted:
        return {}
    h = held_points.c
    rows = await conn.execute(
        select(held_points).where(h.entry_id.in_(wanted) | h.activation_entry_id.in_(wanted))
    )
    found: dict[int, EntryHold] = {}
    for row in rows:
        state = HoldState(row.status)
        view = EntryHold(
            state=state,
            points=int(row.remaining) if state is HoldState.HELD else 0,
            awarded=int(row.points),
            hold_days=int(row.hold_days),
            available_at=utc(row.available_at),
            held_entry_id=int(row.entry_id),
            activation_entry_id=row.activation_entry_id,
        )
        found[int(row.entry_id)] = view
        if row.activation_entry_id is not None:
            found[int(row.activation_entry_id)] = view
    return {k: v for k, v in found.items() if k in wanted}


# --- the activation job -------------------------------------------------------------------------


@dataclass(frozen=True)
class DueHold:
    entry_id: int
    member_id: str
    points: int  # still held
    available_at: datetime


@dataclass(frozen=True)
class ActivationRun:
    dry_run: bool
    activated: list[DueHold]

    @property
    def total(self) -> int:
        return sum(d.points for d in self.activated)


async def due_holds(
    conn: AsyncConnection, *, now: datetime, after: int = 0, limit: int = BATCH
) -> list[DueHold]:
    """HELD awards whose window has passed, by entry id (the partial index on HELD rows)."""
    rows = await conn.execute(
        select(
            held_points.c.entry_id,
            members.c.member_id,
            held_points.c.remaining,
            held_points.c.available_at,
        )
        .join(members, members.c.id == held_points.c.member_pk)
        .where(
            held_points.c.status == H_HELD,
            held_points.c.available_at <= now,
            held_points.c.entry_id > after,
        )
        .order_by(held_points.c.entry_id)
        .limit(limit)
    )
    return [
        DueHold(int(r.entry_id), r.member_id, int(r.remaining), utc(r.available_at)) for r in rows
    ]


async def _activate_one(uow: AbstractUnitOfWork, due: DueHold, *, now: datetime) -> DueHold | None:
    """One hold in the caller's transaction: None when it is no longer HELD and due (activated
    meanwhile by another run, or a refund cancelled it)."""
    conn = uow.conn
    member = await get_member(conn, due.member_id, lock=True)
    row = (
        await conn.execute(
            select(
                held_points,
                ledger_entries.c.rule_id,
                ledger_entries.c.rule_revision,
                ledger_entries.c.campaign_id,
                ledger_entries.c.campaign_revision,
                ledger_entries.c.order_pk,
            )
            .join(ledger_entries, ledger_entries.c.id == held_points.c.entry_id)
            .where(held_points.c.entry_id == due.entry_id)
        )
    ).one()
    hold = _hold(row)
    if not hold.is_due(now):
        return None
    if hold.remaining == 0:  # pragma: no cover - a hold with nothing left is CANCELLED
        return None
    _, entry = await post_entry(
        uow,
        member,
        EntryType.ACTIVATE,
        hold.remaining,
        now=now,
        description=(
            f"{hold.remaining} points available after being {describe_hold(int(row.hold_days))} "
            f"(earned in entry {hold.entry_id})"
        ),
        rule_id=row.rule_id,
        rule_revision=row.rule_revision,
        campaign_id=row.campaign_id,
        campaign_revision=row.campaign_revision,
        order_pk=row.order_pk,
        business_key=f"activate:{hold.entry_id}",
        # The points' inactivity clock (expiry) starts when they become available.
        activity=True,
    )
    if entry is None:  # pragma: no cover - the key exists only once the hold is ACTIVE
        return None
    hold = hold.activate(now)
    await conn.execute(
        held_points.update()
        .where(held_points.c.entry_id == hold.entry_id, held_points.c.status == H_HELD)
        .values(status=H_ACTIVE, activation_entry_id=entry.id, updated_at=now)
    )
    return DueHold(hold.entry_id, due.member_id, hold.remaining, hold.available_at)


async def activate_held(
    uow: AbstractUnitOfWork, *, now: datetime | None = None, dry_run: bool = False
) -> ActivationRun:
    """Activates every hold due at `now`: an ACTIVATE entry, its mint request and the hold's
    new state in one transaction per hold (`uow` used once per hold), so one failure costs one
    hold and a re-run after a crash finds the finished ones no longer due."""
    now = now or uow.clock.now()
    done: list[DueHold] = []
    after = 0
    while True:
        async with uow.read() as conn:
            batch = await due_holds(conn, now=now, after=after)
        if not batch:
            break
        after = batch[-1].entry_id
        if dry_run:
            done += batch
        else:
            for due in batch:
                async with uow:
                    activated = await _activate_one(uow, due, now=now)
                if activated is not None:
                    done.append(activated)
        if len(batch) < BATCH:
            break
    return ActivationRun(dry_run, done)
