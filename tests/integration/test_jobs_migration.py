"""Migration jobs_0001 on SQLite and PostgreSQL: the ledger admits IMPORT entries (and still
refuses unknown types), the job tables come and go, and the downgrade is refused while an
IMPORT entry exists; members and entries survive both ways."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, delete, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from cli.migrate import version_locations
from loyalty.db import migrate
from loyalty.db.engine import make_engine
from loyalty.db.ledger import ledger_entries, members

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    kind = {"sqlite": "sqlite", "postgresql": "postgres"}[request.param]
    e = make_engine(request.getfixturevalue(f"{kind}_databases").empty())
    yield e
    e.dispose()


def _alembic(engine: Engine, target: str, *, down: bool = False) -> None:
    cfg = migrate.alembic_config(engine, version_locations())
    (command.downgrade if down else command.upgrade)(cfg, target)


def _entry(pk: int, type_: str, points: int) -> dict[str, object]:
    return {
        "id": pk,
        "member_pk": 1,
        "type": type_,
        "points": points,
        "delta": points,
        "balance_after": points,
        "created_at": NOW,
    }


def test_import_entries_and_job_tables_come_and_go(engine: Engine) -> None:
    _alembic(engine, "heads")
    _alembic(engine, "ledger_0003", down=True)
    assert "jobs" not in inspect(engine).get_table_names()
    with engine.begin() as conn:
        conn.execute(
            insert(members).values(
                id=1, member_id="ann", earned=100, created_at=NOW, updated_at=NOW
            )
        )
        conn.execute(insert(ledger_entries).values(**_entry(1, "EARN", 100)))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(ledger_entries).values(**_entry(2, "IMPORT", 5)))
    _alembic(engine, "heads")
    assert {"jobs", "job_errors", "import_rows"} <= set(inspect(engine).get_table_names())
    with engine.begin() as conn:
        conn.execute(insert(ledger_entries).values(**_entry(2, "IMPORT", 5)))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(ledger_entries).values(**_entry(3, "GIFT", 5)))
    with pytest.raises(RuntimeError, match="IMPORT entries exist"):
        _alembic(engine, "ledger_0003", down=True)
    with engine.begin() as conn:
        conn.execute(delete(ledger_entries).where(ledger_entries.c.id == 2))
    _alembic(engine, "ledger_0003", down=True)
    with engine.connect() as conn:
        assert conn.execute(select(ledger_entries.c.type)).scalars().all() == ["EARN"]
        assert conn.execute(select(members.c.member_id)).scalars().all() == ["ann"]
    assert "jobs" not in inspect(engine).get_table_names()
