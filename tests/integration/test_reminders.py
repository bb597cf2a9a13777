"""Reminders through the notifications outbox on SQLite and PostgreSQL, on an injected clock:
a tier.will_downgrade notice downgradeNoticeDays before a projected downgrade and a
points.expiring reminder reminderDays before an expiry, each queued once however often the jobs
run (and recompute), not while the tier program or the program is paused, and the reminder
e-mailed over real SMTP with its own text."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.db.engine import make_async_engine
from loyalty.db.program import notifications
from loyalty.domain.expiry import ExpirationPolicy, ExpirationStatus
from loyalty.domain.tier_program import DowngradePolicy, TierProgramStatus
from loyalty.notify.loop import deliver_due
from loyalty.services.expiry_reminders import send_expiry_reminders
from loyalty.services.members import create_member
from loyalty.services.notifications import set_contact
from loyalty.services.program import ProgramChanges, get_program, pause_program, update_program
from loyalty.services.tier_notices import send_downgrade_notices
from loyalty.services.tier_program import TierProgramChanges, update_tier_program
from tests.integration import test_notifications as notification_tests
from tests.integration._program import earn, tier
from tests.integration.test_notifications import Inbox, configure, transports
from tests.support.ledger import CUSTODY
from tests.support.uow import uow_for

T0 = datetime(2025, 5, 1, 12, tzinfo=UTC)
DOWNGRADE = datetime(2026, 5, 1, 12, tzinfo=UTC)  # T0's points leave the 12-month window


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_async_engine(database_url)
    yield eng
    await eng.dispose()


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, str]]:  # the notifications tests' SMTP server
    yield from notification_tests.smtp.__wrapped__()  # type: ignore[attr-defined]


async def rows(engine: AsyncEngine) -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    async with engine.connect() as conn:
        found = await conn.execute(select(notifications).order_by(notifications.c.id))
        return [(r.event_type, r.channel, json.loads(r.payload)["data"]) for r in found]


async def tier_program(engine: AsyncEngine, now: datetime, **changes: object) -> None:
    rev = await revision(engine)
    await update_tier_program(
        uow_for(engine),
        TierProgramChanges(**changes),
        revision=rev,
        now=now,  # type: ignore[arg-type]
    )


async def revision(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return (await get_program(conn)).revision


async def reminders_of(engine: AsyncEngine, kind: str) -> list[dict]:  # type: ignore[type-arg]
    return [data for event, _, data in await rows(engine) if event == kind]


async def test_will_downgrade_notice_is_queued_once_before_the_downgrade(
    engine: AsyncEngine,
) -> None:
    await configure(engine, "https://receiver.example/hooks")
    gold = await tier(engine, "Gold", 100, now=T0)
    await tier_program(engine, T0, downgrade_notice_days=14, notice_days_given=True)
    await earn(engine, "ann", 150, now=T0)

    async def notices(now: datetime) -> int:
        return await send_downgrade_notices(uow_for(engine), now=now)

    assert await notices(DOWNGRADE - timedelta(days=20)) == 0  # not yet due
    assert await notices(DOWNGRADE - timedelta(days=10)) == 1
    assert await notices(DOWNGRADE - timedelta(days=9)) == 0
    # A recompute works out the same downgrade again: still one notice.
    await tier_program(engine, DOWNGRADE - timedelta(days=8), downgrade_policy=None)
    assert await notices(DOWNGRADE - timedelta(days=8)) == 0
    sent = await reminders_of(engine, "tier.will_downgrade")
    assert sent == [
        {
            "memberId": "ann",
            "tierId": gold,
            "toTierId": None,
            "downgradeAt": DOWNGRADE.isoformat(),
            "tierPoints": 150,
        }
    ]


async def test_no_notice_while_the_tier_program_is_paused_and_one_down_waits_a_period(
    engine: AsyncEngine,
) -> None:
    await configure(engine, "https://receiver.example/hooks")
    silver = await tier(engine, "Silver", 50, now=T0)
    await tier(engine, "Gold", 100, now=T0)
    await tier_program(
        engine,
        T0,
        downgrade_policy=DowngradePolicy.ONE_DOWN,
        downgrade_notice_days=7,
        notice_days_given=True,
        status=TierProgramStatus.PAUSED,
    )
    await earn(engine, "bob", 150, now=T0)
    assert await send_downgrade_notices(uow_for(engine), now=DOWNGRADE - timedelta(days=3)) == 0
    await tier_program(engine, DOWNGRADE - timedelta(days=3), status=TierProgramStatus.ACTIVE)
    assert await send_downgrade_notices(uow_for(engine), now=DOWNGRADE - timedelta(days=3)) == 1
    (notice,) = await reminders_of(engine, "tier.will_downgrade")
    assert notice["toTierId"] == silver  # one down from Gold, though no points are left


async def test_expiry_reminder_is_queued_once_and_emailed(
    engine: AsyncEngine, smtp: tuple[Inbox, str]
) -> None:
    inbox, url = smtp
    await configure(engine, "https://receiver.example/hooks", email=True)
    async with uow_for(engine) as uow:
        await create_member(uow, "ann", CUSTODY)
    async with uow_for(engine) as uow:
        await set_contact(uow, "ann", email="ann@example.com", name="Ann", now=T0)
    async with uow_for(engine) as uow:
        await update_program(
            uow,
            ProgramChanges(points_expiration=ExpirationPolicy(ExpirationStatus.ENABLED, 1, 100, 7)),
            revision=(await get_program(uow.conn)).revision,
        )
    await earn(engine, "ann", 40, now=T0)
    expires = datetime(2025, 6, 1, 12, tzinfo=UTC)

    async def remind(now: datetime) -> int:
        return await send_expiry_reminders(uow_for(engine), now=now)

    assert await remind(expires - timedelta(days=8)) == 0
    assert await remind(expires - timedelta(days=6)) == 1
    assert await remind(expires - timedelta(days=5)) == 0
    assert await remind(expires + timedelta(days=1)) == 0  # expired: no reminder any more
    expiring = [(e, c) for e, c, _ in await rows(engine) if e == "points.expiring"]
    assert sorted(expiring) == [("points.expiring", "EMAIL"), ("points.expiring", "WEBHOOK")]
    (data,) = {
        json.dumps(d, sort_keys=True) for e, _, d in await rows(engine) if e == "points.expiring"
    }
    assert json.loads(data) == {
        "memberId": "ann",
        "points": 40,
        "expirationDate": expires.isoformat(),
        "daysBefore": 7,
    }
    await configure(engine, None, email=True)  # e-mail only from here: deliver them
    await deliver_due(uow_for(engine), transports(url), now=expires - timedelta(days=5))
    subjects = [message_from_bytes(m)["Subject"] for m in inbox.messages]
    assert "40 of your points expire on 2025-06-01" in subjects


async def test_no_expiry_reminder_while_the_program_is_paused(engine: AsyncEngine) -> None:
    await configure(engine, "https://receiver.example/hooks")
    async with uow_for(engine) as uow:
        await update_program(
            uow,
            ProgramChanges(points_expiration=ExpirationPolicy(ExpirationStatus.ENABLED, 1, 100, 7)),
            revision=(await get_program(uow.conn)).revision,
        )
    await earn(engine, "ann", 40, now=T0)
    await pause_program(uow_for(engine), revision=await revision(engine), now=T0)
    now = datetime(2025, 5, 28, tzinfo=UTC)
    assert await send_expiry_reminders(uow_for(engine), now=now) == 0
    assert await reminders_of(engine, "points.expiring") == []
