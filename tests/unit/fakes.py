"""In-memory stand-ins for the unit of work (in the manner of Cosmic Python's fakes): the use
cases' logic runs against them with no database.

FakeUnitOfWork records its commits, rollbacks and the events of each committed transaction.
Its connection, FakeConnection, is just enough of an AsyncConnection for the ledger's posting
path: it records every statement and hands out ledger entry ids, refusing a repeated business
key as the unique index does (the INSERT … ON CONFLICT DO NOTHING returns no row).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace, TracebackType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.ledger import ledger_entries
from loyalty.domain.clock import Clock, FixedClock
from loyalty.services.uow import (
    NO_HANDLERS,
    AbstractUnitOfWork,
    Handlers,
    run_post_commit_hooks,
)

T0 = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@dataclass
class _Result:
    value: Any = None

    def scalar(self) -> Any:
        return self.value


@dataclass
class FakeConnection:
    dialect: Any = field(default_factory=lambda: SimpleNamespace(name="sqlite"))
    executed: list[tuple[str, Any]] = field(default_factory=list)  # (table name, parameters)
    business_keys: set[str] = field(default_factory=set)
    next_entry_id: int = 1

    async def execute(self, statement: Any, parameters: Any = None) -> _Result:
        table = getattr(statement, "table", None)
        name = getattr(table, "name", type(statement).__name__)
        self.executed.append((name, parameters))
        if table is ledger_entries and statement.is_insert:
            key = (parameters or {}).get("business_key")
            if key is not None:
                if key in self.business_keys:
                    return _Result(None)  # ON CONFLICT DO NOTHING: no id returned
                self.business_keys.add(key)
            entry_id, self.next_entry_id = self.next_entry_id, self.next_entry_id + 1
            return _Result(entry_id)
        return _Result(None)

    async def scalar(self, statement: Any, parameters: Any = None) -> Any:
        return (await self.execute(statement, parameters)).scalar()

    def tables_written(self) -> list[str]:
        return [name for name, _ in self.executed]


class FakeUnitOfWork(AbstractUnitOfWork):
    def __init__(self, handlers: Handlers = NO_HANDLERS, *, clock: Clock | None = None) -> None:
        self.handlers = handlers
        self.clock = clock or FixedClock(T0)
        self.connection = FakeConnection()
        self.commits = 0
        self.rollbacks = 0
        self.committed_events: list[object] = []  # the events of every committed transaction
        self._depth = 0
        self._reset()

    @property
    def conn(self) -> AsyncConnection:
        self._check_open()
        return self.connection  # type: ignore[return-value]

    @property
    def is_open(self) -> bool:
        return self._depth > 0

    def fresh(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.handlers, clock=self.clock)

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        yield self.connection  # type: ignore[misc]

    async def __aenter__(self) -> FakeUnitOfWork:
        if self._depth == 0:
            self._reset()
        self._depth += 1
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth:
            return
        hooks = self.take_hooks()
        if exc_type is not None:
            self.rollbacks += 1
            return
        self.commits += 1
        self.committed_events.extend(self.events)
        await run_post_commit_hooks(hooks)
