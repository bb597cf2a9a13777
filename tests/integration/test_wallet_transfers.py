"""A member's own wallet on the default, transferable token (issue 20, item 1): the chain is the
truth for what it holds. On anvil, with the minter and the indexer stepped in-process, on SQLite
and PostgreSQL: the member moves points away themselves and cannot then redeem them (no double
spend, no burn the token would refuse)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from web3 import Web3

from indexer.config import IndexerConfig
from indexer.rpc import HttpRpc
from indexer.sync import Indexer
from loyalty.db.engine import make_async_engine
from loyalty.db.ledger import ledger_entries
from loyalty.db.outbox import chain_requests
from loyalty.domain.ledger import NotHeldOnChain
from loyalty.domain.rewards import RewardConfig, RewardInput, RewardType
from loyalty.services.redemptions import redeem_reward
from loyalty.services.rewards import create_reward
from loyalty.services.wallets import issue_challenge, link_wallet
from tests.integration.test_activities import purchase, record
from tests.support.anvil import AnvilNode
from tests.support.ledger import add_rate_rule
from tests.support.minter import MinterEnv, make_env, step_until_final
from tests.support.reads import account_of
from tests.support.uow import uow_for

pytestmark = pytest.mark.anvil

WALLET = Account.from_key("0x" + "43" * 32)  # the member's own keys (not an anvil account)
AWAY = "0x" + "de" * 20


@dataclass
class World:
    env: MinterEnv
    engine: AsyncEngine
    indexer: Indexer

    def balance_of(self, address: str) -> int:
        token = self.env.token
        return int(token.functions.balanceOf(Web3.to_checksum_address(address)).call())

    def settle(self) -> None:
        step_until_final(self.env, self.env.minters[0] if self.env.minters else self.env.minter())

    def index(self) -> None:
        self.indexer.run_until_caught_up()

    def send_from_wallet(self, call: Any) -> None:
        w3 = self.env.chain.w3
        self.env.anvil.rpc("anvil_setBalance", [WALLET.address, hex(10**18)])
        tx = call.build_transaction(
            {
                "from": WALLET.address,
                "nonce": w3.eth.get_transaction_count(WALLET.address),
                "gas": 200_000,
                "maxFeePerGas": 10 * 10**9,
                "maxPriorityFeePerGas": 10**9,
                "chainId": self.env.anvil.chain_id,
            }
        )
        signed = Account.sign_transaction(tx, WALLET.key)
        receipt = w3.eth.wait_for_transaction_receipt(
            w3.eth.send_raw_transaction(signed.raw_transaction)
        )
        assert receipt["status"] == 1

    def transfer(self, to: str, amount: int) -> None:
        self.send_from_wallet(
            self.env.token.functions.transfer(Web3.to_checksum_address(to), amount)
        )

    async def link(self, member: str) -> None:
        challenge = await issue_challenge(uow_for(self.engine), member)
        signature = Account.sign_message(encode_defunct(text=challenge.message), WALLET.key)
        await link_wallet(
            uow_for(self.engine), member, WALLET.address, signature.signature.to_0x_hex()
        )

    async def reward(self, cost: int) -> str:
        reward = await create_reward(
            uow_for(self.engine),
            RewardInput(
                f"{cost} off", RewardType.DISCOUNT_AMOUNT, (RewardConfig(None, Decimal(5), cost),)
            ),
        )
        return reward.id


@pytest.fixture
async def world(anvil: AnvilNode, database_url: str) -> AsyncIterator[World]:
    env = make_env(anvil, database_url)
    assert env.settings.transferable  # the default token, on which a member can move points
    engine = make_async_engine(database_url)
    indexer = Indexer(
        engine=env.engine,
        rpc=HttpRpc(anvil.url, timeout=10.0),
        chain_id=anvil.chain_id,
        token=env.deployment.address,
        start_block=env.deployment.deployment_block,
        config=IndexerConfig(
            finality_depth=env.settings.finality_depth, retry_delay=0.01, poll_interval=0.05
        ),
    )
    await add_rate_rule(engine, per="1", points=1)
    try:
        yield World(env, engine, indexer)
    finally:
        indexer.rpc.close()
        await engine.dispose()
        env.close()


async def test_points_moved_away_from_a_linked_wallet_cannot_be_redeemed_again(
    world: World,
) -> None:
    await record(world.engine, purchase("p1", value="100"))  # m1 earns 100
    world.settle()
    await world.link("m1")
    world.settle()
    wallet = WALLET.address.lower()
    assert world.balance_of(wallet) == 100
    # The member sends 40 of their 100 points away themselves.
    world.transfer(AWAY, 40)
    world.index()
    assert world.balance_of(wallet) == 60

    async with world.engine.connect() as conn:
        before = (
            len((await conn.execute(select(ledger_entries))).all()),
            len((await conn.execute(select(chain_requests))).all()),
        )
    with pytest.raises(NotHeldOnChain, match="holds 60 on chain") as err:
        await redeem_reward(uow_for(world.engine), "m1", await world.reward(100), "r-100")
    assert err.value.code == "INSUFFICIENT_POINTS"
    async with world.engine.connect() as conn:
        after = (
            len((await conn.execute(select(ledger_entries))).all()),
            len((await conn.execute(select(chain_requests))).all()),
        )
    assert after == before  # nothing spent, no burn planned

    # What the wallet holds can be spent; once its burn is in flight, no more.
    await redeem_reward(uow_for(world.engine), "m1", await world.reward(50), "r-50")
    with pytest.raises(NotHeldOnChain, match="50 being burned, so 10 can be spent"):
        await redeem_reward(uow_for(world.engine), "m1", await world.reward(11), "r-11")
    world.settle()
    world.index()
    assert world.balance_of(wallet) == 10 and world.balance_of(AWAY) == 40
    async with world.engine.connect() as conn:
        burns = (
            await conn.execute(
                select(chain_requests.c.amount, chain_requests.c.status).where(
                    chain_requests.c.address == wallet, chain_requests.c.kind == "BURN"
                )
            )
        ).all()
    assert [tuple(b) for b in burns] == [(50, "FINAL")]  # never one the token refused
    await redeem_reward(uow_for(world.engine), "m1", await world.reward(10), "r-10")
    assert (await account_of(world.engine, "m1")).member.totals.redeemed == 60
