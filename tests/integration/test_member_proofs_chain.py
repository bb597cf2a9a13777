"""Member proofs against a real chain (anvil), on SQLite and PostgreSQL: after adjustments are
minted and burned and the indexer caught up, every member's proof passes the standalone verifier
against the root *and* against `balanceOf` read from anvil over JSON-RPC, and
`loyalty audit --proofs` compares every custodial address with the index and is clean; points
not yet on chain are expected, not findings; an indexed balance changed by hand names its
member."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from api.app import create_app
from cli.main import main
from loyalty.db.onchain import balances
from loyalty.runtime import Runtime
from loyalty.settings import DEV_CUSTODY_MNEMONIC
from tests.integration._rules_client import ADMIN_KEY, JWT_SECRET, Api, member_jwt
from tests.support.anvil import AnvilNode
from tests.support.minter import MinterEnv, make_env, step_until_final
from verifier import loyalty_verify

pytestmark = pytest.mark.anvil

# The live tree, which audit --proofs rebuilds (the committed one: test_member_proofs_committed).
PROOF = """query($m: String!) { memberProof(memberId: $m, tree: LIVE) {
  version hash memberId salt slot leaf { commitment address balance debt }
  path { hash balance debt } root { hash balance debt }
  ledgerEntryId pendingChainRequests lastFinalBatch } }"""
CREATE = """mutation($m: String!) { createMember(memberId: $m) { memberId } }"""
ADJUST = """mutation($m: String!, $k: String!, $n: Int!) { adjustPoints(input:
  {memberId: $m, idempotencyKey: $k, reason: "test", amount: $n}) { amount } }"""
MOVES = {"ann": [300, -120], "bob": [5], "cy": [70, -70, 9], "dee": [1_000, -1]}


@dataclass
class World:
    env: MinterEnv
    api: Api
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def cli(self, *argv: str) -> int:
        s = self.env.settings
        self.monkeypatch.setenv("LOYALTY_DATABASE_URL", s.database_url)
        self.monkeypatch.setenv("LOYALTY_RPC_URL", s.rpc_url)
        self.monkeypatch.delenv("LOYALTY_CHAIN_STATE", raising=False)
        return main(list(argv))

    def audit_proofs(self) -> tuple[int, dict[str, Any]]:
        self.capsys.readouterr()
        code = self.cli("audit", "--proofs", "--json")
        report: dict[str, Any] = json.loads(self.capsys.readouterr().out)
        return code, report


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
            for member, moves in MOVES.items():
                await api.ok(CREATE, {"m": member})
                for n, points in enumerate(moves):
                    await api.ok(ADJUST, {"m": member, "k": f"{member}-{n}", "n": points})
            yield World(env, api, monkeypatch, capsys)
    finally:
        await runtime.aclose()
        env.close()


async def test_proofs_verify_against_anvil_and_the_audit_compares_the_index(world: World) -> None:
    step_until_final(world.env, world.env.minter())
    assert world.cli("indexer", "--once") == 0

    token = world.env.deployment.address
    root = None
    for member, moves in MOVES.items():
        proof = (await world.api.ok(PROOF, {"m": member}, member_jwt(member)))["memberProof"]
        assert proof["pendingChainRequests"] == 0 and proof["lastFinalBatch"] is not None
        root = root or proof["root"]["hash"]
        result = loyalty_verify.check(proof, root)
        assert result.balance == sum(moves)
        assert result.total_balance == sum(map(sum, MOVES.values()))
        # balanceOf(leaf address) read from anvil by the verifier's own JSON-RPC call
        assert loyalty_verify.check_on_chain(result, world.env.anvil.url, token) == sum(moves)

    code, report = world.audit_proofs()
    assert (code, report["findings"]) == (0, []), report
    assert report["root"] == root
    assert (report["custodial_compared"], report["custodial_in_flight"]) == (len(MOVES), 0)

    # points not on chain yet: expected by the audit, not a finding
    await world.api.ok(ADJUST, {"m": "bob", "k": "bob-late", "n": 11})
    code, report = world.audit_proofs()
    assert (code, report["findings"]) == (0, []), report

    # an indexed balance changed by hand names the member whose custodial address it is
    ann = loyalty_verify.check(
        (await world.api.ok(PROOF, {"m": "ann"}))["memberProof"], report["root"]
    )
    assert ann.address is not None
    with world.env.engine.begin() as conn:
        conn.execute(
            update(balances).where(balances.c.address == ann.address.lower()).values(balance=1)
        )
    code, report = world.audit_proofs()
    assert code == 1
    assert [(f["code"], f["member_id"]) for f in report["findings"]] == [
        ("INDEXED_MISMATCH", "ann")
    ], report
