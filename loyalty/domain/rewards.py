"""Rewards (Wix Loyalty shapes) and what redeeming one costs a member.

A reward has one config per tier (`tierId` null is the base); a member in a tier with no config
of its own redeems at the base config (Ours), and a reward with neither is not offered to them.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from loyalty.domain import values
from loyalty.domain.errors import DomainError, InvalidInput
from loyalty.domain.holds import available_by
from loyalty.domain.revisions import check_revision as _check_revision

NAME_MAX = 50
COST_MAX = values.POINTS_MAX
AMOUNT_MAX = Decimal("1000000000000")
AMOUNT_DECIMALS = 6
CONFIGS_MAX = 100
IDEMPOTENCY_KEY_MAX = 256

# Coupon codes: no 0/O/1/I, so a customer can read one aloud; 12 symbols of 32 ≈ 60 bits.
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_CODE_GROUPS, _CODE_GROUP_LEN = 3, 4


class RewardType(StrEnum):
    DISCOUNT_AMOUNT = "DISCOUNT_AMOUNT"
    COUPON_REWARD = "COUPON_REWARD"


class RedemptionStatus(StrEnum):
    REDEEMED = "REDEEMED"
    CANCELLED = "CANCELLED"


class InsufficientPoints(DomainError):
    """The member's balance does not cover the reward's cost; nothing was spent."""

    code = "INSUFFICIENT_POINTS"


class PointsHeld(InsufficientPoints):
    """The balance does not cover the cost, but with points still held (the return window,
    loyalty.domain.holds) it would: they cannot be spent until they become available."""

    code = "POINTS_HELD"


class RewardInUse(DomainError):
    """The referral program gives this reward: it cannot be deleted, deactivated or lose its
    base config until the program gives another (or none)."""

    code = "REWARD_IN_USE"


class RewardUnavailable(DomainError):
    """The reward is inactive, or has no config for the member's tier nor a base config."""

    code = "VALIDATION"


@dataclass(frozen=True)
class RewardConfig:
    tier_id: str | None
    amount: Decimal  # the discount, in the program's currency
    cost_in_points: int


@dataclass(frozen=True)
class Reward:
    id: str
    name: str
    type: RewardType
    active: bool
    configs_by_tier: tuple[RewardConfig, ...]
    revision: int
    created_date: datetime
    updated_date: datetime

    @property
    def tier_ids(self) -> frozenset[str]:
        return frozenset(c.tier_id for c in self.configs_by_tier if c.tier_id is not None)


@dataclass(frozen=True)
class RewardInput:
    name: str
    type: RewardType
    configs_by_tier: tuple[RewardConfig, ...]
    active: bool = True


@dataclass(frozen=True)
class RewardChanges:
    name: str | None = None
    type: RewardType | None = None
    configs_by_tier: tuple[RewardConfig, ...] | None = None
    active: bool | None = None

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in dataclasses.fields(self))


def _name(value: str) -> str:
    text = value.strip()
    if not 1 <= len(text) <= NAME_MAX or any(ord(ch) < 32 for ch in text):
        raise InvalidInput(
            f"name must be 1 to {NAME_MAX} characters without control characters", field="name"
        )
    return text


def _config(c: RewardConfig) -> None:
    field = "configsByTier"
    cost = c.cost_in_points
    if isinstance(cost, bool) or not isinstance(cost, int) or not 1 <= cost <= COST_MAX:
        raise InvalidInput(
            f"{field}.costInPoints must be a whole number from 1 to {COST_MAX:,}",
            field=f"{field}.costInPoints",
        )
    amount = c.amount
    if not isinstance(amount, Decimal) or not amount.is_finite() or not 0 < amount <= AMOUNT_MAX:
        raise InvalidInput(
            f"{field}.amount must be a decimal more than 0 and at most {AMOUNT_MAX}",
            field=f"{field}.amount",
        )
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -AMOUNT_DECIMALS:
        raise InvalidInput(
            f"{field}.amount has more than {AMOUNT_DECIMALS} decimal places",
            field=f"{field}.amount",
        )
    if c.tier_id is not None and not c.tier_id.strip():
        raise InvalidInput(f"{field}.tierId must be null (base) or a tier id", field=field)


