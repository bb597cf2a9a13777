"""Balances and time travel against a real anvil node, on SQLite and PostgreSQL."""

from __future__ import annotations

import random

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from indexer.errors import NotIndexedYet
from indexer.queries import indexed_balance, indexed_balance_sync
from loyalty.db.engine import make_async_engine
from tests.support.indexing import close, make_indexer
from tests.support.token_activity import TokenActivity, random_address


@pytest.fixture
def activity(anvil, database_url):
    act = TokenActivity.deploy(anvil, database_url)
    yield act
    act.close()


async def test_balance_at_every_block_matches_balance_of(activity, database_url) -> None:
    rng = random.Random(7)
    holders = [random_address(rng) for _ in range(12)]
    activity.mint(holders, [rng.randint(50, 500) for _ in holders])
    for _ in range(25):
        moves = []
        for _ in range(rng.randint(0, 3)):
            a, b = rng.sample(holders, 2)
            moves.append((a, b, rng.randint(1, 20)))
        if moves:
            activity.transfers(moves)
        if rng.random() < 0.2:
            activity.burn([rng.choice(holders)], [1])
        activity.node.mine(1)
    indexer = make_indexer(database_url, activity, initial_range=4)
    try:
        state = indexer.run_until_caught_up()
        head = activity.head()
        assert state.indexed_block == head
        async_engine: AsyncEngine = make_async_engine(database_url)
        async with async_engine.connect() as conn:
            for block in range(activity.deployment.deployment_block, head + 1):
                on_chain = activity.balance_of(holders, block)
                for h in holders:
                    assert await indexed_balance(conn, h, block) == on_chain[h], (h, block)
            latest = activity.balance_of(holders)
            for h in holders:
                assert await indexed_balance(conn, h) == latest[h]
                assert await indexed_balance(conn, h.upper().replace("0X", "0x")) == latest[h]
            with pytest.raises(NotIndexedYet):
                await indexed_balance(conn, holders[0], head + 1)
        await async_engine.dispose()
        with indexer.engine.connect() as conn:
            assert indexed_balance_sync(conn, random_address(rng)) == 0
        assert state.total_supply == activity.total_supply()
    finally:
        close(indexer)
