"""One token deploy per test process on the embedded chain, instead of one per Runtime.start.

A first start on the embedded chain deploys the token: four transactions on py-evm, 0.3-0.6 s on
a quiet machine and most of the setup of every in-process API test. Here the first start with
a given set of deploy settings deploys for real; its chain state file (copied with SQLite's
backup API) and its `deployments` row are kept, and a later start with the same deploy settings,
a chain state file that does not exist yet and a database that records no deployment gets both
copied in first. Runtime.start then finds its recorded deployment on its chain, exactly as on a
restart. Everything else (an in-memory chain, a node, an existing state file or deployment,
`deploy_if_missing=False`) goes through Runtime.start untouched, and a start that fails keeps
nothing. LOYALTY_TEST_DEPLOY_EVERY_TIME=1 turns the cache off (to compare)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from loyalty.db.engine import make_engine
from loyalty.db.tables import deployments
from loyalty.runtime import Runtime
from loyalty.settings import Settings

DeployKey = tuple[Any, ...]


@dataclass(frozen=True)
class _Deployed:
    state: Path
    row: dict[str, Any]


def _key(settings: Settings) -> DeployKey:
    """What deploy_token reads from Settings (keys, token, statement signer)."""
    return (
        settings.deployer_key,
        settings.minter_key,
        settings.statement_key,
        settings.token_name,
        settings.token_symbol,
        settings.transferable,
        settings.chain_id,
    )


def _copy_sqlite(source: Path, target: Path) -> None:
    # The backup API reads a consistent copy of a file that a live connection (in WAL mode)
    # is writing; a plain file copy could miss the -wal part.
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _recorded(database_url: str) -> list[dict[str, Any]] | None:
    """The database's deployment rows; None when it cannot be read (left to Runtime.start)."""
    try:
        engine = make_engine(database_url)
    except Exception:
        return None
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(deployments)).all()]
    except Exception:
        return None
    finally:
        engine.dispose()


class DeployCache:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.saved: dict[DeployKey, _Deployed] = {}
        self._lock = threading.Lock()
        self.hits = 0

    def start(self, original: Any, settings: Settings, options: dict[str, Any]) -> Runtime:
        """Runtime.start(settings, **options). A read-only start (loyalty audit) never deploys,
        and an option added to Runtime.start later is not known here: both are left untouched."""
        state = Path(settings.chain_state) if settings.chain_state else None
        eligible = (
            settings.embedded_chain
            and state is not None
            and not state.exists()
            and set(options) <= {"deploy_if_missing", "read_only"}
            and options.get("deploy_if_missing") is not False
            and not options.get("read_only")
            and _recorded(settings.database_url) == []
        )
        if not eligible:
            return original(settings, **options)  # type: ignore[no-any-return]
        assert state is not None
        key = _key(settings)
        with self._lock:
            saved = self.saved.get(key)
        if saved is not None:
            _copy_sqlite(saved.state, state)
            engine = make_engine(settings.database_url)
            try:
                with engine.begin() as conn:
                    conn.execute(insert(deployments).values(**saved.row))
            finally:
                engine.dispose()
            self.hits += 1
            return original(settings, **options)  # type: ignore[no-any-return]
        runtime: Runtime = original(settings, **options)
        rows = _recorded(settings.database_url)
        if rows is not None and len(rows) == 1:
            kept = self.root / f"deployed-{len(self.saved)}-{threading.get_ident()}.state"
            _copy_sqlite(state, kept)
            with self._lock:
                self.saved.setdefault(key, _Deployed(kept, rows[0]))
        return runtime


@contextmanager
def deploy_once(root: Path) -> Iterator[DeployCache]:
    """Runtime.start goes through a DeployCache kept in `root` until the block ends."""
    cache = DeployCache(root)
    original = Runtime.__dict__["start"]
    bound = original.__get__(None, Runtime)

    def start(cls: type[Runtime], settings: Settings, **options: Any) -> Runtime:
        return cache.start(bound, settings, options)

    Runtime.start = classmethod(start)  # type: ignore[method-assign,assignment,arg-type]
    try:
        yield cache
    finally:
        Runtime.start = original  # type: ignore[method-assign]
