"""previewEarning: what an activity would earn, rule by rule, and why. Writes nothing."""

from __future__ import annotations

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
from loyalty.domain.errors import UnknownTier
from loyalty.domain.points import Activity, Award, awards_for
from loyalty.domain.points import Money as DomainMoney
from loyalty.domain.rules import is_plain_id
from loyalty.services.members import find_member
from loyalty.services.rules import matching_rules
from loyalty.services.tiers import current_tier_id

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


@strawberry.type
class PreviewAward:
    rule_id: strawberry.ID
    rule_revision: Long
    points: BigInt
    reason: str
    tier_id: strawberry.ID | None = strawberry.field(
        description="The tier whose config applied (null: the base config)."
    )

    @strawberry.field(description="The rule that would award these points.")
    async def rule(self, info: Info[Context, None]) -> EarningRule | None:
        found = await info.context.loaders.earning_rule.load(str(self.rule_id))
        return None if found is None else EarningRule.from_row(found)

    @classmethod
    def from_row(cls, award: Award) -> PreviewAward:
        return cls(
            rule_id=strawberry.ID(award.rule_id),
            rule_revision=Long(award.rule_revision),
            points=BigInt(award.points),
            reason=award.reason,
            tier_id=None if award.tier_id is None else strawberry.ID(award.tier_id),
        )


@strawberry.type(description="What an activity would earn under the active rules.")
class EarningPreview:
    currency: str
    total_points: BigInt
    awards: list[PreviewAward]


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
        async with info.context.connection() as conn:
            if tier_id is not None and (
                not is_plain_id(tier_id)
                or await conn.scalar(select(tiers.c.id).where(tiers.c.id == tier_id)) is None
            ):
                raise UnknownTier(
                    f"unknown tier id {tier_id[:36]!r}: use an existing tier's id", field="tierId"
                )
            if tier_id is None and member_id is not None:
                tier_id = await _members_tier(conn, member_id)
            rules = await matching_rules(
                conn,
                trigger_app_id=domain_activity.trigger_app_id,
                activity_type=domain_activity.activity_type,
            )
        awards = awards_for(rules, domain_activity, tier_id=tier_id, currency=currency)
        for rule in rules:
            info.context.loaders.earning_rule.prime(rule.id, rule)
        return EarningPreview(
            currency=currency,
            total_points=BigInt(sum(a.points for a in awards)),
            awards=[PreviewAward.from_row(a) for a in awards],
        )


async def _members_tier(conn: AsyncConnection, member_id: str) -> str | None:
    """The member's current tier, so the preview shows what they would earn now (an unknown
    member has none yet and earns at the base config, like a first activity would)."""
    member = await find_member(conn, member_id)
    return None if member is None else await current_tier_id(conn, member.pk)
