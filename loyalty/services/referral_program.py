"""The referral program's settings (issue 15): one row, revisioned, audit-logged. The rules are
in loyalty.domain.referrals; a change is seen at once by the earning path's cached
configuration (referral_program is watched by config_version)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.referrals import referral_program
from loyalty.db.times import utc
from loyalty.domain.errors import RevisionMismatch
from loyalty.domain.referrals import (
    Limits,
    ProgramStatus,
    Reward,
    Settings,
    SettingsChanges,
    Trigger,
    updated_settings,
)
from loyalty.services import audit
from loyalty.services.uow import AbstractUnitOfWork


def _from_row(row: Any) -> Settings:
    return Settings(
        revision=int(row.revision),
        status=ProgramStatus(row.status),
        referrer_reward=Reward(int(row.referrer_points)),
        friend_reward=Reward(int(row.friend_points)),
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
        result = await conn.execute(
            referral_program.update()
            .where(referral_program.c.id == 1, referral_program.c.revision == revision)
            .values(
                revision=new.revision,
                status=new.status.value,
                referrer_points=new.referrer_reward.points,
                friend_points=new.friend_reward.points,
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
