"""Recording an activity: claim it once, find the member, ask the rules, post one EARN per award.

One transaction: the claim, the member, the orders row, the entries and their mint requests
commit together or not at all. Dedupe twice: the claim on (source, idempotency key / event id),
and the ledger's unique business key `earn:<order>:<rule>` (one award per order and rule, however
many events name that order).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.custody import AddressBook
from loyalty.db.ledger import insert_or_skip, orders
from loyalty.db.statements import once
from loyalty.domain.errors import InvalidInput
from loyalty.domain.holds import activity_hold_days, effective_hold_days
from loyalty.domain.lifecycle import ProgramStatus, ignored_reason, require_active
from loyalty.domain.members import Member
from loyalty.domain.points import Activity, awards_for
from loyalty.domain.referrals import ProgramStatus as ReferralStatus
from loyalty.domain.tier_program import rate_tier
from loyalty.domain.tiers import (
    KnownTierState,
    tier_for,
    tier_points,
    window_start,
)
from loyalty.services import inbound, referrals
from loyalty.services.activity_members import held_state, locked_with_tier_state
from loyalty.services.activity_model import (
    ActivityInput,
    ActivityOutcome,
    AwardResult,
    CampaignAwardResult,
    RuleSource,
    check_activity,
)
from loyalty.services.awarding import (
    campaign_extras,
    campaign_owner,
    capped_owners,
    post_cut,
    prefetch_used,
    rule_owner,
    take_limits,
)
from loyalty.services.earning_config import earning_config
from loyalty.services.members import ensure_member, save_activity_time, save_totals
from loyalty.services.rules import matching_rules
from loyalty.services.uow import AbstractUnitOfWork


async def _order_pk(
    conn: AsyncConnection, inp: ActivityInput, member: Member, now: datetime
) -> int | None:
    """The orders row of the activity's order (created with its amount on first sight)."""
    if inp.order_id is None:
        return None
    if inp.amount is not None:
        dialect = conn.dialect.name
        new_pk = await conn.scalar(
            once(
                ("order", dialect),
                lambda: insert_or_skip(dialect, orders, ["order_key"]).returning(orders.c.id),
            ),
            {
                "order_key": inp.order_id,
                "external_id": None,
                "member_pk": member.pk,
                "amount": inp.amount.value,
                "currency": inp.amount.currency.upper(),
                "refunded": Decimal(0),
                "created_at": now,
                "updated_at": now,
            },
        )
        if new_pk is not None and inp.external_order_id is None:
            return int(new_pk)
    row = (
        await conn.execute(
            select(orders.c.id, orders.c.member_pk, orders.c.external_id).where(
                orders.c.order_key == inp.order_id
            )
        )
    ).first()
    if row is None:
        return None
    if row.member_pk != member.pk:
        raise InvalidInput(
            f"order {inp.order_id!r} was recorded for another member", field="orderId"
        )
    if inp.external_order_id and row.external_id is None:
        await conn.execute(
            orders.update().where(orders.c.id == row.id).values(external_id=inp.external_order_id)
        )
    return int(row.id)


async def record_activity(
    uow: AbstractUnitOfWork,
    inp: ActivityInput,
    *,
    source: str,
    custody: AddressBook,
    currency: str,
    rules: RuleSource,
    strict: bool = True,
) -> ActivityOutcome:
    check_activity(inp, currency=currency)
    async with uow:
        now = uow.clock.now()
        claim = await inbound.claim(
            uow.conn,
            source=source,
            key=inp.idempotency_key,
            request=inp.request(),
            kind="ACTIVITY",
            received_at=now,
            strict=strict,
            with_config_version=True,
            **inp.claim_fields(),
        )
        if claim.id is None:
            return ActivityOutcome.from_json(claim.first_answer or {}, duplicate=True)
        # The entries' chain requests, the member's totals and tier go as one statement each
        # at the commit, however many entries the rules and campaigns post (loyalty.db
        # .write_behind: any statement that reads those tables sends them first).
        uow.hold_writes()
        return await apply_activity(
            uow,
            claim.id,
            inp,
            config_version=claim.config_version,
            now=now,
            custody=custody,
            currency=currency,
            rules=rules,
            refuse_inactive=True,
        )


