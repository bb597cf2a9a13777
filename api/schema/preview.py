"""previewEarning: what an activity would earn, rule by rule and campaign by campaign, and why.
Writes nothing."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.types import Info

from api.auth import Role, require_member_or_admin
from api.context import Context
from api.errors import Unauthenticated, ValidationFailed
from api.schema.rules import EarningRule
from api.schema.scalars import BigInt, Long, Money
from loyalty.db.rules import tiers
from loyalty.domain.campaigns import (
    CampaignActivity,
    CampaignOutcome,
    apply_campaigns,
)
from loyalty.domain.errors import UnknownTier
from loyalty.domain.holds import (
    activity_hold_days,
    available_at,
    describe_hold,
    effective_hold_days,
)
from loyalty.domain.lifecycle import ProgramStatus, ignored_reason
from loyalty.domain.limits import CapState, Cut
from loyalty.domain.points import Activity, Award, awards_for
from loyalty.domain.points import Money as DomainMoney
from loyalty.domain.rules import is_plain_id
from loyalty.services.limits import Owner, OwnerKind, preview_cut
from loyalty.services.members import find_member
from loyalty.services.tiers import rate_tier_at

_TEXT_MAX = 80


@strawberry.input
class MoneyInput:
    value: Money
    currency: str = strawberry.field(description="ISO 4217 code; must be the program's currency")


@strawberry.input(description="An activity as a webhook would report it.")
class ActivityInput:
    activity_type: str
    trigger_app_id: str
    amount: MoneyInput | None = None
    member_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Whose earning to preview; a member token previews its own by default.",
    )
    tier_id: strawberry.ID | None = strawberry.field(
        default=None,
        description=(
            "Preview at this tier's rates (default: the member's current tier, else the base tier)."
        ),
    )
    occurred_at: datetime | None = strawberry.field(
        default=None,
        description="When the activity happens (default: now): campaigns' windows are judged "
        "at this instant, on the program's clock.",
    )


@strawberry.type(description="A limit or budget an award is checked against, and what is left.")
class PreviewCap:
    kind: str = strawberry.field(description="MEMBER_PERIOD, BUDGET_PERIOD or BUDGET_TOTAL")
    label: str = strawberry.field(description='e.g. "200 points per member per DAY"')
    limit: BigInt
    used: BigInt
    left: BigInt

    @classmethod
    def from_row(cls, cap: CapState) -> PreviewCap:
        return cls(
            kind=cap.kind.value,
            label=cap.label,
            limit=BigInt(cap.limit),
            used=BigInt(cap.used),
            left=BigInt(cap.left),
        )


def _caps(cut: Cut | None) -> list[PreviewCap]:
    return [] if cut is None else [PreviewCap.from_row(c) for c in cut.caps]


@strawberry.type
class PreviewAward:
    rule_id: strawberry.ID
    rule_revision: Long
    points: BigInt
    reason: str
    tier_id: strawberry.ID | None = strawberry.field(
        description="The tier whose config applied (null: the base config)."
    )
    limit_reason: str | None = strawberry.field(
        description="Why the rule's limits or budget would cut the award, and what is left."
    )
    hold_days: int = strawberry.field(
        default=0,
        description="Days the award would be held (the rule's holdDays, else the program's; "
        "0: available at once). The reason says 'held N days' when it would be.",
    )
    available_at: datetime | None = strawberry.field(
        default=None, description="When held points awarded now would become available."
    )
    caps: list[PreviewCap] = strawberry.field(
        default_factory=list,
        description="The rule's limits and budgets (empty: none), each with what it has left.",
    )

    @strawberry.field(description="The rule that would award these points.")
    async def rule(self, info: Info[Context, None]) -> EarningRule | None:
        found = await info.context.loaders.earning_rule.load(str(self.rule_id))
        return None if found is None else EarningRule.from_row(found)

    @classmethod
    def from_row(
        cls,
        award: Award,
        *,
        points: int | None = None,
        cut: Cut | None = None,
        hold_days: int = 0,
        at: datetime | None = None,
    ) -> PreviewAward:
        points = award.points if points is None else points
        held = hold_days > 0 and points > 0 and at is not None
        return cls(
            rule_id=strawberry.ID(award.rule_id),
            rule_revision=Long(award.rule_revision),
            points=BigInt(points),
            reason=f"{award.reason}; {describe_hold(hold_days)}" if held else award.reason,
            tier_id=None if award.tier_id is None else strawberry.ID(award.tier_id),
            limit_reason=None if cut is None else cut.reason,
            hold_days=hold_days,
            available_at=available_at(at, hold_days) if held and at is not None else None,
            caps=_caps(cut),
        )


@strawberry.type(description="What a campaign would add to the activity, or why it would not.")
class PreviewCampaign:
    campaign_id: strawberry.ID
    campaign_revision: Long
    title: str
    combination: str = strawberry.field(description="STACK, BEST or EXCLUSIVE")
    priority: int
    points: BigInt = strawberry.field(description="Extra points it adds (0 unless applied).")
    applied: bool
    reason: str = strawberry.field(
        description="How the extra is worked out, or why it does not apply (window closed, "
        "condition unmet, outdone or excluded by another campaign, not ACTIVE)."
    )
    limit_reason: str | None = strawberry.field(
        description="Why the campaign's limits or budget would cut its extra, and what is left."
    )
    hold_days: int = strawberry.field(
        default=0,
        description="Days its extra would be held: the longest hold of the rules the activity "
        "matches (the order's return window).",
    )
    caps: list[PreviewCap] = strawberry.field(
        default_factory=list,
        description="The campaign's limits and budgets (empty: none), each with what is left.",
    )

    @classmethod
    def from_outcome(
        cls, o: CampaignOutcome, *, points: int, cut: Cut | None, hold_days: int = 0
    ) -> PreviewCampaign:
        applied = o.applied and points > 0
        reason = o.reason
        if applied and hold_days > 0:
            reason = f"{reason}; {describe_hold(hold_days)}"
        return cls(
            campaign_id=strawberry.ID(o.campaign_id),
            campaign_revision=Long(o.campaign_revision),
            title=o.title,
            combination=o.combination.value,
            priority=o.priority,
            points=BigInt(points),
            applied=applied,
            reason=reason,
            limit_reason=None if cut is None else cut.reason,
            hold_days=hold_days,
            caps=_caps(cut),
        )


@strawberry.type(description="What an activity would earn under the active rules and campaigns.")
class EarningPreview:
    currency: str
    total_points: BigInt = strawberry.field(description="rulePoints + campaignPoints")
    awards: list[PreviewAward]
    rule_points: BigInt
    campaign_points: BigInt
    campaigns: list[PreviewCampaign] = strawberry.field(
        description="Every ACTIVE or PAUSED campaign, in the order ties are broken by "
        "(priority, then startsAt, then id)."
    )
    combined: str = strawberry.field(
        description="How the total is made, e.g. \"rules 30 + 'Double weekend' 30 (STACK) "
        '= 60 points".'
    )
    not_earning_reason: str | None = strawberry.field(
        description="Why nothing would be earned at all (the program is not ACTIVE); the "
        "awards and campaigns still say what they would give once it is. null: it would earn."
    )


@contextlib.asynccontextmanager
async def _no_reads() -> AsyncIterator[None]:
    yield None


def _db(conn: AsyncConnection | None) -> AsyncConnection:
    # Opened whenever a tier, a member or a limit is involved (see preview_earning).
    assert conn is not None
    return conn


def _text(name: str, value: str) -> str:
    if not is_plain_id(value, _TEXT_MAX):
        raise ValidationFailed(f"{name} must be 1 to {_TEXT_MAX} characters", field=name)
    return value


@strawberry.type
class PreviewQuery:
    @strawberry.field(
        description="For each ACTIVE rule matching the activity's (triggerAppId, activityType), "
        "the points it would award and why (0-point awards included, with the reason). Writes "
        "nothing. Admins preview anyone's; members only their own."
    )
    async def preview_earning(
        self, info: Info[Context, None], activity: ActivityInput
    ) -> EarningPreview:
        principal = info.context.principal
        member_id = str(activity.member_id) if activity.member_id is not None else None
        if member_id is None and principal.role is Role.MEMBER:
            member_id = principal.member_id
        if member_id is not None:
            require_member_or_admin(principal, member_id)
        elif principal.role not in (Role.ADMIN, Role.AUDITOR):
            raise Unauthenticated(
                "authentication required: previewing needs a key or a member token"
            )
        currency = info.context.config.currency
        domain_activity = Activity(
            activity_type=_text("activityType", activity.activity_type),
            trigger_app_id=_text("triggerAppId", activity.trigger_app_id),
            amount=None
            if activity.amount is None
            else DomainMoney(activity.amount.value, activity.amount.currency),
        )
        tier_id = None if activity.tier_id is None else str(activity.tier_id)
        # The rules, campaigns and limits come from the cached configuration, checked against
        # config_version (read before the snapshot, shared with concurrent requests): reading
        # them per preview was most of its cost. A preview of no member or tier, whose rules
        # and campaigns have no limits, reads nothing else.
        config = await info.context.earning_config()
        rules = config.matching(
            trigger_app_id=domain_activity.trigger_app_id,
            activity_type=domain_activity.activity_type,
        )
        campaigns = config.previewed
        owners = [(OwnerKind.RULE, r.id) for r in rules]
        owners += [(OwnerKind.CAMPAIGN, c.id) for c in campaigns]
        limited_owner = any(o in config.limits for o in owners)
        reads = tier_id is not None or member_id is not None or limited_owner
        async with info.context.connection() if reads else _no_reads() as conn:
            if tier_id is not None and (
                not is_plain_id(tier_id)
                or await _db(conn).scalar(select(tiers.c.id).where(tiers.c.id == tier_id)) is None
            ):
                raise UnknownTier(
                    f"unknown tier id {tier_id[:36]!r}: use an existing tier's id", field="tierId"
                )
            member = None if member_id is None else await find_member(_db(conn), member_id)
            at = activity.occurred_at or info.context.runtime.clock.now()
            if tier_id is None and member is not None:
                # The tier program decides: base rates while it is not ACTIVE.
                tier_id = await rate_tier_at(_db(conn), member.pk, at)

            async def limited(owner: Owner, points: int) -> tuple[int, Cut | None]:
                limits = config.limits.get(owner)
                if limits is None:
                    return points, None
                cut = await preview_cut(
                    _db(conn),
                    owner,
                    limits,
                    member_pk=member.pk if member else None,
                    requested=points,
                    now=at,
                    zone=config.zone,
                )
                return cut.points, cut

            awards = awards_for(rules, domain_activity, tier_id=tier_id, currency=currency)
            program_hold = config.program.hold_days
            holds = {r.id: effective_hold_days(r.hold_days, program_hold) for r in rules}
            previewed = []
            for award in awards:
                points, cut = await limited((OwnerKind.RULE, award.rule_id), award.points)
                previewed.append(
                    PreviewAward.from_row(
                        award,
                        points=points,
                        cut=cut,
                        hold_days=holds.get(award.rule_id, program_hold),
                        at=at,
                    )
                )
            extra_hold = activity_hold_days((r.hold_days for r in rules), program_hold)
            rule_points = sum(int(p.points) for p in previewed)
            facts = CampaignActivity(
                activity_type=domain_activity.activity_type,
                trigger_app_id=domain_activity.trigger_app_id,
                amount=None if activity.amount is None else activity.amount.value,
                tier_id=tier_id,
                at=at,
                rule_points=rule_points,
                rules_matched=len(rules),
            )
            result = apply_campaigns(campaigns, facts, zone=config.zone)
            explained = []
            for o in result.outcomes:
                points, cut = await limited((OwnerKind.CAMPAIGN, o.campaign_id), o.points)
                explained.append(
                    PreviewCampaign.from_outcome(o, points=points, cut=cut, hold_days=extra_hold)
                )
        for rule in rules:
            info.context.loaders.earning_rule.prime(rule.id, rule)
        campaign_points = sum(int(c.points) for c in explained if c.applied)
        status = config.program.status
        inactive = None if status is ProgramStatus.ACTIVE else ignored_reason(status)
        return EarningPreview(
            currency=currency,
            total_points=BigInt(0 if inactive else rule_points + campaign_points),
            awards=previewed,
            rule_points=BigInt(rule_points),
            campaign_points=BigInt(campaign_points),
            campaigns=explained,
            combined=combined(rule_points, len(previewed), explained, inactive),
            not_earning_reason=inactive,
        )


def combined(
    rule_points: int, rules: int, campaigns: list[PreviewCampaign], inactive: str | None
) -> str:
    """One line saying how the total is made (the campaigns' reasons say why each one did or
    did not apply)."""
    parts = [f"rules {rule_points}" if rules else "no matching rule"]
    parts += [f"{c.title!r} {int(c.points)} ({c.combination})" for c in campaigns if c.applied]
    total = rule_points + sum(int(c.points) for c in campaigns if c.applied)
    line = f"{' + '.join(parts)} = {total} points"
    return f"{line}, but 0 now: {inactive}" if inactive else line
