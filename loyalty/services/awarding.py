"""Posting an activity's awards: each rule's award and each campaign's extra, cut by their limits
and budgets (loyalty.services.limits), as one EARN entry apiece under its business key.

Order (documented in docs/program.md#campaigns): the rules' awards are cut by their own limits
first; campaigns then work on what the rules granted (a member at a rule's daily cap gets no
multiplied extra on it) and are cut by their own limits in turn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from loyalty.db.ledger import ledger_entries
from loyalty.domain.campaigns import (
    CampaignActivity,
    CampaignOutcome,
    apply_campaigns,
    not_applying,
)
from loyalty.domain.ledger import EntryType, PostedEntry
from loyalty.domain.limits import Cut, Limits
from loyalty.domain.members import Member
from loyalty.domain.points import Award
from loyalty.services.activity_model import ActivityInput
from loyalty.services.earning_config import EarningConfig
from loyalty.services.ledger import post_entry
from loyalty.services.limit_take import member_starts, members_used, take
from loyalty.services.limits import Owner, OwnerKind, give_back
from loyalty.services.uow import AbstractUnitOfWork


def _facts(
    inp: ActivityInput, *, rule_points: int, rules_matched: int, tier_id: str | None, at: datetime
) -> CampaignActivity:
    return CampaignActivity(
        activity_type=inp.activity_type,
        trigger_app_id=inp.trigger_app_id,
        amount=inp.amount.value if inp.amount else None,
        tier_id=tier_id,
        at=at,
        rule_points=rule_points,
        rules_matched=rules_matched,
    )


def capped_owners(
    config: EarningConfig,
    inp: ActivityInput,
    awards: Iterable[Award],
    *,
    rules_matched: int,
    tier_id: str | None,
    at: datetime,
) -> list[Owner]:
    """The rules and campaigns with limits that this activity may award from: its rules' awards
    and the campaigns whose window is open and conditions are met (which of them apply, and
    for how much, depends on what the rules are granted; the others are skipped here, before
    any statement)."""
    owners = [rule_owner(a) for a in awards]
    if config.campaigns and any(kind is OwnerKind.CAMPAIGN for kind, _ in config.limits):
        facts = _facts(inp, rule_points=0, rules_matched=rules_matched, tier_id=tier_id, at=at)
        owners += [
            (OwnerKind.CAMPAIGN, c.id)
            for c in config.campaigns
            if (OwnerKind.CAMPAIGN, c.id) in config.limits
            and not_applying(c, facts, zone=config.zone) is None
        ]
    return [o for o in owners if o in config.limits]


def campaign_extras(
    config: EarningConfig,
    inp: ActivityInput,
    *,
    rule_points: int,
    rules_matched: int,
    tier_id: str | None,
    at: datetime,
) -> tuple[CampaignOutcome, ...]:
    """The campaigns that add points to this activity (see loyalty.domain.campaigns), judged
    at the time it happened, on the program's clock."""
    if not config.campaigns:
        return ()
    facts = _facts(
        inp, rule_points=rule_points, rules_matched=rules_matched, tier_id=tier_id, at=at
    )
    return apply_campaigns(config.campaigns, facts, zone=config.zone).applied


@dataclass(frozen=True)
class Posted:
    member: Member
    entry: PostedEntry | None  # None: cut to 0, or this key earned already
    granted: int  # the points after limits
    limit_reason: str | None  # why the award was cut, when it was
    duplicate: bool  # the business key had its entry already


async def take_limits(
    uow: AbstractUnitOfWork,
    config: EarningConfig,
    member: Member,
    wanted: Sequence[tuple[Owner, int]],
    *,
    now: datetime,
    used: Mapping[Owner, int] | None,
) -> list[Cut | None]:
    """Each (owner, requested points) cut by the owner's limits, all budgets in one statement
    (loyalty.services.limit_take); None where the owner has no limits."""
    capped = [(i, o, config.limits[o], n) for i, (o, n) in enumerate(wanted) if o in config.limits]
    cuts: list[Cut | None] = [None] * len(wanted)
    if capped:
        taken = await take(
            uow.conn,
            [(owner, limits, n) for _, owner, limits, n in capped],
            member_pk=member.pk,
            now=now,
            zone=config.zone,
            used=used,
        )
        for (i, *_), cut in zip(capped, taken, strict=True):
            cuts[i] = cut
    return cuts


async def post_cut(
    uow: AbstractUnitOfWork,
    config: EarningConfig,
    member: Member,
    owner: Owner,
    requested: int,
    cut: Cut | None,
    *,
    now: datetime,
    description: str,
    business_key: str | None,
    used: dict[Owner, int] | None = None,
    **entry: Any,
) -> Posted:
    """Posts what `cut` left of `requested` (all of it without limits) as an EARN entry, and
    gives the budget back when the key had its entry already (nothing was awarded). A key seen
    before takes nothing from the limits and answers "already awarded", never "budget
    reached": when a cap cut the award the key is looked up, otherwise the ledger's unique key
    says so (and a concurrent first award of the same key is caught there too). `used`: what
    the member used of each owner's member limit (`prefetch_used`), kept up to date."""
    limits = config.limits.get(owner)
    granted, reason = requested, None
    if cut is not None and limits is not None:
        granted, reason = cut.points, cut.reason
        if cut.was_cut and business_key is not None and await _has_entry(uow, business_key):
            await _put_back(uow, config, owner, limits, granted, now=now)
            return Posted(member, None, requested, None, duplicate=True)  # takes nothing
    if granted == 0:
        return Posted(member, None, 0, reason, duplicate=False)
    text = description if reason is None else f"{description}; {reason}"
    member, posted = await post_entry(
        uow,
        member,
        EntryType.EARN,
        granted,
        now=now,
        description=text,
        business_key=business_key,
        **entry,
    )
    if posted is None and limits is not None:
        await _put_back(uow, config, owner, limits, granted, now=now)
        return Posted(member, None, granted, None, duplicate=True)
    if used is not None and owner in used:
        used[owner] += granted  # should the owner come again in this activity
    return Posted(member, posted, granted, reason, duplicate=posted is None)


async def prefetch_used(
    uow: AbstractUnitOfWork,
    config: EarningConfig,
    member: Member,
    owners: Iterable[Owner],
    *,
    now: datetime,
) -> dict[Owner, int]:
    """What the member used of the member limit of each of `owners` that has one, in one
    statement (after the member's lock, before its first award)."""
    starts = member_starts(config.limits, owners, now=now, zone=config.zone)
    return await members_used(uow.conn, member.pk, starts) if starts else {}


async def _put_back(
    uow: AbstractUnitOfWork,
    config: EarningConfig,
    owner: Owner,
    limits: Limits,
    points: int,
    *,
    now: datetime,
) -> None:
    if limits.budget is not None and points > 0:
        await give_back(uow.conn, owner, limits.budget, points, earned_at=now, zone=config.zone)


async def _has_entry(uow: AbstractUnitOfWork, business_key: str) -> bool:
    found = await uow.conn.scalar(
        select(ledger_entries.c.id).where(ledger_entries.c.business_key == business_key)
    )
    return found is not None


def rule_owner(award: Award) -> Owner:
    return (OwnerKind.RULE, award.rule_id)


def campaign_owner(extra: CampaignOutcome) -> Owner:
    return (OwnerKind.CAMPAIGN, extra.campaign_id)
