"""Points expiry: what will expire (members see it ahead of time), what is due, and expiring it
as EXPIRE entries whose burns go through the outbox.

A dry run computes exactly what the real run would post, from the same function (`plan`); the
real run re-checks each member under its lock, so an activity that lands meanwhile wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.ledger import ledger_entries, members
from loyalty.db.times import utc as _utc
from loyalty.domain.expiry import Expiration, ExpirationPolicy, MemberActivity, due, upcoming
from loyalty.domain.ledger import EntryType
from loyalty.domain.lifecycle import ProgramStatus
from loyalty.domain.members import Member
from loyalty.services.ledger import post_entry
from loyalty.services.members import get_member
from loyalty.services.program import get_program
from loyalty.services.uow import AbstractUnitOfWork


async def _last_expiry(conn: AsyncConnection, member_pk: int) -> datetime | None:
    value = await conn.scalar(
        select(func.max(ledger_entries.c.created_at)).where(
            ledger_entries.c.member_pk == member_pk, ledger_entries.c.type == EntryType.EXPIRE.value
        )
    )
    return _utc(value)


async def activity_of(conn: AsyncConnection, member: Member) -> MemberActivity:
    return MemberActivity(
        member.member_id,
        member.totals.balance,
        member.last_activity_at,
        await _last_expiry(conn, member.pk),
    )


async def upcoming_for(conn: AsyncConnection, member: Member) -> Expiration | None:
    """account.pointsExpiration: when and how many of the member's points will expire."""
    program = await get_program(conn)
    if program.status is not ProgramStatus.ACTIVE:
        return None  # nothing expires while the program is not ACTIVE
    return upcoming(
        program.points_expiration, await activity_of(conn, member), resumed_at=program.resumed_at
    )


async def upcoming_for_members(
    conn: AsyncConnection,
    found: Sequence[Member],
    policy: ExpirationPolicy,
    *,
    resumed_at: datetime | None = None,
) -> dict[int, Expiration | None]:
    """`upcoming_for` of several members (by `Member.pk`), their last expiries in one statement
    (none when expiry is off). The caller passes the program's `resumed_at`, and a disabled
    policy while the program is not ACTIVE."""
    last: dict[int, datetime | None] = {}
    if policy.enabled and found:
        rows = await conn.execute(
            select(ledger_entries.c.member_pk, func.max(ledger_entries.c.created_at))
            .where(
                ledger_entries.c.member_pk.in_(sorted({m.pk for m in found})),
                ledger_entries.c.type == EntryType.EXPIRE.value,
            )
            .group_by(ledger_entries.c.member_pk)
        )
        last = {pk: _utc(at) for pk, at in rows}
    return {
        m.pk: upcoming(
            policy,
            MemberActivity(m.member_id, m.totals.balance, m.last_activity_at, last.get(m.pk)),
            resumed_at=resumed_at,
        )
        for m in found
    }


async def member_activity(conn: AsyncConnection) -> list[MemberActivity]:
    """Every member with points: balance, last activity and last expiry, by member id."""
    balance = (
        members.c.earned
        + members.c.adjusted
        - members.c.redeemed
        - members.c.expired
        - members.c.reversed
    )
    last_expiry = (
        select(
            ledger_entries.c.member_pk, func.max(ledger_entries.c.created_at).label("last_expiry")
        )
        .where(ledger_entries.c.type == EntryType.EXPIRE.value)
        .group_by(ledger_entries.c.member_pk)
        .subquery()
    )
    rows = (
        await conn.execute(
            select(
                members.c.member_id,
                balance.label("balance"),
                members.c.last_activity_at,
                last_expiry.c.last_expiry,
            )
            .outerjoin(last_expiry, last_expiry.c.member_pk == members.c.id)
            .where(balance > 0)
            .order_by(members.c.member_id)
        )
    ).all()
    return [
        MemberActivity(r.member_id, int(r.balance), _utc(r.last_activity_at), _utc(r.last_expiry))
        for r in rows
    ]


async def plan(
    conn: AsyncConnection,
    policy: ExpirationPolicy,
    *,
    now: datetime,
    resumed_at: datetime | None = None,
) -> list[Expiration]:
    """Every expiration due at `now`, by member id."""
    if not policy.enabled:
        return []
    return due(policy, await member_activity(conn), now=now, resumed_at=resumed_at)


@dataclass(frozen=True)
class ExpiryRun:
    dry_run: bool
    expirations: list[Expiration]

    @property
    def total(self) -> int:
        return sum(e.expiring_points for e in self.expirations)


async def run_expiry(
    uow: AbstractUnitOfWork, *, now: datetime | None = None, dry_run: bool = False
) -> ExpiryRun:
    """Expires what is due. Each member in its own transaction (`uow` used once per member):
    one failure costs one member, and a re-run after a crash finds the finished ones no longer
    due. Nothing expires while the program is not ACTIVE (loyalty.domain.lifecycle)."""
    now = now or uow.clock.now()
    async with uow.read() as conn:
        program = await get_program(conn)
        policy, resumed = program.points_expiration, program.resumed_at
        if program.status is not ProgramStatus.ACTIVE:
            return ExpiryRun(dry_run, [])
        planned = await plan(conn, policy, now=now, resumed_at=resumed)
    if dry_run:
        return ExpiryRun(True, planned)
    done = []
    for expected in planned:
        async with uow:
            conn = uow.conn
            member = await get_member(conn, expected.member_id, lock=True)
            current = upcoming(policy, await activity_of(conn, member), resumed_at=resumed)
            if current is None or current.expiration_date > now:
                continue  # an activity landed since the plan
            _, entry = await post_entry(
                uow,
                member,
                EntryType.EXPIRE,
                -current.expiring_points,
                now=now,
                description=(
                    f"{policy.expiring_points_percentage}% of the points expired after "
                    f"{policy.months_of_inactivity} months without activity"
                ),
                business_key=f"expire:{member.pk}:{current.expiration_date.isoformat()}",
                activity=False,
            )
            if entry is not None:
                done.append(current)
    return ExpiryRun(False, done)
