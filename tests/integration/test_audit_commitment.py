"""The commitment as the audit's fourth leg and in `loyalty audit --proofs` (issue 17), on anvil,
SQLite and PostgreSQL, with the minter committing (LOYALTY_MINTER_COMMIT): after many activities
across members (earns, redemptions-like negative adjustments, a restart), `loyalty audit` reports
the latest committed root CLEAN and `audit --proofs` verifies every committed leaf against the
root read from the chain and against the index; a chain request changed by hand makes both fail,
and `--proofs` names the member."""

from __future__ import annotations

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
from loyalty.db.outbox import chain_requests
from loyalty.runtime import Runtime
from loyalty.settings import DEV_CUSTODY_MNEMONIC
from tests.integration._rules_client import ADMIN_KEY, JWT_SECRET, Api
from tests.support.anvil import AnvilNode
from tests.support.minter import MinterEnv, make_env, step_until_final

pytestmark = pytest.mark.anvil

CREATE = """mutation($m: String!) { createMember(memberId: $m) { memberId } }"""
ADJUST = """mutation($m: String!, $k: String!, $n: Int!) { adjustPoints(input:
  {memberId: $m, idempotencyKey: $k, reason: "test", amount: $n}) { amount } }"""
MEMBERS = [f"m{i:02d}" for i in range(24)]
ACTIVITIES = 240


@dataclass
class World:
    env: MinterEnv
    api: Api
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def cli(self, *argv: str) -> tuple[int, dict[str, Any]]:
        s = self.env.settings
        self.monkeypatch.setenv("LOYALTY_DATABASE_URL", s.database_url)
        self.monkeypatch.setenv("LOYALTY_RPC_URL", s.rpc_url)
        self.monkeypatch.delenv("LOYALTY_CHAIN_STATE", raising=False)
        self.capsys.readouterr()
        code = main(list(argv))
        out = self.capsys.readouterr().out
        return code, (json.loads(out) if "--json" in argv else {"text": out})


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
        minter_commit=True,
        minter_batch_size=10,  # several batches per round: the prefix rule is exercised
        custody_mnemonic=DEV_CUSTODY_MNEMONIC,
    )
    runtime = Runtime.start(env.settings, deploy_if_missing=False)
    try:
        app = create_app(env.settings, runtime)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            api = Api(client, runtime)
            for member in MEMBERS:
                await api.ok(CREATE, {"m": member})
            yield World(env, api, monkeypatch, capsys)
    finally:
        await runtime.aclose()
        env.close()


async def test_audit_checks_the_commitment_and_proofs_verify_every_committed_leaf(
    world: World,
) -> None:
    rng = random.Random(17)
    balance = dict.fromkeys(MEMBERS, 0)
    touched: set[str] = set()
    for n in range(ACTIVITIES):
        member = rng.choice(MEMBERS)
        points = rng.randint(1, 400)
        if balance[member] and rng.random() < 0.35:
            points = -rng.randint(1, balance[member])  # a redemption-like burn
        await world.api.ok(ADJUST, {"m": member, "k": f"a{n}", "n": points})
        balance[member] += points
        touched.add(member)
        if n == ACTIVITIES // 2:
            step_until_final(world.env, world.env.minter())  # then a fresh minter goes on
    step_until_final(world.env, world.env.minter())
    assert world.cli("indexer", "--once")[0] == 0

    code, report = world.cli("audit", "--json")
    assert (code, report["findings"]) == (0, []), report
    commitment = report["commitment"]
    assert commitment["status"] == "CLEAN"
    assert commitment["root"] == commitment["ledgerRoot"]
    assert int(commitment["supply"]) == sum(balance.values()) == int(report["chainSupply"])

    code, proofs = world.cli("audit", "--proofs", "--json")
    assert (code, proofs["findings"]) == (0, []), proofs
    members = len(touched)  # a member with no chain request has no committed leaf
    assert proofs["committed"]["root"] == commitment["root"]
    assert proofs["committed_verified"] == proofs["committed"]["members"] == members
    assert proofs["committed_compared"] == members  # custodial addresses: all compared

    # One request of one member changed by hand: the ledger's tree no longer gives the root
    # the token accepted, and --proofs names the member.
    with world.env.engine.begin() as conn:
        victim = conn.execute(
            select(chain_requests.c.id, chain_requests.c.member_id)
            .where(chain_requests.c.kind == "MINT")
            .order_by(chain_requests.c.id)
            .limit(1)
        ).one()
        conn.execute(
            update(chain_requests)
            .where(chain_requests.c.id == victim.id)
            .values(amount=chain_requests.c.amount + 1)
        )
    code, report = world.cli("audit", "--json")
    assert code == 1
    assert {f["code"] for f in report["findings"]} >= {
        "REQUEST_MISMATCH",
        "COMMITTED_ROOT_MISMATCH",
    }
    code, proofs = world.cli("audit", "--proofs", "--json")
    assert code == 1
    named = {(f["code"], f["member_id"]) for f in proofs["findings"]}
    assert ("REQUEST_MISMATCH", victim.member_id) in named, proofs["findings"]
    assert ("COMMITTED_ROOT_MISMATCH", None) in named
    assert proofs["committed_verified"] == 0  # no leaf verifies against the chain's root now
    code, text = world.cli("audit", "--proofs")
    assert code == 1 and victim.member_id in text["text"]
