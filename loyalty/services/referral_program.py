"""The referral program's settings (issue 15): one row, revisioned, audit-logged. The rules are
in loyalty.domain.referrals; a change is seen at once by the earning path's cached
configuration (referral_program is watched by config_version).

A side's catalogue reward must exist, be active and have a base config (so a member of any tier
can be granted it): REFERRAL_REWARD_UNKNOWN / REFERRAL_REWARD_INACTIVE, nothing stored. Once the
program gives it, the catalogue refuses to delete or deactivate it (loyalty.services.rewards)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.locks import sqlite_write_lock
from loyalty.db.program import rewards
from loyalty.db.referrals import referral_program
from loyalty.db.times import utc
from loyalty.domain.errors import NotFound, RevisionMismatch
from loyalty.domain.referrals import (
    Limits,
    ProgramStatus,
    Reward,
    RewardInactive,
    RewardUnknown,
    Settings,
    SettingsChanges,
    Trigger,
    updated_settings,
)
from loyalty.services import audit
from loyalty.services.rewards import get_reward
from loyalty.services.uow import AbstractUnitOfWork


def _from_row(row: Any) -> Settings:
    return Settings(
        revision=int(row.revision),
        status=ProgramStatus(row.status),
        referrer_reward=Reward(int(row.referrer_points), row.referrer_reward_id),
        friend_reward=Reward(int(row.friend_points), row.friend_reward_id),
        trigger=Trigger(row.qualify_on),
        minimum_amount=row.minimum_amount,
        hold_days=int(row.hold_days),
        limits=Limits(row.per_referrer_per_week, row.per_ip_per_week),
        updated_at=utc(row.updated_at),
    )


async def get_settings(conn: AsyncConnection) -> Settings:
    row = (await conn.execute(select(referral_program).where(referral_program.c.id == 1))).one()
    return _from_row(row)


async def update_settings(
    uow: AbstractUnitOfWork, *, revision: int, changes: SettingsChanges
) -> Settings:
    async with uow:
        conn = uow.conn
        current = await get_settings(conn)
        new = updated_settings(current, changes, revision=revision, now=uow.clock.now())
        for field, reward_id in (
            ("referrerReward.rewardId", changes.referrer_reward_id),
            ("friendReward.rewardId", changes.friend_reward_id),
        ):
            if reward_id is not None:
                await check_grantable(conn, reward_id, field=field)
        result = await conn.execute(
            referral_program.update()
            .where(referral_program.c.id == 1, referral_program.c.revision == revision)
            .values(
                revision=new.revision,
                status=new.status.value,
                referrer_points=new.referrer_reward.points,
                friend_points=new.friend_reward.points,
                referrer_reward_id=new.referrer_reward.reward_id,
                friend_reward_id=new.friend_reward.reward_id,
                qualify_on=new.trigger.value,
                minimum_amount=new.minimum_amount,
                hold_days=new.hold_days,
                per_referrer_per_week=new.limits.per_referrer_per_week,
                per_ip_per_week=new.limits.per_ip_per_week,
                updated_at=new.updated_at,
            )
        )
        if result.rowcount != 1:
            raise RevisionMismatch(
                "the referral program changed while this update ran: read it again and retry",
                field="revision",
            )
        await audit.changed(uow, "referral_program", "referral_program", "update", current, new)
        return new


async def check_grantable(conn: AsyncConnection, reward_id: str, *, field: str) -> None:
    """The reward can be granted to a member of any tier: it exists, is active and has a base
    config (a tier without a config of its own gets the base one). Read under the reward's
    row lock (the write lock on SQLite), which deactivating or deleting it takes too, so the
    two cannot pass each other."""
    await sqlite_write_lock(conn, rewards, rewards.c.id == reward_id[:64], "updated_date")
    await conn.execute(select(rewards.c.id).where(rewards.c.id == reward_id[:64]).with_for_update())
    try:
        reward = await get_reward(conn, reward_id[:64])
    except NotFound:
        raise RewardUnknown(f"no reward with id {reward_id!r}", field=field) from None
    if not reward.active:
        raise RewardInactive(
            f"reward {reward.id} is not active: activate it, or choose another", field=field
        )
    if not any(c.tier_id is None for c in reward.configs_by_tier):
        raise RewardInactive(
            f"reward {reward.id} has no base config (tierId null): a referred member of any "
            "tier must be able to receive it",
            field=field,
        )
