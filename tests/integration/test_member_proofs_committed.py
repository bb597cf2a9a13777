"""memberProof against the root committed on chain (issue 17, item 3), on anvil, SQLite and
PostgreSQL: the proof names the newest final settle batch (batch id, transaction, block), the
standalone verifier reads that batch's BatchSettled log from anvil and checks the proof against
the root in it, its total against the committed supply and balanceOf at that block. While a later
batch is sent but not final (the minter's stored tree already stands at it), the proof stays on the
final root; `tree: LIVE` gives the ledger as it is now."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from loyalty.runtime import Runtime
from loyalty.settings import DEV_CUSTODY_MNEMONIC
from tests.integration._rules_client import ADMIN_KEY, JWT_SECRET, Api
from tests.integration.test_minter_commit import CREATE, MOVES, World, settled_events
from tests.support.anvil import AnvilNode
from tests.support.minter import make_env, step_until_final
from verifier import loyalty_verify

pytestmark = pytest.mark.anvil

PROOF = """query($m: String!, $t: ProofTree!) { memberProof(memberId: $m, tree: $t) {
  version hash memberId salt slot leaf { commitment address balance debt }
  path { hash balance debt } root { hash balance debt }
  committed { batch batchId txHash block root supply }
  ledgerEntryId pendingChainRequests lastFinalBatch packed } }"""


@pytest.fixture
async def world(anvil: AnvilNode, database_url: str) -> AsyncIterator[World]:
    env = make_env(
        anvil,
        database_url,
        admin_api_key=ADMIN_KEY,
        member_jwt_secret=JWT_SECRET,
        minter_in_serve=False,
        custody_mnemonic=DEV_CUSTODY_MNEMONIC,
    )  # committing with every batch is the default
    runtime = Runtime.start(env.settings, deploy_if_missing=False)
    try:
        app = create_app(env.settings, runtime)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            api = Api(client, runtime)
            for member in MOVES:
                await api.ok(CREATE, {"m": member})
            yield World(env, api)
    finally:
        await runtime.aclose()
        env.close()


async def proof_of(world: World, member: str, tree: str = "COMMITTED") -> dict[str, Any]:
    data = await world.api.ok(PROOF, {"m": member, "t": tree})
    proof: dict[str, Any] = data["memberProof"]
    return proof


def verify(world: World, proof: dict[str, Any]) -> tuple[Any, Any]:
    env = world.env
    return loyalty_verify.check_committed(proof, env.anvil.url, env.deployment.address)


async def test_member_proofs_are_against_the_final_committed_root_read_from_anvil(
    world: World, tmp_path: Path
) -> None:
    env = world.env
    # Nothing committed yet: the live tree, and it says so.
    await world.adjust("ann", "ann-0", 300)
    early = await proof_of(world, "ann")
    assert early["committed"] is None and early["leaf"]["balance"] == "300"

    for member, moves in MOVES.items():
        for n, points in enumerate(moves[1:] if member == "ann" else moves):
            await world.adjust(member, f"{member}-{n + 1}", points)
    minter = env.minter()
    step_until_final(env, minter)
    expected = {m: sum(v) for m, v in MOVES.items()}
    final = settled_events(env)[-1]

    for member, balance in expected.items():
        proof = await proof_of(world, member)
        at = proof["committed"]
        assert at is not None, member
        assert (at["batchId"], at["block"], at["root"]) == (
            final["batch_id"],
            final["block"],
            final["root"],
        )
        result, on_chain = verify(world, proof)
        assert (result.balance, result.total_balance) == (balance, sum(expected.values()))
        assert (on_chain.root, on_chain.supply, on_chain.block) == (
            final["root"],
            final["supply"],
            final["block"],
        )
        assert proof["ledgerEntryId"] is None  # a committed proof is not the live tree's
        # The packed form (what a member keeps: ~1.2 KB at a million members) says the same.
        packed, _ = verify(world, loyalty_verify.unpack(proof["packed"]))
        assert packed == result

    # A later batch is sent and mined but not final: the minter's stored tree stands at it, the
    # proofs stay on the final root (the tree at that batch, recomputed over the stored one).
    await world.adjust("ann", "ann-late", 25)
    minter.step()
    sent = settled_events(env)[-1]
    assert sent["batch_id"] != final["batch_id"], "the late batch is on chain, not final"
    ann = await proof_of(world, "ann")
    assert ann["committed"]["batchId"] == final["batch_id"]
    assert ann["leaf"]["balance"] == str(expected["ann"])
    verify(world, ann)
    live = await proof_of(world, "ann", "LIVE")
    assert live["committed"] is None and live["leaf"]["balance"] == str(expected["ann"] + 25)

    # By copy, from the command line: no --root, the root is read from the chain.
    path = tmp_path / "proof.json"
    path.write_text(json.dumps({"data": {"memberProof": ann}}))
    args = [str(path), "--rpc", env.anvil.url, "--token", env.deployment.address]
    assert loyalty_verify.main(args) == 0

    # Tampering: a figure, the place of the commitment, the sibling sums.
    bad = json.loads(json.dumps(ann))
    bad["leaf"]["balance"] = str(expected["ann"] + 1)
    with pytest.raises(loyalty_verify.ProofInvalid):
        verify(world, bad)
    moved = json.loads(json.dumps(ann))
    moved["committed"]["block"] = ann["committed"]["block"] - 1
    with pytest.raises(loyalty_verify.ProofInvalid, match="no BatchSettled"):
        verify(world, moved)
    shifted = json.loads(json.dumps(ann))
    shifted["path"][0]["balance"] = str(int(shifted["path"][0]["balance"]) + 1)
    with pytest.raises(loyalty_verify.ProofInvalid):
        verify(world, shifted)
    path.write_text(json.dumps(bad))
    assert loyalty_verify.main(args) == 1

    # Once the late batch is final, the proofs move to it.
    step_until_final(env, minter)
    ann = await proof_of(world, "ann")
    assert ann["committed"]["batchId"] == sent["batch_id"]
    result, _ = verify(world, ann)
    assert result.balance == expected["ann"] + 25
