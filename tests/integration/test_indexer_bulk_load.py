"""PostgreSQL bulk load: a backfill drops the two address indexes of transfers and builds them
again once it reaches finality; a restart after the indexer died while they were dropped builds
them too (at the step that finds the index at finality), and the data is the same either way."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import Engine

from audit.check import digest
from indexer import historical, queries, store
from indexer.queries import balances_at
from tests.integration.test_indexer_crash import build_chain
from tests.support.indexing import close, make_indexer
from tests.support.token_activity import TokenActivity

BULK = [str(i.name) for i in historical.BULK_LOAD_INDEXES]
SMALL_RANGES = {"initial_range": 1, "max_range": 1, "bulk_load_events": 100}


def _missing(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return historical.missing_bulk_load_indexes(conn)


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
            historical.drop_bulk_load_indexes(conn)
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


def test_only_final_ranges_commit_without_waiting_for_disk(anvil_factory, postgres_url) -> None:
    """synchronous_commit = off, set per transaction, for ranges at or below finality only;
    a range above finality (the head is followed) commits synchronously."""
    from sqlalchemy import event

    activity, _holders = _chain(anvil_factory, postgres_url)
    indexer = make_indexer(postgres_url, activity, initial_range=2, max_range=2)
    seen: list[str] = []
    event.listen(
        indexer.engine,
        "before_cursor_execute",
        lambda _c, _cur, sql, *_a: seen.append(sql),
    )
    relaxed: list[tuple[int, int, bool]] = []
    try:
        while True:
            seen.clear()
            step = indexer.sync_once()
            if step.events or step.last >= step.first:
                off = any("synchronous_commit = off" in s for s in seen)
                relaxed.append((step.last, step.finalized, off))
            if step.caught_up:
                break
        activity.node.mine(1)  # a block above finality: followed, not final
        seen.clear()
        step = indexer.sync_once()
        assert step.last > step.finalized
        assert not any("synchronous_commit" in s for s in seen)
        assert relaxed and all(off == (last <= fin) for last, fin, off in relaxed)
        assert any(off for *_x, off in relaxed)
        with indexer.engine.connect() as conn:  # SET LOCAL: nothing leaks into the pool
            assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
    finally:
        indexer.close()
        close(indexer)
        activity.close()


@pytest.mark.parametrize("bad", ["\t", "\n", "\\", "\r"])
def test_copy_refuses_node_strings_that_would_break_rows(postgres_url, bad: str) -> None:
    """Rows go to COPY as text built by the indexer: a string from the node holding a COPY
    separator or escape is refused, and nothing of the range is stored."""
    from indexer.decode import Decoded, Transfer
    from indexer.errors import NodeInconsistent
    from indexer.store import RangeData
    from loyalty.db.engine import make_engine

    engine = make_engine(postgres_url)
    token = "0x" + "11" * 20
    a, b = "0x" + "aa" * 20, "0x" + "bb" * 20
    zero = "0x" + "00" * 20
    try:
        with engine.begin() as conn:
            state = store.init_state(conn, 1, token, 1)

        def data(tx_hash: str) -> RangeData:
            t = [
                Transfer(1, "0x" + "01" * 32, "0x" + "02" * 32, 0, zero, a, 5),
                Transfer(1, "0x" + "01" * 32, tx_hash, 1, a, b, 2),
            ]
            return RangeData(1, 1, "0x" + "01" * 32, Decoded(t, []), [], 10, 5)

        with pytest.raises(NodeInconsistent), engine.begin() as conn:
            store.apply_range(conn, state, data("0x" + "03" * 31 + "0" + bad))
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM indexer_transfers").scalar() == 0
            assert queries.load_state(conn) == state
        with engine.begin() as conn:  # the same range with a clean hash is stored
            store.apply_range(conn, state, data("0x" + "03" * 32))
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT tx_hash, from_address, to_address, value FROM indexer_transfers "
                "ORDER BY log_index"
            ).all()
            assert [tuple(r) for r in rows] == [
                ("0x" + "02" * 32, zero, a, 5),
                ("0x" + "03" * 32, a, b, 2),
            ]
            hist = conn.exec_driver_sql(
                "SELECT address, block_number, balance FROM indexer_balance_history "
                "ORDER BY address"
            ).all()
            assert [tuple(r) for r in hist] == [(a, 1, 3), (b, 1, 2)]
    finally:
        engine.dispose()


def test_balances_known_to_be_stored_must_be_there(postgres_url) -> None:
    """On PostgreSQL a range UPDATEs the balance rows it knows exist and INSERTs the others;
    a known balance without its row (another writer, a stale cache) fails the whole range."""
    from indexer.decode import Decoded, Transfer
    from indexer.errors import ConcurrentWriter
    from indexer.store import RangeData
    from loyalty.db.engine import make_engine

    engine = make_engine(postgres_url)
    a, b = "0x" + "aa" * 20, "0x" + "bb" * 20
    zero = "0x" + "00" * 20

    def data(block: int, *moves: tuple[str, str, int]) -> RangeData:
        t = [
            Transfer(block, f"0x{block:064x}", f"0x{block:062x}{i:02x}", i, f, to, v)
            for i, (f, to, v) in enumerate(moves)
        ]
        return RangeData(block, block, f"0x{block:064x}", Decoded(t, []), [], 10, 5)

    try:
        with engine.begin() as conn:
            state = store.init_state(conn, 1, "0x" + "11" * 20, 1)
        with engine.begin() as conn:
            state = store.apply_range(conn, state, data(1, (zero, a, 10)))
        with pytest.raises(ConcurrentWriter), engine.begin() as conn:
            store.apply_range(conn, state, data(2, (a, b, 4)), known={a: 10, b: 7})
        with engine.connect() as conn:
            assert queries.load_state(conn) == state
            assert queries.current_balances(conn, [a, b]) == {a: 10}
        with engine.begin() as conn:  # right knowledge: a updated, b inserted
            state = store.apply_range(conn, state, data(2, (a, b, 4)), known={a: 10})
        with engine.begin() as conn:  # nothing known: read back, both updated
            state = store.apply_range(conn, state, data(3, (b, a, 1), (a, zero, 2)))
        with engine.connect() as conn:
            assert queries.current_balances(conn, [a, b]) == {a: 5, b: 3}
            rows = conn.exec_driver_sql(
                "SELECT address, block_number FROM indexer_balances ORDER BY address"
            ).all()
            assert [tuple(r) for r in rows] == [(a, 3), (b, 3)]
        assert state.total_supply == 8
    finally:
        engine.dispose()
