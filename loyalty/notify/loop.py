"""Delivers queued notifications with retries.

Each due row is delivered in its own transaction, holding the row's lock (SKIP LOCKED on
PostgreSQL, so two runners never deliver one row at once). A failure records the error and
schedules the next attempt with exponential backoff; after MAX_ATTEMPTS the row is FAILED and
stays for an operator. The receiver dedupes by `webhook-id` (the event id), which every retry of
one event keeps.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.locks import skip_locked
from loyalty.db.program import member_contacts, notifications
from loyalty.db.rules import tiers
from loyalty.domain.templates import render
from loyalty.notify import webhook
from loyalty.notify.config import NotifyConfig
from loyalty.notify.mail import MailTransport, SmtpTransport, build_message
from loyalty.notify.reminders import reminder_message
from loyalty.notify.webhook import DeliveryFailed, HttpWebhookSender, WebhookSender
from loyalty.services.notifications import DELIVERED, EMAIL, FAILED, PENDING, WEBHOOK
from loyalty.services.program import Program, get_program
from loyalty.services.uow import AbstractUnitOfWork

log = logging.getLogger("loyalty.notify")

MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)
BATCH = 100


def backoff(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failure: 30 s, 1 min, 2 min … at most 6 h."""
    wait: timedelta = FIRST_RETRY * (2 ** max(attempts - 1, 0))
    return min(wait, LONGEST_RETRY)


@dataclass(frozen=True)
class Transports:
    webhook: WebhookSender | None
    webhook_key: bytes | None
    mail: MailTransport | None
    mail_from: str


def transports_for(config: NotifyConfig) -> Transports:
    mail = SmtpTransport(config.smtp) if config.smtp else None
    sender = HttpWebhookSender(allow_private=config.webhook_allow_private)
    return Transports(sender, config.webhook_key, mail, config.mail_from)


async def _send_webhook(t: Transports, program: Program, row: Any) -> None:
    if not program.webhook_url:
        raise DeliveryFailed("no webhookUrl is set in the program settings")
    if t.webhook is None or t.webhook_key is None:
        raise DeliveryFailed("LOYALTY_NOTIFY_WEBHOOK_SECRET is not set: webhooks are not signed")
    body = row.payload.encode()
    stamp = int(time.time())
    await t.webhook.send(
        program.webhook_url, webhook.headers(t.webhook_key, row.event_id, stamp, body), body
    )


async def _send_email(conn: AsyncConnection, t: Transports, program: Program, row: Any) -> None:
    if t.mail is None:
        raise DeliveryFailed("LOYALTY_SMTP_URL is not set")
    contact = (
        await conn.execute(
            select(member_contacts).where(member_contacts.c.member_id == row.member_id)
        )
    ).first()
    if contact is None or not contact.email:
        raise DeliveryFailed(f"member {row.member_id} has no e-mail address")
    data = json.loads(row.payload)["data"]
    tier_name = None
    if data.get("tierId"):
        tier_name = await conn.scalar(select(tiers.c.name).where(tiers.c.id == data["tierId"]))
    values = {
        "name": contact.name or row.member_id,
        "member_id": row.member_id,
        "points": data.get("points", ""),
        "balance": data.get("balance", ""),
        "event": row.event_type,
        "tier": tier_name or "",
    }
    reminder = await _reminder(conn, row.event_type, data, values)
    subject, body = reminder or (
        render(program.email_subject, values),
        render(program.email_body, values),
    )
    await t.mail.send(
        build_message(sender=t.mail_from, to=contact.email, subject=subject, body=body)
    )


async def _reminder(
    conn: AsyncConnection, event_type: str, data: dict[str, Any], values: dict[str, Any]
) -> tuple[str, str] | None:
    when = data.get("expirationDate") or data.get("downgradeAt") or ""
    new_tier = "the base tier"
    if data.get("toTierId"):
        found = await conn.scalar(select(tiers.c.name).where(tiers.c.id == data["toTierId"]))
        new_tier = found or new_tier
    return reminder_message(event_type, {**values, "date": when[:10], "new_tier": new_tier})


async def _deliver_one(uow: AbstractUnitOfWork, t: Transports, row_id: int, now: datetime) -> bool:
    async with uow:
        conn = uow.conn
        query = select(notifications).where(
            notifications.c.id == row_id, notifications.c.status == PENDING
        )
        row = (await conn.execute(skip_locked(query, conn))).first()
        if row is None:
            return False  # delivered meanwhile, or another runner holds it
        program = await get_program(conn)
        attempts = int(row.attempts) + 1
        try:
            if row.channel == WEBHOOK:
                await _send_webhook(t, program, row)
            elif row.channel == EMAIL:
                await _send_email(conn, t, program, row)
        except DeliveryFailed as exc:
            final = attempts >= MAX_ATTEMPTS
            log.warning(
                "notification %s (%s) attempt %d failed: %s",
                row.event_id,
                row.channel,
                attempts,
                exc,
            )
            await conn.execute(
                notifications.update()
                .where(notifications.c.id == row_id)
                .values(
                    attempts=attempts,
                    last_error=str(exc)[:2000],
                    status=FAILED if final else PENDING,
                    next_attempt_at=now + backoff(attempts),
                )
            )
            return False
        await conn.execute(
            notifications.update()
            .where(notifications.c.id == row_id)
            .values(attempts=attempts, status=DELIVERED, delivered_at=now, last_error=None)
        )
        return True


async def deliver_due(
    uow: AbstractUnitOfWork, transports: Transports, *, now: datetime | None = None
) -> int:
    """Delivers what is due at `now`, each row in its own transaction of `uow`; returns how
    many were delivered."""
    now = now or uow.clock.now()
    async with uow.read() as conn:
        ids = (
            (
                await conn.execute(
                    select(notifications.c.id)
                    .where(
                        notifications.c.status == PENDING, notifications.c.next_attempt_at <= now
                    )
                    .order_by(notifications.c.id)
                    .limit(BATCH)
                )
            )
            .scalars()
            .all()
        )
    delivered = 0
    for row_id in ids:
        delivered += await _deliver_one(uow, transports, int(row_id), now)
    return delivered
