"""Reorgs on a real anvil node (`anvil_reorg` with replacement transactions) while the indexer
follows the head: after each one every indexed balance equals balanceOf and the audit's balance
and supply checks are clean. A reorg deeper than finality stops the indexer loudly."""

from __future__ import annotations

import random

import pytest
from eth_account import Account

from audit.check import run_audit
from indexer.errors import DeepReorg
from indexer.tables import balances
from tests.support.anvil import ANVIL_KEYS
from tests.support.indexing import close, make_indexer
from tests.support.token_activity import TokenActivity, random_address


def signed_transfer(activity: TokenActivity, key: str, to: str, amount: int, nonce: int) -> str:
    from web3 import Web3

    from tests.support.token_activity import _CONTRACT, GAS_PRICE

    data = _CONTRACT.encode_abi("transfer", args=[Web3.to_checksum_address(to), amount])
    tx = {
        "to": activity.token,
        "data": data,
        "gas": 80_000,
        "nonce": nonce,
        "maxFeePerGas": 50 * GAS_PRICE,
        "maxPriorityFeePerGas": GAS_PRICE,
        "chainId": activity.node.chain_id,
    }
    return "0x" + Account.sign_transaction(tx, key).raw_transaction.hex()


def nonce_at(activity: TokenActivity, address: str, block: int) -> int:
    return int(activity.node.rpc("eth_getTransactionCount", [address, hex(block)]), 16)


def assert_index_matches_chain(indexer, activity: TokenActivity, holders: list[str]) -> None:
    state = indexer.run_until_caught_up()
    head = activity.head()
    assert state.indexed_block == head
    with indexer.engine.connect() as conn:
        indexed = dict(
            conn.execute(
                balances.select().with_only_columns(balances.c.address, balances.c.balance)
            ).all()
        )
    chain = activity.balance_of(sorted(set(holders) | set(indexed)))
    assert {a: b for a, b in indexed.items() if b} == {a: b for a, b in chain.items() if b}
    report = run_audit(indexer.engine, indexer.rpc, head)
    assert report.clean, report.findings
    assert report.chain_supply == state.total_supply


def test_random_reorgs_while_following_the_head(anvil, database_url) -> None:
    rng = random.Random(11)
    activity = TokenActivity.deploy(anvil, database_url)
    signers = [Account.from_key(k) for k in ANVIL_KEYS[2:4]]
    holders = [s.address.lower() for s in signers] + [random_address(rng) for _ in range(8)]
    activity.mint(holders, [1_000] * len(holders))
    anvil.mine(12)
    indexer = make_indexer(database_url, activity, follow_range=5)
    try:
        assert_index_matches_chain(indexer, activity, holders)
        reorgs = 0
        for _round in range(8):
            # Ordinary activity the indexer follows.
            moves = [
                (rng.choice(holders[2:]), rng.choice(holders), rng.randint(1, 9))
                for _ in range(rng.randint(1, 4))
            ]
            activity.transfers(moves)
            anvil.mine(rng.randint(1, 3))
            anvil.mine(10)  # keep a reorg of depth ≤ 10 inside blocks the indexer has seen
            indexer.run_until_caught_up()
            # The reorg: replace the last `depth` blocks with other mints and transfers.
            depth = rng.randint(1, 10)
            head = activity.head()
            ancestor = head - depth
            minter = Account.from_key(activity.minter_key).address
            activity._nonce = nonce_at(activity, minter, ancestor)
            replacement = [
                [
                    activity.mint_batch_tx(
                        [rng.choice(holders), random_address(rng)], [rng.randint(1, 50), 7]
                    ),
                    0,
                ]
            ]
            for offset, signer in enumerate(signers):
                nonce = nonce_at(activity, signer.address, ancestor)
                raw = signed_transfer(
                    activity, signer.key.hex(), rng.choice(holders[2:]), rng.randint(1, 30), nonce
                )
                replacement.append([raw, min(offset + 1, depth - 1)])
            anvil.rpc("anvil_reorg", [depth, replacement])
            activity._nonce = None
            assert activity.head() == head
            before = indexer.state().reorgs_handled
            assert_index_matches_chain(indexer, activity, holders)
            state = indexer.state()
            assert state.reorgs_handled == before + 1
            assert state.last_reorg_depth == depth
            reorgs += 1
        assert reorgs == 8
    finally:
        close(indexer)
        activity.close()


def test_a_reorg_deeper_than_finality_stops_the_indexer(anvil_factory, database_url) -> None:
    node = anvil_factory("--slots-in-an-epoch", "1")  # finalized = head - 2
    activity = TokenActivity.deploy(node, database_url)
    holder = random_address(random.Random(1))
    activity.mint([holder], [100])
    node.mine(10)
    indexer = make_indexer(database_url, activity)
    try:
        before = indexer.run_until_caught_up()
        node.rpc("anvil_reorg", [6, []])
        with pytest.raises(DeepReorg, match="reorg deeper than finality"):
            indexer.sync_once()
        assert indexer.state() == before  # nothing undone, nothing written
    finally:
        close(indexer)
        activity.close()


def test_a_reorg_of_blocks_holding_indexed_transfers_and_burns_undoes_them(
    anvil, database_url
) -> None:
    """The random reorgs above replace blocks the indexer saw empty; here the replaced blocks
    hold transfers and a burn it has indexed, so the undo must give the balances, the supply
    and the event count back before the replacement is indexed."""
    rng = random.Random(12)
    activity = TokenActivity.deploy(anvil, database_url)
    signer = Account.from_key(ANVIL_KEYS[2])
    holders = [signer.address.lower()] + [random_address(rng) for _ in range(4)]
    activity.mint(holders, [1_000] * len(holders))
    anvil.mine(12)
    indexer = make_indexer(database_url, activity, follow_range=5)
    try:
        assert_index_matches_chain(indexer, activity, holders)
        ancestor = activity.head()
        events_before = indexer.state().events
        activity.transfers([(holders[1], holders[2], 300), (holders[3], holders[1], 40)])
        activity.burn([holders[4]], [250])
        anvil.mine(1)
        assert_index_matches_chain(indexer, activity, holders)
        assert indexer.state().events == events_before + 4  # 2 transfers, a burn and its batch
        depth = activity.head() - ancestor
        replacement = signed_transfer(
            activity, signer.key.hex(), holders[4], 7, nonce_at(activity, signer.address, ancestor)
        )
        anvil.rpc("anvil_reorg", [depth, [[replacement, 0]]])
        assert_index_matches_chain(indexer, activity, holders)
        state = indexer.state()
        assert (state.reorgs_handled, state.last_reorg_depth) == (1, depth)
        assert state.events == events_before + 1  # only the replacement's transfer
        assert activity.balance_of([holders[4]])[holders[4]] == 1_007
    finally:
        close(indexer)
        activity.close()
