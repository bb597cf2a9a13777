"""The minter against the chain misbehaving, on anvil: reorgs, stuck and dropped transactions,
a paused token (refused before sending, and reverted on chain)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from web3 import Web3

from loyalty.deploy import send_transaction
from minter.tables import (
    B_INCLUDED,
    B_PENDING,
    T_DROPPED,
    T_MINED,
    T_REPLACED,
    T_REVERTED,
)
from tests.support.anvil import ANVIL_KEYS, AnvilNode
from tests.support.minter import (
    MinterEnv,
    assert_exactly_once,
    batch_rows,
    insert_requests,
    make_env,
    member_address,
    step_until_final,
    tx_rows,
)


@pytest.fixture
def env(anvil: AnvilNode, database_url: str) -> Iterator[MinterEnv]:
    e = make_env(anvil, database_url)
    yield e
    e.close()


def _admin_call(env: MinterEnv, fn: str, **tx: Any) -> None:
    deployer = env.deployment.deployer
    call = env.token.functions[fn]().build_transaction({"from": deployer, **tx})
    send_transaction(env.chain, ANVIL_KEYS[0], call)


def test_batch_reorged_out_is_sent_again_and_minted_once(env: MinterEnv) -> None:
    a, b = member_address(1), member_address(2)
    insert_requests(env.engine, [("MINT", a, 4), ("MINT", b, 6)])
    minter = env.minter()
    minter.step()  # sent (anvil mines it at once)
    minter.step()  # receipt
    [batch] = batch_rows(env.engine)
    assert batch.status == B_INCLUDED
    env.anvil.rpc("anvil_reorg", [2, []])  # replaces the batch's block with an empty one
    minter.step()
    [batch] = batch_rows(env.engine)
    assert batch.reorgs == 1 and "reorged out" in batch.last_error
    assert batch.status in (B_PENDING, "SENT")
    step_until_final(env, minter)
    assert_exactly_once(env, {a: 4, b: 6})
    # Sent again as the very same signed bytes: same nonce, same batch id.
    [tx] = tx_rows(env.engine)
    assert tx.state == T_MINED and tx.nonce == 0


def test_stuck_transaction_is_replaced_with_bumped_fees_and_mints_once(env: MinterEnv) -> None:
    a = member_address(1)
    env.anvil.rpc("anvil_setAutomine", [False])
    insert_requests(env.engine, [("MINT", a, 9)])
    minter = env.minter(minter_stuck_blocks=2)
    minter.step()
    [first] = tx_rows(env.engine)
    # The base fee jumps far above what the transaction offers: it cannot be included.
    env.anvil.rpc("anvil_setNextBlockBaseFeePerGas", [hex(int(first.max_fee_per_gas) * 10)])
    env.anvil.mine(3)
    assert minter.step().sent == 0
    txs = tx_rows(env.engine)
    assert len(txs) == 2, "the stuck transaction was not replaced"
    old, new = txs
    assert new.nonce == old.nonce
    assert new.max_fee_per_gas >= old.max_fee_per_gas * 11 / 10
    assert new.max_priority_fee_per_gas >= old.max_priority_fee_per_gas * 11 / 10
    assert new.max_fee_per_gas <= 1000 * 10**9  # under the cap
    env.anvil.mine(1)
    step_until_final(env, minter)
    old, new = tx_rows(env.engine)
    assert (old.state, new.state) == (T_REPLACED, T_MINED)
    assert batch_rows(env.engine)[0].tx_hash == new.tx_hash
    assert_exactly_once(env, {a: 9})


def test_dropped_transaction_is_broadcast_again(env: MinterEnv) -> None:
    a = member_address(1)
    env.anvil.rpc("anvil_setAutomine", [False])
    insert_requests(env.engine, [("MINT", a, 3)])
    minter = env.minter()
    minter.step()
    [tx] = tx_rows(env.engine)
    env.anvil.rpc("anvil_dropTransaction", [tx.tx_hash])
    assert env.anvil.rpc("eth_getTransactionByHash", [tx.tx_hash]) is None
    minter.step()  # not known to the node any more: the saved bytes go out again
    assert env.anvil.rpc("eth_getTransactionByHash", [tx.tx_hash]) is not None
    env.anvil.mine(1)
    step_until_final(env, minter)
    assert [t.tx_hash for t in tx_rows(env.engine)] == [tx.tx_hash]
    assert_exactly_once(env, {a: 3})


def test_paused_token_batches_wait_with_the_reason_then_go_through_once(env: MinterEnv) -> None:
    a, b = member_address(1), member_address(2)
    _admin_call(env, "pause")
    insert_requests(env.engine, [("MINT", a, 5), ("MINT", b, 8)])
    minter = env.minter()
    for _ in range(3):
        minter.step()
    [batch] = batch_rows(env.engine)
    assert batch.status == B_PENDING
    assert "EnforcedPause" in batch.last_error
    assert batch.attempts == 3 and batch.retry_at is not None
    assert tx_rows(env.engine) == [], "a transaction was sent to a paused token"
    assert env.token.functions.totalSupply().call() == 0
    _admin_call(env, "unpause")
    step_until_final(env, minter)
    assert_exactly_once(env, {a: 5, b: 8})
    assert batch_rows(env.engine)[0].last_error is None


def test_batch_reverted_on_chain_is_reported_and_retried_without_a_nonce_gap(
    env: MinterEnv,
) -> None:
    a = member_address(1)
    env.anvil.rpc("anvil_setAutomine", [False])
    insert_requests(env.engine, [("MINT", a, 12)])
    minter = env.minter()
    minter.step()  # estimated while unpaused, signed and broadcast
    # The pause lands first in the same block (a higher tip), so the batch reverts on chain.
    deployer = env.deployment.deployer
    pause = env.token.functions.pause().build_transaction(
        {"from": deployer, "maxPriorityFeePerGas": 50 * 10**9, "maxFeePerGas": 100 * 10**9}
    )
    from eth_account import Account

    pause["nonce"] = env.chain.w3.eth.get_transaction_count(Web3.to_checksum_address(deployer))
    signed = Account.sign_transaction(pause, ANVIL_KEYS[0])
    env.chain.w3.eth.send_raw_transaction(signed.raw_transaction)
    env.anvil.mine(1)
    minter.step()
    [tx] = tx_rows(env.engine)
    [batch] = batch_rows(env.engine)
    assert tx.state == T_REVERTED and "EnforcedPause" in tx.error
    assert batch.status == B_PENDING and "EnforcedPause" in batch.last_error
    env.anvil.rpc("anvil_setAutomine", [True])
    _admin_call(env, "unpause")
    step_until_final(env, minter)
    first, second = tx_rows(env.engine)
    assert (first.nonce, second.nonce) == (0, 1)
    assert second.state == T_MINED
    assert_exactly_once(env, {a: 12})
    assert T_DROPPED not in {t.state for t in tx_rows(env.engine)}
