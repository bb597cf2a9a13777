"""The fetch worker process: during a backfill from an HTTP node the ranges below finality are
read (fetched, parsed, checked, decoded) by `python -m indexer.fetch_worker` ahead of the steps. The
index is the same as when they are read in a thread; a worker that dies fails one step and the
next starts another; the worker ends when the backfill does."""

from __future__ import annotations

import contextlib
import gc
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from audit.check import digest
from indexer.decode import gc_paused
from indexer.errors import RpcUnavailable
from indexer.queries import balances_at
from indexer.rpc import HttpRpc
from tests.integration.test_indexer_crash import build_chain
from tests.support.indexing import close, make_indexer
from tests.support.token_activity import TokenActivity

RANGES = {"initial_range": 1, "max_range": 1}  # one block per range: many ranges


@pytest.fixture
def chain(anvil_factory, postgres_url):
    anvil = anvil_factory("--slots-in-an-epoch", "1")  # finalized = head - 2: a backfill
    activity = TokenActivity.deploy(anvil, postgres_url)
    holders = build_chain(activity, random.Random(11), holders=400, events=1_500)
    anvil.mine(3)
    yield activity, holders
    activity.close()


def _reference(activity: TokenActivity, url: str, block: int) -> str:
    """The digest at `block` of an index whose ranges were read in a thread."""
    indexer = make_indexer(url, activity, fetch_process=False, **RANGES)
    try:
        indexer.run_until_caught_up()
        assert indexer.historical.worker is None
        with indexer.engine.connect() as conn:
            return digest(balances_at(conn, block))
    finally:
        close(indexer)


def test_backfill_reads_ahead_in_a_worker_process(chain, database_url, postgres_databases):
    activity, holders = chain
    indexer = make_indexer(database_url, activity, **RANGES)
    processes = set()
    try:
        steps = 0
        while True:
            step = indexer.sync_once()
            steps += 1
            if indexer.historical.worker is not None:
                processes.add(indexer.historical.worker._process)
                if not step.caught_up and step.last < step.finalized:
                    assert indexer.historical.worker.alive()
            if step.caught_up:
                break
        assert steps > 5
        assert len(processes) == 1  # one worker, streaming range after range
        indexer.close()
        assert indexer.historical.worker is None
        assert all(p.poll() is not None for p in processes)  # ended with the backfill
        state = indexer.state()
        with indexer.engine.connect() as conn:
            got = balances_at(conn, state.indexed_block)
        assert got == {a: b for a, b in activity.balance_of(holders).items() if b}
        assert digest(got) == _reference(activity, postgres_databases.fresh(), state.indexed_block)
        assert state.total_supply == activity.total_supply()
    finally:
        indexer.close()
        close(indexer)


def test_a_worker_that_dies_fails_one_step_and_the_next_starts_another(chain, postgres_url):
    activity, holders = chain
    indexer = make_indexer(postgres_url, activity, **RANGES)
    try:
        for _ in range(3):
            indexer.sync_once()
        worker = indexer.historical.worker
        assert worker is not None and worker.next_first is not None
        worker._process.kill()
        worker._process.wait()
        # What it wrote before dying (in the pipe's buffer) is still read; then the step
        # that needs more fails.
        failed = None
        for _ in range(5):
            try:
                indexer.sync_once()
            except RpcUnavailable as exc:
                failed = exc
                break
        assert failed is not None and "fetch worker" in str(failed)
        state = indexer.run_until_caught_up()
        assert indexer.historical.worker is None
        with indexer.engine.connect() as conn:
            got = balances_at(conn, state.indexed_block)
        assert got == {a: b for a, b in activity.balance_of(holders).items() if b}
        assert state.total_supply == activity.total_supply()
    finally:
        indexer.close()
        close(indexer)


def test_other_transports_read_ahead_in_a_thread(chain, postgres_url):
    """Only HttpRpc itself goes to the worker (it is rebuilt there from its URL); a subclass,
    which may do more than HTTP, is read in a thread."""
    activity, holders = chain

    class Counting(HttpRpc):
        logs_calls = 0

        def batch(self, calls):
            Counting.logs_calls += sum(1 for m, _p in calls if m == "eth_getLogs")
            return super().batch(calls)

        def get_logs(self, params):
            Counting.logs_calls += 1
            return super().get_logs(params)

    indexer = make_indexer(postgres_url, activity, **RANGES)
    indexer.rpc.close()
    indexer.rpc = indexer.reader.rpc = Counting(activity.node.url)
    try:
        while not indexer.sync_once().caught_up:
            assert indexer.historical.worker is None
        assert Counting.logs_calls > 5
        state = indexer.state()
        with indexer.engine.connect() as conn:
            got = balances_at(conn, state.indexed_block)
        assert got == {a: b for a, b in activity.balance_of(holders).items() if b}
    finally:
        indexer.close()
        close(indexer)


def test_gc_paused_restores_the_collector() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner one found it paused and leaves it so
    assert gc.isenabled()
    with pytest.raises(ValueError), gc_paused():
        raise ValueError
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmdline = f.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"indexer.fetch_worker" in cmdline:
                found.append(int(entry))
    return found


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
def test_the_worker_ends_when_the_indexer_is_killed(chain, postgres_url) -> None:
    """SIGKILLed mid-backfill, the indexer cannot stop its worker: the worker notices the
    closed pipes and exits by itself instead of blocking for ever."""
    activity, _holders = chain
    env = {
        **os.environ,
        "LOYALTY_DATABASE_URL": postgres_url,
        "LOYALTY_RPC_URL": activity.node.url,
        "LOYALTY_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "indexer", "--once", "--max-range", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while not workers and proc.poll() is None and time.monotonic() < deadline:
            workers = _children(proc.pid)
            time.sleep(0.01)
        assert workers, "no fetch worker seen"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(os.path.exists(f"/proc/{w}") for w in workers):
            time.sleep(0.05)
            for w in workers:  # reap it if it is ours (it is re-parented, so normally not)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(w, os.WNOHANG)
        alive = [w for w in workers if _running(w)]
        assert not alive, f"fetch worker {alive} still running after its indexer was killed"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
