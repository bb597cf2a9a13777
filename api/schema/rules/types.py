"""The earning rule as GraphQL shows it (Wix's names), and the results of the rule mutations
(Wix's bulk shape)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry

from api.schema.pagination import PageInfo
from api.schema.scalars import Long, Money
from loyalty.domain import rules as domain
from loyalty.domain.errors import DomainError

MAX_ID = 36  # an earning rule's id is at most this long (a longer one names no rule)


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
    hold_days: int | None = strawberry.field(
        default=None,
        description="Days the rule's awards are held (the return window) before they can be "
        "spent or are minted; null: the program's holdDays (loyaltyProgram.holdDays).",
    )

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
                        tier_id=_id(c.tier_id),
                        money_amount=plain_money(c.money_amount),
                        points=c.points,
                    )
                    for c in rule.conversion_rate
                ]
            ),
            metadata=EarningRuleMetadata(can_be_deleted=rule.can_be_deleted),
            kind=EarningRuleKind(rule.kind.value),
            created_date=rule.created_date,
            updated_date=rule.updated_date,
            hold_days=rule.hold_days,
        )


def plain_money(amount: Decimal) -> Money:
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


# --- mutation results (Wix's bulk shape) -------------------------------------------------------


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


def bulk_result(index: int, outcome: domain.EarningRule | DomainError) -> EarningRuleResult:
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