def validate_configs(configs: tuple[RewardConfig, ...]) -> None:
    if not 1 <= len(configs) <= CONFIGS_MAX:
        raise InvalidInput(
            f"configsByTier must hold 1 to {CONFIGS_MAX} configs", field="configsByTier"
        )
    seen: set[str | None] = set()
    for c in configs:
        _config(c)
        if c.tier_id in seen:
            which = "the base tier" if c.tier_id is None else f"tier {c.tier_id}"
            raise InvalidInput(
                f"configsByTier: more than one config for {which}", field="configsByTier"
            )
        seen.add(c.tier_id)


def new_reward(data: RewardInput, *, reward_id: str, now: datetime) -> Reward:
    validate_configs(data.configs_by_tier)
    return Reward(
        id=reward_id,
        name=_name(data.name),
        type=RewardType(data.type),
        active=bool(data.active),
        configs_by_tier=data.configs_by_tier,
        revision=1,
        created_date=now,
        updated_date=now,
    )


def check_revision(reward: Reward, revision: int) -> None:
    _check_revision(f"reward {reward.id}", reward.revision, revision)


def updated_reward(
    reward: Reward, changes: RewardChanges, *, revision: int, now: datetime
) -> Reward:
    check_revision(reward, revision)
    if changes.is_empty:
        raise InvalidInput("nothing to update: give at least one field to change")
    configs = reward.configs_by_tier
    if changes.configs_by_tier is not None:
        validate_configs(changes.configs_by_tier)
        configs = changes.configs_by_tier
    return dataclasses.replace(
        reward,
        name=reward.name if changes.name is None else _name(changes.name),
        type=reward.type if changes.type is None else RewardType(changes.type),
        active=reward.active if changes.active is None else bool(changes.active),
        configs_by_tier=configs,
        revision=reward.revision + 1,
        updated_date=now,
    )


def config_for(reward: Reward, tier_id: str | None) -> RewardConfig:
    """The config a member in `tier_id` redeems at: their tier's, else the base config."""
    if not reward.active:
        raise RewardUnavailable(f"reward {reward.id} is not active", field="rewardId")
    base = None
    for c in reward.configs_by_tier:
        if tier_id is not None and c.tier_id == tier_id:
            return c
        if c.tier_id is None:
            base = c
    if base is None:
        raise RewardUnavailable(
            f"reward {reward.id} has no config for tier {tier_id} and no base config",
            field="rewardId",
        )
    return base


def check_affordable(balance: int, cost: int, held: Sequence[tuple[int, datetime]] = ()) -> None:
    """`held`: the member's held points (points, available at), which never pay: PointsHeld
    says when enough of them will be available, if they would cover the cost."""
    if balance >= cost:
        return
    ready = available_by(balance, cost, held)
    if ready is not None:
        raise PointsHeld(
            f"the reward costs {cost} points but the balance is {balance}; "
            f"{sum(p for p, _ in held)} more are held (the return window) and cannot be spent "
            f"before they become available: enough will be by {ready.isoformat()}. "
            "Nothing was spent",
            field="rewardId",
        )
    raise InsufficientPoints(
        f"the reward costs {cost} points but the balance is {balance}: nothing was spent",
        field="rewardId",
    )


def check_idempotency_key(key: str) -> str:
    if not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX or key != key.strip():
        raise InvalidInput(
            f"idempotencyKey must be 1 to {IDEMPOTENCY_KEY_MAX} characters, no outer spaces",
            field="idempotencyKey",
        )
    return key


def new_coupon_code() -> str:
    groups = (
        "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_GROUP_LEN))
        for _ in range(_CODE_GROUPS)
    )
    return "-".join(groups)
