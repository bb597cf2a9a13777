"""The store's writes on both databases, without a node: a reorg's undo of blocks that held
transfers (the random reorgs on anvil replace blocks the indexer saw empty, so they never undo
a balance) restores every balance, its last-change block, the history, the supply and the
event count, and leaves the index as if the removed blocks had never been indexed."""

from __future__ import annotations

from sqlalchemy import select

from indexer import queries, store
from indexer.decode import Block, Decoded, Transfer
from indexer.store import RangeData
from indexer.tables import balance_history, balances, supply_history, transfers
from loyalty.db.engine import make_engine

TOKEN = "0x" + "11" * 20
A, B, C = "0x" + "aa" * 20, "0x" + "bb" * 20, "0x" + "cc" * 20
ZERO = "0x" + "00" * 20


def _hash(block: int) -> str:
    return f"0x{block:064x}"


def _range(block: int, *moves: tuple[str, str, int]) -> RangeData:
    t = [
        Transfer(block, _hash(block), f"0x{block:062x}{i:02x}", i, frm, to, value)
        for i, (frm, to, value) in enumerate(moves)
    ]
    blocks = [Block(block, _hash(block), _hash(block - 1))]
    return RangeData(block, block, _hash(block), Decoded(t, []), blocks, 10, 0)


def _index(engine):
    with engine.connect() as conn:
        return {
            "balances": sorted(tuple(r) for r in conn.execute(select(balances))),
            "history": sorted(tuple(r) for r in conn.execute(select(balance_history))),
            "supply": sorted(tuple(r) for r in conn.execute(select(supply_history))),
            "transfers": conn.execute(select(transfers.c.block_number)).scalars().all(),
        }


def test_a_reorg_undoes_the_transfers_above_the_ancestor(database_url) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            state = store.init_state(conn, 1, TOKEN, 1)
        with engine.begin() as conn:
            state = store.apply_range(conn, state, _range(1, (ZERO, A, 10), (ZERO, B, 5)))
        with engine.begin() as conn:
            state = store.apply_range(conn, state, _range(2, (A, B, 1)))
        at_2, index_at_2 = state, _index(engine)
        with engine.begin() as conn:
            state = store.apply_range(conn, state, _range(3, (A, B, 4), (ZERO, C, 3)))
        with engine.begin() as conn:
            state = store.apply_range(conn, state, _range(4, (B, A, 2), (C, ZERO, 1)))
        assert state.total_supply == 17

        with engine.begin() as conn:
            undone = store.rollback_to(conn, state, Block(2, _hash(2), _hash(1)))

        assert (undone.indexed_block, undone.indexed_hash) == (2, _hash(2))
        assert (undone.total_supply, undone.events) == (at_2.total_supply, at_2.events)
        assert (undone.reorgs_handled, undone.last_reorg_depth) == (1, 2)
        after = _index(engine)
        # C's row stays, at 0, dated at the ancestor: it held nothing there.
        assert after["balances"] == [*index_at_2["balances"], (C, 0, 2)]
        assert after["balances"][:2] == [(A, 9, 2), (B, 6, 2)]
        for part in ("history", "supply", "transfers"):
            assert after[part] == index_at_2[part], part
        with engine.connect() as conn:
            assert queries.load_state(conn) == undone
            assert queries.balances_at(conn, 2) == {A: 9, B: 6}
            assert queries.stored_blocks(conn, 10) == [
                Block(2, _hash(2), _hash(1)),
                Block(1, _hash(1), _hash(0)),
            ]

        # Indexing the replaced blocks again gives the same index as the first time.
        with engine.begin() as conn:
            state = store.apply_range(conn, undone, _range(3, (A, B, 4), (ZERO, C, 3)))
        with engine.connect() as conn:
            assert queries.current_balances(conn, [A, B, C]) == {A: 5, B: 10, C: 3}
    finally:
        engine.dispose()
