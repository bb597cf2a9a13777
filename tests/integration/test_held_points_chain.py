"""Held points against a real chain (anvil), SQLite and PostgreSQL, through the API: an award
refunded inside its window never reaches the outbox or the chain; one activated after its
window is minted exactly once (activation and the minter both run twice) and `balanceOf`
agrees; an award still held is in no balance and on no chain, and `loyalty audit` and
`loyalty audit --proofs` stay clean with it there."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from web3 import Web3

from api.app import create_app
from cli.main import main
from loyalty.db.outbox import chain_requests
from loyalty.domain.clock import SYSTEM_CLOCK, FixedClock
from loyalty.runtime import Runtime
from loyalty.services.holds import activate_held
from loyalty.settings import DEV_CUSTODY_MNEMONIC
from tests.integration._rules_client import ADMIN_KEY, CREATE, JWT_SECRET, Api, stores_rule
from tests.support.anvil import AnvilNode
from tests.support.minter import MinterEnv, batch_rows, make_env, step_until_final

RECORD = """mutation($i: RecordActivityInput!) { recordActivity(input: $i) {
  awards { points balanceChange } } }"""
REFUND = """mutation($i: RecordRefundInput!) { recordRefund(input: $i) {
  pointsReversed pointsCancelled } }"""
ACCOUNT = """query($m: String!) { account(memberId: $m) {
  receivingAddress points { balance held pending onchain } } }"""
PROOF = """query($m: String!) { memberProof(memberId: $m) { leaf { balance debt }
  root { balance } } }"""
AUDIT = """query($b: Long!) { audit(block: $b) { clean ledgerStatus findings { code } } }"""

DAYS_AGO = 15  # the purchases were made this long ago; the rule holds for 14 days


@dataclass
class World:
    env: MinterEnv
    api: Api
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    @property
    def runtime(self) -> Runtime:
        return self.api.runtime

    async def purchase(self, member: str, order: str, value: str) -> list[dict[str, Any]]:
        order_input = {
            "idempotencyKey": f"buy-{order}",
            "memberId": member,
            "activityType": "stores/OrderPaid",
            "triggerAppId": "stores",
            "orderId": order,
            "amount": {"value": value, "currency": "USD"},
        }
        awards: list[dict[str, Any]] = (await self.api.ok(RECORD, {"i": order_input}))[
            "recordActivity"
        ]["awards"]
        return awards

    async def account(self, member: str) -> dict[str, Any]:
        account: dict[str, Any] = (await self.api.ok(ACCOUNT, {"m": member}))["account"]
        return account

    async def on_chain(self, member: str) -> int:
        address = Web3.to_checksum_address((await self.account(member))["receivingAddress"])
        return int(self.env.token.functions.balanceOf(address).call())

    def requests(self) -> int:
        with self.env.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(chain_requests)).scalar_one())

    def cli(self, *args: str) -> tuple[int, dict[str, Any]]:
        s = self.env.settings
        self.monkeypatch.setenv("LOYALTY_DATABASE_URL", s.database_url)
        self.monkeypatch.setenv("LOYALTY_RPC_URL", s.rpc_url)
        self.monkeypatch.delenv("LOYALTY_CHAIN_STATE", raising=False)
        self.capsys.readouterr()
        code = main(list(args))
        out = self.capsys.readouterr().out
        return code, (json.loads(out) if "--json" in args else {})


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
    runtime = Runtime.start(env.settings, deploy_if_missing=False)
    try:
        app = create_app(env.settings, runtime)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            api = Api(client, runtime)
            await api.ok(CREATE, {"r": stores_rule(holdDays=14)})  # 2 points per 1, held
            yield World(env, api, monkeypatch, capsys)
    finally:
        await runtime.aclose()
        env.close()


async def test_held_points_reach_the_chain_only_when_activated_and_exactly_once(
    world: World,
) -> None:
    past = datetime.now(UTC) - timedelta(days=DAYS_AGO)
    world.runtime.clock = FixedClock(past)
    assert await world.purchase("ann", "o-ann", "50") == [{"points": 100, "balanceChange": 0}]
    assert await world.purchase("bob", "o-bob", "30") == [{"points": 60, "balanceChange": 0}]
    refund = {"idempotencyKey": "ret-ann", "orderId": "o-ann", "amount": "50"}
    refunded = (await world.api.ok(REFUND, {"i": refund}))["recordRefund"]
    assert refunded == {"pointsReversed": 100, "pointsCancelled": 100}
    assert world.requests() == 0  # the outbox: no mint, no burn, for either of them
    minter = world.env.minter()
    step_until_final(world.env, minter)
    assert batch_rows(world.env.engine) == []  # nothing was ever sent

    world.runtime.clock = SYSTEM_CLOCK  # today: bob's window has passed
    first = await activate_held(world.runtime.unit_of_work())
    again = await activate_held(world.runtime.unit_of_work())
    assert ([d.member_id for d in first.activated], again.activated) == (["bob"], [])
    assert world.requests() == 1
    step_until_final(world.env, minter)
    step_until_final(world.env, world.env.minter())  # a second minter finds nothing to send
    [batch] = batch_rows(world.env.engine)
    assert (batch.status, batch.total) == ("FINAL", 60)
    assert await world.on_chain("bob") == 60
    assert await world.on_chain("ann") == 0
    assert world.env.token.functions.totalSupply().call() == 60

    # carol's award is still held while the books are audited: not on chain, not a mismatch.
    await world.purchase("carol", "o-carol", "5")
    code, report = world.cli("indexer", "--once")
    assert code == 0
    assert (await world.account("bob"))["points"] == {
        "balance": 60,
        "held": 0,
        "pending": 0,
        "onchain": 60,
    }
    assert (await world.account("carol"))["points"] == {
        "balance": 0,
        "held": 10,
        "pending": 0,
        "onchain": 0,
    }
    code, report = world.cli("audit", "--json")
    assert (code, report["findings"], report["clean"]) == (0, [], True), report
    assert report["ledger"]["status"] == "CLEAN"
    graphql = (await world.api.ok(AUDIT, {"b": report["block"]}))["audit"]
    assert graphql == {"clean": True, "ledgerStatus": "CLEAN", "findings": []}
    # The member proofs (which salt the members first): carol's leaf has no held points in it.
    carol = (await world.api.ok(PROOF, {"m": "carol"}))["memberProof"]
    assert (carol["leaf"]["balance"], carol["root"]["balance"]) == ("0", "60")
    code, proofs = world.cli("audit", "--proofs", "--json")
    assert (code, proofs["findings"]) == (0, []), json.dumps(proofs)
    assert proofs["total_balance"] == "60"
