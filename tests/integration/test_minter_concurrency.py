"""Many requests at once, and two minters for one wallet."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest

from minter.loop import start_thread
from tests.support.anvil import AnvilNode
from tests.support.minter import (
    MinterEnv,
    assert_exactly_once,
    batch_rows,
    insert_requests,
    make_env,
    member_address,
    tx_rows,
    wait_until_final,
)


def test_fifty_concurrent_requests_one_nonce_range_few_batches(
    anvil: AnvilNode, database_url: str
) -> None:
    env = make_env(anvil, database_url, minter_batch_age=Decimal("0.5"))
    stop = threading.Event()
    thread = start_thread(env.minter(), stop)
    try:
        members = [member_address(i) for i in range(50)]
        with ThreadPoolExecutor(max_workers=10) as pool:
            list(
                pool.map(
                    lambda i: insert_requests(env.engine, [("MINT", members[i], i + 1)]),
                    range(50),
                )
            )
        wait_until_final(env)
        stop.set()
        thread.join(30)
        assert_exactly_once(env, {m: i + 1 for i, m in enumerate(members)})
        batches = batch_rows(env.engine)
        assert 1 <= len(batches) <= 5, f"{len(batches)} batches for 50 requests"
        assert sum(b.recipients for b in batches) == 50
    finally:
        stop.set()
        thread.join(30)
        env.close()


def _wait_for(log: Path, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text():
            return
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not in {log}: {log.read_text() if log.exists() else ''}")


@pytest.fixture
def pg_env(anvil: AnvilNode, postgres_url: str) -> Iterator[MinterEnv]:
    e = make_env(anvil, postgres_url)
    yield e
    e.close()


def test_two_minter_processes_one_database_only_one_sends(
    pg_env: MinterEnv, tmp_path: Path
) -> None:
    env = pg_env
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    first = env.spawn(logs[0])
    _wait_for(logs[0], "is active")
    second = env.spawn(logs[1])
    processes: list[subprocess.Popen[bytes]] = [first, second]
    try:
        _wait_for(logs[1], "another minter holds the lock")
        a, b = member_address(1), member_address(2)
        insert_requests(env.engine, [("MINT", a, 1), ("MINT", b, 2)])
        wait_until_final(env)
        assert {t.process.rsplit(":", 1)[1] for t in tx_rows(env.engine)} == {str(first.pid)}
        # The active one dies; the waiting one takes over the wallet and carries on.
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        _wait_for(logs[1], "is active")
        insert_requests(env.engine, [("MINT", a, 10)])
        wait_until_final(env)
    finally:
        for p in processes:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait(20)
    senders = [t.process.rsplit(":", 1)[1] for t in tx_rows(env.engine)]
    assert senders[0] == str(first.pid) and senders[-1] == str(second.pid)
    assert len(batch_rows(env.engine)) == 2
    assert_exactly_once(env, {a: 11, b: 2})
