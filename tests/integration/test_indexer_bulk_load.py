"""PostgreSQL bulk load: a backfill drops the two address indexes of transfers and builds them
again once it reaches finality; a restart after the indexer died while they were dropped builds
them too (at the step that finds the index at finality), and the data is the same either way."""

from __future__ import annotations

import random

from sqlalchemy import Engine

from indexer import store
from indexer.audit import digest
from indexer.queries import balances_at
from tests.integration.test_indexer_crash import build_chain
from tests.support.indexing import close, make_indexer
from tests.support.token_activity import TokenActivity

BULK = ["ix_indexer_transfers_from", "ix_indexer_transfers_to"]
SMALL_RANGES = {"initial_range": 1, "max_range": 1, "bulk_load_events": 100}


def _missing(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return store.missing_bulk_load_indexes(conn)


def _chain(anvil_factory, postgres_url) -> tuple[TokenActivity, list[str]]:
    anvil = anvil_factory("--slots-in-an-epoch", "1")  # finalized = head - 2: a backfill
    activity = TokenActivity.deploy(anvil, postgres_url)
    holders = build_chain(activity, random.Random(5), holders=500, events=2_000)
    anvil.mine(3)
    return activity, holders


def test_backfill_drops_the_address_indexes_and_builds_them_at_finality(
    anvil_factory, postgres_url
) -> None:
    activity, holders = _chain(anvil_factory, postgres_url)
    indexer = make_indexer(postgres_url, activity, **SMALL_RANGES)
    try:
        assert _missing(indexer.engine) == []
        seen_dropped = False
        while True:
            step = indexer.sync_once()
            seen_dropped = seen_dropped or _missing(indexer.engine) == BULK
            if step.caught_up:
                break
        assert seen_dropped
        assert _missing(indexer.engine) == []
        state = indexer.state()
        with indexer.engine.connect() as conn:
            got = balances_at(conn, state.indexed_block)
        assert got == {a: b for a, b in activity.balance_of(holders).items() if b}
    finally:
        indexer.close()
        close(indexer)
        activity.close()


def test_a_restart_after_dying_with_the_indexes_dropped_builds_them(
    anvil_factory, postgres_url, postgres_databases
) -> None:
    activity, holders = _chain(anvil_factory, postgres_url)
    first = make_indexer(postgres_url, activity, **SMALL_RANGES)
    try:
        for _ in range(5):
            first.sync_once()
            if _missing(first.engine) == BULK:
                break
        assert _missing(first.engine) == BULK
        state = first.state()
        assert state.finalized_block is not None
        assert state.indexed_block < state.finalized_block  # still backfilling
    finally:
        # Dies here: nothing more runs in this process (no step reaches finality).
        first.close()
        close(first)
    again = make_indexer(postgres_url, activity)  # default config: ranges too small to drop
    try:
        state = again.run_until_caught_up()
        assert _missing(again.engine) == []
        clean_url = postgres_databases.fresh()
        reference = make_indexer(clean_url, activity)
        try:
            reference.run_until_caught_up()
            with reference.engine.connect() as conn:
                expected = digest(balances_at(conn, state.indexed_block))
        finally:
            close(reference)
        with again.engine.connect() as conn:
            got = balances_at(conn, state.indexed_block)
        assert digest(got) == expected
        assert got == {a: b for a, b in activity.balance_of(holders).items() if b}
        # Dropped again while caught up (as if killed right after a drop): the next process's
        # first step, finding the index at finality, builds them.
        with again.engine.begin() as conn:
            store.drop_bulk_load_indexes(conn)
        assert _missing(again.engine) == BULK
    finally:
        close(again)
    restarted = make_indexer(postgres_url, activity)
    try:
        assert restarted.sync_once().caught_up
        assert _missing(restarted.engine) == []
    finally:
        close(restarted)
        activity.close()
