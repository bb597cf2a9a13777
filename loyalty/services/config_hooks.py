"""Outbound webhooks for configuration changes (issue 16; Wix emits them for rules, tiers,
rewards and the program): when an earning rule, campaign, tier, reward or the program settings
change, a notification goes to the program's webhookUrl, through the same outbox, signing,
retries and delivery as the members' events (loyalty.notify).

Driven by the AdminChanged domain event every configuration use case already publishes (the
audit log's), by a handler in the change's own transaction (loyalty.services.handlers): a change
that rolls back sends nothing; no use case calls this module.

Event types: `<entity>.created | updated | deleted` and `<entity>.limits_set` for a rule's or
campaign's limits (entity: rule, campaign, tier, reward, program); data: `entity`, `entityId`,
`change` (the action), `revision` (after the change; for a deletion, the last one), and
`changedFields` (the top-level fields that differ). The entity itself is not sent: the receiver
reads it by id at that revision's time, and a webhook body stays small.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from loyalty.db.program import notifications
from loyalty.domain.audit import AdminChanged, diff
from loyalty.services.program import get_program
from loyalty.services.uow import AbstractUnitOfWork

ENTITIES = frozenset({"rule", "campaign", "tier", "reward", "program"})
CHANGES = {
    "create": "created",
    "update": "updated",
    "delete": "deleted",
    "set_limits": "limits_set",
    "activate": "activated",
    "pause": "paused",
}


def event_type(change: AdminChanged) -> str | None:
    """The webhook's type for this change, or None for a change that sends none."""
    if change.kind not in ENTITIES:
        return None
    return f"{change.kind}.{CHANGES.get(change.action, change.action)}"


def _revision(change: AdminChanged) -> int | None:
    for snapshot in (change.after, change.before):
        if snapshot is not None and isinstance(snapshot.get("revision"), int):
            return int(snapshot["revision"])
    return None


def payload(change: AdminChanged, kind: str) -> dict[str, Any]:
    return {
        "type": kind,
        "timestamp": change.at.isoformat(),
        "data": {
            "entity": change.kind,
            "entityId": change.entity_id,
            "change": change.action,
            "revision": _revision(change),
            "changedFields": sorted(diff(change.before, change.after)),
        },
    }


async def queue_config_change(event: AdminChanged, uow: AbstractUnitOfWork) -> None:
    """The AdminChanged handler: one WEBHOOK notification, when a webhookUrl is set."""
    kind = event_type(event)
    if kind is None:
        return
    program = await get_program(uow.conn)  # as of this change (a new webhookUrl included)
    if not program.webhook_url:
        return
    await uow.conn.execute(
        notifications.insert().values(
            event_id=f"evt_config_{uuid.uuid4().hex}",
            channel="WEBHOOK",
            event_type=kind[:40],
            member_id=None,
            payload=json.dumps(payload(event, kind), separators=(",", ":")),
            status="PENDING",
            attempts=0,
            next_attempt_at=event.at,
            created_at=event.at,
        )
    )
