"""The indexer against a node that misbehaves: it converges through failures, timeouts and
"too many results"; it refuses logs whose block hash is not their block's; it re-asks a block
whose bloom says it has our logs when the range query returned none."""

from __future__ import annotations

import random
import threading
import time

import pytest

from audit.check import digest, run_audit
from indexer.errors import NodeInconsistent
from indexer.rpc import HttpRpc
from tests.support.faulty_rpc import Faults, FaultyProxy
from tests.support.indexing import close, make_indexer
from tests.support.token_activity import TokenActivity, random_address


def _activity(node, database_url, blocks: int, rng: random.Random):
    activity = TokenActivity.deploy(node, database_url)
    holders = [random_address(rng) for _ in range(30)]
    activity.mint(holders, [1_000] * len(holders))
    for _ in range(blocks):
        activity.transfers(
            [
                (rng.choice(holders), rng.choice(holders), rng.randint(1, 50))
                for _ in range(rng.randint(0, 6))
            ]
        )
        node.mine(1)
    return activity, holders


def test_converges_through_failures_timeouts_and_too_many_results(anvil, postgres_url) -> None:
    rng = random.Random(3)
    activity, holders = _activity(anvil, postgres_url, 60, rng)
    anvil.mine(80)  # part of the chain below finality (backfill), part above (follow)
    faults = Faults(fail=0.15, stall=0.1, stall_seconds=0.6, too_many=0.4, too_many_above=3)
    proxy = FaultyProxy(anvil.url, faults)
    indexer = make_indexer(
        postgres_url, activity, proxy.url, timeout=0.4, initial_range=64, follow_range=16, retries=3
    )
    stop = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            indexer.run_forever(stop)
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    head = activity.head()
    deadline = time.monotonic() + 120
    try:
        while indexer.state().indexed_block < head and time.monotonic() < deadline:
            assert not errors, errors
            time.sleep(0.2)
    finally:
        stop.set()
        thread.join(30)
        proxy.close()
    assert not errors, errors
    assert indexer.state().indexed_block == head
    assert faults.counts.get("fail", 0) > 0
    assert faults.counts.get("stall", 0) > 0
    assert faults.counts.get("too_many", 0) > 0
    direct = HttpRpc(anvil.url)
    try:
        report = run_audit(indexer.engine, direct, head)
    finally:
        direct.close()
    assert report.clean, report.findings
    assert report.digest == digest(activity.balance_of(holders, head))
    close(indexer)
    activity.close()


def test_a_log_whose_block_hash_does_not_match_is_refused(anvil, database_url) -> None:
    rng = random.Random(4)
    activity, _holders = _activity(anvil, database_url, 5, rng)
    proxy = FaultyProxy(anvil.url, Faults(wrong_block_hash=True))
    indexer = make_indexer(database_url, activity, proxy.url)
    try:
        before = indexer.state()
        with pytest.raises(NodeInconsistent, match="block hash"):
            indexer.sync_once()
        assert indexer.state() == before
        with indexer.engine.connect() as conn:
            from indexer.tables import transfers

            assert conn.execute(transfers.select()).first() is None
    finally:
        proxy.close()
        close(indexer)
        activity.close()


def test_logs_missing_from_a_range_reply_are_fetched_again(anvil, database_url) -> None:
    rng = random.Random(5)
    activity, holders = _activity(anvil, database_url, 8, rng)
    faults = Faults(drop_range_logs_once=True)
    proxy = FaultyProxy(anvil.url, faults)
    indexer = make_indexer(database_url, activity, proxy.url, follow_range=4)
    try:
        state = indexer.run_until_caught_up()
        assert faults.counts.get("dropped") == 1
        with indexer.engine.connect() as conn:
            from indexer.queries import balances_at

            assert balances_at(conn, state.indexed_block) == {
                a: b for a, b in activity.balance_of(holders).items() if b
            }
    finally:
        proxy.close()
        close(indexer)
        activity.close()
