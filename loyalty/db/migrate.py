"""Runs the Alembic migrations of every package (core and indexer are separate branches)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from loyalty.db.engine import is_postgres, make_engine

ROOT = Path(__file__).resolve().parent.parent.parent
SCRIPT_LOCATION = Path(__file__).resolve().parent.parent / "migrations"
VERSION_LOCATIONS = [
    SCRIPT_LOCATION / "versions",
    ROOT / "indexer" / "migrations" / "versions",
]
_MIGRATION_LOCK = 0x10_7A_17  # advisory lock key: processes starting together migrate one by one


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    cfg.set_main_option(
        "version_locations", " ".join(str(p) for p in VERSION_LOCATIONS if p.exists())
    )
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(url: str) -> None:
    engine = make_engine(url)
    try:
        if is_postgres(url):
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK})
                conn.commit()
                try:
                    cfg = alembic_config(engine)
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "heads")
                    conn.commit()
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK})
                    conn.commit()
        else:
            command.upgrade(alembic_config(engine), "heads")
    finally:
        engine.dispose()
