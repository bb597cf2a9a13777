"""Migration minter_0004 on SQLite and PostgreSQL, on a database holding batches, a transaction
and requests: kind admits SETTLE (and still refuses anything else), the batch keeps its root and
committed supply, the committed tree's tables come and go, every row and the foreign key from
minter_txs survive SQLite's table copy, and the downgrade is refused while a SETTLE batch exists,
then restores the old CHECK once none does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, delete, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError

from cli.migrate import version_locations
from loyalty.db import migrate
from loyalty.db.engine import make_engine
from loyalty.db.outbox import chain_requests
from minter.tables import mint_batches, minter_txs

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
TREE = {"commit_tree_nodes", "commit_tree_leaves", "commit_tree_state"}


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    kind = {"sqlite": "sqlite", "postgresql": "postgres"}[request.param]
    databases = request.getfixturevalue(f"{kind}_databases")
    e = make_engine(databases.empty())
    yield e
    e.dispose()


def _alembic(engine: Engine, target: str, *, down: bool = False) -> None:
    cfg = migrate.alembic_config(engine, version_locations())
    (command.downgrade if down else command.upgrade)(cfg, target)


def _refused(engine: Engine, statement: Any) -> bool:
    try:
        with engine.begin() as conn:
            conn.execute(statement)
    except IntegrityError:
        return True
    return False


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_settle_migration_up_and_down(engine: Engine) -> None:
    _alembic(engine, "minter_0003")
    tx_hash = "0x" + "ab" * 32
    old = {c.name for c in mint_batches.c if c.name not in ("root", "committed_supply")}
    with engine.begin() as conn:
        conn.execute(
            insert(mint_batches).values(
                id=1, chain_id=31337, token_address="0x" + "70" * 20, batch_id=f"0x{1:064x}",
                kind="MINT", status="FINAL", recipients=1, total=7, nonce=0, tx_hash=tx_hash,
                attempts=0, reorgs=0, created_at=NOW, updated_at=NOW,
            )
        )  # fmt: skip
        conn.execute(
            insert(minter_txs).values(
                id=9, batch_pk=1, chain_id=31337, sender="0x" + "5e" * 20, nonce=0,
                tx_hash=tx_hash, raw_tx="0x02", gas_limit=100_000, max_fee_per_gas=10**9,
                max_priority_fee_per_gas=10**9, state="MINED", process="host:1",
                created_at=NOW, updated_at=NOW,
            )
        )  # fmt: skip
        conn.execute(
            insert(chain_requests).values(
                kind="MINT", address="0x" + "a1" * 20, amount=7, member_id="m1", status="FINAL",
                batch_id=1, created_at=NOW, updated_at=NOW,
            )
        )  # fmt: skip
    assert not TREE & _tables(engine)
    batch_1 = mint_batches.c.id == 1

    _alembic(engine, "heads")
    assert _tables(engine) >= TREE
    with engine.connect() as conn:
        assert conn.execute(select(minter_txs.c.id, minter_txs.c.batch_pk)).all() == [(9, 1)]
        assert conn.execute(select(mint_batches.c.kind, mint_batches.c.root)).all() == [
            ("MINT", None)
        ]
    root = "0x" + "cd" * 32
    with engine.begin() as conn:
        conn.execute(
            update(mint_batches).where(batch_1).values(kind="SETTLE", root=root, committed_supply=7)
        )
    with engine.connect() as conn:
        row = conn.execute(select(mint_batches).where(batch_1)).one()
    assert (row.kind, row.root, int(row.committed_supply)) == ("SETTLE", root, 7)
    assert old <= set(row._mapping)
    assert _refused(engine, update(mint_batches).where(batch_1).values(kind="BOGUS"))
    assert _refused(engine, delete(mint_batches).where(batch_1))  # minter_txs still refers to it

    with pytest.raises(RuntimeError, match="SETTLE batches exist"):
        _alembic(engine, "minter_0003", down=True)
    with engine.begin() as conn:
        conn.execute(update(mint_batches).where(batch_1).values(kind="MINT"))
    _alembic(engine, "minter_0003", down=True)
    assert not TREE & _tables(engine)
    columns = {c["name"] for c in inspect(engine).get_columns("mint_batches")}
    assert "root" not in columns and "committed_supply" not in columns
    assert _refused(engine, update(mint_batches).where(batch_1).values(kind="SETTLE"))
    with engine.connect() as conn:
        assert conn.execute(select(minter_txs.c.id, minter_txs.c.batch_pk)).all() == [(9, 1)]
