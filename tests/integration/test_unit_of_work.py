"""The real unit of work on SQLite and PostgreSQL: it commits, rolls back, joins, runs handlers
inside its transaction and post-commit hooks only after a commit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.db.engine import make_async_engine
from loyalty.db.ledger import members
from loyalty.domain.events import InboundAccepted
from loyalty.services.members import ensure_member
from loyalty.services.uow import Handlers, UnitOfWork, UnitOfWorkError
from tests.support.ledger import CUSTODY
from tests.unit.fakes import T0


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_async_engine(database_url)
    yield eng
    await eng.dispose()


async def member_ids(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.execute(select(members.c.member_id))).scalars())


async def test_commit_rollback_and_a_nested_use_that_joins(engine: AsyncEngine) -> None:
    uow = UnitOfWork(engine)
    async with uow:
        await ensure_member(uow.conn, "kept", CUSTODY, now=T0)
    with pytest.raises(ValueError):
        async with uow:
            await ensure_member(uow.conn, "outer", CUSTODY, now=T0)
            async with uow:  # joins: its exit commits nothing
                await ensure_member(uow.conn, "inner", CUSTODY, now=T0)
            raise ValueError("after the inner block: the whole transaction rolls back")
    assert await member_ids(engine) == ["kept"]


async def test_handlers_write_in_the_transaction_and_hooks_follow_the_commit(
    engine: AsyncEngine,
) -> None:
    woken: list[int] = []

    async def on_accepted(event: InboundAccepted, uow: Any) -> None:
        await ensure_member(uow.conn, f"from-handler-{event.event_id}", CUSTODY, now=T0)

    handlers = Handlers(
        in_transaction={InboundAccepted: [on_accepted]},
        after_commit={InboundAccepted: [lambda e: woken.append(e.event_id)]},
    )
    uow = UnitOfWork(engine, handlers)
    with pytest.raises(RuntimeError):
        async with uow:
            await uow.publish(InboundAccepted(1, "wix"))
            raise RuntimeError("rolled back with the handler's write")
    assert await member_ids(engine) == [] and woken == []
    async with uow:
        await uow.publish(InboundAccepted(2, "wix"))
        assert woken == []
    assert await member_ids(engine) == ["from-handler-2"] and woken == [2]


async def test_one_unit_of_work_per_task(engine: AsyncEngine) -> None:
    uow = UnitOfWork(engine)
    entered = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with uow:
            entered.set()
            await release.wait()

    task = asyncio.create_task(holder())
    await entered.wait()
    with pytest.raises(UnitOfWorkError, match="another task"):
        async with uow:
            pass
    with pytest.raises(UnitOfWorkError, match="another task"):
        async with uow.read():
            pass
    async with uow.fresh() as other:  # its own transaction, on its own connection
        assert other.conn is not None
        count = await other.conn.scalar(select(func.count()).select_from(members))
        assert count == 0
    release.set()
    await task
    with pytest.raises(UnitOfWorkError, match="not open"):
        _ = uow.conn
