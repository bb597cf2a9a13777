"""Where a webhook stands after its 200: `webhookEvent(source, eventId)` and `webhookInbox`
(admins). A webhook is answered once stored; these show what processing made of it."""

from __future__ import annotations

import json
from datetime import datetime

import strawberry
from strawberry.types import Info

from api.auth import require_auditor
from api.context import Context
from api.schema.scalars import Long
from loyalty.services import inbox_status as inbox


@strawberry.type
class WebhookError:
    code: str
    message: str


@strawberry.type(description="An inbound webhook event as stored and processed.")
class WebhookEvent:
    id: Long = strawberry.field(description="the eventId of the webhook's answer")
    source: str = strawberry.field(description="wix or events")
    event_id: str = strawberry.field(description="the sender's event id / webhook-id")
    kind: str = strawberry.field(description="ACTIVITY, REFUND or IGNORED")
    state: str = strawberry.field(description="PENDING, DONE or FAILED")
    attempts: int
    received_at: datetime
    processed_at: datetime | None
    error: WebhookError | None = strawberry.field(
        description="why it FAILED, or why the last attempt of a PENDING event did not succeed"
    )
    result: str | None = strawberry.field(
        description="the outcome as JSON (awards, or points reversed) once DONE"
    )

    @classmethod
    def from_event(cls, e: inbox.InboxEvent) -> WebhookEvent:
        return cls(
            id=Long(e.id),
            source=e.source,
            event_id=e.event_key,
            kind=e.kind,
            state=e.state,
            attempts=e.attempts,
            received_at=e.received_at,
            processed_at=e.processed_at,
            error=WebhookError(code=e.error["code"], message=e.error["message"])
            if e.error
            else None,
            result=json.dumps(e.outcome) if e.outcome is not None else None,
        )


@strawberry.type(description="Webhooks stored but not processed yet, and those that failed.")
class WebhookInbox:
    pending: int
    retrying: int = strawberry.field(description="pending, waiting to be retried")
    failed: int
    oldest_pending_at: datetime | None


@strawberry.type
class WebhooksQuery:
    @strawberry.field(
        description="One inbound webhook event by its sender's id (admins and auditors)."
    )
    async def webhook_event(
        self, info: Info[Context, None], source: str, event_id: str
    ) -> WebhookEvent | None:
        require_auditor(info.context.principal)
        async with info.context.connection() as conn:
            found = await inbox.find_event(conn, source=source, key=event_id)
        return WebhookEvent.from_event(found) if found else None

    @strawberry.field(description="The webhook inbox's backlog (admins and auditors).")
    async def webhook_inbox(self, info: Info[Context, None]) -> WebhookInbox:
        require_auditor(info.context.principal)
        async with info.context.connection() as conn:
            s = await inbox.inbox_status(conn)
        return WebhookInbox(
            pending=s.pending,
            retrying=s.retrying,
            failed=s.failed,
            oldest_pending_at=s.oldest_pending_at,
        )
