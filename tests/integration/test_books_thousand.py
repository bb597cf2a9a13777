"""The books after 1,000 activities on PostgreSQL and anvil (issue 17, "what it must show"):
purchases through recordActivity, redemptions and negative adjustments over 40 members, the
minter committing the root with every batch (the default) in several rounds and fresh minters.
Then every member's memberProof verifies with the standalone verifier against the root read from
anvil at the block the proof names and against balanceOf at that block, `loyalty audit --proofs`
is clean, and one ledger entry changed by hand makes it fail and name the member."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from api.app import create_app
from cli.main import main
from loyalty.db.ledger import ledger_entries, members
from loyalty.runtime import Runtime
from loyalty.settings import DEV_CUSTODY_MNEMONIC
from tests.integration._rules_client import ADMIN_KEY, CREATE, JWT_SECRET, Api, stores_rule
from tests.support.anvil import AnvilNode
from tests.support.minter import MinterEnv, make_env, step_until_final
from verifier import loyalty_verify

pytestmark = [pytest.mark.anvil, pytest.mark.postgres, pytest.mark.slow]

MEMBERS = [f"member-{i:02d}" for i in range(40)]
ACTIVITIES = 1_000
ROUNDS = 4  # the minter settles after each quarter, a fresh minter every other round
PARALLEL = 20  # requests in flight at once (distinct members: the expected figures stay exact)

CREATE_MEMBER = """mutation($m: String!) { createMember(memberId: $m) { memberId } }"""
RECORD = """mutation($i: RecordActivityInput!) { recordActivity(input: $i) {
  awards { points } } }"""
ADJUST = """mutation($m: String!, $k: String!, $n: Int!) { adjustPoints(input:
  {memberId: $m, idempotencyKey: $k, reason: "test", amount: $n}) { amount } }"""
CREATE_REWARD = """mutation($r: RewardInput!) { createReward(reward: $r) { id } }"""
REDEEM = """mutation($m: String!, $r: ID!, $k: String!) {
  redeemReward(memberId: $m, rewardId: $r, idempotencyKey: $k) { costInPoints } }"""
PROOF = """query($m: String!) { memberProof(memberId: $m) {
  version hash memberId salt slot leaf { commitment address balance debt }
  path { hash balance debt } root { hash balance debt }
  committed { batch batchId txHash block root supply } } }"""


@dataclass
class World:
    env: MinterEnv
    api: Api
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def cli(self, *argv: str) -> tuple[int, str]:
        s = self.env.settings
        self.monkeypatch.setenv("LOYALTY_DATABASE_URL", s.database_url)
        self.monkeypatch.setenv("LOYALTY_RPC_URL", s.rpc_url)
        self.monkeypatch.delenv("LOYALTY_CHAIN_STATE", raising=False)
        self.capsys.readouterr()
        code = main(list(argv))
        return code, self.capsys.readouterr().out


@pytest.fixture
async def world(
    anvil: AnvilNode,
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> AsyncIterator[World]:
    env = make_env(
        anvil,
        postgres_url,
        admin_api_key=ADMIN_KEY,
        member_jwt_secret=JWT_SECRET,
        minter_in_serve=False,
        minter_batch_size=25,  # many settle batches per round: each commits a prefix
        custody_mnemonic=DEV_CUSTODY_MNEMONIC,
    )
    runtime = Runtime.start(env.settings, deploy_if_missing=False)
    try:
        app = create_app(env.settings, runtime)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            api = Api(client, runtime)
            await api.ok(CREATE, {"r": stores_rule()})  # 2 points per 1 spent
            for member in MEMBERS:
                await api.ok(CREATE_MEMBER, {"m": member})
            yield World(env, api, monkeypatch, capsys)
    finally:
        await runtime.aclose()
        env.close()


async def _activity(
    world: World, n: int, member: str, balance: dict[str, int], rewards: dict[int, str]
) -> None:
    """One activity of `member`: mostly a purchase, else a redemption or a negative adjustment
    when their balance allows; `balance` follows what the ledger must hold."""
    rng = random.Random(n)
    roll = rng.random()
    if roll < 0.12 and balance[member] >= 50:
        cost = 50 if balance[member] < 120 else rng.choice([50, 120])
        reply = await world.api.ok(REDEEM, {"m": member, "r": rewards[cost], "k": f"r{n}"})
        balance[member] -= int(reply["redeemReward"]["costInPoints"])
    elif roll < 0.25 and balance[member] > 0:
        points = -rng.randint(1, balance[member])
        await world.api.ok(ADJUST, {"m": member, "k": f"a{n}", "n": points})
        balance[member] += points
    else:
        order = {"value": f"{rng.randint(1, 200)}.{rng.randint(0, 99):02d}", "currency": "USD"}
        activity = {
            "idempotencyKey": f"buy-{n}",
            "memberId": member,
            "activityType": "stores/OrderPaid",
            "triggerAppId": "stores",
            "orderId": f"order-{n}",
            "amount": order,
        }
        reply = await world.api.ok(RECORD, {"i": activity})
        balance[member] += sum(a["points"] for a in reply["recordActivity"]["awards"])


async def test_after_a_thousand_activities_every_proof_verifies_against_anvil(
    world: World,
) -> None:
    env = world.env
    rewards = {}
    for cost in (50, 120):
        config = {"tierId": None, "amount": "5", "costInPoints": cost}
        reward = {"name": f"{cost} off", "type": "DISCOUNT_AMOUNT", "configsByTier": [config]}
        rewards[cost] = str(
            (await world.api.ok(CREATE_REWARD, {"r": reward}))["createReward"]["id"]
        )
    balance = dict.fromkeys(MEMBERS, 0)
    rng = random.Random(1000)
    minter = env.minter()
    done = 0
    for round_ in range(ROUNDS):
        while done < ACTIVITIES * (round_ + 1) // ROUNDS:
            count = min(PARALLEL, ACTIVITIES * (round_ + 1) // ROUNDS - done)
            chosen = rng.sample(MEMBERS, count)
            await asyncio.gather(
                *(_activity(world, done + i, m, balance, rewards) for i, m in enumerate(chosen))
            )
            done += count
        if round_ % 2:
            minter = env.minter()  # a restarted minter moves the stored tree on
        step_until_final(env, minter, max_steps=60)
    assert done == ACTIVITIES
    assert world.cli("indexer", "--once")[0] == 0
    supply = int(env.token.functions.totalSupply().call())
    assert supply == sum(balance.values())

    # Every member's proof: against the root in the BatchSettled log at the block it names,
    # read from anvil by the verifier itself, its total the committed supply, balanceOf there.
    blocks = set()
    for member in MEMBERS:
        proof = (await world.api.ok(PROOF, {"m": member}))["memberProof"]
        assert proof["committed"] is not None, member
        result, on_chain = loyalty_verify.check_committed(
            proof, env.anvil.url, env.deployment.address
        )
        assert result.balance == balance[member], member
        assert on_chain.supply == supply
        blocks.add(on_chain.block)
    assert len(blocks) == 1  # one latest final root for everyone

    code, out = world.cli("audit", "--proofs", "--json")
    proofs = json.loads(out)
    assert (code, proofs["findings"]) == (0, []), proofs["findings"]
    assert proofs["committed_verified"] == proofs["committed"]["members"] == len(MEMBERS)
    code, out = world.cli("audit", "--json")
    assert (code, json.loads(out)["findings"]) == (0, [])

    # One ledger entry changed by hand: --proofs fails and names its member.
    with env.engine.begin() as conn:
        victim: Any = conn.execute(
            select(ledger_entries.c.id, members.c.member_id)
            .join(members, members.c.id == ledger_entries.c.member_pk)
            .order_by(ledger_entries.c.id.desc())
            .limit(1)
        ).one()
        conn.execute(
            update(ledger_entries)
            .where(ledger_entries.c.id == victim.id)
            .values(delta=ledger_entries.c.delta + 7)
        )
    code, out = world.cli("audit", "--proofs", "--json")
    proofs = json.loads(out)
    assert code == 1
    named = {(f["code"], f["member_id"]) for f in proofs["findings"]}
    assert ("LEDGER_MISMATCH", victim.member_id) in named, proofs["findings"]
    # The book-wide findings (the root's sums against the entries' total) name no member.
    assert {m for _, m in named if m is not None} == {victim.member_id}, "only the victim"
    code, text = world.cli("audit", "--proofs")
    assert code == 1 and victim.member_id in text
