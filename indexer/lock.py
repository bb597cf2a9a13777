"""One writer at a time: a PostgreSQL session advisory lock held for the writer's lifetime.

Other indexer processes wait (polling, so that a stop request still ends them). SQLite serves the
single-process embedded default; there the checkpoint's compare-and-set is the only guard needed.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from sqlalchemy import Connection, Engine, text

log = logging.getLogger("indexer")

_LOCK_BASE = 0x1D3E_0000  # advisory key space of the indexer; the chain id is added


class WriterLock:
    def __init__(
        self,
        engine: Engine,
        chain_id: int,
        stop: threading.Event | None = None,
        poll: float = 1.0,
    ) -> None:
        self.engine = engine
        self.key = _LOCK_BASE + chain_id % 0xFFFF
        self.stop = stop or threading.Event()
        self.poll = poll
        self._conn: Connection | None = None
        self.held = False

    def __enter__(self) -> WriterLock:
        if self.engine.dialect.name != "postgresql":
            self.held = True
            return self
        self._conn = self.engine.connect()
        waited = False
        while not self.stop.is_set():
            got = self._conn.execute(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}
            ).scalar_one()
            self._conn.commit()
            if got:
                self.held = True
                if waited:
                    log.info("indexer writer lock acquired")
                return self
            if not waited:
                log.info("another indexer holds the writer lock; standing by")
                waited = True
            self.stop.wait(self.poll)
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._conn is not None:
            try:
                if self.held:
                    self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                    self._conn.commit()
            finally:
                self._conn.close()
                self._conn = None
        self.held = False
