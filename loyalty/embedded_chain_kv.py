"""The embedded chain's key-value store: py-evm's database interface on a SQLite file.

Its own module so that the read-only view (loyalty/embedded_reader.py) opens the file without
importing eth-tester and web3."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator

from eth.db.backends.base import BaseDB

from loyalty.errors import ConfigError


class SqliteKV(BaseDB):
    """py-evm's key-value interface on a SQLite file; AtomicDB batches commit as one transaction."""

    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL)")
        self._lock = threading.Lock()

    def __getitem__(self, key: bytes) -> bytes:
        with self._lock:
            row = self._conn.execute("SELECT v FROM kv WHERE k = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return bytes(row[0])

    def __setitem__(self, key: bytes, value: bytes) -> None:
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", (key, value))

    def __delitem__(self, key: bytes) -> None:
        with self._lock:
            cur = self._conn.execute("DELETE FROM kv WHERE k = ?", (key,))
        if cur.rowcount == 0:
            raise KeyError(key)

    def _exists(self, key: bytes) -> bool:
        with self._lock:
            return self._conn.execute("SELECT 1 FROM kv WHERE k = ?", (key,)).fetchone() is not None

    def __iter__(self) -> Iterator[bytes]:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def close(self) -> None:
        self._conn.close()


def open_kv(state_path: str) -> SqliteKV:
    try:
        return SqliteKV(state_path)
    except sqlite3.DatabaseError as exc:  # not SQLite at all, or damaged
        raise ConfigError(
            f"the chain state file {state_path} cannot be read ({exc}): restore it together "
            "with the database from one backup, or move both away to start over "
            "(see docs/operating.md)"
        ) from None
