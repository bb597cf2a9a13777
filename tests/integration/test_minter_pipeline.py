"""Several batches in flight, on anvil with SQLite and PostgreSQL, with and without committing
the ledger (LOYALTY_MINTER_COMMIT): one step signs every due batch with consecutive nonces
(the node's nonce and tip read once), each batch simulated once, even a committing batch behind
batches not mined yet; the next step looks at every transaction in flight with one nonce read
and one batched receipt request; all of them become final, minted once, the committed supply
equal to totalSupply() after each batch."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest
from eth_utils.crypto import keccak
from sqlalchemy import insert, select
from web3 import Web3

from loyalty.db.ledger import members
from minter.config import MinterConfig
from minter.loop import Minter
from minter.node import Receipt, RpcNode
from minter.tables import mint_batches, minter_txs
from tests.support.anvil import AnvilNode
from tests.support.minter import insert_requests, make_env, step_until_final
from tests.support.token import Token

pytestmark = pytest.mark.anvil


class CountingNode(RpcNode):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.calls: Counter[str] = Counter()

    def _rpc(self, method: str, params: list[Any]) -> Any:
        self.calls[method] += 1
        return super()._rpc(method, params)

    def receipts_for(self, tx_hashes: Sequence[str]) -> dict[str, Receipt | None]:
        self.calls["batched receipts"] += 1
        return super().receipts_for(tx_hashes)


@pytest.mark.parametrize("commit", [False, True], ids=["mint", "commit"])
def test_batches_in_flight_are_signed_in_a_row_and_watched_together(
    anvil: AnvilNode, database_url: str, commit: bool
) -> None:
    env = make_env(anvil, database_url, minter_batch_size=2, minter_commit=commit)
    try:
        node = CountingNode(env.chain)
        config = MinterConfig.from_settings(env.settings)
        minter = Minter(env.engine, env.chain, env.deployment, config, node=node)
        anvil.rpc("evm_setAutomine", [False])  # nothing is mined until the test says so
        addresses = [Web3.to_checksum_address(keccak(text=f"p{i}")[12:]) for i in range(6)]
        now = dt.datetime.now(dt.UTC)
        with env.engine.begin() as conn:  # a committed leaf is a member's
            conn.execute(
                insert(members),
                [
                    {"member_id": a.lower(), "custodial_address": a.lower()}
                    | {"created_at": now, "updated_at": now}
                    for a in addresses
                ],
            )
        insert_requests(env.engine, [("MINT", a, i + 1) for i, a in enumerate(addresses)])

        report = minter.step()
        assert (report.formed, report.sent) == (3, 3)
        with env.engine.connect() as conn:
            nonces = conn.execute(select(minter_txs.c.nonce).order_by(minter_txs.c.id)).scalars()
            assert list(nonces) == [0, 1, 2]
        # One simulation per batch (a committing batch behind unmined ones included: it is
        # simulated with the supply it leaves on today's chain), one nonce and one tip read.
        assert node.calls["eth_estimateGas"] == 3
        assert node.calls["eth_getTransactionCount"] == 1
        assert node.calls["eth_maxPriorityFeePerGas"] == 1

        node.calls.clear()
        minter.step()  # all three in flight, none mined
        assert node.calls["eth_getTransactionCount"] == 1
        assert node.calls["batched receipts"] == 1
        assert node.calls["eth_getTransactionReceipt"] == 0

        anvil.rpc("evm_setAutomine", [True])
        anvil.mine(1)
        step_until_final(env, minter)
        token = Token(env.chain, env.deployment.address)
        assert [token.call("balanceOf", a) for a in addresses] == [1, 2, 3, 4, 5, 6]
        assert token.call("totalSupply") == 21
        with env.engine.connect() as conn:
            supplies = conn.execute(
                select(mint_batches.c.committed_supply).order_by(mint_batches.c.id)
            ).scalars()
            if commit:  # each batch's committed sum is totalSupply() after it, in nonce order
                assert [int(s) for s in supplies] == [3, 10, 21]
    finally:
        env.close()
