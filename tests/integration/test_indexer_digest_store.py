"""The bisectable digest in the store, on SQLite and PostgreSQL, without a node: every range
writes one digest row per block that changed a balance, chained from the one before; the rows
equal what the balance history makes; a reorg's undo takes them back so that re-indexing the
replacement gives the digest of a fresh index of the final chain; migration
indexer_digest_0001 gives an index made before it the same rows."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, inspect

from cli.migrate import version_locations
from indexer import store
from indexer.decode import Block, Decoded, Transfer
from indexer.digest import block_digest, seed
from indexer.digest_reads import changes_of, digest_before, history_digests, stored_digests
from indexer.store import RangeData
from loyalty.db import migrate
from loyalty.db.engine import make_engine

TOKEN = "0x" + "11" * 20
A, B, C = "0x" + "aa" * 20, "0x" + "bb" * 20, "0x" + "cc" * 20
ZERO = "0x" + "00" * 20
Moves = list[tuple[int, str, str, int]]  # (block, from, to, value)


def _hash(block: int, fork: str = "") -> str:
    return "0x" + (fork * 2 + f"{block:064x}")[-64:]


def _range(first: int, last: int, moves: Moves, fork: str = "") -> RangeData:
    t = [
        Transfer(n, _hash(n, fork), f"0x{n:060x}{i:04x}", i, frm, to, value)
        for i, (n, frm, to, value) in enumerate(moves)
    ]
    blocks = [Block(n, _hash(n, fork), _hash(n - 1, fork)) for n in range(first, last + 1)]
    return RangeData(first, last, _hash(last, fork), Decoded(t, []), blocks, 100, 0)


def _apply(engine: Engine, state: store.State, *ranges: RangeData) -> store.State:
    for data in ranges:
        with engine.begin() as conn:
            state = store.apply_range(conn, state, data)
    return state


def _fresh(url: str) -> tuple[Engine, store.State]:
    engine = make_engine(url)
    with engine.begin() as conn:
        return engine, store.init_state(conn, 1, TOKEN, 1)


def _rows(engine: Engine, through: int = 10**9) -> list[tuple[int, str, int]]:
    with engine.connect() as conn:
        return list(stored_digests(conn, through))


BASE: Moves = [(1, ZERO, A, 10), (1, ZERO, B, 5), (2, A, B, 1)]
OLD_TIP: Moves = [(4, A, B, 4), (4, ZERO, C, 3), (5, B, A, 2), (5, C, ZERO, 1)]
NEW_TIP: Moves = [(4, B, C, 2), (6, ZERO, A, 7)]


def test_each_block_that_changed_a_balance_chains_one_digest(database_url: str) -> None:
    engine, state = _fresh(database_url)
    try:
        # Blocks 1-3 in one range (3 has no transfer), 4-5 in another (a self and a zero transfer).
        moves: Moves = [(4, A, A, 3), (5, B, C, 0)]
        state = _apply(engine, state, _range(1, 3, BASE), _range(4, 5, moves))
        d1 = block_digest(seed(1, TOKEN), 1, [(A, 10), (B, 5)])
        d2 = block_digest(d1, 2, [(A, 9), (B, 6)])
        d4 = block_digest(d2, 4, [(A, 9)])  # touched, unchanged: it counts
        d5 = block_digest(d4, 5, [(B, 6), (C, 0)])
        assert _rows(engine) == [(1, d1, 2), (2, d2, 2), (4, d4, 1), (5, d5, 2)]
        with engine.connect() as conn:
            assert digest_before(conn, 0, 1, TOKEN) == seed(1, TOKEN)
            assert digest_before(conn, 3, 1, TOKEN) == d2  # no change in 3: d3 = d2
            assert digest_before(conn, 99, 1, TOKEN) == d5
            assert changes_of(conn, 5) == [(B, 6), (C, 0)]
            assert list(history_digests(conn, 1, TOKEN, 99)) == _rows(engine)
            assert list(history_digests(conn, 1, TOKEN, 2)) == _rows(engine, 2)
    finally:
        engine.dispose()


def test_after_a_reorg_the_digest_is_that_of_a_fresh_index_of_the_final_chain(
    database_url: str, request
) -> None:
    engine, state = _fresh(database_url)
    kind = "sqlite" if database_url.startswith("sqlite") else "postgres"
    other_url = request.getfixturevalue(f"{kind}_databases").fresh()
    fresh, fresh_state = _fresh(other_url)
    try:
        state = _apply(engine, state, _range(1, 3, BASE), _range(4, 5, OLD_TIP))
        before_reorg = _rows(engine)
        with engine.begin() as conn:
            state = store.rollback_to(conn, state, Block(3, _hash(3), _hash(2)))
        assert _rows(engine) == before_reorg[:2]
        state = _apply(engine, state, _range(4, 6, NEW_TIP, fork="f"))

        _apply(fresh, fresh_state, _range(1, 3, BASE), _range(4, 6, NEW_TIP, fork="f"))
        assert _rows(engine) == _rows(fresh)
        assert _rows(engine) != before_reorg
        with engine.connect() as conn, fresh.connect() as other:
            assert digest_before(conn, 6, 1, TOKEN) == digest_before(other, 6, 1, TOKEN)
            assert list(history_digests(conn, 1, TOKEN, 6)) == _rows(engine)
    finally:
        engine.dispose()
        fresh.dispose()


def _alembic(engine: Engine, target: str, *, down: bool = False) -> None:
    cfg = migrate.alembic_config(engine, version_locations())
    (command.downgrade if down else command.upgrade)(cfg, target)


def test_the_migration_gives_an_existing_index_its_digest_rows(database_url: str) -> None:
    engine, state = _fresh(database_url)
    try:
        many: Moves = [(n, ZERO, [A, B, C][n % 3], n) for n in range(7, 40)]
        _apply(engine, state, _range(1, 3, BASE), _range(4, 5, OLD_TIP), _range(6, 40, many))
        expected = _rows(engine)
        assert len(expected) == 37
        _alembic(engine, "indexer_digest@-1", down=True)
        assert "indexer_digests" not in inspect(engine).get_table_names()
        _alembic(engine, "heads")
        assert _rows(engine) == expected
    finally:
        engine.dispose()


def test_the_migration_of_a_database_without_an_index_creates_the_table_only(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        _alembic(engine, "indexer_digest@-1", down=True)
        _alembic(engine, "heads")
        assert _rows(engine) == []
    finally:
        engine.dispose()
