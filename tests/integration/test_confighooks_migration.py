"""Migration confighooks_0001 on SQLite and PostgreSQL: notifications.member_id may be NULL
after it (a configuration webhook names no member); going down removes those notifications,
keeps the members' and makes the column NOT NULL again; up again works."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import IntegrityError

from cli.migrate import version_locations
from loyalty.db import migrate
from loyalty.db.engine import make_engine
from loyalty.db.program import notifications

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _alembic(engine: Engine, target: str, *, down: bool = False) -> None:
    cfg = migrate.alembic_config(engine, version_locations())
    (command.downgrade if down else command.upgrade)(cfg, target)


def _row(event_id: str, member_id: str | None) -> dict[str, object]:
    return {
        "event_id": event_id,
        "channel": "WEBHOOK",
        "event_type": "rule.created",
        "member_id": member_id,
        "payload": "{}",
        "status": "PENDING",
        "attempts": 0,
        "next_attempt_at": NOW,
        "created_at": NOW,
    }


def _nullable(engine: Engine) -> bool:
    columns = {c["name"]: c for c in inspect(engine).get_columns("notifications")}
    return bool(columns["member_id"]["nullable"])


def test_confighooks_down_and_up(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert _nullable(engine)
        with engine.begin() as conn:
            conn.execute(notifications.insert(), [_row("evt_config_1", None), _row("e2", "ann")])
        _alembic(engine, "confighooks@program_0002", down=True)
        assert not _nullable(engine)
        with engine.connect() as conn:
            assert conn.execute(select(notifications.c.event_id)).scalars().all() == ["e2"]
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(notifications.insert(), [_row("evt_config_3", None)])
        _alembic(engine, "heads")
        assert _nullable(engine)
        with engine.begin() as conn:
            conn.execute(notifications.insert(), [_row("evt_config_4", None)])
    finally:
        engine.dispose()
