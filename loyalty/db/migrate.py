"""Runs the Alembic migrations of every package: the core's branches live here, and each chain
worker (minter, indexer) owns a branch in its own `migrations/versions` folder, handed in by the
composition root."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from loyalty.db.engine import is_postgres, make_engine

SCRIPT_LOCATION = Path(__file__).resolve().parent.parent / "migrations"
CORE_VERSIONS = SCRIPT_LOCATION / "versions"
_MIGRATION_LOCK = 0x10_7A_17  # advisory lock key: processes starting together migrate one by one


def alembic_config(engine: Engine, version_locations: Iterable[Path]) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    locations = [CORE_VERSIONS, *version_locations]
    cfg.set_main_option("version_locations", " ".join(str(p) for p in locations if p.exists()))
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(url: str, version_locations: Iterable[Path] = ()) -> None:
    """Upgrades to every head: the core's and those of the packages whose folders are given."""
    locations = list(version_locations)
    engine = make_engine(url)
    try:
        if is_postgres(url):
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK})
                conn.commit()
                try:
                    cfg = alembic_config(engine, locations)
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "heads")
                    conn.commit()
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK})
                    conn.commit()
        else:
            command.upgrade(alembic_config(engine, locations), "heads")
    finally:
        engine.dispose()
