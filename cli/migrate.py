"""`loyalty migrate`: the core's migrations and those of every chain worker, in one upgrade."""

from __future__ import annotations

from pathlib import Path

import indexer
import minter
from loyalty.db import migrate


def version_locations() -> list[Path]:
    """Each worker package keeps its own branch in `<package>/migrations/versions`."""
    return [Path(pkg.__path__[0]) / "migrations" / "versions" for pkg in (minter, indexer)]


def upgrade(url: str) -> None:
    migrate.upgrade(url, version_locations())
