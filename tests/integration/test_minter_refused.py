"""One burn the token refuses never holds another member's burn (issue 20, item 2).

A member links their own wallet on the default, transferable token, redeems a reward, and moves
points away from the wallet before the burn is sent; another member's redemption is batched with
it. The token refuses the first burn (`ERC20InsufficientBalance`): the minter takes that request
out of the batch (REFUSED, with the decoded reason), the other burn lands in the same step, the
refused one is never sent again, `mintingStatus` and the member's account show it, and
`loyalty audit --json` is clean and lists it as refused. SQLite and PostgreSQL, on anvil."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from sqlalchemy import func, select
from web3 import Web3

from api.app import create_app
from cli.main import main
from loyalty.db.outbox import BURN, FINAL, REFUSED, SETTLED, chain_requests
from loyalty.runtime import Runtime
from loyalty.settings import DEV_CUSTODY_MNEMONIC
from minter.config import MinterConfig
from minter.loop import Minter
from minter.node import Reverted, RpcNode, _json_tx, _RpcError
from minter.tables import B_FINAL, B_REFUSED, mint_batches, minter_txs
from tests.integration._rules_client import ADMIN_KEY, CREATE, JWT_SECRET, Api, stores_rule
from tests.support.anvil import AnvilNode
from tests.support.minter import (
    MinterEnv,
    batch_rows,
    insert_requests,
    make_env,
    member_address,
    step_until_final,
    tx_rows,
)

pytestmark = pytest.mark.anvil

# ann's own wallet (not one of anvil's accounts, which the dev custody mnemonic also derives).
WALLET = Account.from_key("0x" + "42" * 32)
FRIEND = Account.from_key("0x" + "43" * 32)  # where ann sends points herself
AWAY = FRIEND.address.lower()

RECORD = """mutation($i: RecordActivityInput!) { recordActivity(input: $i) {
  awards { points } } }"""
CHALLENGE = """mutation($m: String!) { walletLinkChallenge(memberId: $m) { message } }"""
LINK = """mutation($m: String!, $a: String!, $s: String!) {
  linkWallet(memberId: $m, address: $a, signature: $s) { receivingAddress } }"""
CREATE_REWARD = """mutation($r: RewardInput!) { createReward(reward: $r) { id } }"""
REDEEM = """mutation($m: String!, $r: ID!, $k: String!) {
  redeemReward(memberId: $m, rewardId: $r, idempotencyKey: $k) { id costInPoints } }"""
ACCOUNT = """query($m: String!) { account(memberId: $m) {
  receivingAddress points { balance pending refused }
  refusedChainRequests { memberId kind address amount reason batch } } }"""
REQUEUE = """mutation($id: Long!) { requeueRefusedChainRequest(id: $id) }"""
MINTING = """{ mintingStatus { outboxDepth pendingRequests pendingPoints refusedRequests
  refusedPoints refused { memberId kind address amount reason batch refusedAt }
  batches { status count } lastError { message } } }"""


@dataclass
class World:
    env: MinterEnv
    api: Api
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    async def purchase(self, member: str, order: str, value: str) -> None:
        variables = {
            "i": {
                "idempotencyKey": f"buy-{order}",
                "memberId": member,
                "activityType": "stores/OrderPaid",
                "triggerAppId": "stores",
                "orderId": order,
                "amount": {"value": value, "currency": "USD"},
            }
        }
        await self.api.ok(RECORD, variables)

    async def reward(self, cost: int) -> str:
        config = {"tierId": None, "amount": "5", "costInPoints": cost}
        reward = {"name": f"{cost} off", "type": "DISCOUNT_AMOUNT", "configsByTier": [config]}
        return str((await self.api.ok(CREATE_REWARD, {"r": reward}))["createReward"]["id"])

    async def redeem(self, member: str, reward: str) -> None:
        await self.api.ok(REDEEM, {"m": member, "r": reward, "k": f"{member}-{reward}"})

    async def address(self, member: str) -> str:
        account = (await self.api.ok(ACCOUNT, {"m": member}))["account"]
        return str(account["receivingAddress"])

    def balance_of(self, address: str) -> int:
        return int(self.env.token.functions.balanceOf(Web3.to_checksum_address(address)).call())

    def send_from_wallet(
        self, call: Any, *, tip_gwei: int = 1, wait: bool = True, key: Any = WALLET
    ) -> None:
        """ann (or `key`) signs and sends a token call from her own wallet (funded with ether
        for gas)."""
        w3 = self.env.chain.w3
        self.env.anvil.rpc("anvil_setBalance", [key.address, hex(10**18)])
        tx = call.build_transaction(
            {
                "from": key.address,
                "nonce": w3.eth.get_transaction_count(key.address),
                "gas": 200_000,
                "maxFeePerGas": (10 + tip_gwei) * 10**9,
                "maxPriorityFeePerGas": tip_gwei * 10**9,
                "chainId": self.env.anvil.chain_id,
            }
        )
        signed = Account.sign_transaction(tx, key.key)
        sent = w3.eth.send_raw_transaction(signed.raw_transaction)
        if wait:
            assert w3.eth.wait_for_transaction_receipt(sent)["status"] == 1

    def settle(self, minter: Any, steps: int = 10) -> None:
        """Steps and mines past the finality depth until no request is left unsettled."""
        for _ in range(steps):
            minter.step()
            if unsettled(self.env) == 0:
                return
            self.env.anvil.mine(self.env.settings.finality_depth + 1)
        raise AssertionError(f"{unsettled(self.env)} requests not settled")

    def index(self) -> None:
        """`loyalty indexer --once` on the test's database and node."""
        s = self.env.settings
        self.monkeypatch.setenv("LOYALTY_DATABASE_URL", s.database_url)
        self.monkeypatch.setenv("LOYALTY_RPC_URL", s.rpc_url)
        self.monkeypatch.delenv("LOYALTY_CHAIN_STATE", raising=False)
        assert main(["indexer", "--once"]) == 0
        self.capsys.readouterr()

    def audit(self) -> dict[str, Any]:
        self.index()
        code = main(["audit", "--json"])
        report: dict[str, Any] = json.loads(self.capsys.readouterr().out)
        report["exit"] = code
        return report


