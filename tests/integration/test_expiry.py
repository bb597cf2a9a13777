"""Points expiry on SQLite and PostgreSQL: members see what will expire ahead of time, the dry
run lists exactly what the real run then expires (EXPIRE entries with burns), a member who was
active is spared, a second run expires nothing more, and `loyalty expire --dry-run` works."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.db.engine import make_async_engine
from loyalty.db.ledger import ledger_entries
from loyalty.db.outbox import BURN, chain_requests
from loyalty.domain.expiry import ExpirationPolicy, ExpirationStatus
from loyalty.services.expiry import run_expiry, upcoming_for
from loyalty.services.members import get_member
from loyalty.services.program import ProgramChanges, update_program
from tests.integration._program import at, earn
from tests.support.reads import account_of
from tests.support.uow import uow_for

POLICY = ExpirationPolicy(ExpirationStatus.ENABLED, 6, 50)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_async_engine(database_url)
    async with uow_for(eng) as uow:
        await update_program(uow, ProgramChanges(points_expiration=POLICY), revision=1)
    yield eng
    await eng.dispose()


async def test_members_see_their_expiration_ahead_of_time(engine: AsyncEngine) -> None:
    await earn(engine, "m1", 101, now=at(2025, 1, 31))
    async with engine.connect() as conn:
        exp = await upcoming_for(conn, await get_member(conn, "m1"))
    assert exp is not None
    assert (exp.expiration_date, exp.expiring_points) == (at(2025, 7, 31), 50)


async def test_dry_run_lists_exactly_what_the_real_run_expires(engine: AsyncEngine) -> None:
    await earn(engine, "idle", 100, now=at(2025, 1, 1))
    await earn(engine, "idle2", 7, now=at(2025, 2, 1))
    await earn(engine, "active", 100, now=at(2025, 1, 1))
    await earn(engine, "active", 1, now=at(2025, 6, 1))
    now = at(2025, 8, 15)
    dry = await run_expiry(uow_for(engine), now=now, dry_run=True)
    async with engine.connect() as conn:
        assert (
            await conn.execute(select(ledger_entries).where(ledger_entries.c.type == "EXPIRE"))
        ).first() is None
    real = await run_expiry(uow_for(engine), now=now)
    assert dry.dry_run and not real.dry_run
    assert dry.expirations == real.expirations
    assert [(e.member_id, e.expiring_points) for e in real.expirations] == [
        ("idle", 50),
        ("idle2", 3),
    ]
    assert (await account_of(engine, "idle")).member.totals.balance == 50
    assert (await account_of(engine, "idle")).member.totals.expired == 50
    assert (await account_of(engine, "active")).member.totals.balance == 101
    async with engine.connect() as conn:
        burns = (
            (
                await conn.execute(
                    select(chain_requests.c.amount)
                    .join(ledger_entries, ledger_entries.c.id == chain_requests.c.ledger_entry_id)
                    .where(ledger_entries.c.type == "EXPIRE", chain_requests.c.kind == BURN)
                    .order_by(chain_requests.c.amount)
                )
            )
            .scalars()
            .all()
        )
    assert burns == [3, 50]
    again = await run_expiry(uow_for(engine), now=now)  # expiry is not activity, and it ran already
    assert again.expirations == []
    idle = await account_of(engine, "idle")
    assert idle.member.last_activity_at == at(2025, 1, 1)
    later = await run_expiry(uow_for(engine), now=at(2026, 2, 15), dry_run=True)  # one period on
    assert [(e.member_id, e.expiring_points) for e in later.expirations] == [
        ("active", 50),
        ("idle", 25),
        ("idle2", 2),
    ]


def test_cli_dry_run_prints_what_would_expire(sqlite_url: str) -> None:
    async def seed() -> None:
        eng = make_async_engine(sqlite_url)
        async with uow_for(eng) as uow:
            await update_program(uow, ProgramChanges(points_expiration=POLICY), revision=1)
        await earn(eng, "idle", 10, now=at(2020, 1, 1))
        await eng.dispose()

    import asyncio

    asyncio.run(seed())
    env = {**os.environ, "LOYALTY_DATABASE_URL": sqlite_url}
    out = subprocess.run(
        [sys.executable, "-m", "cli.main", "expire", "--dry-run", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    result = json.loads(out)
    assert result["dryRun"] is True and result["total"] == 5
    assert result["expirations"][0]["memberId"] == "idle"
