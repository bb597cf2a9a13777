"""The minter committing the ledger with every batch (LOYALTY_MINTER_COMMIT, issue 17), on anvil,
SQLite and PostgreSQL: each batch is one `settle` whose committed supply the token checks; the
root in the BatchSettled event is the committed tree rebuilt from the outbox at that batch, and
every member's proof from it verifies with the standalone verifier against the root read from
anvil; the persisted tree is updated incrementally across a restarted minter; supply minted
outside the books stops the minter (the token refuses), and a burn the token refuses is set
aside without wedging the guard."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from web3 import Web3

from api.app import create_app
from loyalty.domain.merkle import proof_document
from loyalty.errors import ConfigError
from loyalty.runtime import Runtime
from loyalty.settings import DEV_CUSTODY_MNEMONIC
from minter.commitment import rebuild, stored_state
from minter.config import MinterConfig
from minter.context import BATCH_SETTLED_TOPIC
from minter.loop import Minter
from minter.tables import B_FINAL, B_REFUSED, mint_batches
from tests.integration._rules_client import ADMIN_KEY, JWT_SECRET, Api
from tests.support.anvil import ANVIL_KEYS, AnvilNode
from tests.support.minter import MinterEnv, make_env, step_until_final
from tests.support.token import Token
from verifier import loyalty_verify

pytestmark = pytest.mark.anvil

CREATE = """mutation($m: String!) { createMember(memberId: $m) { memberId } }"""
ADJUST = """mutation($m: String!, $k: String!, $n: Int!) { adjustPoints(input:
  {memberId: $m, idempotencyKey: $k, reason: "test", amount: $n}) { amount } }"""
MOVES = {"ann": [300, -120], "bob": [5], "cy": [70, -70, 9], "dee": [1_000, -1]}


@dataclass
class World:
    env: MinterEnv
    api: Api

    async def adjust(self, member: str, key: str, points: int) -> None:
        await self.api.ok(ADJUST, {"m": member, "k": key, "n": points})


@pytest.fixture
async def world(anvil: AnvilNode, database_url: str) -> AsyncIterator[World]:
    env = make_env(
        anvil,
        database_url,
        admin_api_key=ADMIN_KEY,
        member_jwt_secret=JWT_SECRET,
        minter_in_serve=False,
        minter_commit=True,
        custody_mnemonic=DEV_CUSTODY_MNEMONIC,
    )
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


def settled_events(env: MinterEnv) -> list[dict[str, Any]]:
    """BatchSettled logs read from anvil: batch id, root, supply, block."""
    logs = env.anvil.rpc(
        "eth_getLogs",
        [{"address": env.deployment.address, "topics": [BATCH_SETTLED_TOPIC], "fromBlock": "0x0"}],
    )
    out = []
    for log in logs:
        data = bytes.fromhex(log["data"][2:])
        out.append(
            {
                "batch_id": log["topics"][1],
                "root": "0x" + data[96:128].hex(),
                "supply": int.from_bytes(data[128:160], "big"),
                "block": int(log["blockNumber"], 16),
            }
        )
    return out


def supply_at(env: MinterEnv, block: int) -> int:
    token = env.chain.w3.eth.contract(
        address=Web3.to_checksum_address(env.deployment.address), abi=env.token.abi
    )
    return int(token.functions.totalSupply().call(block_identifier=block))


def batch_of(env: MinterEnv, batch_id: str) -> Any:
    with env.engine.connect() as conn:
        return conn.execute(select(mint_batches).where(mint_batches.c.batch_id == batch_id)).one()


async def test_every_batch_commits_the_books_and_every_proof_verifies_on_anvil(
    world: World,
) -> None:
    env = world.env
    for member, moves in MOVES.items():
        for n, points in enumerate(moves):
            await world.adjust(member, f"{member}-{n}", points)
    minter = env.minter()
    step_until_final(env, minter)
    # A second round after a restart: the stored tree is moved on, not rebuilt.
    await world.adjust("bob", "bob-late", 11)
    await world.adjust("ann", "ann-late", -30)
    step_until_final(env, env.minter())
    expected = {m: sum(v) for m, v in MOVES.items()} | {"bob": 16, "ann": 150}

    events = settled_events(env)
    assert len(events) >= 2
    for event in events:
        # the token held exactly the committed supply right after each batch
        assert supply_at(env, event["block"]) == event["supply"]
        row = batch_of(env, event["batch_id"])
        assert (row.kind, row.status, row.root) == ("SETTLE", B_FINAL, event["root"])
        with env.engine.connect() as conn:
            _, tree = rebuild(conn, row.id)
        assert "0x" + tree.root.hash.hex() == event["root"]
        assert tree.root.balance == event["supply"]
    latest = events[-1]
    assert latest["supply"] == sum(expected.values())
    state = stored_state(env.engine)
    assert state is not None and state.root == latest["root"]

    # Every member's proof, from the committed tree, verifies against the root read from anvil
    # and against balanceOf at the commitment's block.
    with env.engine.connect() as conn:
        leaves, tree = rebuild(conn, batch_of(env, latest["batch_id"]).id)
    assert {leaf.member_id: leaf.balance for leaf in leaves} == expected
    for leaf in leaves:
        proof = proof_document(tree.proof(leaf.slot), leaf.member_id, leaf.salt, tree.root)
        result = loyalty_verify.check(proof, latest["root"])
        assert (result.balance, result.total_balance) == (
            expected[leaf.member_id],
            latest["supply"],
        )
        on_chain = loyalty_verify.check_on_chain(
            result, env.anvil.url, env.deployment.address, latest["block"]
        )
        assert on_chain == expected[leaf.member_id]
    # A tampered leaf does not verify against the committed root.
    bad = proof_document(tree.proof(leaves[0].slot), leaves[0].member_id, leaves[0].salt, tree.root)
    bad["leaf"]["balance"] = str(int(bad["leaf"]["balance"]) + 1)  # type: ignore[index]
    with pytest.raises(loyalty_verify.ProofInvalid):
        loyalty_verify.check(bad, latest["root"])


async def test_supply_minted_outside_the_books_stops_the_minter(world: World) -> None:
    env = world.env
    await world.adjust("ann", "ann-0", 10)
    minter = env.minter()
    step_until_final(env, minter)
    # The minter's own key mints one point outside any ledger entry (a leaked key, say).
    token, minter_address = env.token, Web3.to_checksum_address(minter.address)
    tx = token.functions.mintBatch(b"\x99" * 32, [minter_address], [1]).build_transaction(
        {"from": minter_address, "nonce": env.chain.w3.eth.get_transaction_count(minter_address)}
    )
    signed = env.chain.w3.eth.account.sign_transaction(tx, ANVIL_KEYS[1])
    env.chain.w3.eth.send_raw_transaction(signed.raw_transaction)
    env.anvil.mine(1)
    await world.adjust("bob", "bob-0", 5)
    for _ in range(3):
        minter.step()
        env.anvil.mine(1)
    with env.engine.connect() as conn:
        waiting = conn.execute(select(mint_batches).order_by(mint_batches.c.id.desc())).first()
    assert waiting is not None and waiting.status == "PENDING"
    assert "CommittedSupplyMismatch" in (waiting.last_error or ""), waiting.last_error
    assert env.token.functions.totalSupply().call() == 11  # bob's 5 never minted


async def test_a_refused_burn_is_set_aside_and_the_guard_holds_for_the_rest(
    world: World, anvil: AnvilNode
) -> None:
    env = world.env
    await world.adjust("ann", "ann-0", 50)
    await world.adjust("bob", "bob-0", 20)
    step_until_final(env, env.minter())
    # ann's points leave her custodial address behind the ledger's back (impersonated transfer),
    # so the burn of her redemption is refused by the token; bob's mint goes on in the same batch.
    state = stored_state(env.engine)
    assert state is not None
    with env.engine.connect() as conn:
        found, _ = rebuild(conn, int(state.position))
        leaves = {leaf.member_id: leaf for leaf in found}
    ann = Web3.to_checksum_address(leaves["ann"].address or "")
    anvil.rpc("anvil_impersonateAccount", [ann])
    anvil.rpc("anvil_setBalance", [ann, hex(10**18)])
    env.chain.w3.eth.send_transaction(
        {
            "from": ann,
            "to": Web3.to_checksum_address(env.deployment.address),
            "data": env.token.encode_abi(
                "transfer", [Web3.to_checksum_address(ANVIL_KEYS_ADDR), 45]
            ),
        }
    )
    anvil.mine(1)
    await world.adjust("ann", "ann-1", -40)
    await world.adjust("bob", "bob-1", 7)
    minter = env.minter()
    for _ in range(6):
        minter.step()
        anvil.mine(env.settings.finality_depth + 1)
    with env.engine.connect() as conn:
        rows = conn.execute(select(mint_batches).order_by(mint_batches.c.id)).all()
    assert any(r.status == B_REFUSED for r in rows), rows
    events = settled_events(env)
    latest = events[-1]
    row = batch_of(env, latest["batch_id"])
    assert row.status == B_FINAL
    # The committed supply leaves the refused burn out: it is what the chain holds.
    assert latest["supply"] == 50 + 20 + 7 == env.token.functions.totalSupply().call()
    with env.engine.connect() as conn:
        found, tree = rebuild(conn, row.id)
    assert "0x" + tree.root.hash.hex() == latest["root"]
    assert {leaf.member_id: leaf.balance for leaf in found} == {"ann": 50, "bob": 27}


ANVIL_KEYS_ADDR = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"  # anvil's account 3


async def test_committing_needs_a_token_of_this_service_with_settle(world: World) -> None:
    env = world.env
    config = MinterConfig.from_settings(env.settings)
    adopted = dataclasses.replace(env.deployment, adopted=True)
    with pytest.raises(ConfigError, match="adopted token"):
        Minter(env.engine, env.chain, adopted, config)
    # A token without settle (here the plain ERC-20 the gas bench compares with).
    plain = Token.deploy(
        env.chain, ANVIL_KEYS[0], env.deployment.deployer, artifact="ReferenceToken"
    )
    old = dataclasses.replace(env.deployment, address=Web3.to_checksum_address(plain.address))
    with pytest.raises(ConfigError, match="has no settle"):
        Minter(env.engine, env.chain, old, config)
    Minter(env.engine, env.chain, env.deployment, config)  # this service's token: fine