class LatestBlockNode(RpcNode):
    """A node whose gas estimate simulates at the latest block (anvil's uses the pending one)."""

    refused_estimates = 0

    def estimate_gas(self, tx: dict[str, Any], block: str | None = None) -> int:
        try:  # whatever the block asked for
            return int(str(self._rpc("eth_estimateGas", [_json_tx(tx), "latest"])), 16)
        except _RpcError as exc:
            self.refused_estimates += 1
            raise Reverted(str(exc), exc.data) from None


def unsettled(env: MinterEnv) -> int:
    with env.engine.connect() as conn:
        query = select(func.count()).where(chain_requests.c.status.not_in(SETTLED))
        return int(conn.execute(query).scalar_one())


@pytest.fixture
async def world(
    anvil: AnvilNode,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> AsyncIterator[World]:
    env = make_env(
        anvil,
        database_url,
        admin_api_key=ADMIN_KEY,
        member_jwt_secret=JWT_SECRET,
        minter_in_serve=False,
        custody_mnemonic=DEV_CUSTODY_MNEMONIC,
    )
    assert env.settings.transferable  # the default token, on which a member can move points
    runtime = Runtime.start(env.settings, deploy_if_missing=False)
    try:
        app = create_app(env.settings, runtime)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            api = Api(client, runtime)
            await api.ok(CREATE, {"r": stores_rule()})  # 2 points per 1 spent
            yield World(env, api, monkeypatch, capsys)
    finally:
        await runtime.aclose()
        env.close()


async def _two_redemptions(world: World) -> tuple[Any, str, str]:
    """ann (100 points at her own linked wallet) and bob (100, custodial) redeem 100 and 60; the
    burns wait in the outbox. Returns the minter and both addresses."""
    env, api = world.env, world.api
    await world.purchase("ann", "o-1", "50")
    await world.purchase("bob", "o-2", "50")
    minter = env.minter()
    world.settle(minter)
    # ann links her own wallet: her 100 points move there.
    message = (await api.ok(CHALLENGE, {"m": "ann"}))["walletLinkChallenge"]["message"]
    signature = Account.sign_message(encode_defunct(text=message), WALLET.key).signature
    await api.ok(LINK, {"m": "ann", "a": WALLET.address, "s": signature.to_0x_hex()})
    world.settle(minter)
    ann, bob = await world.address("ann"), await world.address("bob")
    assert ann == WALLET.address.lower()
    assert (world.balance_of(ann), world.balance_of(bob)) == (100, 100)
    # ann's wallet is indexed: redemption plans a burn only as far as the wallet holds.
    world.index()
    await world.redeem("ann", await world.reward(100))
    await world.redeem("bob", await world.reward(60))
    return minter, ann, bob


async def test_a_burn_reverted_on_chain_for_one_address_does_not_hold_the_other(
    world: World,
) -> None:
    """The estimate passed, then ann's own transfer (a higher tip) was mined first in the same
    block: the batch reverts on chain. The next send isolates her burn; bob's goes."""
    env = world.env
    minter, ann, bob = await _two_redemptions(world)
    env.anvil.rpc("evm_setAutomine", [False])
    minter.step()  # the batch of both burns is signed and broadcast
    [in_flight] = [b for b in batch_rows(env.engine) if b.status == "SENT"]
    assert (in_flight.recipients, in_flight.total) == (2, 160)
    transfer = env.token.functions.transfer(Web3.to_checksum_address(AWAY), 40)
    world.send_from_wallet(transfer, tip_gwei=50, wait=False)
    env.anvil.mine(1)
    env.anvil.rpc("evm_setAutomine", [True])
    assert (world.balance_of(ann), world.balance_of(bob)) == (60, 100)  # the batch reverted
    assert [t.state for t in tx_rows(env.engine)][-1] == "BROADCAST"
    minter.step()  # the revert is seen; the batch goes back to be sent, without ann
    minter.step()
    assert world.balance_of(bob) == 40
    assert world.balance_of(ann) == 60
    world.settle(minter)
    with env.engine.connect() as conn:
        [refused] = conn.execute(
            select(chain_requests).where(chain_requests.c.status == REFUSED)
        ).all()
    assert (refused.member_id, refused.amount) == ("ann", 100)
    assert "ERC20InsufficientBalance" in refused.last_error and "60, 100" in refused.last_error
    assert sorted(t.state for t in tx_rows(env.engine))[-2:] == ["MINED", "REVERTED"]
    report = world.audit()
    assert report["findings"] == [] and report["ledger"]["status"] == "CLEAN", report
    assert [r["nets"] for r in report["ledger"]["refused"]] == [{ann: "-100"}]


async def test_a_refused_burn_is_isolated_and_the_other_members_burn_lands_at_once(
    world: World,
) -> None:
    env, api = world.env, world.api
    minter, ann, bob = await _two_redemptions(world)
    # Before the minter burns, ann sends 40 of her points away herself.
    world.send_from_wallet(env.token.functions.transfer(Web3.to_checksum_address(AWAY), 40))
    assert world.balance_of(ann) == 60

    sent_before = len(tx_rows(env.engine))
    minter.step()  # one step: the two burns form one batch; ann's is refused, bob's goes
    assert world.balance_of(bob) == 40  # landed at once (anvil mines on arrival)
    assert world.balance_of(ann) == 60 and world.balance_of(AWAY) == 40
    assert len(tx_rows(env.engine)) == sent_before + 1  # one transaction: bob's burn only

    world.settle(minter)
    with env.engine.connect() as conn:
        refused = conn.execute(
            select(chain_requests).where(chain_requests.c.status == REFUSED)
        ).all()
        bob_burn = conn.execute(
            select(chain_requests).where(
                chain_requests.c.member_id == "bob", chain_requests.c.kind == BURN
            )
        ).one()
    [request] = refused
    assert (request.member_id, request.kind, request.address, request.amount) == (
        "ann",
        BURN,
        ann,
        100,
    )
    assert "ERC20InsufficientBalance" in request.last_error
    assert "60, 100" in request.last_error
    assert bob_burn.status == FINAL
    refused_batch = next(b for b in batch_rows(env.engine) if b.id == request.batch_id)
    assert refused_batch.status == B_REFUSED and refused_batch.tx_hash is None
    # A settle batch's part (the minter commits with every batch), refused on its own.
    assert (refused_batch.kind, refused_batch.recipients, refused_batch.total) == (
        "SETTLE",
        1,
        100,
    )
    bob_batch = next(b for b in batch_rows(env.engine) if b.id == bob_burn.batch_id)
    assert bob_batch.status == B_FINAL and (bob_batch.recipients, bob_batch.total) == (1, 60)

    # Never retried: more steps and blocks sign nothing new and leave the refusal as it is.
    txs = len(tx_rows(env.engine))
    for _ in range(3):
        minter.step()
        env.anvil.mine(env.settings.finality_depth + 1)
    assert len(tx_rows(env.engine)) == txs
    with env.engine.connect() as conn:
        again = conn.execute(
            select(mint_batches.c.status, mint_batches.c.attempts).where(
                mint_batches.c.id == refused_batch.id
            )
        ).one()
        assert tuple(again) == (B_REFUSED, 0)
        assert (
            conn.execute(
                select(func.count()).where(minter_txs.c.batch_pk == refused_batch.id)
            ).scalar_one()
            == 0
        )
    assert world.balance_of(ann) == 60

    status = (await api.ok(MINTING))["mintingStatus"]
    assert (status["outboxDepth"], status["pendingRequests"], status["pendingPoints"]) == (
        0,
        0,
        "0",
    )
    assert (status["refusedRequests"], status["refusedPoints"]) == (1, "-100")
    assert status["lastError"] is None  # a refusal is settled, not an error being retried
    [shown] = status["refused"]
    assert {k: shown[k] for k in ("memberId", "kind", "address", "amount", "batch")} == {
        "memberId": "ann",
        "kind": "BURN",
        "address": ann,
        "amount": 100,
        "batch": refused_batch.id,
    }
    assert shown["reason"].startswith("ERC20InsufficientBalance(") and "60, 100" in shown["reason"]
    assert {b["status"]: b["count"] for b in status["batches"]}["REFUSED"] == 1

    account = (await api.ok(ACCOUNT, {"m": "ann"}))["account"]
    assert account["points"] == {"balance": 0, "pending": 0, "refused": -100}
    assert [r["reason"] for r in account["refusedChainRequests"]] == [shown["reason"]]
    other = (await api.ok(ACCOUNT, {"m": "bob"}))["account"]
    assert other["points"] == {"balance": 40, "pending": 0, "refused": 0}
    assert other["refusedChainRequests"] == []

    report = world.audit()
    assert report["findings"] == [] and report["clean"] is True, report
    assert report["exit"] == 0
    assert report["ledger"] == {
        "status": "CLEAN",
        "reason": None,
        "refused": [{"batchId": refused_batch.batch_id, "nets": {ann: "-100"}}],
    }


def test_a_burn_waiting_for_a_mint_still_in_flight_is_not_refused(
    anvil: AnvilNode, database_url: str
) -> None:
    """The latest block does not show a mint still in the mempool: on a node that simulates at
    the latest block a burn that needs it fails with ERC20InsufficientBalance, but is not refused
    for it (another unmined batch touches the address); it goes once the mint is mined."""
    env = make_env(anvil, database_url)
    try:
        a = member_address(1)
        insert_requests(env.engine, [("MINT", a, 10)])
        config = MinterConfig.from_settings(env.settings)
        node = LatestBlockNode(env.chain)
        minter = Minter(env.engine, env.chain, env.deployment, config, node=node)
        env.anvil.rpc("evm_setAutomine", [False])
        minter.step()  # the mint batch is sent, not mined
        [mint] = batch_rows(env.engine)
        assert mint.status == "SENT"
        insert_requests(env.engine, [("BURN", a, 4)])
        minter.step()
        minter.step()
        with env.engine.connect() as conn:
            assert (
                conn.execute(
                    select(func.count()).where(chain_requests.c.status == REFUSED)
                ).scalar_one()
                == 0
            )
        env.anvil.rpc("evm_setAutomine", [True])
        env.anvil.mine(1)
        step_until_final(env, minter)
        assert [b.status for b in batch_rows(env.engine)] == [B_FINAL, B_FINAL]
        assert env.token.functions.balanceOf(Web3.to_checksum_address(a)).call() == 6
    finally:
        env.close()


async def test_a_refused_burn_is_requeued_once_the_points_are_back_and_then_burned(
    world: World,
) -> None:
    env, api = world.env, world.api
    minter, ann, bob = await _two_redemptions(world)
    world.send_from_wallet(env.token.functions.transfer(Web3.to_checksum_address(AWAY), 40))
    world.settle(minter)
    [refused] = (await api.ok(MINTING))["mintingStatus"]["refused"]
    with env.engine.connect() as conn:
        request_id = conn.execute(
            select(chain_requests.c.id).where(chain_requests.c.status == REFUSED)
        ).scalar_one()
    # Not REFUSED (bob's burn, final) or unknown: refused with a code, nothing changes.
    with env.engine.connect() as conn:
        final_id = conn.execute(
            select(chain_requests.c.id).where(
                chain_requests.c.member_id == "bob", chain_requests.c.kind == BURN
            )
        ).scalar_one()
    for wrong, code in ((final_id, "VALIDATION"), (10**9, "NOT_FOUND")):
        body = await api.gql(REQUEUE, {"id": wrong})
        assert body["errors"][0]["extensions"]["code"] == code, body

    # The friend sends the 40 back; an admin re-queues the refused burn; it is burned.
    back = env.token.functions.transfer(Web3.to_checksum_address(ann), 40)
    world.send_from_wallet(back, key=FRIEND)
    assert world.balance_of(ann) == 100
    assert (await api.ok(REQUEUE, {"id": request_id}))["requeueRefusedChainRequest"] == request_id
    account = (await api.ok(ACCOUNT, {"m": "ann"}))["account"]
    assert account["points"] == {"balance": 0, "pending": -100, "refused": 0}
    world.settle(minter)
    assert (world.balance_of(ann), world.balance_of(bob)) == (0, 40)
    status = (await api.ok(MINTING))["mintingStatus"]
    assert (status["refusedRequests"], status["refused"], status["outboxDepth"]) == (0, [], 0)
    account = (await api.ok(ACCOUNT, {"m": "ann"}))["account"]
    assert account["points"] == {"balance": 0, "pending": 0, "refused": 0}
    assert account["refusedChainRequests"] == []
    emptied = next(b for b in batch_rows(env.engine) if b.id == refused["batch"])
    assert (emptied.status, emptied.recipients, emptied.total) == (B_REFUSED, 0, 0)
    report = world.audit()
    assert report["findings"] == [] and report["clean"] is True, report
    assert report["ledger"] == {"status": "CLEAN", "reason": None, "refused": []}
