"""Migration minter_0003 on SQLite and PostgreSQL, on a database holding batches, transactions
and requests: the status CHECK admits REFUSED (and still refuses anything else), every row and
the foreign key from minter_txs survive the table copy SQLite needs, and the downgrade is refused
while a REFUSED batch exists, then restores the old CHECK once none does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from audit.ledger import SqlLedger
from cli.migrate import version_locations
from loyalty.db import migrate
from loyalty.db.engine import make_engine
from loyalty.db.outbox import REFUSED, chain_requests
from minter.tables import B_FINAL, B_PENDING, B_REFUSED, mint_batches, minter_txs

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
ADDRESS = "0x" + "a1" * 20


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


def _batch(pk: int, status: str, tx_hash: str | None) -> dict[str, Any]:
    return {
        "id": pk,
        "chain_id": 31337,
        "token_address": "0x" + "70" * 20,
        "batch_id": f"0x{pk:064x}",
        "kind": "BURN",
        "status": status,
        "recipients": 1,
        "total": 7,
        "tx_hash": tx_hash,
        "nonce": None if tx_hash is None else 0,
        "attempts": 0,
        "reorgs": 0,
        "created_at": NOW,
        "updated_at": NOW,
    }


def _refused(engine: Engine, statement: Any) -> bool:
    try:
        with engine.begin() as conn:
            conn.execute(statement)
    except IntegrityError:
        return True
    return False


def test_refused_state_migration_up_and_down(engine: Engine) -> None:
    _alembic(engine, "minter_0002")
    tx_hash = "0x" + "ab" * 32
    with engine.begin() as conn:
        conn.execute(
            insert(mint_batches), [_batch(1, B_FINAL, tx_hash), _batch(2, B_PENDING, None)]
        )
        conn.execute(
            insert(minter_txs).values(
                id=9,
                batch_pk=1,
                chain_id=31337,
                sender="0x" + "5e" * 20,
                nonce=0,
                tx_hash=tx_hash,
                raw_tx="0x02",
                gas_limit=100_000,
                max_fee_per_gas=10**9,
                max_priority_fee_per_gas=10**9,
                state="MINED",
                process="host:1",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        conn.execute(
            insert(chain_requests).values(
                kind="BURN",
                address=ADDRESS,
                amount=7,
                member_id="m1",
                status="PENDING",
                batch_id=2,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    batch_2 = mint_batches.c.id == 2
    assert _refused(engine, update(mint_batches).where(batch_2).values(status=B_REFUSED))

    _alembic(engine, "heads")
    with engine.connect() as conn:
        assert conn.execute(select(minter_txs.c.id, minter_txs.c.batch_pk)).all() == [(9, 1)]
        assert len(conn.execute(select(chain_requests)).all()) == 1
    assert not _refused(engine, update(mint_batches).where(batch_2).values(status=B_REFUSED))
    with engine.begin() as conn:
        conn.execute(update(chain_requests).values(status=REFUSED))
    ledger = SqlLedger(engine).batches()[f"0x{2:064x}"]
    assert ledger.refused and not ledger.final and ledger.nets == {ADDRESS: -7}
    # The copied table keeps its constraints.
    assert _refused(engine, update(mint_batches).where(batch_2).values(status="BOGUS"))
    assert _refused(engine, update(mint_batches).where(batch_2).values(batch_id=f"0x{1:064x}"))
    assert _refused(engine, delete(mint_batches).where(mint_batches.c.id == 1))

    with pytest.raises(RuntimeError, match="REFUSED batches exist"):
        _alembic(engine, "minter_0002", down=True)
    with engine.begin() as conn:
        conn.execute(update(mint_batches).where(batch_2).values(status=B_PENDING))
    _alembic(engine, "minter_0002", down=True)
    assert _refused(engine, update(mint_batches).where(batch_2).values(status=B_REFUSED))
    with engine.connect() as conn:
        assert conn.execute(select(minter_txs.c.id, minter_txs.c.batch_pk)).all() == [(9, 1)]
