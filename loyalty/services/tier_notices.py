"""The "will downgrade" notice (issue 14, item 5): each member whose projected downgrade
(member_tiers.downgrade_at, worked out at every tier recompute under the downgrade policy,
loyalty.domain.tier_program) is `downgradeNoticeDays` away or closer gets a `tier.will_downgrade`
notification, once per projected downgrade (its event id names the member and the moment), by
the periodic jobs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from loyalty.db.ledger import members
from loyalty.db.program import member_tiers
from loyalty.db.times import utc
from loyalty.domain.lifecycle import ProgramStatus
from loyalty.services.notifications import WILL_DOWNGRADE, queue_reminder
from loyalty.services.program import get_program
from loyalty.services.uow import AbstractUnitOfWork

BATCH = 500


async def send_downgrade_notices(uow: AbstractUnitOfWork, *, now: datetime | None = None) -> int:
    """Queues the due notices (one transaction per batch); returns how many members got one."""
    sent = 0
    while True:
        async with uow:
            conn, now = uow.conn, now or uow.clock.now()
            program = await get_program(conn)
            if program.status is not ProgramStatus.ACTIVE or not program.tier_program.active:
                return sent  # due notices wait: a paused program moves no one down
            rows = (
                await conn.execute(
                    select(
                        member_tiers.c.member_pk,
                        member_tiers.c.tier_id,
                        member_tiers.c.tier_points,
                        member_tiers.c.downgrade_at,
                        member_tiers.c.downgrade_to,
                        members.c.member_id,
                    )
                    .join(members, members.c.id == member_tiers.c.member_pk)
                    .where(member_tiers.c.downgrade_notice_at <= now)
                    .order_by(member_tiers.c.member_pk)
                    .limit(BATCH)
                )
            ).all()
            if not rows:
                return sent
            for r in rows:
                at = utc(r.downgrade_at)
                if at is None or at <= now:
                    continue  # too late for a notice: the roll moves them now
                sent += bool(
                    await queue_reminder(
                        conn,
                        event_id=f"evt_tier_notice_{r.member_pk}_{int(at.timestamp())}",
                        event_type=WILL_DOWNGRADE,
                        member_id=r.member_id,
                        data={
                            "tierId": r.tier_id,
                            "toTierId": r.downgrade_to,
                            "downgradeAt": at.isoformat(),
                            "tierPoints": int(r.tier_points),
                        },
                        now=now,
                        program=program,
                    )
                )
            await conn.execute(
                member_tiers.update()
                .where(member_tiers.c.member_pk.in_([r.member_pk for r in rows]))
                .values(downgrade_notice_at=None)
            )
