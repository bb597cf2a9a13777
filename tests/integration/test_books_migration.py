"""Migration books_0002 (the audit log) on SQLite and PostgreSQL goes down to books_0001 and up
again, starting from the genesis head; books_0001's list indexes stay throughout. (books_0001
itself sits on core_0001, which every branch descends from, so it is not taken down here.)"""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, inspect, select

from cli.migrate import version_locations
from loyalty.db import migrate
from loyalty.db.audit import audit_head
from loyalty.db.engine import make_engine
from loyalty.domain.audit import GENESIS


def _alembic(engine: Engine, target: str, *, down: bool = False) -> None:
    cfg = migrate.alembic_config(engine, version_locations())
    (command.downgrade if down else command.upgrade)(cfg, target)


def test_books_branch_down_and_up(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        _alembic(engine, "books_0001", down=True)
        tables = set(inspect(engine).get_table_names())
        assert "audit_log" not in tables and "audit_head" not in tables
        assert {"members", "ledger_entries", "campaigns"} <= tables
        _alembic(engine, "heads")
        indexes = {i["name"] for i in inspect(engine).get_indexes("members")}
        assert {
            "ix_members_earned",
            "ix_members_created",
        } <= indexes  # (expression ones: not reflected on SQLite)
        with engine.connect() as conn:
            assert conn.execute(select(audit_head.c.seq, audit_head.c.hash)).one() == (0, GENESIS)
    finally:
        engine.dispose()
