"""Changing the tier program (loyalty.domain.tier_program): its status, downgrade policy and
notice days, stored with the program settings (revisioned with them, audit-logged as a program
change), then every member's tier recomputed in the same transaction so that tier periods and
downgrade notices follow the new settings at once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from loyalty.domain.revisions import check_revision
from loyalty.domain.tier_program import DowngradePolicy, TierProgramStatus, validate_notice_days
from loyalty.services import audit
from loyalty.services.program import Program, get_program, write_program
from loyalty.services.tiers import recompute_all
from loyalty.services.uow import AbstractUnitOfWork


@dataclass(frozen=True)
class TierProgramChanges:
    status: TierProgramStatus | None = None
    downgrade_policy: DowngradePolicy | None = None
    downgrade_notice_days: int | None = None
    notice_days_given: bool = False  # given as null: no notices


async def update_tier_program(
    uow: AbstractUnitOfWork,
    changes: TierProgramChanges,
    *,
    revision: int,
    now: datetime | None = None,
) -> Program:
    async with uow:
        now = now or uow.clock.now()
        current = await get_program(uow.conn, for_update=True)
        check_revision("the program settings", current.revision, revision, plural=True)
        tp = current.tier_program
        tp = replace(
            tp,
            status=changes.status or tp.status,
            downgrade_policy=changes.downgrade_policy or tp.downgrade_policy,
            downgrade_notice_days=(
                validate_notice_days(changes.downgrade_notice_days)
                if changes.notice_days_given
                else tp.downgrade_notice_days
            ),
        )
        new = replace(current, tier_program=tp, revision=current.revision + 1, updated_date=now)
        await write_program(uow.conn, new)
        uow.cache.program = new
        await recompute_all(uow, now=now)
        await audit.changed(uow, "program", "1", "tier_program", current, new)
        return new
