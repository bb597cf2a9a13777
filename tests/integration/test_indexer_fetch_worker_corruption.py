"""A fetch worker's message that arrives corrupt, cut short or mixed with foreign bytes fails
one step (RpcUnavailable, which the loop retries) and never the indexer; the worker is dropped,
the next step starts another, and the index ends equal to the chain. Bytes written to the
worker's stdout by anything but its channel (a profiler, a C library) never reach the parent."""

from __future__ import annotations

import contextlib
import os
import random
import textwrap
import threading
from collections.abc import Callable
from typing import Any

import pytest

from indexer.errors import RpcUnavailable
from indexer.queries import balances_at
from tests.integration.test_indexer_crash import build_chain
from tests.support.indexing import close, make_indexer
from tests.support.token_activity import TokenActivity

RANGES = {"initial_range": 1, "max_range": 1}  # one block per range: many messages


@pytest.fixture
def chain(anvil_factory, postgres_url):
    anvil = anvil_factory("--slots-in-an-epoch", "1")  # finalized = head - 2: a backfill
    activity = TokenActivity.deploy(anvil, postgres_url)
    holders = build_chain(activity, random.Random(12), holders=200, events=600)
    anvil.mine(3)
    yield activity, holders
    activity.close()


def _flip(data: bytearray) -> bytearray:
    data[300] ^= 0x20  # one bit, inside the first message (a range's pickled logs)
    return data


def _junk(data: bytearray) -> bytearray:
    return bytearray(b"py-spy: sampling process 4242 at 100 Hz\n") + data


def _cut(data: bytearray) -> bytearray:
    return data[:120] + data[180:]  # 60 bytes of the first message lost


class _Tamper:
    """Sits between a worker's stdout and the indexer: forwards every byte, except that the
    first `size` bytes of the stream go through `change` once."""

    def __init__(self, source: Any, change: Callable[[bytearray], bytearray], size: int) -> None:
        self.read_end, self._write_end = os.pipe()
        self._stream = source  # held: the worker's pipe closes when its last reference goes
        self._source, self._change, self._size = source.fileno(), change, size
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

        self._reader = os.fdopen(self.read_end, "rb")  # a pipe like the one it stands for

    def fileno(self) -> int:
        return self.read_end

    def read(self, size: int = -1) -> bytes:
        return self._reader.read(size)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._reader.close()
        self._stream.close()

    def _run(self) -> None:
        head = bytearray()
        try:
            while len(head) < self._size and (chunk := os.read(self._source, 65536)):
                head += chunk
            os.write(self._write_end, bytes(self._change(head)))
            while chunk := os.read(self._source, 65536):
                os.write(self._write_end, chunk)
        except OSError:
            pass  # the indexer dropped the worker and closed its end
        finally:
            os.close(self._write_end)


def _balances(indexer):
    state = indexer.state()
    with indexer.engine.connect() as conn:
        return state, balances_at(conn, state.indexed_block)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("change", [_flip, _junk, _cut], ids=["flipped-bit", "junk", "cut"])
def test_a_corrupt_message_fails_one_step_and_the_next_starts_another_worker(
    chain, postgres_url, change
):
    activity, holders = chain
    indexer = make_indexer(postgres_url, activity, **RANGES)
    try:
        indexer.sync_once()
        worker = indexer.historical.worker
        assert worker is not None and worker.next_first is not None  # streaming ahead
        worker.stall = 1.0  # a frame cut short is noticed after 1 s without bytes
        assert worker._process.stdout is not None
        tamper = _Tamper(worker._process.stdout, change, 400)
        worker._process.stdout = tamper  # type: ignore[assignment]
        failed = None
        for _ in range(20):
            try:
                indexer.sync_once()
            except RpcUnavailable as exc:
                failed = exc
                break
        assert failed is not None and "corrupt message" in str(failed)
        assert not worker.alive()  # out of step for good: dropped
        state = indexer.run_until_caught_up()  # the next step starts another worker
        _state, got = _balances(indexer)
        assert got == {a: b for a, b in activity.balance_of(holders).items() if b}
        assert state.total_supply == activity.total_supply()
    finally:
        indexer.close()
        close(indexer)


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
@pytest.mark.timeout(120)
def test_writes_to_the_workers_stdout_do_not_reach_the_channel(
    chain, postgres_url, tmp_path, monkeypatch
):
    """A thread in the worker process (what a profiler or a chatty C library amounts to) writes
    to file descriptor 1 while it streams: nothing fails, the index is right."""
    activity, holders = chain
    (tmp_path / "sitecustomize.py").write_text(
        textwrap.dedent(
            """
            import os, sys, threading, time

            def chatter():
                while "indexer.fetch_worker" not in sys.modules:
                    time.sleep(0.005)
                for _ in range(2000):
                    time.sleep(0.001)
                    os.write(1, b"profiler: 1234 samples\\n")

            with open("/proc/self/cmdline", "rb") as cmdline:
                worker = b"indexer.fetch_worker" in cmdline.read()
            if worker:
                threading.Thread(target=chatter, daemon=True).start()
            """
        )
    )
    monkeypatch.setenv("PYTHONPATH", f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    indexer = make_indexer(postgres_url, activity, **RANGES)
    try:
        steps = 0
        while not indexer.sync_once().caught_up:
            steps += 1
        assert steps > 3
        _state, got = _balances(indexer)
        assert got == {a: b for a, b in activity.balance_of(holders).items() if b}
    finally:
        indexer.close()
        close(indexer)
