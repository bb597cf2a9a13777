"""What became of the webhooks after their 200 (GraphQL `webhookEvent` and `webhookInbox`): one
event as stored and processed, and the inbox's backlog."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.ledger import IN_FAILED as FAILED
from loyalty.db.ledger import IN_PENDING as PENDING
from loyalty.db.ledger import inbound_events
from loyalty.db.times import utc


@dataclass(frozen=True)
class InboxEvent:
    """An inbound event as an operator sees it (GraphQL `webhookEvent`)."""

    id: int
    source: str
    event_key: str
    kind: str
    state: str
    attempts: int
    received_at: datetime
    processed_at: datetime | None
    error: Mapping[str, str] | None
    outcome: Mapping[str, Any] | None


async def find_event(
    conn: AsyncConnection,
    *,
    source: str | None = None,
    key: str | None = None,
    id: int | None = None,
) -> InboxEvent | None:
    """By (source, event id) as the sender knows it, or by the `eventId` of the answer."""
    if id is not None:
        where = inbound_events.c.id == id
    else:
        where = and_(inbound_events.c.source == source, inbound_events.c.event_key == key)
    row = (await conn.execute(select(inbound_events).where(where))).first()
    if row is None:
        return None
    return InboxEvent(
        id=row.id,
        source=row.source,
        event_key=row.event_key,
        kind=row.kind,
        state=row.state,
        attempts=row.attempts,
        received_at=utc(row.received_at) or row.received_at,
        processed_at=utc(row.processed_at),
        error=json.loads(row.error) if row.error else None,
        outcome=json.loads(row.response) if row.response else None,
    )


@dataclass(frozen=True)
class InboxStatus:
    pending: int  # stored, not processed yet (due now)
    retrying: int  # pending, waiting for a retry after a failed attempt
    failed: int
    oldest_pending_at: datetime | None


async def inbox_status(conn: AsyncConnection) -> InboxStatus:
    waiting = inbound_events.c.process_after.is_not(None)
    row = (
        await conn.execute(
            select(
                func.count().filter(inbound_events.c.state == PENDING, ~waiting),
                func.count().filter(inbound_events.c.state == PENDING, waiting),
                func.min(inbound_events.c.received_at).filter(inbound_events.c.state == PENDING),
            ).where(inbound_events.c.state == PENDING)
        )
    ).one()
    failed = await conn.scalar(select(func.count()).where(inbound_events.c.state == FAILED))
    return InboxStatus(int(row[0]), int(row[1]), int(failed or 0), utc(row[2]))
