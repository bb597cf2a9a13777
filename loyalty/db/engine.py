"""Engines for SQLite (embedded default) and PostgreSQL, sync and async, from one URL."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

from loyalty.errors import ConfigError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine


def _normalise(url: str, *, asynchronous: bool) -> str:
    try:
        parsed = make_url(url)
    except Exception:
        raise ConfigError(f"LOYALTY_DATABASE_URL is not a database URL: {url!r}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        driver = "aiosqlite" if asynchronous else "pysqlite"
    elif backend == "postgresql":
        driver = "psycopg"  # psycopg 3 serves both the sync and the async engine
    else:
        raise ConfigError(
            f"LOYALTY_DATABASE_URL must be sqlite:// or postgresql://, not {backend}://"
        )
    return parsed.set(drivername=f"{backend}+{driver}").render_as_string(hide_password=False)


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def _sqlite_pragmas(engine_sync: Engine) -> None:
    @event.listens_for(engine_sync, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        # WAL lets the API read while the minter and indexer write; busy_timeout turns a
        # momentary writer lock into a short wait instead of "database is locked".
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()


def make_engine(url: str, **kwargs: object) -> Engine:
    sync_url = _normalise(url, asynchronous=False)
    if sync_url.startswith("sqlite"):
        engine = create_engine(sync_url, **kwargs)
        _sqlite_pragmas(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(sync_url, **kwargs)


def make_async_engine(url: str, **kwargs: object) -> AsyncEngine:
    # Here: sqlalchemy.ext.asyncio (~0.1 s) loads only in processes that use an async engine,
    # not in `loyalty indexer` before its first step.
    from sqlalchemy.ext.asyncio import create_async_engine

    async_url = _normalise(url, asynchronous=True)
    if async_url.startswith("sqlite"):
        engine = create_async_engine(async_url, **kwargs)
        _sqlite_pragmas(engine.sync_engine)
        return engine
    # Connections beyond pool_size are closed when returned, so a steady load above it opens a
    # new PostgreSQL connection per request (measured: a quarter of a webhook's CPU at 16
    # concurrent requests per process). 20 kept covers that; 10 more for bursts.
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 10)
    # The connection returned last is taken first: one request after another reuse the same
    # PostgreSQL backend (awake, its caches and prepared statements warm) instead of cycling
    # through all twenty.
    kwargs.setdefault("pool_use_lifo", True)
    if "pool_pre_ping" in kwargs:
        return create_async_engine(async_url, **kwargs)
    engine = create_async_engine(async_url, **kwargs)
    _ping_when_idle(engine.sync_engine)
    return engine


PING_AFTER_IDLE_SECONDS = 5.0


def _ping_when_idle(engine_sync: Engine) -> None:
    """pool_pre_ping, but only for a connection that sat idle in the pool: a ping per checkout
    is one more round trip on every webhook, while a connection returned moments ago is alive
    (a database restart is noticed by the first idle connection, which invalidates the pool;
    a busy one that breaks fails its request, which the sender retries)."""

    @event.listens_for(engine_sync, "checkin")
    def _on_checkin(_dbapi_conn, record):  # type: ignore[no-untyped-def]
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine_sync, "checkout")
    def _on_checkout(dbapi_conn, record, _proxy):  # type: ignore[no-untyped-def]
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine_sync.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            # The pool discards this connection and checks out (or opens) another.
            raise DisconnectionError(str(exc)) from exc
