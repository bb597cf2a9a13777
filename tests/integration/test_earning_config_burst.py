"""A burst of reads that all miss the earning configuration's cache loads it once per process
(loyalty.services.earning_config): 40 concurrent previews over 10,000 rules used to load it 30
times at once and run the connection pool dry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.db.engine import make_async_engine
from loyalty.services import earning_config as module
from loyalty.services.earning_config import earning_config


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_async_engine(database_url)
    yield engine
    await engine.dispose()


async def test_concurrent_misses_load_once_and_a_change_loads_again(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = 0
    real = module.active_rules

    async def counted(conn: Any) -> Any:
        nonlocal loads
        loads += 1
        await asyncio.sleep(0.05)  # a slow load: the others arrive while it runs
        return await real(conn)

    monkeypatch.setattr(module, "active_rules", counted)

    async def read() -> int:
        async with engine.connect() as conn:
            return (await earning_config(conn)).version

    versions = await asyncio.gather(*(read() for _ in range(8)))
    assert loads == 1
    assert len(set(versions)) == 1

    async with engine.begin() as conn:  # any change of a watched table moves the version
        await conn.execute(text("UPDATE earning_rules SET revision = revision + 1"))
    after = await asyncio.gather(*(read() for _ in range(8)))
    assert loads == 2
    assert len(set(after)) == 1 and after[0] != versions[0]
