"""Migrations campaigns_0001 and campaigns_0002 on SQLite and PostgreSQL: the program's time
zone defaults to UTC on an existing program, and the campaigns branch goes down and up again
keeping the ledger (its entries lose only the campaign columns)."""

from __future__ import annotations

import datetime as dt

from alembic import command
from sqlalchemy import Engine, inspect, select, text

from cli.migrate import version_locations
from loyalty.db import migrate
from loyalty.db.engine import make_engine
from loyalty.db.program import program_settings


def _alembic(engine: Engine, target: str, *, down: bool = False) -> None:
    cfg = migrate.alembic_config(engine, version_locations())
    (command.downgrade if down else command.upgrade)(cfg, target)


def _columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def test_campaigns_branch_down_and_up(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        # The test databases come migrated: take the campaigns branch down first.
        _alembic(engine, "program_cfgver_0001", down=True)
        assert "time_zone" not in _columns(engine, "program_settings")
        now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO members (member_id, earned, adjusted, redeemed, expired, "
                    "reversed, debt, revision, created_at, updated_at) "
                    "VALUES ('m-1', 5, 0, 0, 0, 0, 0, 1, :now, :now)"
                ),
                {"now": now},
            )
        _alembic(engine, "heads")
        with engine.connect() as conn:
            zone = conn.scalar(select(program_settings.c.time_zone))
        assert zone == "UTC"
        assert {"campaign_id", "campaign_revision"} <= _columns(engine, "ledger_entries")
        assert {"campaigns", "earning_limits", "budget_usage"} <= set(
            inspect(engine).get_table_names()
        )
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO ledger_entries (member_pk, type, points, delta, debt_change, "
                    "balance_after, description, created_at, campaign_id, campaign_revision) "
                    "SELECT id, 'EARN', 5, 5, 0, 5, 'x2', :now, 'c-1', 1 FROM members"
                ),
                {"now": now},
            )
        _alembic(engine, "program_cfgver_0001", down=True)
        names = set(inspect(engine).get_table_names())
        assert not {"campaigns", "earning_limits", "budget_usage"} & names
        assert "campaign_id" not in _columns(engine, "ledger_entries")
        with engine.connect() as conn:
            kept = conn.execute(text("SELECT member_id, earned FROM members")).all()
            entries = conn.execute(text("SELECT type, points FROM ledger_entries")).all()
        assert [tuple(r) for r in kept] == [("m-1", 5)]
        assert [tuple(r) for r in entries] == [("EARN", 5)]
        _alembic(engine, "heads")
        assert "time_zone" in _columns(engine, "program_settings")
    finally:
        engine.dispose()
