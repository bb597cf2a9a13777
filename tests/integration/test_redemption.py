"""Redeeming rewards on SQLite and PostgreSQL: the tier's config or the base, a REDEEM entry and
its burn in one transaction, unique coupons, idempotency, cancellation as a REFUND mint, bad
input refused with nothing written; and 50 parallel redemptions on PostgreSQL against a balance
that covers 10, with the burns sent on chain by the minter."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from web3 import Web3

from loyalty.db.engine import make_async_engine
from loyalty.db.ledger import ledger_entries
from loyalty.db.outbox import BURN, MINT, chain_requests
from loyalty.domain.errors import Conflict, InvalidInput, NotFound
from loyalty.domain.rewards import (
    InsufficientPoints,
    RewardChanges,
    RewardConfig,
    RewardInput,
    RewardType,
    RewardUnavailable,
)
from loyalty.services.redemptions import cancel_redemption, redeem_reward
from loyalty.services.rewards import create_reward, update_reward
from tests.integration._program import count, earn, reward, tier, written
from tests.support.anvil import AnvilNode
from tests.support.minter import make_env, step_until_final
from tests.support.reads import account_of
from tests.support.uow import uow_for

T0 = datetime.now(UTC)  # tiers are taken at the moment of the redemption


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_async_engine(database_url)
    yield eng
    await eng.dispose()


async def balance(engine: AsyncEngine, member_id: str) -> int:
    return (await account_of(engine, member_id)).member.totals.balance


async def test_redeem_spends_the_cost_writes_a_burn_and_returns_a_coupon(
    engine: AsyncEngine,
) -> None:
    await earn(engine, "m1", 250, now=T0)
    rid = await reward(engine, (None, "5.00", 100))
    first = await redeem_reward(uow_for(engine), "m1", rid, "k1")
    second = await redeem_reward(uow_for(engine), "m1", rid, "k2")
    assert first.coupon_code != second.coupon_code
    assert (first.cost_in_points, first.amount, first.status.value) == (
        100,
        Decimal("5.00"),
        "REDEEMED",
    )
    assert await balance(engine, "m1") == 50
    async with engine.connect() as conn:
        burns = (
            await conn.execute(
                select(chain_requests.c.amount, ledger_entries.c.type)
                .join(ledger_entries, ledger_entries.c.id == chain_requests.c.ledger_entry_id)
                .where(chain_requests.c.kind == BURN)
            )
        ).all()
    assert sorted(burns) == [(100, "REDEEM"), (100, "REDEEM")]


async def test_same_idempotency_key_returns_the_first_redemption(engine: AsyncEngine) -> None:
    await earn(engine, "m1", 250, now=T0)
    rid = await reward(engine, (None, "5", 100))
    first = await redeem_reward(uow_for(engine), "m1", rid, "k1")
    again = await redeem_reward(uow_for(engine), "m1", rid, "k1")
    assert again == first
    assert await balance(engine, "m1") == 150
    other = await reward(engine, (None, "1", 1), name="other")
    with pytest.raises(Conflict):
        await redeem_reward(uow_for(engine), "m1", other, "k1")


async def test_member_in_a_tier_redeems_at_its_config_and_others_fall_back_to_base(
    engine: AsyncEngine,
) -> None:
    gold = await tier(engine, "Gold", 500, now=T0)
    await tier(engine, "Silver", 200, now=T0)
    rid = await reward(engine, (None, "5", 100), (gold, "8", 60))
    await earn(engine, "gold-member", 600, now=T0)
    await earn(engine, "silver-member", 300, now=T0)  # Silver has no config: base
    g = await redeem_reward(uow_for(engine), "gold-member", rid, "k")
    s = await redeem_reward(uow_for(engine), "silver-member", rid, "k")
    assert (g.cost_in_points, g.tier_id) == (60, gold)
    assert (s.cost_in_points, s.tier_id) == (100, None)


async def test_insufficient_points_are_refused_and_nothing_is_written(
    engine: AsyncEngine,
) -> None:
    await earn(engine, "m1", 99, now=T0)
    rid = await reward(engine, (None, "5", 100))
    before = await written(engine)
    with pytest.raises(InsufficientPoints) as err:
        await redeem_reward(uow_for(engine), "m1", rid, "k1")
    assert err.value.code == "INSUFFICIENT_POINTS"
    assert await written(engine) == before
    assert await balance(engine, "m1") == 99


async def test_bad_input_is_refused_and_nothing_is_written(engine: AsyncEngine) -> None:
    await earn(engine, "m1", 500, now=T0)
    inactive = await reward(engine, (None, "5", 100), active=False)
    before = await written(engine)
    with pytest.raises(NotFound):
        await redeem_reward(uow_for(engine), "m1", "no-such-reward", "k")
    with pytest.raises(RewardUnavailable):
        await redeem_reward(uow_for(engine), "m1", inactive, "k")
    with pytest.raises(NotFound):
        await redeem_reward(uow_for(engine), "nobody", inactive, "k")
    with pytest.raises(InvalidInput):
        await redeem_reward(uow_for(engine), "m1", inactive, "")
    for configs in (
        (RewardConfig(None, Decimal(5), -1),),
        (RewardConfig("unknown-tier", Decimal(5), 10),),
    ):
        async with uow_for(engine) as uow:
            with pytest.raises(InvalidInput):
                await create_reward(
                    uow, RewardInput("bad", RewardType.COUPON_REWARD, configs), now=T0
                )
    assert await written(engine) == before


async def test_cancel_gives_the_points_back_as_a_refund_mint_once(engine: AsyncEngine) -> None:
    await earn(engine, "m1", 100, now=T0)
    rid = await reward(engine, (None, "5", 100))
    redemption = await redeem_reward(uow_for(engine), "m1", rid, "k1")
    assert await balance(engine, "m1") == 0
    cancelled = await cancel_redemption(uow_for(engine), redemption.id)
    again = await cancel_redemption(uow_for(engine), redemption.id)
    assert cancelled.status.value == again.status.value == "CANCELLED"
    assert await balance(engine, "m1") == 100
    assert await count(engine, ledger_entries, ledger_entries.c.type == "REFUND") == 1
    refund_mints = await count(
        engine,
        chain_requests,
        chain_requests.c.kind == MINT,
        chain_requests.c.ledger_entry_id == cancelled.refund_entry_id,
    )
    assert refund_mints == 1
    with pytest.raises(NotFound):
        await cancel_redemption(uow_for(engine), "999999")


async def test_deactivating_a_reward_stops_redemptions(engine: AsyncEngine) -> None:
    await earn(engine, "m1", 500, now=T0)
    rid = await reward(engine, (None, "5", 100))
    async with uow_for(engine) as uow:
        await update_reward(uow, rid, RewardChanges(active=False), revision=1, now=T0)
    with pytest.raises(RewardUnavailable):
        await redeem_reward(uow_for(engine), "m1", rid, "k1")


async def test_fifty_parallel_redemptions_on_a_balance_covering_ten(
    anvil: AnvilNode, postgres_url: str
) -> None:
    env = make_env(anvil, postgres_url)
    engine = make_async_engine(postgres_url, pool_size=25, max_overflow=30)
    try:
        await earn(engine, "m1", 1000, now=T0)
        rid = await reward(engine, (None, "5", 100))
        results = await asyncio.gather(
            *(redeem_reward(uow_for(engine), "m1", rid, f"k{i}") for i in range(50)),
            return_exceptions=True,
        )
        ok = [r for r in results if not isinstance(r, BaseException)]
        refused = [r for r in results if isinstance(r, BaseException)]
        assert len(ok) == 10
        assert all(isinstance(r, InsufficientPoints) for r in refused), refused[:3]
        assert len({r.coupon_code for r in ok}) == 10
        account = await account_of(engine, "m1")
        assert account.member.totals.balance == 0
        step_until_final(env, env.minter())
        address = Web3.to_checksum_address(account.member.receiving_address)
        assert env.token.functions.balanceOf(address).call() == 0
        assert env.token.functions.totalSupply().call() == 0
        assert await count(engine, chain_requests, chain_requests.c.kind == BURN) == 10
    finally:
        await engine.dispose()
        env.close()
