"""Rewards in the database: create, read, list, update, delete (soft: redemptions keep their
reward). The domain validates; this module stores and checks that tiers exist."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.children import children_by_parent
from loyalty.db.program import reward_configs, rewards
from loyalty.db.referrals import referral_program
from loyalty.db.times import utc as _utc
from loyalty.domain.errors import NotFound
from loyalty.domain.rewards import (
    Reward,
    RewardChanges,
    RewardConfig,
    RewardInput,
    RewardInUse,
    RewardType,
    check_revision,
    new_reward,
    updated_reward,
)
from loyalty.services import audit
from loyalty.services.tiers import check_tier_ids
from loyalty.services.uow import AbstractUnitOfWork

_live = rewards.c.deleted.is_(False)


def _from_rows(row: Row[Any], configs: Sequence[Row[Any]]) -> Reward:
    return Reward(
        id=row.id,
        name=row.name,
        type=RewardType(row.type),
        active=bool(row.active),
        configs_by_tier=tuple(
            RewardConfig(c.tier_id, c.amount, int(c.cost_in_points)) for c in configs
        ),
        revision=int(row.revision),
        created_date=_utc(row.created_date),
        updated_date=_utc(row.updated_date),
    )


async def _with_configs(conn: AsyncConnection, rows: Sequence[Row[Any]]) -> list[Reward]:
    configs = await children_by_parent(
        conn, reward_configs, reward_configs.c.reward_id, (r.id for r in rows)
    )
    return [_from_rows(r, configs[r.id]) for r in rows]


async def load_rewards(conn: AsyncConnection, ids: Iterable[str]) -> dict[str, Reward]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    rows = (await conn.execute(select(rewards).where(rewards.c.id.in_(wanted), _live))).all()
    return {r.id: r for r in await _with_configs(conn, rows)}


async def get_reward(conn: AsyncConnection, reward_id: str) -> Reward:
    reward = (await load_rewards(conn, [reward_id])).get(reward_id)
    if reward is None:
        raise NotFound(f"no reward with id {reward_id!r}", field="rewardId")
    return reward


async def list_rewards(conn: AsyncConnection, *, active: bool | None = None) -> list[Reward]:
    query = select(rewards).where(_live)
    if active is not None:
        query = query.where(rewards.c.active.is_(active))
    rows = (await conn.execute(query.order_by(rewards.c.seq))).all()
    return await _with_configs(conn, rows)


async def _write_configs(conn: AsyncConnection, reward: Reward) -> None:
    await conn.execute(reward_configs.delete().where(reward_configs.c.reward_id == reward.id))
    await conn.execute(
        reward_configs.insert(),
        [
            {
                "reward_id": reward.id,
                "tier_id": c.tier_id,
                "amount": c.amount,
                "cost_in_points": c.cost_in_points,
            }
            for c in reward.configs_by_tier
        ],
    )


def _values(reward: Reward) -> dict[str, Any]:
    return {
        "name": reward.name,
        "type": reward.type.value,
        "active": reward.active,
        "revision": reward.revision,
        "updated_date": reward.updated_date,
    }


async def create_reward(
    uow: AbstractUnitOfWork, data: RewardInput, *, now: datetime | None = None
) -> Reward:
    async with uow:
        conn = uow.conn
        reward = new_reward(data, reward_id=str(uuid.uuid4()), now=now or uow.clock.now())
        await check_tier_ids(conn, reward.tier_ids, field="configsByTier.tierId")
        await conn.execute(
            rewards.insert().values(
                id=reward.id, deleted=False, created_date=reward.created_date, **_values(reward)
            )
        )
        await _write_configs(conn, reward)
        await audit.changed(uow, "reward", reward.id, "create", None, reward)
        return reward


async def _locked(conn: AsyncConnection, reward_id: str) -> Reward:
    row = (
        await conn.execute(
            select(rewards).where(rewards.c.id == reward_id, _live).with_for_update()
        )
    ).first()
    if row is None:
        raise NotFound(f"no reward with id {reward_id!r}", field="id")
    return (await _with_configs(conn, [row]))[0]


async def update_reward(
    uow: AbstractUnitOfWork,
    reward_id: str,
    changes: RewardChanges,
    *,
    revision: int,
    now: datetime | None = None,
) -> Reward:
    async with uow:
        conn = uow.conn
        current = await _locked(conn, reward_id)
        reward = updated_reward(current, changes, revision=revision, now=now or uow.clock.now())
        if not reward.active or not any(c.tier_id is None for c in reward.configs_by_tier):
            await _check_not_given(conn, reward_id, "deactivated or left without a base config")
        await check_tier_ids(conn, reward.tier_ids, field="configsByTier.tierId")
        await conn.execute(
            rewards.update().where(rewards.c.id == reward.id).values(**_values(reward))
        )
        if changes.configs_by_tier is not None:
            await _write_configs(conn, reward)
        await audit.changed(uow, "reward", reward.id, "update", current, reward)
        return reward


async def delete_reward(
    uow: AbstractUnitOfWork, reward_id: str, *, revision: int, now: datetime | None = None
) -> None:
    async with uow:
        current = await _locked(uow.conn, reward_id)
        check_revision(current, revision)
        await _check_not_given(uow.conn, reward_id, "deleted")
        await uow.conn.execute(
            rewards.update()
            .where(rewards.c.id == reward_id)
            .values(deleted=True, active=False, updated_date=now or uow.clock.now())
        )
        await audit.changed(uow, "reward", reward_id, "delete", current, None)


async def _check_not_given(conn: AsyncConnection, reward_id: str, what: str) -> None:
    """The referral program's rewards stay grantable (loyalty.services.referral_program): the
    program row is read under the reward's row lock, which its update takes too."""
    given = await conn.scalar(
        select(referral_program.c.id).where(
            (referral_program.c.referrer_reward_id == reward_id)
            | (referral_program.c.friend_reward_id == reward_id)
        )
    )
    if given is not None:
        raise RewardInUse(
            f"reward {reward_id} is a referral reward and cannot be {what}: change the "
            "referral program first (updateReferralProgram)",
            field="id",
        )
