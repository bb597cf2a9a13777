"""Earning rules over GraphQL, in Wix's names (camelCase): queries, mutations and their types.

Who may do what: admins everything; auditors and members read rules (a shop shows members how
they earn); anonymous callers nothing here. Rule mutations are admin-only.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry.types import Info

from api.auth import Principal, Role, require_admin
from api.context import Context
from api.errors import NotFound, Unauthenticated
from api.schema.pagination import PageInfo
from api.schema.scalars import Long, Money
from loyalty.domain import rules as domain
from loyalty.domain.errors import DomainError
from loyalty.services import rules as service

MAX_ID = 36


def require_rule_reader(principal: Principal) -> None:
    if principal.role is Role.ANONYMOUS:
        raise Unauthenticated(
            "authentication required: reading earning rules needs a key or a member token"
        )


@strawberry.enum(name="EarningRuleStatus", description="A PAUSED rule awards nothing.")
class EarningRuleStatus(Enum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"


@strawberry.enum(name="EarningRuleKind")
class EarningRuleKind(Enum):
    NON_AUTOMATED = "NON_AUTOMATED"
    AUTOMATED_PRE_INSTALLED = "AUTOMATED_PRE_INSTALLED"
    AUTOMATED_CUSTOM = "AUTOMATED_CUSTOM"


@strawberry.type
class FixedAmountConfig:
    tier_id: strawberry.ID | None = strawberry.field(description="null: the base tier")
    points: int


@strawberry.type(description="A fixed number of points per qualifying activity.")
class FixedAmount:
    configs: list[FixedAmountConfig]


@strawberry.type
class ConversionRateConfig:
    tier_id: strawberry.ID | None = strawberry.field(description="null: the base tier")
    money_amount: Money = strawberry.field(description="Spend this much (base currency)…")
    points: int = strawberry.field(description="…to earn this many points (rounded down).")


@strawberry.type(description="floor(amountSpent / moneyAmount * points).")
class ConversionRate:
    configs: list[ConversionRateConfig]


@strawberry.type
class EarningRuleMetadata:
    can_be_deleted: bool = strawberry.field(description="false for pre-installed rules")


@strawberry.type(description="How members earn points for an activity.")
class EarningRule:
    id: strawberry.ID
    revision: Long
    title: str
    source_app_id: str
    trigger_app_id: str
    trigger_activity_type: str
    status: EarningRuleStatus
    fixed_amount: FixedAmount | None
    conversion_rate: ConversionRate | None
    metadata: EarningRuleMetadata
    kind: EarningRuleKind
    created_date: datetime
    updated_date: datetime

    @classmethod
    def from_row(cls, rule: domain.EarningRule) -> EarningRule:
        return cls(
            id=strawberry.ID(rule.id),
            revision=Long(rule.revision),
            title=rule.title,
            source_app_id=rule.source_app_id,
            trigger_app_id=rule.trigger_app_id,
            trigger_activity_type=rule.trigger_activity_type,
            status=EarningRuleStatus(rule.status.value),
            fixed_amount=None
            if rule.fixed_amount is None
            else FixedAmount(
                configs=[
                    FixedAmountConfig(tier_id=_id(c.tier_id), points=c.points)
                    for c in rule.fixed_amount
                ]
            ),
            conversion_rate=None
            if rule.conversion_rate is None
            else ConversionRate(
                configs=[
                    ConversionRateConfig(
                        tier_id=_id(c.tier_id), money_amount=_plain(c.money_amount), points=c.points
                    )
                    for c in rule.conversion_rate
                ]
            ),
            metadata=EarningRuleMetadata(can_be_deleted=rule.can_be_deleted),
            kind=EarningRuleKind(rule.kind.value),
            created_date=rule.created_date,
            updated_date=rule.updated_date,
        )


def _plain(amount: Decimal) -> Money:
    return Money(domain.plain_decimal(amount))


def _id(value: str | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(value)


@strawberry.type
class EarningRuleEdge:
    cursor: str
    node: EarningRule


@strawberry.type
class EarningRuleConnection:
    edges: list[EarningRuleEdge]
    page_info: PageInfo

    @strawberry.field(description="The rules of this page (the edges' nodes).")
    def nodes(self) -> list[EarningRule]:
        return [edge.node for edge in self.edges]


@strawberry.input
class EarningRuleFilter:
    trigger_app_id: str | None = None
    trigger_activity_type: str | None = None
    status: EarningRuleStatus | None = None


# --- inputs ------------------------------------------------------------------------------------


@strawberry.input
class FixedAmountConfigInput:
    tier_id: strawberry.ID | None = None
    points: int


@strawberry.input
class FixedAmountInput:
    configs: list[FixedAmountConfigInput]


@strawberry.input
class ConversionRateConfigInput:
    tier_id: strawberry.ID | None = None
    money_amount: Money
    points: int


@strawberry.input
class ConversionRateInput:
    configs: list[ConversionRateConfigInput]


def _fixed(value: FixedAmountInput | None) -> tuple[domain.FixedAmountConfig, ...] | None:
    if value is None:
        return None
    return tuple(domain.FixedAmountConfig(_tier(c.tier_id), c.points) for c in value.configs)


def _rate(value: ConversionRateInput | None) -> tuple[domain.ConversionRateConfig, ...] | None:
    if value is None:
        return None
    return tuple(
        domain.ConversionRateConfig(_tier(c.tier_id), c.money_amount, c.points)
        for c in value.configs
    )


def _tier(value: strawberry.ID | None) -> str | None:
    return None if value is None else str(value)


def _status(value: EarningRuleStatus | None) -> domain.RuleStatus | None:
    return None if value is None else domain.RuleStatus(value.value)


@strawberry.input(
    description="A new earning rule: give exactly one of fixedAmount or conversionRate."
)
class EarningRuleInput:
    title: str
    trigger_app_id: str
    trigger_activity_type: str
    status: EarningRuleStatus = EarningRuleStatus.ACTIVE
    fixed_amount: FixedAmountInput | None = None
    conversion_rate: ConversionRateInput | None = None

    def to_domain(self) -> domain.RuleInput:
        return domain.RuleInput(
            title=self.title,
            trigger_app_id=self.trigger_app_id,
            trigger_activity_type=self.trigger_activity_type,
            status=domain.RuleStatus(self.status.value),
            fixed_amount=_fixed(self.fixed_amount),
            conversion_rate=_rate(self.conversion_rate),
        )


@strawberry.input(
    description="A partial update: omitted (or null) fields stay as they are. fixedAmount or "
    "conversionRate replaces the configs and may switch the point method."
)
class EarningRuleUpdate:
    title: str | None = None
    trigger_app_id: str | None = None
    trigger_activity_type: str | None = None
    status: EarningRuleStatus | None = None
    fixed_amount: FixedAmountInput | None = None
    conversion_rate: ConversionRateInput | None = None

    def to_domain(self) -> domain.RuleChanges:
        return domain.RuleChanges(
            title=self.title,
            trigger_app_id=self.trigger_app_id,
            trigger_activity_type=self.trigger_activity_type,
            status=_status(self.status),
            fixed_amount=_fixed(self.fixed_amount),
            conversion_rate=_rate(self.conversion_rate),
        )


# --- bulk results (Wix's bulk shape) ------------------------------------------------------------


@strawberry.type
class ApplicationError:
    code: str
    description: str
    field: str | None


@strawberry.type
class ItemMetadata:
    original_index: int
    success: bool
    error: ApplicationError | None


@strawberry.type
class EarningRuleResult:
    item_metadata: ItemMetadata
    item: EarningRule | None


@strawberry.type
class BulkActionMetadata:
    total_successes: int
    total_failures: int


@strawberry.type
class BulkCreateEarningRulesResult:
    results: list[EarningRuleResult]
    bulk_action_metadata: BulkActionMetadata


@strawberry.type
class DeleteEarningRuleResult:
    id: strawberry.ID


def _bulk_result(index: int, outcome: domain.EarningRule | DomainError) -> EarningRuleResult:
    if isinstance(outcome, DomainError):
        return EarningRuleResult(
            item_metadata=ItemMetadata(
                original_index=index,
                success=False,
                error=ApplicationError(
                    code=outcome.code, description=str(outcome), field=outcome.field
                ),
            ),
            item=None,
        )
    return EarningRuleResult(
        item_metadata=ItemMetadata(original_index=index, success=True, error=None),
        item=EarningRule.from_row(outcome),
    )


# --- operations --------------------------------------------------------------------------------


@strawberry.type
class RulesQuery:
    @strawberry.field(description="One earning rule by id.")
    async def earning_rule(self, info: Info[Context, None], id: strawberry.ID) -> EarningRule:
        require_rule_reader(info.context.principal)
        rule_id = str(id)
        rule = (
            await info.context.loaders.earning_rule.load(rule_id)
            if len(rule_id) <= MAX_ID
            else None
        )
        if rule is None:
            raise NotFound(f"no earning rule with id {rule_id[:MAX_ID]!r}", field="id")
        return EarningRule.from_row(rule)

    @strawberry.field(
        description="Earning rules, oldest first, as a cursor connection. `first` is 1 to 100 "
        "(default 50); a larger page is refused with VALIDATION, never silently capped."
    )
    async def earning_rules(
        self,
        info: Info[Context, None],
        filter: EarningRuleFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> EarningRuleConnection:
        require_rule_reader(info.context.principal)
        where = service.RuleFilter(
            trigger_app_id=filter.trigger_app_id if filter else None,
            trigger_activity_type=filter.trigger_activity_type if filter else None,
            status=_status(filter.status) if filter else None,
        )
        async with info.context.connection() as conn:
            page = await service.list_rules(conn, where=where, first=first, after=after)
        edges = [EarningRuleEdge(cursor=c, node=EarningRule.from_row(r)) for c, r in page.rules]
        return EarningRuleConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=page.end_cursor,
            ),
        )


@strawberry.type
class RulesMutation:
    @strawberry.mutation(description="Creates an earning rule (admin).")
    async def create_earning_rule(
        self, info: Info[Context, None], earning_rule: EarningRuleInput
    ) -> EarningRule:
        require_admin(info.context.principal)
        uow = info.context.runtime.unit_of_work()
        rule = await service.create_rule(uow, earning_rule.to_domain())
        return EarningRule.from_row(rule)

    @strawberry.mutation(
        description="Creates up to 100 earning rules, each on its own: the result says, per "
        "item, whether it was created or why not (admin)."
    )
    async def bulk_create_earning_rules(
        self, info: Info[Context, None], earning_rules: list[EarningRuleInput]
    ) -> BulkCreateEarningRulesResult:
        require_admin(info.context.principal)
        outcomes = await service.bulk_create(
            info.context.runtime.unit_of_work(), [item.to_domain() for item in earning_rules]
        )
        results = [_bulk_result(i, outcome) for i, outcome in enumerate(outcomes)]
        failures = sum(1 for r in results if not r.item_metadata.success)
        return BulkCreateEarningRulesResult(
            results=results,
            bulk_action_metadata=BulkActionMetadata(
                total_successes=len(results) - failures, total_failures=failures
            ),
        )

    @strawberry.mutation(
        description="Changes the given fields of a rule at `revision` (its current one, else "
        "INVALID_REVISION); the rule's revision goes up by one (admin)."
    )
    async def update_earning_rule(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        revision: Long,
        earning_rule: EarningRuleUpdate,
    ) -> EarningRule:
        require_admin(info.context.principal)
        rule = await service.update_rule(
            info.context.runtime.unit_of_work(),
            _rule_id(id),
            revision=revision,
            changes=earning_rule.to_domain(),
        )
        return EarningRule.from_row(rule)

    @strawberry.mutation(
        description="Deletes a rule at `revision`. Pre-installed rules cannot be deleted, only "
        "paused (admin)."
    )
    async def delete_earning_rule(
        self, info: Info[Context, None], id: strawberry.ID, revision: Long
    ) -> DeleteEarningRuleResult:
        require_admin(info.context.principal)
        uow = info.context.runtime.unit_of_work()
        rule = await service.delete_rule(uow, _rule_id(id), revision=revision)
        return DeleteEarningRuleResult(id=strawberry.ID(rule.id))


def _rule_id(value: strawberry.ID) -> str:
    rule_id = str(value)
    if len(rule_id) > MAX_ID:
        raise NotFound(f"no earning rule with id {rule_id[:MAX_ID]!r}…", field="id")
    return rule_id
