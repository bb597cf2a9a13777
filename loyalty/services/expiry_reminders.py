"""Points-expiry reminders (issue 14, item 6; Wix sends one 14 days before): a `points.expiring`
notification (webhook, and e-mail to members with a contact) `pointsExpiration.reminderDays`
days before a member's points expire, once per expiry: its event id is derived from the member
and the expiration moment, so the periodic job may find it on every run and it is still queued
once, while a later expiry (after new activity moved it) gets its own reminder. None while the
program is not ACTIVE (nothing expires then)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from loyalty.domain.expiry import Expiration, reminders
from loyalty.domain.lifecycle import ProgramStatus
from loyalty.services.expiry import member_activity
from loyalty.services.notifications import POINTS_EXPIRING, queue_reminder
from loyalty.services.program import get_program
from loyalty.services.uow import AbstractUnitOfWork


def reminder_event_id(expiration: Expiration) -> str:
    """Stable per (member, expiration moment), and short whatever the member id's length."""
    key = f"{expiration.member_id}\n{expiration.expiration_date.isoformat()}"
    return f"evt_expiring_{hashlib.sha256(key.encode()).hexdigest()[:40]}"


async def send_expiry_reminders(uow: AbstractUnitOfWork, *, now: datetime | None = None) -> int:
    """Queues the reminders due at `now` in one transaction; returns how many were new."""
    async with uow:
        conn, now = uow.conn, now or uow.clock.now()
        program = await get_program(conn)
        policy = program.points_expiration
        if (
            program.status is not ProgramStatus.ACTIVE
            or not policy.enabled
            or policy.reminder_days is None
        ):
            return 0
        due = reminders(policy, await member_activity(conn), now=now, resumed_at=program.resumed_at)
        sent = 0
        for exp in due:
            sent += bool(
                await queue_reminder(
                    conn,
                    event_id=reminder_event_id(exp),
                    event_type=POINTS_EXPIRING,
                    member_id=exp.member_id,
                    data={
                        "points": exp.expiring_points,
                        "expirationDate": exp.expiration_date.isoformat(),
                        "daysBefore": policy.reminder_days,
                    },
                    now=now,
                    program=program,
                )
            )
        return sent
