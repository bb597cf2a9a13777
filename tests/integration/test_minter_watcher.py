"""The watcher's decisions on situations a dev node cannot stage, on an in-memory chain
(tests/support/memory_node.py) with the real store on SQLite: a transaction stuck in the pool,
a nonce taken by a foreign transaction, the fee cap, an old signature landing after a
replacement."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from eth_account import Account

from loyalty.db.engine import make_engine
from loyalty.deploy import Deployment
from loyalty.settings import Settings
from minter.config import MinterConfig
from minter.loop import Minter
from minter.tables import B_FINAL, B_PENDING, T_DROPPED, T_MINED, T_REPLACED
from tests.support.anvil import ANVIL_KEYS
from tests.support.memory_node import MemoryNode
from tests.support.minter import batch_rows, insert_requests, member_address, tx_rows, unfinished

GWEI = 10**9
MINTER = Account.from_key(ANVIL_KEYS[1]).address
TOKEN = "0x" + "70" * 20


@dataclass
class Chainless:
    chain_id: int = 31337
    embedded: bool = False


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[object]:
    e = make_engine(sqlite_url)
    yield e
    e.dispose()


def make_minter(engine, node: MemoryNode, **changes: object) -> Minter:  # type: ignore[no-untyped-def]
    settings = Settings(
        rpc_url="http://node.invalid",
        minter_key=ANVIL_KEYS[1],
        minter_batch_age=Decimal(0),
        minter_retry_seconds=Decimal(0),
        minter_min_priority_fee_gwei=Decimal(1),
        minter_stuck_blocks=3,
        finality_depth=2,
    ).with_(**changes)
    deployment = Deployment(31337, TOKEN, 0, "0x" + "00" * 32, MINTER, MINTER, "P", "P", True)
    config = MinterConfig.from_settings(settings)
    return Minter(engine, Chainless(), deployment, config, node=node)  # type: ignore[arg-type]


def finish(minter: Minter, node: MemoryNode, engine) -> None:  # type: ignore[no-untyped-def]
    for _ in range(10):
        minter.step()
        if not unfinished(engine):
            return
        node.mine(3)
    raise AssertionError("not final")


def test_transaction_stuck_in_the_pool_is_replaced_after_the_configured_blocks(engine) -> None:  # type: ignore[no-untyped-def]
    node = MemoryNode(base_fee=GWEI)
    insert_requests(engine, [("MINT", member_address(1), 5)])
    minter = make_minter(engine, node)
    minter.step()
    [first] = tx_rows(engine)
    node.base_fee = int(first.max_fee_per_gas) + 1  # it stays in the pool, unminable
    node.mine(2)
    minter.step()
    assert len(tx_rows(engine)) == 1, "replaced before it was stuck for 3 blocks"
    node.mine(1)
    minter.step()
    first, second = tx_rows(engine)
    assert second.nonce == first.nonce
    assert second.max_fee_per_gas * 10 >= first.max_fee_per_gas * 11
    assert second.max_fee_per_gas >= 2 * node.base_fee  # follows the base fee it now faces
    assert len(node.pool) == 1  # the node took the replacement in place of the original
    finish(minter, node, engine)
    first, second = tx_rows(engine)
    assert (first.state, second.state) == (T_REPLACED, T_MINED)
    assert len(node.used) == 1


def test_stuck_at_the_fee_cap_is_reported_not_replaced(engine) -> None:  # type: ignore[no-untyped-def]
    node = MemoryNode(base_fee=GWEI)
    insert_requests(engine, [("MINT", member_address(1), 5)])
    minter = make_minter(engine, node, minter_max_fee_gwei=Decimal(3))
    minter.step()
    node.base_fee = 5 * GWEI
    node.mine(4)
    minter.step()
    assert len(tx_rows(engine)) == 1
    assert "fee cap" in batch_rows(engine)[0].last_error


def test_nonce_taken_by_a_foreign_transaction_is_sent_again_with_the_next_nonce(engine) -> None:  # type: ignore[no-untyped-def]
    node = MemoryNode()
    insert_requests(engine, [("MINT", member_address(1), 5), ("MINT", member_address(2), 6)])
    minter = make_minter(engine, node)
    minter.step()
    node.take_nonce(MINTER)  # someone used the hot wallet elsewhere
    minter.step()
    [batch] = batch_rows(engine)
    assert batch.status != B_FINAL
    finish(minter, node, engine)
    first, second = tx_rows(engine)
    assert first.state == T_DROPPED and (first.nonce, second.nonce) == (0, 1)
    assert second.state == T_MINED and len(node.used) == 1


def test_old_signature_landing_after_a_replacement_settles_the_batch_once(engine) -> None:  # type: ignore[no-untyped-def]
    node = MemoryNode(base_fee=GWEI)
    insert_requests(engine, [("MINT", member_address(1), 5)])
    minter = make_minter(engine, node, minter_stuck_blocks=1)
    minter.step()
    node.base_fee = 10 * GWEI
    node.mine(1)
    minter.step()  # replaced
    first, second = tx_rows(engine)
    # The original comes back (another node still had it) and is mined instead.
    node.pool.clear()
    node.base_fee = GWEI
    assert node.send_raw(first.raw_tx)[0].value == "accepted"
    node.mine(1)
    finish(minter, node, engine)
    first, second = tx_rows(engine)
    assert (first.state, second.state) == (T_MINED, T_REPLACED)
    [batch] = batch_rows(engine)
    assert batch.status == B_FINAL and batch.tx_hash == first.tx_hash
    assert len(node.used) == 1


def test_paused_token_is_simulated_and_waits_without_spending_a_nonce(engine) -> None:  # type: ignore[no-untyped-def]
    node = MemoryNode(paused=True)
    insert_requests(engine, [("MINT", member_address(1), 5)])
    minter = make_minter(engine, node)
    minter.step()
    [batch] = batch_rows(engine)
    assert batch.status == B_PENDING and batch.last_error == "refused by the token: EnforcedPause()"
    assert node.sent == []
    node.paused = False
    finish(minter, node, engine)
    assert [t.nonce for t in tx_rows(engine)] == [0]
