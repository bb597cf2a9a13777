"""Mints and burns that cancel out inside one minter batch, through the real use cases: a
redemption cancelled at once, a refund right after its purchase, a Wix refund that arrives with
its checkout. The minter records a NETTED batch (no transaction), and after indexing both
`loyalty audit --json` and GraphQL `audit` are clean: no false MISSING_ON_CHAIN. SQLite and
PostgreSQL; the chain is anvil, as in the other minter tests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from web3 import Web3

from api.app import create_app
from cli.main import main
from loyalty.db.outbox import chain_requests
from loyalty.runtime import Runtime
from loyalty.settings import DEV_CUSTODY_MNEMONIC
from minter.tables import B_FINAL, B_NETTED, minter_txs
from tests.integration._rules_client import (
    ADMIN_KEY,
    CREATE,
    JWT_SECRET,
    Api,
    member_jwt,
    stores_rule,
)
from tests.support.anvil import AnvilNode
from tests.support.minter import MinterEnv, batch_rows, make_env, step_until_final
from tests.support.webhooks import (
    SECRET_NEW,
    WIX_PUBLIC_PEM,
    checkout_completed,
    drain,
    payment_status,
)

RECORD = """mutation($i: RecordActivityInput!) { recordActivity(input: $i) {
  awards { points } } }"""
REFUND = """mutation($i: RecordRefundInput!) { recordRefund(input: $i) { pointsTaken } }"""
CREATE_REWARD = """mutation($r: RewardInput!) { createReward(reward: $r) { id } }"""
REDEEM = """mutation($m: String!, $r: ID!, $k: String!) {
  redeemReward(memberId: $m, rewardId: $r, idempotencyKey: $k) { id costInPoints } }"""
CANCEL = """mutation($id: ID!) { cancelRedemption(redemptionId: $id) { status } }"""
ACCOUNT = """query($m: String!) { account(memberId: $m) {
  receivingAddress points { balance onchain pending } } }"""
AUDIT = """query($b: Long!) { audit(block: $b) {
  clean ledgerStatus findings { check code message } } }"""
MINTING = """{ mintingStatus { outboxDepth batches { status count } } }"""


@dataclass
class World:
    env: MinterEnv
    api: Api
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    @property
    def runtime(self) -> Runtime:
        return self.api.runtime

    def mint_until_final(self) -> None:
        step_until_final(self.env, self.env.minter())

    async def purchase(self, member: str, order: str, value: str) -> int:
        data = await self.api.ok(
            RECORD,
            {
                "i": {
                    "idempotencyKey": f"buy-{order}",
                    "memberId": member,
                    "activityType": "stores/OrderPaid",
                    "triggerAppId": "stores",
                    "orderId": order,
                    "amount": {"value": value, "currency": "USD"},
                }
            },
        )
        return int(data["recordActivity"]["awards"][0]["points"])

    async def wix(self, body: bytes) -> None:
        reply = await self.api.client.post(
            "/webhooks/wix", content=body, headers={"content-type": "text/plain"}
        )
        assert reply.status_code == 200, reply.text
        await drain(self.runtime)

    async def balance_on_chain(self, member: str) -> int:
        account = (await self.api.ok(ACCOUNT, {"m": member}))["account"]
        address = Web3.to_checksum_address(account["receivingAddress"])
        return int(self.env.token.functions.balanceOf(address).call())

    async def assert_audit_clean(self) -> None:
        """Index with `loyalty indexer --once`, then `loyalty audit --json` and GraphQL audit."""
        s = self.env.settings
        self.monkeypatch.setenv("LOYALTY_DATABASE_URL", s.database_url)
        self.monkeypatch.setenv("LOYALTY_RPC_URL", s.rpc_url)
        self.monkeypatch.delenv("LOYALTY_CHAIN_STATE", raising=False)
        assert main(["indexer", "--once"]) == 0
        self.capsys.readouterr()
        code = main(["audit", "--json"])
        report = json.loads(self.capsys.readouterr().out)
        assert report["findings"] == [] and report["clean"] is True, report
        assert report["ledger"] == {"status": "CLEAN", "reason": None, "refused": []}
        assert code == 0
        graphql = (await self.api.ok(AUDIT, {"b": report["block"]}))["audit"]
        assert graphql == {"clean": True, "ledgerStatus": "CLEAN", "findings": []}


def _netted_batch(env: MinterEnv) -> Any:
    """The last batch, which must be the netted one: no entry, no transaction."""
    last = batch_rows(env.engine)[-1]
    assert (last.status, last.recipients, last.total) == (B_NETTED, 0, 0)
    assert last.tx_hash is None and last.nonce is None and last.final_at is not None
    with env.engine.connect() as conn:
        assert conn.execute(select(minter_txs).where(minter_txs.c.batch_pk == last.id)).all() == []
        kinds = sorted(
            r.kind
            for r in conn.execute(
                select(chain_requests.c.kind).where(chain_requests.c.batch_id == last.id)
            )
        )
    assert kinds == ["BURN", "MINT"], kinds
    return last


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
        wix_public_key=WIX_PUBLIC_PEM,
        webhook_secrets=(SECRET_NEW,),
        minter_in_serve=False,
        custody_mnemonic=DEV_CUSTODY_MNEMONIC,
    )
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


async def _assert_netted_and_audited(
    world: World, member: str, settle: Callable[[], Awaitable[None]], balance: int
) -> None:
    await settle()
    world.mint_until_final()
    _netted_batch(world.env)
    assert [b.status for b in batch_rows(world.env.engine)[:-1]] == [B_FINAL]
    assert await world.balance_on_chain(member) == balance
    status = (await world.api.ok(MINTING))["mintingStatus"]
    assert status["outboxDepth"] == 0
    counts = {b["status"]: b["count"] for b in status["batches"]}
    assert (counts["FINAL"], counts["NETTED"]) == (1, 1)
    await world.assert_audit_clean()


async def test_a_redemption_cancelled_at_once_is_netted_and_the_audit_is_clean(
    world: World,
) -> None:
    api = world.api
    assert await world.purchase("ann", "o-1", "150") == 300
    world.mint_until_final()  # ann holds 300 on chain
    reward = (
        await api.ok(
            CREATE_REWARD,
            {
                "r": {
                    "name": "5 off",
                    "type": "DISCOUNT_AMOUNT",
                    "configsByTier": [{"tierId": None, "amount": "5", "costInPoints": 100}],
                }
            },
        )
    )["createReward"]["id"]

    async def redeem_and_cancel() -> None:
        ann = member_jwt("ann")
        redeemed = (await api.ok(REDEEM, {"m": "ann", "r": reward, "k": "k1"}, token=ann))[
            "redeemReward"
        ]
        assert redeemed["costInPoints"] == 100
        cancelled = (await api.ok(CANCEL, {"id": redeemed["id"]}))["cancelRedemption"]
        assert cancelled["status"] == "CANCELLED"

    await _assert_netted_and_audited(world, "ann", redeem_and_cancel, 300)


async def test_a_refund_right_after_its_purchase_is_netted_and_the_audit_is_clean(
    world: World,
) -> None:
    assert await world.purchase("bob", "o-1", "10") == 20
    world.mint_until_final()

    async def buy_and_refund() -> None:
        assert await world.purchase("bob", "o-2", "25") == 50
        refund = {"i": {"idempotencyKey": "ref-o-2", "orderId": "o-2", "amount": "25"}}
        assert (await world.api.ok(REFUND, refund))["recordRefund"]["pointsTaken"] == 50

    await _assert_netted_and_audited(world, "bob", buy_and_refund, 20)


async def test_a_wix_refund_arriving_with_its_checkout_is_netted_and_the_audit_is_clean(
    world: World,
) -> None:
    await world.wix(checkout_completed("evt-0", "chk-0", "cat", "5.00"))
    world.mint_until_final()

    async def checkout_and_refund() -> None:
        await world.wix(checkout_completed("evt-1", "chk-1", "cat", "40.00"))
        await world.wix(payment_status("evt-2", "ord-1", "chk-1", "cat", "40.00", "FULLY_REFUNDED"))

    await _assert_netted_and_audited(world, "cat", checkout_and_refund, 10)
