"""Migration minter_0002 on SQLite and PostgreSQL, on a database holding batches, transactions
and requests: the status CHECK admits NETTED (and still refuses anything else), a batch recorded
FINAL with no entry and no transaction becomes NETTED, every row and the foreign key from
minter_txs survive the table copy SQLite needs, and the downgrade restores both."""

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
from loyalty.db.outbox import chain_requests
from minter.tables import B_FINAL, B_NETTED, B_PENDING, mint_batches, minter_txs

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


def _batch(pk: int, status: str, recipients: int, tx_hash: str | None) -> dict[str, Any]:
    return {
        "id": pk,
        "chain_id": 31337,
        "token_address": "0x" + "70" * 20,
        "batch_id": f"0x{pk:064x}",
        "kind": "MINT",
        "status": status,
        "recipients": recipients,
        "total": 7 * recipients,
        "tx_hash": tx_hash,
        "nonce": None if tx_hash is None else 0,
        "attempts": 0,
        "reorgs": 0,
        "created_at": NOW,
        "updated_at": NOW,
    }


def _request(batch: int, kind: str, amount: int) -> dict[str, Any]:
    return {
        "kind": kind,
        "address": ADDRESS,
        "amount": amount,
        "member_id": "m1",
        "status": "FINAL",
        "batch_id": batch,
        "created_at": NOW,
        "updated_at": NOW,
    }


def _statuses(engine: Engine) -> dict[int, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(mint_batches.c.id, mint_batches.c.status)).all())


def _refused(engine: Engine, statement: Any) -> bool:
    try:
        with engine.begin() as conn:
            conn.execute(statement)
    except IntegrityError:
        return True
    return False


def test_netted_state_migration_up_and_down(engine: Engine) -> None:
    _alembic(engine, "minter_0001")
    tx_hash = "0x" + "ab" * 32
    with engine.begin() as conn:
        conn.execute(
            insert(mint_batches),
            [
                _batch(1, B_FINAL, 0, None),  # what the minter recorded for a netted batch
                _batch(2, B_FINAL, 1, tx_hash),
                _batch(3, B_PENDING, 1, None),
            ],
        )
        conn.execute(
            insert(minter_txs).values(
                id=9,
                batch_pk=2,
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
            insert(chain_requests),
            [_request(1, "MINT", 5), _request(1, "BURN", 5), _request(2, "MINT", 7)],
        )
    assert _refused(engine, update(mint_batches).values(status=B_NETTED))

    _alembic(engine, "heads")
    assert _statuses(engine) == {1: B_NETTED, 2: B_FINAL, 3: B_PENDING}
    with engine.connect() as conn:
        assert conn.execute(select(minter_txs.c.id, minter_txs.c.batch_pk)).all() == [(9, 2)]
        assert len(conn.execute(select(chain_requests)).all()) == 3
    batches = SqlLedger(engine).batches()
    assert batches[f"0x{1:064x}"].netted and not batches[f"0x{1:064x}"].final
    assert batches[f"0x{2:064x}"].final and not batches[f"0x{2:064x}"].netted
    # The copied table keeps its constraints: an unknown state, an unknown kind, a duplicate
    # batch id, and deleting a batch a transaction points at are all refused.
    batch_3 = mint_batches.c.id == 3
    assert _refused(engine, update(mint_batches).where(batch_3).values(status="BOGUS"))
    assert _refused(engine, update(mint_batches).where(batch_3).values(kind="SWAP"))
    assert _refused(engine, update(mint_batches).where(batch_3).values(batch_id=f"0x{2:064x}"))
    assert _refused(engine, delete(mint_batches).where(mint_batches.c.id == 2))
    assert not _refused(engine, update(mint_batches).where(batch_3).values(status=B_NETTED))

    _alembic(engine, "minter_0001", down=True)
    assert _statuses(engine) == {1: B_FINAL, 2: B_FINAL, 3: B_FINAL}
    assert _refused(engine, update(mint_batches).values(status=B_NETTED))
    with engine.connect() as conn:
        assert conn.execute(select(minter_txs.c.id, minter_txs.c.batch_pk)).all() == [(9, 2)]
