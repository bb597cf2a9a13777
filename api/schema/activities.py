"""recordActivity and recordRefund (admin): the GraphQL doors to the same services the webhooks
use. An idempotency key repeated with the same request gets the first answer (duplicate: true);
repeated with a different request, DUPLICATE."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from api.auth import require_admin
from api.context import Context
from api.schema.accounts import LoyaltyAccount, custody, load_account
from api.schema.holds import TransactionHold
from api.schema.preview import MoneyInput
from api.schema.scalars import Long, Money
from loyalty.domain import points as domain
from loyalty.domain.member_actions import check_channel, once_ref
from loyalty.services.activities import record_activity
from loyalty.services.activity_model import ActivityInput, ActivityOutcome
from loyalty.services.refunds import RefundInput, record_refund
from loyalty.services.rules import matching_rules


@strawberry.input
class RecordActivityInput:
    idempotency_key: str = strawberry.field(description="1-256 characters; the dedupe key.")
    member_id: str
    activity_type: str = strawberry.field(description="e.g. stores/OrderPaid")
    trigger_app_id: str = strawberry.field(description="e.g. stores")
    order_id: str | None = strawberry.field(
        default=None, description="One award per order and rule, however often it is sent."
    )
    amount: MoneyInput | None = None
    occurred_at: datetime | None = None
    channel: str | None = strawberry.field(
        default=None,
        description="social/Followed: the channel followed (one award per member and "
        "channel). auth/register earns once per member.",
    )


async def hold_of(
    info: Info[Context, None], entry_id: strawberry.ID | None
) -> TransactionHold | None:
    if entry_id is None:
        return None
    found = await info.context.loaders.entry_hold.load(int(entry_id))
    return TransactionHold.from_row(found) if found else None


@strawberry.type
class Award:
    earning_rule_id: strawberry.ID
    earning_rule_revision: Long
    points: Long
    balance_change: Long
    transaction_id: strawberry.ID | None
    already_awarded: bool = strawberry.field(
        description="This order already earned under this rule (through another event)."
    )
    limit_reason: str | None = strawberry.field(
        description="Why a limit or budget cut the points, when one did."
    )

    @strawberry.field(
        description="The award's hold (the return window, holdDays), as it stands now: null "
        "when the points were not held."
    )
    async def hold(self, info: Info[Context, None]) -> TransactionHold | None:
        return await hold_of(info, self.transaction_id)


@strawberry.type(description="Extra points a campaign added (see campaigns).")
class CampaignAward:
    campaign_id: strawberry.ID
    campaign_revision: Long
    points: Long
    balance_change: Long
    transaction_id: strawberry.ID | None
    already_awarded: bool = strawberry.field(
        description="This order already had this campaign's extra (through another event)."
    )
    limit_reason: str | None = strawberry.field(
        description="Why a limit or budget cut the points, when one did."
    )

    @strawberry.field(
        description="The award's hold (the return window, holdDays), as it stands now: null "
        "when the points were not held."
    )
    async def hold(self, info: Info[Context, None]) -> TransactionHold | None:
        return await hold_of(info, self.transaction_id)


@strawberry.type
class RecordActivityResult:
    event_id: strawberry.ID
    duplicate: bool
    awards: list[Award]
    campaign_awards: list[CampaignAward]
    member_id: strawberry.Private[str]

    @classmethod
    def from_row(cls, o: ActivityOutcome) -> RecordActivityResult:
        return cls(
            event_id=strawberry.ID(str(o.event_id)),
            duplicate=o.duplicate,
            awards=[
                Award(
                    earning_rule_id=strawberry.ID(a.rule_id),
                    earning_rule_revision=Long(a.rule_revision),
                    points=Long(a.points),
                    balance_change=Long(a.balance_change),
                    transaction_id=strawberry.ID(str(a.entry_id)) if a.entry_id else None,
                    already_awarded=a.already_awarded,
                    limit_reason=a.limit_reason,
                )
                for a in o.awards
            ],
            campaign_awards=[
                CampaignAward(
                    campaign_id=strawberry.ID(c.campaign_id),
                    campaign_revision=Long(c.campaign_revision),
                    points=Long(c.points),
                    balance_change=Long(c.balance_change),
                    transaction_id=strawberry.ID(str(c.entry_id)) if c.entry_id else None,
                    already_awarded=c.already_awarded,
                    limit_reason=c.limit_reason,
                )
                for c in o.campaign_awards
            ],
            member_id=o.member_id or "",
        )

    @strawberry.field
    async def account(self, info: Info[Context, None]) -> LoyaltyAccount:
        return await load_account(info, self.member_id)


@strawberry.input
class RecordRefundInput:
    idempotency_key: str
    order_id: str
    amount: Money = strawberry.field(description="Money refunded now, in the base currency.")


@strawberry.type
class RecordRefundResult:
    event_id: strawberry.ID
    duplicate: bool
    order_id: str
    refunded: Money
    order_refunded: Money = strawberry.field(description="The order's refunded total so far.")
    points_reversed: Long = strawberry.field(description="Points asked back by this refund.")
    points_taken: Long = strawberry.field(description="Of which the member still held.")
    points_cancelled: Long = strawberry.field(
        description="Of pointsReversed, points still held (the return window) that were "
        "cancelled: nothing had been minted, so no chain transaction follows for them."
    )
    debt: Long = strawberry.field(description="The member's debt afterwards.")
    member_id: strawberry.Private[str]

    @strawberry.field
    async def account(self, info: Info[Context, None]) -> LoyaltyAccount:
        return await load_account(info, self.member_id)


@strawberry.type
class ActivitiesMutation:
    @strawberry.mutation(
        description="Records an activity (admin): the matching rules award points once."
    )
    async def record_activity(
        self, info: Info[Context, None], input: RecordActivityInput
    ) -> RecordActivityResult:
        require_admin(info.context.principal)
        outcome = await record_activity(
            info.context.runtime.unit_of_work(),
            ActivityInput(
                idempotency_key=input.idempotency_key,
                member_id=input.member_id,
                activity_type=input.activity_type,
                trigger_app_id=input.trigger_app_id,
                order_id=input.order_id,
                amount=domain.Money(input.amount.value, input.amount.currency)
                if input.amount
                else None,
                occurred_at=input.occurred_at,
                dedupe_ref=once_ref(input.activity_type, input.member_id, input.channel),
                details={"channel": check_channel(input.channel)} if input.channel else {},
            ),
            source="api",
            custody=custody(info),
            currency=info.context.config.currency,
            rules=matching_rules,
        )
        return RecordActivityResult.from_row(outcome)

    @strawberry.mutation(
        description="Takes back an order's points in proportion to the amount refunded (admin)."
    )
    async def record_refund(
        self, info: Info[Context, None], input: RecordRefundInput
    ) -> RecordRefundResult:
        require_admin(info.context.principal)
        o = await record_refund(
            info.context.runtime.unit_of_work(),
            RefundInput(input.idempotency_key, input.order_id, amount=input.amount),
            source="refund",
        )
        return RecordRefundResult(
            event_id=strawberry.ID(str(o.event_id)),
            duplicate=o.duplicate,
            order_id=o.order_id,
            refunded=Money(o.refunded),
            order_refunded=Money(o.order_refunded),
            points_reversed=Long(o.points_reversed),
            points_taken=Long(o.points_taken),
            points_cancelled=Long(o.points_cancelled),
            debt=Long(o.debt),
            member_id=o.member_id,
        )
