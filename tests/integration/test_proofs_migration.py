"""Migrations proofs_0001 and proofs_0002 on SQLite and PostgreSQL: members that exist before
it get a random 32-byte salt each (distinct), the downgrades drop member_commitments then the
salts, and upgrading again salts afresh."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, insert, inspect, select

from cli.migrate import version_locations
from loyalty.db import migrate
from loyalty.db.engine import make_engine
from loyalty.db.ledger import members
from loyalty.db.proofs import member_salts

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


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


def test_existing_members_get_distinct_salts(engine: Engine) -> None:
    _alembic(engine, "ledger_0003")  # the members table as the proofs branch finds it
    with engine.begin() as conn:
        conn.execute(
            insert(members),
            [{"member_id": f"m-{n}", "created_at": NOW, "updated_at": NOW} for n in range(3)],
        )
    _alembic(engine, "heads")
    with engine.connect() as conn:
        salts = dict(conn.execute(select(member_salts.c.member_pk, member_salts.c.salt)).all())
        pks = set(conn.execute(select(members.c.id)).scalars())
    assert set(salts) == pks and len({bytes(s) for s in salts.values()}) == 3
    assert all(len(bytes(s)) == 32 for s in salts.values())

    _alembic(engine, "proofs@-1", down=True)  # proofs_0002: the erased members' commitments
    tables = inspect(engine).get_table_names()
    assert "member_commitments" not in tables and "member_salts" in tables
    _alembic(engine, "proofs@-1", down=True)
    assert "member_salts" not in inspect(engine).get_table_names()
    _alembic(engine, "heads")
    with engine.connect() as conn:
        again = dict(conn.execute(select(member_salts.c.member_pk, member_salts.c.salt)).all())
    assert set(again) == pks and not set(map(bytes, again.values())) & set(
        map(bytes, salts.values())
    )
