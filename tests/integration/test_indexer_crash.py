"""SIGKILL of `loyalty indexer` at random points of a backfill: every restart resumes from its
committed checkpoint and the result has the same digest as an uninterrupted run.

The suite runs a 4,000-event chain; `python -m bench.indexer --kill` runs the same check on
20,000+ events (too slow for the suite on 2 shared cores)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

from audit.check import digest
from indexer.queries import balances_at
from tests.support.indexing import close, make_indexer
from tests.support.token_activity import TokenActivity, random_address


def build_chain(
    activity: TokenActivity, rng: random.Random, holders: int, events: int
) -> list[str]:
    """Mints to every holder (500 per batch), then transfers and burns; ~`events` logs."""
    addresses = [random_address(rng) for _ in range(holders)]
    activity.node.rpc("evm_setAutomine", [False])  # many transactions per block
    for start in range(0, holders, 500):
        chunk = addresses[start : start + 500]
        activity.mint(chunk, [10_000] * len(chunk))
        activity.node.mine(1)
    produced = holders + holders // 500
    while produced < events:
        moves = [
            (rng.choice(addresses), rng.choice(addresses), rng.randint(1, 20))
            for _ in range(min(400, events - produced))
        ]
        activity.transfers(moves)
        produced += len(moves)
        if rng.random() < 0.3:
            burners = rng.sample(addresses, 50)
            activity.burn(burners, [1] * 50)
            produced += 51
        activity.node.mine(1)
    activity.node.rpc("evm_setAutomine", [True])
    return addresses


def _indexed(url: str) -> int:
    from sqlalchemy import select

    from indexer.tables import indexer_state
    from loyalty.db.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            value = conn.execute(select(indexer_state.c.indexed_block)).scalar()
    finally:
        engine.dispose()
    return -1 if value is None else int(value)


def run_with_kills(env: dict[str, str], rng: random.Random, max_range: int, kills: int) -> int:
    """Starts `loyalty indexer --once`; once it has committed at least one range, SIGKILLs it
    after a random delay (so mid-fetch, mid-transaction or between steps); `kills` times, then
    lets a last run finish. Returns how many kills landed while it was still running."""
    url = env["LOYALTY_DATABASE_URL"]
    landed = 0
    for attempt in range(kills + 1):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cli.main",
                "indexer",
                "--once",
                "--max-range",
                str(max_range),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        if attempt < kills:
            start = _indexed(url)
            deadline = time.monotonic() + 60
            while proc.poll() is None and _indexed(url) <= start and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(rng.uniform(0.0, 0.4))
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                landed += 1
            proc.wait()
            continue
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()[-2000:]
    return landed


def test_sigkill_during_backfill_converges_to_the_same_digest(
    anvil_factory, postgres_url, postgres_databases
) -> None:
    rng = random.Random(21)
    anvil = anvil_factory("--slots-in-an-epoch", "1")  # finalized = head - 2: a backfill
    activity = TokenActivity.deploy(anvil, postgres_url)
    holders = build_chain(activity, rng, holders=1_000, events=4_000)
    anvil.mine(3)
    env = {
        **os.environ,
        "LOYALTY_DATABASE_URL": postgres_url,
        "LOYALTY_RPC_URL": anvil.url,
        "LOYALTY_LOG_LEVEL": "WARNING",
    }
    kills = run_with_kills(env, rng, max_range=1, kills=5)
    assert kills >= 3
    head = activity.head()
    clean_url = postgres_databases.fresh()
    reference = make_indexer(clean_url, activity)
    try:
        reference.run_until_caught_up()
        with reference.engine.connect() as conn:
            expected = digest(balances_at(conn, head))
    finally:
        close(reference)
    resumed = make_indexer(postgres_url, activity)
    try:
        state = resumed.state()
        assert state.indexed_block == head
        with resumed.engine.connect() as conn:
            got = balances_at(conn, head)
        assert digest(got) == expected
        assert got == {a: b for a, b in activity.balance_of(holders).items() if b}
        assert state.total_supply == activity.total_supply()
    finally:
        close(resumed)
        activity.close()
