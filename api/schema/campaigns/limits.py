"""Limits and budgets of an earning rule or a campaign over GraphQL: `earningLimits` (admin or
auditor) and `setEarningLimits` (admin). The rules: loyalty.domain.limits; how they are taken
under concurrency: loyalty.services.limits."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.types import Info

from api.auth import require_admin, require_auditor
from api.context import Context
from api.schema.scalars import Long
from loyalty.domain import limits as domain
from loyalty.domain.errors import InvalidInput
from loyalty.services import limits as service

MAX_ID = 36


@strawberry.enum(
    name="LimitPeriod",
    description="DAY, WEEK (Monday to Sunday), MONTH, YEAR on the program's calendar "
    "(loyaltyProgram.timeZone), or ROLLING_DAYS: the `days` x 24 hours before each award.",
)
class LimitPeriod(Enum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    YEAR = "YEAR"
    ROLLING_DAYS = "ROLLING_DAYS"


@strawberry.type(description="At most `points` per member per period.")
class MemberLimit:
    points: Long
    period: LimitPeriod
    days: int | None = strawberry.field(description="ROLLING_DAYS only")


@strawberry.type
class BudgetUsage:
    period_key: str = strawberry.field(description='"total", or the period, e.g. "2026-W49"')
    used: Long


@strawberry.type(description="Points over all members: per period and/or in total.")
class EarningBudget:
    total: Long | None
    per_period: Long | None
    period: LimitPeriod | None
    usage: list[BudgetUsage]


@strawberry.type(
    description="An award that would pass a limit is cut to what is left (the award says why)."
)
class EarningLimits:
    per_member: MemberLimit | None
    budget: EarningBudget | None


@strawberry.input
class MemberLimitInput:
    points: Long
    period: LimitPeriod
    days: int | None = None


@strawberry.input
class EarningBudgetInput:
    total: Long | None = None
    per_period: Long | None = None
    period: LimitPeriod | None = None


@strawberry.input
class EarningLimitsInput:
    per_member: MemberLimitInput | None = None
    budget: EarningBudgetInput | None = None

    def to_domain(self) -> domain.Limits:
        member = self.per_member
        budget = self.budget
        return domain.Limits(
            None
            if member is None
            else domain.MemberLimit(
                int(member.points),
                domain.Period(domain.PeriodUnit(member.period.value), member.days),
            ),
            None
            if budget is None
            else domain.Budget(
                None if budget.total is None else int(budget.total),
                None if budget.per_period is None else int(budget.per_period),
                None
                if budget.period is None
                else domain.Period(domain.PeriodUnit(budget.period.value)),
            ),
        )


def _owner(
    earning_rule_id: strawberry.ID | None, campaign_id: strawberry.ID | None
) -> service.Owner:
    if (earning_rule_id is None) == (campaign_id is None):
        raise InvalidInput("give exactly one of earningRuleId or campaignId", field="earningRuleId")
    if earning_rule_id is not None:
        owner: service.Owner = (service.OwnerKind.RULE, str(earning_rule_id)[:MAX_ID])
    else:
        owner = (service.OwnerKind.CAMPAIGN, str(campaign_id)[:MAX_ID])
    return owner


def _to_graphql(limits: domain.Limits | None, usage: dict[str, int]) -> EarningLimits | None:
    if limits is None:
        return None
    member, budget = limits.per_member, limits.budget
    return EarningLimits(
        per_member=None
        if member is None
        else MemberLimit(
            points=Long(member.points),
            period=LimitPeriod(member.period.unit.value),
            days=member.period.days,
        ),
        budget=None
        if budget is None
        else EarningBudget(
            total=None if budget.total is None else Long(budget.total),
            per_period=None if budget.per_period is None else Long(budget.per_period),
            period=None if budget.period is None else LimitPeriod(budget.period.unit.value),
            usage=[BudgetUsage(period_key=k, used=Long(v)) for k, v in sorted(usage.items())],
        ),
    )


@strawberry.type
class LimitsQuery:
    @strawberry.field(description="The limits of one rule or campaign, with budget used (admin).")
    async def earning_limits(
        self,
        info: Info[Context, None],
        earning_rule_id: strawberry.ID | None = None,
        campaign_id: strawberry.ID | None = None,
    ) -> EarningLimits | None:
        require_auditor(info.context.principal)
        owner = _owner(earning_rule_id, campaign_id)
        async with info.context.connection() as conn:
            limits = await service.get_limits(conn, owner)
            usage = dict(await service.budget_used(conn, owner))
        return _to_graphql(limits, usage)


@strawberry.type
class LimitsMutation:
    @strawberry.mutation(
        description="Sets the limits of one earning rule or campaign; null limits remove them. "
        "Budget already used stays counted (admin)."
    )
    async def set_earning_limits(
        self,
        info: Info[Context, None],
        limits: EarningLimitsInput | None,
        earning_rule_id: strawberry.ID | None = None,
        campaign_id: strawberry.ID | None = None,
    ) -> EarningLimits | None:
        require_admin(info.context.principal)
        owner = _owner(earning_rule_id, campaign_id)
        uow = info.context.runtime.unit_of_work()
        stored = await service.set_limits(uow, owner, limits.to_domain() if limits else None)
        async with info.context.connection() as conn:
            usage = dict(await service.budget_used(conn, owner))
        return _to_graphql(stored, usage)
