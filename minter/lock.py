"""One active minter per hot wallet: two minters signing for one address would fight over
nonces. On PostgreSQL a session advisory lock keyed by the wallet address (held on a dedicated
connection: it goes when the process dies); a second minter waits for it. On SQLite, a file lock
next to the database: the single-machine default runs one minter."""

from __future__ import annotations

import fcntl
import os
import threading
from typing import IO, Protocol

from eth_utils.crypto import keccak
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from loyalty.db.engine import is_postgres


class LockLost(Exception):
    """The lock's database connection went away: stop sending until it is held again."""


class MinterLock(Protocol):
    def try_acquire(self) -> bool: ...
    def check(self) -> None: ...
    def release(self) -> None: ...


def lock_key(address: str) -> int:
    """A signed 64-bit advisory-lock key from the wallet address."""
    digest = keccak(text=f"loyalty-minter:{address.lower()}")
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresLock:
    def __init__(self, engine: Engine, address: str) -> None:
        self._engine = engine
        self._key = lock_key(address)
        self._conn: Connection | None = None

    def try_acquire(self) -> bool:
        conn = self._engine.connect()
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key}).scalar())
        conn.commit()
        if got:
            self._conn = conn
        else:
            conn.close()
        return got

    def check(self) -> None:
        if self._conn is None:
            raise LockLost("the minter lock is not held")
        try:
            self._conn.execute(text("SELECT 1"))
            self._conn.commit()
        except Exception as exc:
            self._conn = None
            raise LockLost(f"the minter lock's connection failed: {exc}") from exc

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
            self._conn.commit()
        finally:
            self._conn.close()
            self._conn = None


class FileLock:
    def __init__(self, path: str) -> None:
        self._path = path
        self._file: IO[bytes] | None = None

    def try_acquire(self) -> bool:
        handle = open(self._path, "a+b")  # noqa: SIM115 - held open for the process lifetime
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def check(self) -> None:
        if self._file is None:
            raise LockLost("the minter lock is not held")

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class ThreadLock:
    """For an in-memory SQLite database, which only this process can see."""

    _held: set[str] = set()
    _guard = threading.Lock()

    def __init__(self, address: str) -> None:
        self._address = address.lower()
        self._mine = False

    def try_acquire(self) -> bool:
        with self._guard:
            if self._address in self._held:
                return False
            self._held.add(self._address)
            self._mine = True
            return True

    def check(self) -> None:
        if not self._mine:
            raise LockLost("the minter lock is not held")

    def release(self) -> None:
        with self._guard:
            if self._mine:
                self._held.discard(self._address)
                self._mine = False


def lock_for(engine: Engine, address: str) -> MinterLock:
    url = engine.url.render_as_string(hide_password=False)
    if is_postgres(url):
        return PostgresLock(engine, address)
    database = make_url(url).database
    if not database or database == ":memory:":
        return ThreadLock(address)
    return FileLock(os.path.abspath(database) + f".minter-{address.lower()}.lock")
