"""Signed statements once the minter commits the ledger (LOYALTY_MINTER_COMMIT), on anvil,
SQLite and PostgreSQL: the statement's root is the root of the newest BatchSettled event read
from the node, at its block, said to be committed on chain; `publishedRoot` stays the root that
memberProof proves the member's figures in; the signature recovers to the statement key, which
is the token's `statementSigner()`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

from api.app import create_app
from loyalty.deploy import statement_signer
from loyalty.domain.statement import COMMITTED, PUBLISHED
from loyalty.runtime import Runtime
from loyalty.settings import DEV_CUSTODY_MNEMONIC
from minter.context import BATCH_SETTLED_TOPIC
from tests.integration._rules_client import ADMIN_KEY, JWT_SECRET, Api, member_jwt
from tests.support.anvil import AnvilNode
from tests.support.minter import MinterEnv, make_env, step_until_final
from verifier import loyalty_statement

pytestmark = pytest.mark.anvil

KEY = "0x" + "6b" * 32
STATEMENT = """query($m: String!) { memberStatement(memberId: $m) {
  balance debt root rootStatus rootBlock publishedRoot signature typedData } }"""
PROOF = "query($m: String!) { memberProof(memberId: $m) { root { hash } } }"
CREATE = """mutation($m: String!) { createMember(memberId: $m) { memberId } }"""
ADJUST = """mutation($m: String!, $k: String!, $n: Int!) { adjustPoints(input:
  {memberId: $m, idempotencyKey: $k, reason: "test", amount: $n}) { amount } }"""


@pytest.fixture
async def world(anvil: AnvilNode, database_url: str) -> AsyncIterator[tuple[MinterEnv, Api]]:
    env = make_env(
        anvil,
        database_url,
        admin_api_key=ADMIN_KEY,
        member_jwt_secret=JWT_SECRET,
        minter_in_serve=False,
        minter_commit=True,
        custody_mnemonic=DEV_CUSTODY_MNEMONIC,
        statement_key=KEY,
    )
    runtime = Runtime.start(env.settings, deploy_if_missing=False)
    try:
        transport = httpx.ASGITransport(app=create_app(env.settings, runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield env, Api(client, runtime)
    finally:
        await runtime.aclose()
        env.close()


def newest_settled(env: MinterEnv) -> tuple[str, int]:
    """(root, block) of the newest BatchSettled log, read from the node."""
    logs = env.anvil.rpc(
        "eth_getLogs",
        [{"address": env.deployment.address, "topics": [BATCH_SETTLED_TOPIC], "fromBlock": "0x0"}],
    )
    last = logs[-1]
    return "0x" + bytes.fromhex(last["data"][2:])[96:128].hex(), int(last["blockNumber"], 16)


async def test_the_statement_carries_the_root_committed_on_chain(
    world: tuple[MinterEnv, Api], tmp_path: Path
) -> None:
    env, api = world
    await api.ok(CREATE, {"m": "ann"})
    await api.ok(ADJUST, {"m": "ann", "k": "ann-1", "n": 250})
    before = (await api.ok(STATEMENT, {"m": "ann"}))["memberStatement"]
    assert before["rootStatus"] == PUBLISHED and before["root"] == before["publishedRoot"]

    step_until_final(env, env.minter())
    root, block = newest_settled(env)
    s = (await api.ok(STATEMENT, {"m": "ann"}, member_jwt("ann")))["memberStatement"]
    assert (s["root"], s["rootStatus"], s["rootBlock"]) == (root, COMMITTED, block)
    assert s["publishedRoot"] == (await api.ok(PROOF, {"m": "ann"}))["memberProof"]["root"]["hash"]
    # Nothing pending and no debt: the books the chain holds are the live ones, leaf for leaf.
    assert s["publishedRoot"] == s["root"]
    await api.ok(ADJUST, {"m": "ann", "k": "ann-2", "n": 5})  # not on chain yet
    later = (await api.ok(STATEMENT, {"m": "ann"}))["memberStatement"]
    assert (later["root"], later["balance"]) == (root, "255")
    assert later["publishedRoot"] != root
    assert s["balance"] == "250"
    typed = json.loads(s["typedData"])
    assert typed["message"]["root"] == root and typed["message"]["rootBlock"] == str(block)
    signer = Account.recover_message(
        encode_typed_data(full_message=typed), signature=s["signature"]
    )
    assert signer == Account.from_key(KEY).address
    # ... and the token records it (`loyalty deploy` set it): what a member compares with.
    assert statement_signer(env.chain, env.deployment.address) == signer
    # The standalone verifier, given the reply and a node, reads the signer from the token.
    reply = tmp_path / "statement.json"
    reply.write_text(json.dumps({"data": {"memberStatement": s}}))
    assert loyalty_statement.main([str(reply), "--rpc", env.anvil.url]) == 0
    forged = {**s, "typedData": s["typedData"].replace('"balance":"250"', '"balance":"2500"')}
    reply.write_text(json.dumps({"data": {"memberStatement": forged}}))
    assert loyalty_statement.main([str(reply), "--rpc", env.anvil.url]) == 1
