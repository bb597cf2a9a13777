"""The real `loyalty minter` process, killed with SIGKILL at each dangerous point, then
restarted: every request is minted exactly once, with no nonce gap (LOYALTY_MINTER_FAULT)."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from minter.tables import B_SENT, T_SIGNED
from tests.support.anvil import AnvilNode
from tests.support.minter import (
    MINTER_ADDRESS,
    MinterEnv,
    assert_exactly_once,
    batch_rows,
    insert_requests,
    make_env,
    member_address,
    tx_rows,
    wait_until_final,
)


@pytest.fixture
def env(anvil: AnvilNode, database_url: str) -> Iterator[MinterEnv]:
    e = make_env(anvil, database_url)
    yield e
    e.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(20)


@pytest.mark.parametrize("fault", ["after_save", "after_broadcast", "after_receipt"])
def test_killed_minter_restarts_and_mints_exactly_once(
    env: MinterEnv, fault: str, tmp_path: Path
) -> None:
    a, b, c = member_address(1), member_address(2), member_address(3)
    insert_requests(env.engine, [("MINT", a, 10), ("MINT", b, 20), ("MINT", c, 30), ("MINT", a, 1)])
    log = tmp_path / "minter.log"
    crashed = env.spawn(log, LOYALTY_MINTER_FAULT=fault)
    assert crashed.wait(60) == -signal.SIGKILL, log.read_text()

    [tx] = tx_rows(env.engine)
    [batch] = batch_rows(env.engine)
    assert batch.status == B_SENT  # the crash left it in flight
    on_chain_nonce = env.chain.w3.eth.get_transaction_count(MINTER_ADDRESS)
    if fault == "after_save":
        assert tx.state == T_SIGNED and on_chain_nonce == 0  # saved, never broadcast
    elif fault == "after_broadcast":
        assert tx.state == T_SIGNED and on_chain_nonce == 1  # broadcast (and mined), unrecorded
    else:
        assert on_chain_nonce == 1 and tx.block_number is None  # receipt seen, not recorded

    restarted = env.spawn(log)
    try:
        wait_until_final(env)
    finally:
        _stop(restarted)
    assert restarted.returncode == 0, log.read_text()
    assert_exactly_once(env, {a: 11, b: 20, c: 30})
    assert len(tx_rows(env.engine)) == 1, "a second signature was made after the crash"
