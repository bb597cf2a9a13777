"""Rewards and redemptions (Wix names). Any authenticated caller reads rewards; admins write
them; a member redeems for themself (or an admin for anyone); admins cancel redemptions."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from api.auth import require_admin, require_member_or_admin
from api.context import Context
from api.schema.accounts import require_member_self_or_admin
from api.schema.rules import plain_money, require_rule_reader
from api.schema.scalars import Long, Money
from loyalty.domain import rewards as domain
from loyalty.services import redemptions as redeem_svc
from loyalty.services import rewards as service
from loyalty.services.members import get_member


@strawberry.enum(name="RewardType")
class RewardType(Enum):
    DISCOUNT_AMOUNT = "DISCOUNT_AMOUNT"
    COUPON_REWARD = "COUPON_REWARD"


@strawberry.type(description="What a member of `tierId` (null: base) pays and gets.")
class RewardConfig:
    tier_id: strawberry.ID | None
    amount: Money = strawberry.field(description="The discount, in the base currency.")
    cost_in_points: Long


@strawberry.type
class Reward:
    id: strawberry.ID
    revision: Long
    name: str
    type: RewardType
    active: bool
    configs_by_tier: list[RewardConfig]
    created_date: datetime
    updated_date: datetime

    @classmethod
    def from_row(cls, r: domain.Reward) -> Reward:
        return cls(
            id=strawberry.ID(r.id),
            revision=Long(r.revision),
            name=r.name,
            type=RewardType(r.type.value),
            active=r.active,
            configs_by_tier=[
                RewardConfig(
                    tier_id=strawberry.ID(c.tier_id) if c.tier_id else None,
                    amount=plain_money(c.amount),
                    cost_in_points=Long(c.cost_in_points),
                )
                for c in r.configs_by_tier
            ],
            created_date=r.created_date,
            updated_date=r.updated_date,
        )


@strawberry.enum(name="RedemptionStatus")
class RedemptionStatus(Enum):
    REDEEMED = "REDEEMED"
    CANCELLED = "CANCELLED"


@strawberry.type(description="A redeemed reward and its coupon code.")
class Redemption:
    id: strawberry.ID
    member_id: str
    reward_id: strawberry.ID
    reward_revision: Long
    reward_type: RewardType
    tier_id: strawberry.ID | None
    amount: Money
    cost_in_points: Long
    coupon_code: str
    status: RedemptionStatus
    transaction_id: strawberry.ID | None = strawberry.field(
        description="The REDEEM ledger entry; null for a reward granted at no cost."
    )
    referral_id: strawberry.ID | None = strawberry.field(
        description="The referral this reward was granted for (costInPoints 0), if any."
    )
    refund_transaction_id: strawberry.ID | None
    created_date: datetime
    cancelled_date: datetime | None

    @classmethod
    def from_row(cls, r: redeem_svc.Redemption) -> Redemption:
        return cls(
            id=strawberry.ID(r.id),
            member_id=r.member_id,
            reward_id=strawberry.ID(r.reward_id),
            reward_revision=Long(r.reward_revision),
            reward_type=RewardType(r.reward_type),
            tier_id=strawberry.ID(r.tier_id) if r.tier_id else None,
            amount=plain_money(r.amount),
            cost_in_points=Long(r.cost_in_points),
            coupon_code=r.coupon_code,
            status=RedemptionStatus(r.status.value),
            transaction_id=(
                strawberry.ID(str(r.redeem_entry_id)) if r.redeem_entry_id is not None else None
            ),
            referral_id=strawberry.ID(str(r.referral_id)) if r.referral_id is not None else None,
            refund_transaction_id=(
                strawberry.ID(str(r.refund_entry_id)) if r.refund_entry_id else None
            ),
            created_date=r.created_date,
            cancelled_date=r.cancelled_date,
        )


@strawberry.input
class RewardConfigInput:
    tier_id: strawberry.ID | None = None
    amount: Money
    cost_in_points: Long


@strawberry.input
class RewardInput:
    name: str
    type: RewardType
    configs_by_tier: list[RewardConfigInput]
    active: bool = True


@strawberry.input(description="Partial update; configsByTier, when given, replaces them all.")
class RewardUpdate:
    name: str | None = None
    type: RewardType | None = None
    configs_by_tier: list[RewardConfigInput] | None = None
    active: bool | None = None


@strawberry.type
class DeleteRewardResult:
    id: strawberry.ID


def _configs(items: list[RewardConfigInput]) -> tuple[domain.RewardConfig, ...]:
    return tuple(
        domain.RewardConfig(
            str(c.tier_id) if c.tier_id is not None else None, c.amount, c.cost_in_points
        )
        for c in items
    )


@strawberry.type
class RewardsQuery:
    @strawberry.field(description="Rewards, oldest first; `active` filters.")
    async def rewards(self, info: Info[Context, None], active: bool | None = None) -> list[Reward]:
        require_rule_reader(info.context.principal)
        async with info.context.connection() as conn:
            return [Reward.from_row(r) for r in await service.list_rewards(conn, active=active)]

    @strawberry.field
    async def reward(self, info: Info[Context, None], id: strawberry.ID) -> Reward:
        require_rule_reader(info.context.principal)
        async with info.context.connection() as conn:
            return Reward.from_row(await service.get_reward(conn, str(id)[:64]))

    @strawberry.field(description="A member's redemptions, newest first (the member or admin).")
    async def redemptions(self, info: Info[Context, None], member_id: str) -> list[Redemption]:
        require_member_or_admin(info.context.principal, member_id)
        async with info.context.connection() as conn:
            member = await get_member(conn, member_id)
            rows = await redeem_svc.list_redemptions(conn, member)
        return [Redemption.from_row(r) for r in rows]


@strawberry.type
class RewardsMutation:
    @strawberry.mutation(description="Creates a reward (admin).")
    async def create_reward(self, info: Info[Context, None], reward: RewardInput) -> Reward:
        require_admin(info.context.principal)
        data = domain.RewardInput(
            reward.name,
            domain.RewardType(reward.type.value),
            _configs(reward.configs_by_tier),
            reward.active,
        )
        uow = info.context.runtime.unit_of_work()
        return Reward.from_row(await service.create_reward(uow, data))

    @strawberry.mutation(description="Updates a reward at `revision` (admin).")
    async def update_reward(
        self, info: Info[Context, None], id: strawberry.ID, revision: Long, reward: RewardUpdate
    ) -> Reward:
        require_admin(info.context.principal)
        changes = domain.RewardChanges(
            name=reward.name,
            type=domain.RewardType(reward.type.value) if reward.type else None,
            configs_by_tier=(
                _configs(reward.configs_by_tier) if reward.configs_by_tier is not None else None
            ),
            active=reward.active,
        )
        updated = await service.update_reward(
            info.context.runtime.unit_of_work(), str(id)[:64], changes, revision=revision
        )
        return Reward.from_row(updated)

    @strawberry.mutation(description="Deletes a reward at `revision` (admin).")
    async def delete_reward(
        self, info: Info[Context, None], id: strawberry.ID, revision: Long
    ) -> DeleteRewardResult:
        require_admin(info.context.principal)
        await service.delete_reward(
            info.context.runtime.unit_of_work(), str(id)[:64], revision=revision
        )
        return DeleteRewardResult(id=id)

    @strawberry.mutation(
        description="Spends the reward's cost for the member's tier (or the base config) and "
        "returns a unique coupon code; the points are burned on chain. The same idempotencyKey "
        "returns the first redemption. The member themself, or an admin."
    )
    async def redeem_reward(
        self,
        info: Info[Context, None],
        member_id: str,
        reward_id: strawberry.ID,
        idempotency_key: str,
    ) -> Redemption:
        require_member_self_or_admin(info.context.principal, member_id)
        redemption = await redeem_svc.redeem_reward(
            info.context.runtime.unit_of_work(), member_id, str(reward_id)[:64], idempotency_key
        )
        return Redemption.from_row(redemption)

    @strawberry.mutation(
        description="Cancels a redemption: its points come back as a REFUND (minted). "
        "Cancelling again changes nothing (admin)."
    )
    async def cancel_redemption(
        self, info: Info[Context, None], redemption_id: strawberry.ID
    ) -> Redemption:
        require_admin(info.context.principal)
        redemption = await redeem_svc.cancel_redemption(
            info.context.runtime.unit_of_work(), str(redemption_id)
        )
        return Redemption.from_row(redemption)