async def apply_activity(
    uow: AbstractUnitOfWork,
    event_id: int,
    inp: ActivityInput,
    *,
    config_version: int | None,
    now: datetime,
    custody: AddressBook,
    currency: str,
    rules: RuleSource,
    received_at: datetime | None = None,
    store_answer: bool = True,
    refuse_inactive: bool = False,
    **answer_fields: Any,
) -> ActivityOutcome:
    """Awards a claimed activity and stores the answer (unless the caller stores many at once),
    in the caller's unit of work. `received_at` (inbox: when the webhook was accepted) stands in
    for a missing occurredAt. The member's tier state and the program go on the uow's cache, for
    the tier recompute and notifications that follow each entry. While the program is not
    ACTIVE nothing is awarded: `refuse_inactive` (GraphQL) raises PROGRAM_NOT_ACTIVE, otherwise
    (webhooks) the event is answered IGNORED with the reason, and stays so."""
    conn = uow.conn
    # Program, tiers and rules from the per-process cache, checked against the version
    # the claim read; then the member, its stored tier and tier movements in one read.
    config = await earning_config(conn, version=config_version)
    status = config.program.status
    if status is not ProgramStatus.ACTIVE:
        if refuse_inactive:
            require_active(status, "recording an activity")
        ignored = ActivityOutcome(event_id, inp.member_id, "IGNORED", reason=ignored_reason(status))
        if store_answer:
            await inbound.answer(conn, event_id, ignored.to_json(), **answer_fields)
        return ignored
    months = config.program.tiers_window_months
    at = inp.occurred_at or received_at or now
    since = min(window_start(at, months), window_start(now, months))
    locked = held_state(uow, inp.member_id, since=since)
    if locked is None:
        locked = await locked_with_tier_state(conn, inp.member_id, since=since)
        held = uow.cache.write_behind
        if locked is not None and held is not None:
            held.windows[locked[0].pk] = since
    if locked is None:
        member, created = await ensure_member(conn, inp.member_id, custody, now=now)
        locked = (member, (None, None), []) if created else None
        if locked is None:  # created meanwhile by a concurrent transaction
            locked = await locked_with_tier_state(conn, inp.member_id, since=since)
        assert locked is not None
    member, (stored_tier_id, tier_since), movements = locked
    uow.cache.tier_states[member.pk] = KnownTierState(
        movements, stored_tier_id, config.tiers, months, tier_since
    )
    uow.cache.program = config.program
    at_since = window_start(at, months)
    tier = tier_for(config.tiers, tier_points([m for m in movements if m.at <= at], since=at_since))
    tier_id = rate_tier(
        config.program.tier_program, config.tiers, computed=tier, stored_id=stored_tier_id
    )
    if rules is matching_rules:
        matched = config.matching(
            trigger_app_id=inp.trigger_app_id, activity_type=inp.activity_type
        )
    else:
        matched = await rules(
            conn, trigger_app_id=inp.trigger_app_id, activity_type=inp.activity_type
        )
    activity = Activity(inp.activity_type, inp.trigger_app_id, inp.amount)
    awards = [
        a for a in awards_for(matched, activity, tier_id=tier_id, currency=currency) if a.points
    ]
    order_pk = await _order_pk(conn, inp, member, now)
    ref = inp.dedupe_ref or inp.order_id
    program_hold = config.program.hold_days
    holds = {r.id: effective_hold_days(r.hold_days, program_hold) for r in matched}
    results = []
    used = await prefetch_used(
        uow,
        config,
        member,
        capped_owners(config, inp, awards, rules_matched=len(matched), tier_id=tier_id, at=at),
        now=now,
    )
    wanted = [(rule_owner(a), a.points) for a in awards]
    cuts = await take_limits(uow, config, member, wanted, now=now, used=used)
    for award, cut in zip(awards, cuts, strict=True):
        done = await post_cut(
            uow,
            config,
            member,
            rule_owner(award),
            award.points,
            cut,
            now=now,
            description=award.reason,
            business_key=f"earn:{ref}:{award.rule_id}" if ref else None,
            rule_id=award.rule_id,
            rule_revision=award.rule_revision,
            inbound_event_id=event_id,
            order_pk=order_pk,
            hold_days=holds.get(award.rule_id, program_hold),
            used=used,
            save=False,
        )
        member = done.member
        results.append(
            AwardResult(
                rule_id=award.rule_id,
                rule_revision=award.rule_revision,
                points=done.granted,
                balance_change=done.entry.delta if done.entry else 0,
                entry_id=done.entry.id if done.entry else None,
                already_awarded=done.duplicate,
                limit_reason=done.limit_reason,
            )
        )
    extras = campaign_extras(
        config,
        inp,
        rule_points=sum(r.points for r in results),
        rules_matched=len(matched),
        tier_id=tier_id,
        at=at,
    )
    campaign_results: list[CampaignAwardResult] = []
    wanted = [(campaign_owner(e), e.points) for e in extras]
    cuts = await take_limits(uow, config, member, wanted, now=now, used=used)
    for extra, cut in zip(extras, cuts, strict=True):
        done = await post_cut(
            uow,
            config,
            member,
            campaign_owner(extra),
            extra.points,
            cut,
            now=now,
            description=f"campaign {extra.title!r}: {extra.reason}",
            business_key=f"earn:{ref}:campaign:{extra.campaign_id}" if ref else None,
            campaign_id=extra.campaign_id,
            campaign_revision=extra.campaign_revision,
            inbound_event_id=event_id,
            order_pk=order_pk,
            hold_days=activity_hold_days((r.hold_days for r in matched), program_hold),
            used=used,
            save=False,
        )
        member = done.member
        campaign_results.append(
            CampaignAwardResult(
                campaign_id=extra.campaign_id,
                campaign_revision=extra.campaign_revision,
                points=done.granted,
                balance_change=done.entry.delta if done.entry else 0,
                entry_id=done.entry.id if done.entry else None,
                already_awarded=done.duplicate,
                limit_reason=done.limit_reason,
            )
        )
    posted = any(r.entry_id for r in results) or any(c.entry_id for c in campaign_results)
    if posted:  # the totals of all the entries above, written once
        member = await save_totals(conn, member, now=now, held=uow.cache.write_behind)
    referral = None
    if config.referrals.status is not ReferralStatus.DRAFT:
        member, referral = await referrals.on_activity(
            uow,
            config.referrals,
            member,
            details=inp.details,
            order_key=inp.order_id,
            amount=inp.amount.value if inp.amount else None,
            custody=custody,
            now=now,
        )
    if not posted:
        member = await save_activity_time(conn, member, now=now, held=uow.cache.write_behind)
    outcome = ActivityOutcome(
        event_id,
        member.member_id,
        "RECORDED",
        tuple(results),
        member_pk=member.pk,
        campaign_awards=tuple(campaign_results),
        referral=referral,
    )
    if store_answer:
        await inbound.answer(
            conn, event_id, outcome.to_json(), member_pk=member.pk, **answer_fields
        )
    return outcome


async def record_ignored(
    uow: AbstractUnitOfWork,
    *,
    source: str,
    key: str,
    reason: str,
    details: Mapping[str, Any],
) -> ActivityOutcome:
    """Keeps an event that earns nothing (e.g. a Wix payment status other than PAID), once."""
    inbound.check_key(key, "eventId")
    async with uow:
        conn, now = uow.conn, uow.clock.now()
        claim = await inbound.claim(
            conn,
            source=source,
            key=key,
            request=dict(details),
            kind="IGNORED",
            received_at=now,
            strict=False,
            details=inbound.dumps(dict(details)),
        )
        if claim.id is None:
            return ActivityOutcome.from_json(claim.first_answer or {}, duplicate=True)
        outcome = ActivityOutcome(claim.id, None, "IGNORED", reason=reason)
        await inbound.answer(conn, claim.id, outcome.to_json())
    return outcome
