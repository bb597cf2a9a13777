"""A member's own wallet on the default, transferable token (issue 20, item 1): the chain is the
truth for what it holds. On anvil, with the minter and the indexer stepped in-process, on SQLite
and PostgreSQL: the member moves points away themselves and cannot then redeem them (no double
spend, no burn the token would refuse)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from web3 import Web3

from audit.check import run_audit
from audit.ledger import SqlLedger
from cli.main import main
from cli.transfer_feed import TransferFeed
from indexer.config import IndexerConfig
from indexer.rpc import HttpRpc
from indexer.sync import Indexer
from indexer.tables import indexer_state
from loyalty.db.engine import make_async_engine
from loyalty.db.ledger import ledger_entries, members, transfer_feed
from loyalty.db.outbox import chain_requests
from loyalty.domain.ledger import NotHeldOnChain
from loyalty.domain.rewards import RewardConfig, RewardInput, RewardType
from loyalty.services.redemptions import redeem_reward
from loyalty.services.rewards import create_reward
from loyalty.services.spendable import spendable_points
from loyalty.services.wallets import issue_challenge, link_wallet
from tests.integration.test_activities import purchase, record
from tests.support.anvil import AnvilNode
from tests.support.ledger import add_rate_rule
from tests.support.minter import MinterEnv, make_env, step_until_final
from tests.support.reads import account_of
from tests.support.uow import uow_for

pytestmark = pytest.mark.anvil

WALLET = Account.from_key("0x" + "43" * 32)  # the member's own keys (not an anvil account)
BOB_WALLET = Account.from_key("0x" + "44" * 32)
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

    async def index(self, *, final: bool = False) -> None:
        """Indexes up to the head (after mining past the finality depth if `final`); the
        composition's transfer feed runs after each step, in its own loop (hence a thread)."""
        if final:
            self.env.anvil.mine(self.env.settings.finality_depth + 1)
        await asyncio.to_thread(self.indexer.run_until_caught_up)

    async def entries(self, member: str, *types: str) -> list[tuple[str, int, int]]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(ledger_entries.c.type, ledger_entries.c.points, ledger_entries.c.delta)
                    .join(members, members.c.id == ledger_entries.c.member_pk)
                    .where(members.c.member_id == member, ledger_entries.c.type.in_(types))
                    .order_by(ledger_entries.c.id)
                )
            ).all()
        return [tuple(r) for r in rows]  # type: ignore[misc]

    def audit(self) -> Any:
        with self.env.engine.connect() as conn:
            block = conn.execute(select(indexer_state.c.indexed_block)).scalar_one()
        rpc = HttpRpc(self.env.anvil.url, timeout=10.0)
        try:
            return run_audit(self.env.engine, rpc, block, SqlLedger(self.env.engine))
        finally:
            rpc.close()

    async def balance(self, member: str) -> int:
        return (await account_of(self.engine, member)).member.totals.balance

    def send_from_wallet(self, call: Any, wallet: Any = WALLET) -> None:
        w3 = self.env.chain.w3
        self.env.anvil.rpc("anvil_setBalance", [wallet.address, hex(10**18)])
        tx = call.build_transaction(
            {
                "from": wallet.address,
                "nonce": w3.eth.get_transaction_count(wallet.address),
                "gas": 200_000,
                "maxFeePerGas": 10 * 10**9,
                "maxPriorityFeePerGas": 10**9,
                "chainId": self.env.anvil.chain_id,
            }
        )
        signed = Account.sign_transaction(tx, wallet.key)
        receipt = w3.eth.wait_for_transaction_receipt(
            w3.eth.send_raw_transaction(signed.raw_transaction)
        )
        assert receipt["status"] == 1

    def transfer(self, to: str, amount: int, wallet: Any = WALLET) -> None:
        call = self.env.token.functions.transfer(Web3.to_checksum_address(to), amount)
        self.send_from_wallet(call, wallet)

    async def link(self, member: str, wallet: Any = WALLET) -> None:
        challenge = await issue_challenge(uow_for(self.engine), member)
        signature = Account.sign_message(encode_defunct(text=challenge.message), wallet.key)
        await link_wallet(
            uow_for(self.engine), member, wallet.address, signature.signature.to_0x_hex()
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
    feed = TransferFeed(database_url)  # as cli/indexer.py composes it
    indexer.after_step = feed
    await add_rate_rule(engine, per="1", points=1)
    try:
        yield World(env, engine, indexer)
    finally:
        await asyncio.to_thread(feed.close)
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
    await world.index()  # indexed, not final yet: no entry, but the wallet caps what is spent
    assert world.balance_of(wallet) == 60
    assert await world.entries("m1", "TRANSFER_OUT") == []
    member = (await account_of(world.engine, "m1")).member
    async with world.engine.connect() as conn:
        assert (member.totals.balance, await spendable_points(conn, member)) == (100, 60)

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
    await world.index(final=True)
    assert world.balance_of(wallet) == 10 and world.balance_of(AWAY) == 40
    # Final now: the transfer is an entry of its own, with no chain request (the chain moved).
    assert await world.entries("m1", "TRANSFER_OUT") == [("TRANSFER_OUT", -40, -40)]
    assert await world.balance("m1") == world.balance_of(wallet) == 10
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
    world.settle()
    await world.index(final=True)
    assert await world.balance("m1") == world.balance_of(wallet) == 0
    assert world.audit().findings == []  # the account and the audit agree with balanceOf


async def test_the_audit_reports_a_member_whose_ledger_differs_from_their_address(
    world: World,
) -> None:
    await record(world.engine, purchase("p1", value="100"))
    world.settle()
    await world.link("m1")
    world.settle()
    wallet = WALLET.address.lower()
    world.transfer(AWAY, 40)
    await world.index()
    # Not final yet: the transfer is pending for the ledger, not a mismatch.
    assert world.audit().findings == []
    await world.index(final=True)
    assert world.audit().findings == []
    # By hand, the ledger gives m1 5 points the chain never got.
    async with world.engine.begin() as conn:
        await conn.execute(
            update(members)
            .where(members.c.member_id == "m1")
            .values(adjusted=members.c.adjusted + 5)
        )
    report = world.audit()
    assert not report.clean
    [finding] = report.findings
    assert (finding.check, finding.code) == ("MEMBER", "MEMBER_BALANCE_MISMATCH")
    assert finding.detail["memberId"] == "m1" and finding.detail["address"] == wallet
    assert (finding.detail["expected"], finding.detail["chain"]) == ("65", "60")


async def test_a_transfer_into_a_linked_wallet_credits_the_member_once(
    world: World, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await record(world.engine, purchase("p1", value="30"))  # m1 (ann) earns 30
    await record(world.engine, purchase("p2", member="m2", order="o2", value="70"))  # bob 70
    world.settle()
    await world.link("m1")
    await world.link("m2", BOB_WALLET)
    world.settle()
    ann, bob = WALLET.address.lower(), BOB_WALLET.address.lower()
    world.transfer(ann, 25, BOB_WALLET)  # bob sends ann 25 from his own wallet
    world.transfer(ann, 5)  # ann sends 5 to herself: nothing moves, nothing is posted
    await world.index(final=True)
    assert await world.entries("m1", "TRANSFER_IN", "TRANSFER_OUT") == [("TRANSFER_IN", 25, 25)]
    assert await world.entries("m2", "TRANSFER_IN", "TRANSFER_OUT") == [("TRANSFER_OUT", -25, -25)]
    assert (await world.balance("m1"), await world.balance("m2")) == (55, 45)
    assert (world.balance_of(ann), world.balance_of(bob)) == (55, 45)

    # Read again: the same range (checkpoint forgotten), then a restarted `loyalty indexer`.
    async with world.engine.begin() as conn:
        await conn.execute(delete(transfer_feed))
    await asyncio.to_thread(world.indexer.after_step)  # type: ignore[arg-type]
    monkeypatch.setenv("LOYALTY_DATABASE_URL", database_url)
    monkeypatch.setenv("LOYALTY_RPC_URL", world.env.settings.rpc_url)
    monkeypatch.setenv("LOYALTY_FINALITY_DEPTH", str(world.env.settings.finality_depth))
    monkeypatch.delenv("LOYALTY_CHAIN_STATE", raising=False)
    world.env.anvil.mine(world.env.settings.finality_depth + 1)
    assert await asyncio.to_thread(main, ["indexer", "--once"]) == 0
    assert await world.entries("m1", "TRANSFER_IN", "TRANSFER_OUT") == [("TRANSFER_IN", 25, 25)]
    assert (await world.balance("m1"), await world.balance("m2")) == (55, 45)
    async with world.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(chain_requests))).scalar() == 6
    # ann can spend what she received (it is at her wallet).
    await redeem_reward(uow_for(world.engine), "m1", await world.reward(55), "r-55")


async def test_a_new_wallet_is_linked_only_once_the_old_one_covers_the_balance(
    world: World,
) -> None:
    await record(world.engine, purchase("p1", value="100"))
    world.settle()
    await world.link("m1")
    world.settle()
    world.transfer(AWAY, 40)
    await world.index()  # indexed, not final: the ledger still says 100, the wallet holds 60
    with pytest.raises(NotHeldOnChain, match="holds 60 on chain"):
        await world.link("m1", BOB_WALLET)  # would burn 100 where 60 are
    await world.index(final=True)  # TRANSFER_OUT posted: 60 on both sides
    await world.link("m1", BOB_WALLET)
    world.settle()
    await world.index(final=True)
    assert world.balance_of(BOB_WALLET.address) == 60 == await world.balance("m1")
    assert world.balance_of(WALLET.address) == 0
    assert world.audit().findings == []
