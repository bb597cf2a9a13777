"""Runs the Alembic migrations of every package: the core's branches live here, and each chain
worker (minter, indexer) owns a branch in its own `migrations/versions` folder, handed in by the
composition root."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from loyalty.db.engine import is_postgres, make_engine

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPT_LOCATION = Path(__file__).resolve().parent.parent / "migrations"
CORE_VERSIONS = SCRIPT_LOCATION / "versions"
_MIGRATION_LOCK = 0x10_7A_17  # advisory lock key: processes starting together migrate one by one


_ASSIGNMENT = re.compile(
    r"^(revision|down_revision|depends_on)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.MULTILINE
)


def _revisions(folders: Iterable[Path]) -> dict[str, set[str]] | None:
    """Every migration's revision id and those it builds on (down_revision and depends_on),
    read from the files' plain assignments; None when a file does not read plainly (then only
    Alembic can tell)."""
    graph: dict[str, set[str]] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.py")):
            if path.name == "__init__.py":
                continue
            found: dict[str, object] = {}
            for name, value in _ASSIGNMENT.findall(path.read_text()):
                if name in found:
                    return None
                try:
                    found[name] = ast.literal_eval(value)
                except (ValueError, SyntaxError):
                    return None
            revision = found.get("revision")
            if not isinstance(revision, str) or revision in graph or "down_revision" not in found:
                return None
            parents: set[str] = set()
            for key in ("down_revision", "depends_on"):
                value = found.get(key)
                items = (value,) if isinstance(value, str) else value or ()
                if not isinstance(items, tuple | list) or not all(
                    isinstance(i, str) for i in items
                ):
                    return None
                parents.update(items)
            graph[revision] = parents
    return graph


def up_to_date(engine: Engine, version_locations: Iterable[Path] = ()) -> bool:
    """Whether every migration is applied: the revisions in alembic_version and all they build
    on are every revision there is. Read without Alembic (whose import alone took ~0.3 s of
    each command's start); any doubt answers False, and `upgrade` then asks Alembic."""
    graph = _revisions([CORE_VERSIONS, *version_locations])
    if not graph:
        return False
    try:
        with engine.connect() as conn:
            applied = list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except DBAPIError:  # no such table: a new database
        return False
    seen: set[str] = set()
    todo = [str(r) for r in applied]
    while todo:
        revision = todo.pop()
        if revision in seen:
            continue
        if revision not in graph:  # the database is newer than this code: Alembic says so
            return False
        seen.add(revision)
        todo.extend(graph[revision])
    return seen == graph.keys()


def alembic_config(engine: Engine, version_locations: Iterable[Path]) -> Config:
    # Here: Alembic loads only when there is something to migrate (see up_to_date).
    from alembic.config import Config

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
        if up_to_date(engine, locations):
            return
        # Here: Alembic loads only when there is something to migrate (see up_to_date).
        from alembic import command

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
