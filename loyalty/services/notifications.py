"""The notifications outbox: what happened to a member, queued in the ledger's transaction.

The handlers of EntryPosted and TierChanged (loyalty.services.handlers) queue each entry's event
and each tier change here, for the channels the site owner has turned on. Only inserts happen
here; delivery (loyalty.notify.loop) runs later and its failures never reach the ledger.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.ledger import dialect_insert, insert_or_skip, members
from loyalty.db.program import member_contacts, notifications
from loyalty.domain.errors import InvalidInput
from loyalty.domain.ledger import PostedEntry
from loyalty.domain.members import Member
from loyalty.domain.tiers import MemberTier
from loyalty.services.members import check_member_id, get_member
from loyalty.services.program import Program, get_program
from loyalty.services.uow import AbstractUnitOfWork

WEBHOOK, EMAIL = "WEBHOOK", "EMAIL"
PENDING, DELIVERED, FAILED = "PENDING", "DELIVERED", "FAILED"

# Entry type → event type sent to receivers.
EVENT_TYPES = {
    "EARN": "points.earned",
    "REDEEM": "points.redeemed",
    "REFUND": "points.refunded",
    "REVERSE": "points.reversed",
    "EXPIRE": "points.expired",
    "ADJUST": "points.adjusted",
    "TRANSFER_OUT": "points.transferred_out",
    "TRANSFER_IN": "points.transferred_in",
    "IMPORT": "points.imported",
    "ACTIVATE": "points.activated",  # held points became available (and are minted)
}
TIER_CHANGED = "tier.changed"
WILL_DOWNGRADE = "tier.will_downgrade"  # N days before a projected downgrade
POINTS_EXPIRING = "points.expiring"  # N days before points expire
THANK_YOU_EVENTS = frozenset({"points.earned"})  # the e-mail thanks a member for earning
# Reminders are e-mailed too, with their own text (loyalty.notify.reminders).
EMAILED_EVENTS = THANK_YOU_EVENTS | {WILL_DOWNGRADE, POINTS_EXPIRING}


async def _queue(
    conn: AsyncConnection,
    *,
    event_id: str,
    event_type: str,
    member_id: str,
    data: dict[str, Any],
    now: datetime,
    program: Program | None = None,
    once: bool = False,
) -> int:
    """Queues the event for each channel turned on; returns how many rows were written. `once`:
    an event id queued before is skipped (a reminder the job reaches again)."""
    if program is None:
        program = await get_program(conn)
    channels = []
    if program.webhook_url:
        channels.append(WEBHOOK)
    if program.email_enabled and event_type in EMAILED_EVENTS:
        email = await conn.scalar(
            select(member_contacts.c.email).where(member_contacts.c.member_id == member_id)
        )
        if email:
            channels.append(EMAIL)
    if not channels:
        return 0
    payload = json.dumps(
        {"type": event_type, "timestamp": now.isoformat(), "data": {"memberId": member_id, **data}}
    )
    rows = [
        {
            "event_id": event_id,
            "channel": channel,
            "event_type": event_type,
            "member_id": member_id,
            "payload": payload,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for channel in channels
    ]
    if not once:
        await conn.execute(notifications.insert(), rows)
        return len(rows)
    skip = insert_or_skip(conn.dialect.name, notifications, ["event_id", "channel"]).returning(
        notifications.c.id
    )
    written = 0
    for row in rows:  # one by one, counting what RETURNING gives (rowcount varies by driver)
        written += len((await conn.execute(skip, row)).all())
    return written


async def queue_reminder(
    conn: AsyncConnection,
    *,
    event_id: str,
    event_type: str,
    member_id: str,
    data: dict[str, Any],
    now: datetime,
    program: Program,
) -> int:
    """A reminder (points expiring, tier will downgrade), queued once per `event_id` however
    often the job that finds it runs: the rows written (0 when queued before)."""
    return await _queue(
        conn,
        event_id=event_id,
        event_type=event_type,
        member_id=member_id,
        data=data,
        now=now,
        program=program,
        once=True,
    )


async def queue_event(
    conn: AsyncConnection,
    *,
    event_id: str,
    event_type: str,
    member_id: str,
    data: dict[str, Any],
    now: datetime,
) -> None:
    """An event of another area (e.g. referral.rewarded), for the channels turned on;
    `event_id` makes it unique (receivers dedupe on it)."""
    await _queue(
        conn, event_id=event_id, event_type=event_type, member_id=member_id, data=data, now=now
    )


async def queue_entry(
    conn: AsyncConnection,
    member: Member,
    entry: PostedEntry,
    *,
    tier_id: str | None,
    now: datetime,
    program: Program | None = None,
) -> None:
    await _queue(
        conn,
        event_id=f"evt_entry_{entry.id}",
        event_type=EVENT_TYPES[entry.type.value],
        member_id=member.member_id,
        data={
            "entryId": entry.id,
            "entryType": entry.type.value,
            "points": abs(entry.points),
            "balanceChange": entry.delta,
            "balance": entry.balance_after,
            "tierId": tier_id,
            # An award held by the return window: earned, not in the balance until then.
            **({"availableAt": entry.available_at.isoformat()} if entry.available_at else {}),
        },
        now=now,
        program=program,
    )


async def queue_tier_change(
    conn: AsyncConnection,
    change: MemberTier,
    *,
    now: datetime,
    member_id: str | None = None,
    program: Program | None = None,
) -> None:
    if member_id is None:
        member_id = await conn.scalar(
            select(members.c.member_id).where(members.c.id == change.member_pk)
        )
    await _queue(
        conn,
        event_id=f"evt_tier_{uuid.uuid4().hex}",
        event_type=TIER_CHANGED,
        member_id=str(member_id),
        data={
            "tierId": change.tier_id,
            "previousTierId": change.previous_tier_id,
            "tierPoints": change.tier_points,
        },
        now=now,
        program=program,
    )


EMAIL_MAX, NAME_MAX = 254, 100


async def set_contact(
    uow: AbstractUnitOfWork,
    member_id: str,
    *,
    email: str | None,
    name: str | None,
    now: datetime | None = None,
) -> None:
    """Where the member's thank-you e-mails go ("" clears a field). The member must exist
    (NOT_FOUND otherwise, as for adjustPoints and redeemReward): a contact for a typo'd id would
    never be used."""
    member_id = check_member_id(member_id)
    email = (email or "").strip() or None
    name = (name or "").strip() or None
    if email is not None and (
        len(email) > EMAIL_MAX or email.count("@") != 1 or any(c in email for c in " \r\n<>,;")
    ):
        raise InvalidInput("email must be one address such as ann@example.com", field="email")
    if name is not None and (len(name) > NAME_MAX or any(ord(c) < 32 for c in name)):
        raise InvalidInput(f"name must be at most {NAME_MAX} characters", field="name")
    async with uow:
        await get_member(uow.conn, member_id)  # NOT_FOUND for an unknown member
        now = now or uow.clock.now()
        statement = dialect_insert(uow.conn.dialect.name, member_contacts).values(
            member_id=member_id, email=email, name=name, updated_at=now
        )
        await uow.conn.execute(
            statement.on_conflict_do_update(
                index_elements=["member_id"],
                set_={"email": email, "name": name, "updated_at": now},
            )
        )
