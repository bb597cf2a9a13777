"""What follows a domain event, in the transaction that raised it (see loyalty.services.uow).

    EntryPosted  → the member's tier recomputed (a change publishes TierChanged),
                   then the entry's notification queued (with the tier it left)
    TierChanged  → the tier change's notification queued
    AdminChanged → the admin audit log's entry appended (loyalty.services.audit), then
                   the configuration webhook queued (loyalty.services.config_hooks)

Nothing here is called by the use cases: they publish events, and `registry()` (built by the
composition, loyalty.services.bootstrap) says who listens.
"""

from __future__ import annotations

from collections.abc import Callable

from loyalty.domain.audit import AdminChanged
from loyalty.domain.events import EntryPosted, InboundAccepted, TierChanged
from loyalty.domain.tiers import Movement
from loyalty.services import audit, config_hooks, notifications, tiers
from loyalty.services.uow import AbstractUnitOfWork, AfterCommit, Handler, Handlers


async def recompute_tier(event: EntryPosted, uow: AbstractUnitOfWork) -> None:
    """Every change of the ledger may move the member's tier. With the member's tier state
    already read in this transaction (uow.cache.tier_states), nothing is read again."""
    pk = event.member.pk
    known = uow.cache.tier_states.get(pk)
    if known is not None:
        known.movements.append(Movement(event.entry.type.value, event.entry.points, event.at))
    tier = await tiers.recompute_member(
        uow.conn,
        pk,
        now=event.at,
        known=known,
        program=uow.cache.program,
        balance=event.entry.balance_after,
        held=uow.cache.write_behind,
    )
    uow.cache.tier_ids[pk] = tier.tier_id
    if tier.changed:
        await uow.publish(TierChanged(tier, event.at, member_id=event.member.member_id))


async def notify_entry(event: EntryPosted, uow: AbstractUnitOfWork) -> None:
    pk = event.member.pk
    if pk in uow.cache.tier_ids:
        tier_id = uow.cache.tier_ids[pk]
    else:  # no tier handler ran before this one
        tier_id = await tiers.current_tier_id(uow.conn, pk)
    await notifications.queue_entry(
        uow.conn,
        event.member,
        event.entry,
        tier_id=tier_id,
        now=event.at,
        program=uow.cache.program,
    )


async def notify_tier_change(event: TierChanged, uow: AbstractUnitOfWork) -> None:
    await notifications.queue_tier_change(
        uow.conn, event.change, now=event.at, member_id=event.member_id, program=uow.cache.program
    )


def registry(*, wake_inbox: Callable[[], None] | None = None) -> Handlers:
    """The handlers of every domain event. `wake_inbox`: this process's inbox processor, woken
    after an accepted webhook is committed."""
    in_transaction: dict[type, list[Handler]] = {
        EntryPosted: [recompute_tier, notify_entry],
        TierChanged: [notify_tier_change],
        AdminChanged: [audit.record_change, config_hooks.queue_config_change],
    }
    after_commit: dict[type, list[AfterCommit]] = {}
    if wake_inbox is not None:
        wake = wake_inbox
        after_commit[InboundAccepted] = [lambda _event: wake()]
    return Handlers(in_transaction, after_commit)
