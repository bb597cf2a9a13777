"""Program-wide settings: the tiers' rolling window, points expiration, the money value of a
point (for the liability) and the thank-you e-mail template. One row, revisioned."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty import webhook_targets
from loyalty.db.program import program_settings
from loyalty.db.times import utc
from loyalty.domain.campaigns import time_zone
from loyalty.domain.errors import InvalidInput
from loyalty.domain.expiry import ExpirationPolicy, ExpirationStatus, validate_policy
from loyalty.domain.holds import check_hold_days
from loyalty.domain.lifecycle import (
    PointDefinition,
    ProgramStatus,
    activated,
    paused,
    validate_point_definition,
)
from loyalty.domain.program import Program
from loyalty.domain.revisions import check_revision
from loyalty.domain.templates import validate_template
from loyalty.domain.tier_program import DowngradePolicy, TierProgram, TierProgramStatus
from loyalty.domain.tiers import validate_window
from loyalty.services import audit
from loyalty.services.uow import AbstractUnitOfWork

__all__ = [
    "Program",
    "ProgramChanges",
    "activate_program",
    "get_program",
    "pause_program",
    "update_program",
    "write_program",
]

POINT_VALUE_MAX = Decimal("1000000")


@dataclass(frozen=True)
class ProgramChanges:
    tiers_window_months: int | None = None
    points_expiration: ExpirationPolicy | None = None
    point_value: Decimal | None = None
    email_subject: str | None = None
    email_body: str | None = None
    email_enabled: bool | None = None
    webhook_url: str | None = None  # "" removes it
    time_zone: str | None = None  # IANA name
    point_definition: PointDefinition | None = None
    hold_days: int | None = None  # days earned points are held (0: none)


def _from_row(row: Any) -> Program:
    updated = row.updated_date
    return Program(
        tiers_window_months=int(row.tiers_window_months),
        points_expiration=ExpirationPolicy(
            ExpirationStatus(row.expiration_status),
            int(row.months_of_inactivity),
            int(row.expiring_points_percentage),
            row.expiry_reminder_days,
        ),
        point_value=row.point_value,
        email_subject=row.email_subject,
        email_body=row.email_body,
        email_enabled=bool(row.email_enabled),
        webhook_url=row.webhook_url,
        revision=int(row.revision),
        updated_date=updated if updated.tzinfo else updated.replace(tzinfo=UTC),
        time_zone=row.time_zone,
        status=ProgramStatus(row.status),
        point_definition=PointDefinition(row.point_name, row.point_icon_url),
        resumed_at=utc(row.resumed_at),
        hold_days=int(row.hold_days),
        tier_program=TierProgram(
            TierProgramStatus(row.tier_program_status),
            DowngradePolicy(row.tier_downgrade_policy),
            row.tier_downgrade_notice_days,
        ),
    )


async def get_program(conn: AsyncConnection, *, for_update: bool = False) -> Program:
    query = program_settings.select().where(program_settings.c.id == 1)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).one()
    return _from_row(row)


def _point_value(value: Decimal) -> Decimal:
    if not value.is_finite() or value < 0 or value > POINT_VALUE_MAX:
        raise InvalidInput(
            f"pointValue must be a decimal from 0 to {POINT_VALUE_MAX}", field="pointValue"
        )
    return value


def _webhook_url(raw: str) -> str | None:
    url = raw.strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or len(url) > 2000:
        raise InvalidInput(
            "webhookUrl must be an http(s) URL with a host (empty removes it)", field="webhookUrl"
        )
    return url


async def update_program(
    uow: AbstractUnitOfWork,
    changes: ProgramChanges,
    *,
    revision: int,
    now: datetime | None = None,
    allow_private_webhooks: bool = False,
) -> Program:
    """`allow_private_webhooks` (LOYALTY_NOTIFY_WEBHOOK_ALLOW_PRIVATE): a webhookUrl may point at
    a loopback or private address; otherwise one that is, or resolves to, such an address is
    refused (resolved before the transaction, so no lock waits on DNS)."""
    if changes.webhook_url and changes.webhook_url.strip():
        url = _webhook_url(changes.webhook_url)
        try:
            await webhook_targets.check_target(url or "", allow_private=allow_private_webhooks)
        except webhook_targets.UnsafeTarget as exc:
            raise InvalidInput(str(exc), field="webhookUrl") from None
    async with uow:
        current, new = await _update_program(
            uow.conn, changes, revision=revision, now=now or uow.clock.now()
        )
        await audit.changed(uow, "program", "1", "update", current, new)
        uow.cache.program = new
        return new


async def _update_program(
    conn: AsyncConnection, changes: ProgramChanges, *, revision: int, now: datetime
) -> tuple[Program, Program]:
    """The settings before and after the change."""
    current = await get_program(conn, for_update=True)
    check_revision("the program settings", current.revision, revision, plural=True)
    new = replace(current, revision=current.revision + 1, updated_date=now)
    if changes.tiers_window_months is not None:
        new = replace(new, tiers_window_months=validate_window(changes.tiers_window_months))
    if changes.points_expiration is not None:
        new = replace(new, points_expiration=validate_policy(changes.points_expiration))
    if changes.point_value is not None:
        new = replace(new, point_value=_point_value(changes.point_value))
    if changes.email_subject is not None:
        subject = validate_template(changes.email_subject, field="emailTemplate.subject")
        if len(subject) > 200 or "\n" in subject:
            raise InvalidInput(
                "emailTemplate.subject must be one line of at most 200 characters",
                field="emailTemplate.subject",
            )
        new = replace(new, email_subject=subject)
    if changes.email_body is not None:
        new = replace(
            new, email_body=validate_template(changes.email_body, field="emailTemplate.body")
        )
    if changes.email_enabled is not None:
        new = replace(new, email_enabled=bool(changes.email_enabled))
    if changes.webhook_url is not None:
        new = replace(new, webhook_url=_webhook_url(changes.webhook_url))
    if changes.time_zone is not None:
        new = replace(new, time_zone=time_zone(changes.time_zone).key)
    if changes.point_definition is not None:
        new = replace(new, point_definition=validate_point_definition(changes.point_definition))
    if changes.hold_days is not None:
        check_hold_days(changes.hold_days, nullable=False)
        new = replace(new, hold_days=changes.hold_days)
    await write_program(conn, new)
    return current, new


async def write_program(conn: AsyncConnection, new: Program) -> None:
    exp = new.points_expiration
    await conn.execute(
        program_settings.update()
        .where(program_settings.c.id == 1)
        .values(
            tiers_window_months=new.tiers_window_months,
            expiration_status=exp.status.value,
            months_of_inactivity=exp.months_of_inactivity,
            expiring_points_percentage=exp.expiring_points_percentage,
            point_value=new.point_value,
            email_subject=new.email_subject,
            email_body=new.email_body,
            email_enabled=new.email_enabled,
            webhook_url=new.webhook_url,
            time_zone=new.time_zone,
            status=new.status.value,
            point_name=new.point_definition.name,
            point_icon_url=new.point_definition.icon_url,
            resumed_at=new.resumed_at,
            hold_days=new.hold_days,
            tier_program_status=new.tier_program.status.value,
            tier_downgrade_policy=new.tier_program.downgrade_policy.value,
            tier_downgrade_notice_days=new.tier_program.downgrade_notice_days,
            expiry_reminder_days=exp.reminder_days,
            revision=new.revision,
            updated_date=new.updated_date,
        )
    )


async def activate_program(
    uow: AbstractUnitOfWork, *, revision: int, now: datetime | None = None
) -> Program:
    """DRAFT or PAUSED → ACTIVE. After a pause, `resumed_at` restarts expiry's inactivity clock
    (loyalty.domain.lifecycle); events ignored during the pause stay ignored."""
    return await _set_status(uow, "activate", revision=revision, now=now)


async def pause_program(
    uow: AbstractUnitOfWork, *, revision: int, now: datetime | None = None
) -> Program:
    """ACTIVE → PAUSED: nothing is earned or spent until activated again."""
    return await _set_status(uow, "pause", revision=revision, now=now)


async def _set_status(
    uow: AbstractUnitOfWork, action: str, *, revision: int, now: datetime | None
) -> Program:
    async with uow:
        now = now or uow.clock.now()
        current = await get_program(uow.conn, for_update=True)
        check_revision("the program settings", current.revision, revision, plural=True)
        if action == "activate":
            status = activated(current.status)
            resumed = now if current.status is ProgramStatus.PAUSED else current.resumed_at
        else:
            status, resumed = paused(current.status), current.resumed_at
        new = replace(
            current,
            status=status,
            resumed_at=resumed,
            revision=current.revision + 1,
            updated_date=now,
        )
        await write_program(uow.conn, new)
        await audit.changed(uow, "program", "1", action, current, new)
        uow.cache.program = new
        return new
