"""Referral rewards against a real chain (anvil), SQLite and PostgreSQL (issue 15): the friends
qualify with a first order inside a 14-day hold; one order is refunded inside it (that referral
is rejected and rewards nobody); the other's rewards are granted once the hold has passed (the
job run twice), the friend's coupon costs nothing on chain; once everything is final, every
member's `balanceOf` equals their ledger balance and the audit is clean."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from web3 import Web3

from api.app import create_app
from cli.main import main
from loyalty.domain.clock import SYSTEM_CLOCK, FixedClock
from loyalty.runtime import Runtime
from loyalty.services.referral_rewards import grant_due
from loyalty.settings import DEV_CUSTODY_MNEMONIC
from tests.integration._rules_client import ADMIN_KEY, CREATE, JWT_SECRET, Api, stores_rule
from tests.support.anvil import AnvilNode
from tests.support.minter import MinterEnv, make_env, step_until_final

PROGRAM = "{ referralProgram { revision } }"
UPDATE = """mutation($rev: Long!, $p: ReferralProgramUpdate!) {
  updateReferralProgram(revision: $rev, program: $p) { revision } }"""
REWARD = """mutation($r: RewardInput!) { createReward(reward: $r) { id } }"""
RECORD = """mutation($i: RecordReferralInput!) { recordReferral(input: $i) {
  referral { status } } }"""
ACTIVITY = """mutation($i: RecordActivityInput!) { recordActivity(input: $i) { duplicate } }"""
REFUND = """mutation($i: RecordRefundInput!) { recordRefund(input: $i) { pointsReversed } }"""
ACCOUNT = """query($m: String!) { account(memberId: $m) { receivingAddress referralCode
  points { balance pending onchain } } }"""
REDEMPTIONS = """query($m: String!) { redemptions(memberId: $m) { costInPoints } }"""
STATUS = """query($f: ReferralFilter) { referrals(filter: $f) { edges { node { status
  reason } } } }"""


@dataclass
class World:
    env: MinterEnv
    api: Api
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    async def account(self, member: str) -> dict[str, Any]:
        account: dict[str, Any] = (await self.api.ok(ACCOUNT, {"m": member}))["account"]
        return account

    async def on_chain(self, member: str) -> int:
        address = Web3.to_checksum_address((await self.account(member))["receivingAddress"])
        return int(self.env.token.functions.balanceOf(address).call())

    async def order(self, member: str, order: str, value: str) -> None:
        activity = {
            "idempotencyKey": f"buy-{order}",
            "memberId": member,
            "activityType": "stores/OrderPaid",
            "triggerAppId": "stores",
            "orderId": order,
            "amount": {"value": value, "currency": "USD"},
        }
        await self.api.ok(ACTIVITY, {"i": activity})

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
            await api.ok(CREATE, {"r": stores_rule()})  # 2 points per 1, not held
            yield World(env, api, monkeypatch, capsys)
    finally:
        await runtime.aclose()
        env.close()


async def test_final_referral_rewards_agree_with_balance_of_on_chain(world: World) -> None:
    api, runtime = world.api, world.api.runtime
    coupon = {
        "name": "Ten off",
        "type": "COUPON_REWARD",
        "configsByTier": [{"tierId": None, "amount": "10", "costInPoints": 100}],
    }
    reward_id = (await api.ok(REWARD, {"r": coupon}))["createReward"]["id"]
    rev = (await api.ok(PROGRAM))["referralProgram"]["revision"]
    changes = {
        "status": "ACTIVE",
        "referrerPoints": 500,
        "friendPoints": 300,
        "friendRewardId": reward_id,
        "minimumAmount": "20",
        "holdDays": 14,
    }
    await api.ok(UPDATE, {"rev": rev, "p": changes})
    await api.ok('mutation { createMember(memberId: "ann") { memberId } }')
    code = (await world.account("ann"))["referralCode"]
    runtime.clock = FixedClock(datetime.now(UTC) - timedelta(days=15))
    for friend in ("bob", "cid"):
        await api.ok(RECORD, {"i": {"code": code, "friendMemberId": friend}})
        await world.order(friend, f"o-{friend}", "40")
    refund = {"idempotencyKey": "ret-cid", "orderId": "o-cid", "amount": "40"}
    await api.ok(REFUND, {"i": refund})  # inside the hold: cid's referral rewards nobody
    runtime.clock = SYSTEM_CLOCK
    assert await grant_due(runtime.unit_of_work()) == 1
    assert await grant_due(runtime.unit_of_work()) == 0
    cid = (await api.ok(STATUS, {"f": {"friendId": "cid"}}))["referrals"]["edges"][0]["node"]
    assert (cid["status"], cid["reason"]) == ("REJECTED", "ORDER_REFUNDED")

    minter = world.env.minter()
    step_until_final(world.env, minter)
    step_until_final(world.env, world.env.minter())  # a second minter finds nothing more
    code_, _ = world.cli("indexer", "--once")
    assert code_ == 0
    expected = {"ann": 500, "bob": 80 + 300, "cid": 0}
    for member, balance in expected.items():
        points = (await world.account(member))["points"]
        assert points == {"balance": balance, "pending": 0, "onchain": balance}, member
        assert await world.on_chain(member) == balance, member
    assert world.env.token.functions.totalSupply().call() == sum(expected.values())
    assert (await api.ok(REDEMPTIONS, {"m": "bob"}))["redemptions"] == [{"costInPoints": 0}]
    assert (await api.ok(REDEMPTIONS, {"m": "cid"}))["redemptions"] == []
    audit_code, report = world.cli("audit", "--json")
    assert (audit_code, report["findings"], report["clean"]) == (0, [], True), report
