"""The unit of work: the one owner of a use case's transaction.

    async with uow:            # BEGIN (or join the transaction already open on this uow)
        ... uow.conn ...        # the transaction's connection
        await uow.publish(EntryPosted(...))   # handlers run now, on uow.conn
    # COMMIT on success, ROLLBACK on an exception; then the post-commit hooks run

Handlers of a domain event run *when it is published*, inside the transaction: the inbox applies
many activities in one transaction and each must see the tier the previous one left. An event
published by a handler runs after the handlers of the event being handled, before `publish`
returns (first in, first out), so the order of effects is the order of the facts.

Work that must follow the commit (waking the inbox processor) is a post-commit hook: an
`after_commit` handler of an event, or `uow.after_commit(callable)`; a rollback drops them.

Entering an open uow again (a use case calling another that also says `async with uow:`) joins
the outer transaction: only the outermost exit commits or rolls back. One uow serves one task at
a time; concurrent tasks each take their own (`uow.fresh()`). Used again after its exit, a uow
begins a new transaction, with fresh events, hooks and caches.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import inspect
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from loyalty.db.write_behind import WriteBehind
from loyalty.domain.clock import SYSTEM_CLOCK, Clock
from loyalty.domain.program import Program
from loyalty.domain.tiers import KnownTierState

log = logging.getLogger(__name__)

Handler = Callable[[Any, "AbstractUnitOfWork"], Awaitable[None]]
AfterCommit = Callable[[Any], object]  # gets the event; may return an awaitable


class UnitOfWorkError(RuntimeError):
    """A unit of work used the wrong way (its connection outside `async with`, or shared
    between concurrent tasks): a bug in the caller, never a user's mistake."""


@dataclass(frozen=True)
class Handlers:
    """What runs for each event type (exact type): `in_transaction` handlers on the uow's
    connection as soon as the event is published, `after_commit` ones once it committed."""

    in_transaction: Mapping[type, Sequence[Handler]] = field(default_factory=dict)
    after_commit: Mapping[type, Sequence[AfterCommit]] = field(default_factory=dict)


NO_HANDLERS = Handlers()
_ANOTHER_TASK = (
    "this unit of work is open in another task: give each concurrent task its own (uow.fresh())"
)


@dataclass
class TransactionCache:
    """What a use case read in this transaction and others in it may reuse (never beyond it):
    the program settings, and members' tier state (see KnownTierState) by member pk."""

    program: Program | None = None
    tier_states: dict[int, KnownTierState] = field(default_factory=dict)
    tier_ids: dict[int, str | None] = field(default_factory=dict)  # as last recomputed
    # Writes held to the end of the transaction (loyalty.db.write_behind), when the use case
    # asked for it (the inbox's batches: uow.hold_writes()); None: every write goes at once.
    write_behind: WriteBehind | None = None


class AbstractUnitOfWork(abc.ABC):
    """What use cases and handlers see: the transaction's connection, its clock and cache,
    `publish` and `after_commit`. UnitOfWork is the real one; tests/unit/fakes.py has an
    in-memory one."""

    handlers: Handlers
    clock: Clock
    cache: TransactionCache
    events: list[object]  # every event published in the current (or last) transaction

    def _reset(self) -> None:
        self.events = []
        self._queue: deque[object] = deque()
        self._dispatching = False
        self._hooks: list[Callable[[], object]] = []
        self.cache = TransactionCache()

    @property
    @abc.abstractmethod
    def conn(self) -> AsyncConnection: ...

    @property
    @abc.abstractmethod
    def is_open(self) -> bool: ...

    @abc.abstractmethod
    def fresh(self) -> AbstractUnitOfWork:
        """Another unit of work like this one (same database, handlers and clock), for a
        concurrent task or a transaction that must commit on its own."""

    @abc.abstractmethod
    def read(self) -> contextlib.AbstractAsyncContextManager[AsyncConnection]:
        """A connection for reads only, without a transaction of this uow's own (nothing to
        commit): this uow's connection while it is open, else a pooled one for the block."""

    @abc.abstractmethod
    async def __aenter__(self) -> Self: ...

    @abc.abstractmethod
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def hold_writes(self) -> WriteBehind | None:
        """Asks for the postings' writes to be held to the end of the transaction (see
        UnitOfWork.hold_writes); None where the implementation does not (writes go at once)."""
        return None

    def _check_open(self) -> None:
        if not self.is_open:
            raise UnitOfWorkError("the unit of work is not open: use `async with uow:` first")

    async def publish(self, event: object) -> None:
        """Records `event` and runs its handlers now, in this transaction (see the module doc:
        events published by handlers run after the current event's handlers)."""
        self._check_open()
        self.events.append(event)
        self._queue.append(event)
        if self._dispatching:
            return
        self._dispatching = True
        try:
            while self._queue:
                current = self._queue.popleft()
                for handler in self.handlers.in_transaction.get(type(current), ()):
                    await handler(current, self)
                for hook in self.handlers.after_commit.get(type(current), ()):
                    self._hooks.append(_bound(hook, current))
        finally:
            self._dispatching = False
            self._queue.clear()

    def after_commit(self, hook: Callable[[], object]) -> None:
        """Runs `hook` (a function, or one returning an awaitable) once this transaction has
        committed; dropped if it rolls back."""
        self._check_open()
        self._hooks.append(hook)

    def take_hooks(self) -> list[Callable[[], object]]:
        """The post-commit hooks collected so far, handed over (for an implementation's exit)."""
        hooks, self._hooks = self._hooks, []
        return hooks

    async def committed(self, event: object) -> None:
        """For a write that committed by itself, outside any transaction of this uow (the
        inbox's grouped autocommit INSERT): records the event and runs its post-commit
        handlers now."""
        self.events.append(event)
        await run_post_commit_hooks(
            [_bound(h, event) for h in self.handlers.after_commit.get(type(event), ())]
        )


async def run_post_commit_hooks(hooks: list[Callable[[], object]]) -> None:
    """Runs each hook (awaiting what it returns); a failing hook is logged, the rest run."""
    for hook in hooks:
        try:
            result = hook()
            if inspect.isawaitable(result):
                await result
        except Exception:  # committed already: a hook's failure cannot undo it
            log.exception("post-commit hook %r failed", hook)


def _bound(hook: AfterCommit, event: object) -> Callable[[], object]:
    return lambda: hook(event)


class UnitOfWork(AbstractUnitOfWork):
    """One transaction on `engine` (see the module doc)."""

    def __init__(
        self, engine: AsyncEngine, handlers: Handlers = NO_HANDLERS, *, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self.engine = engine
        self.handlers = handlers
        self.clock = clock
        self._conn: AsyncConnection | None = None
        self._transaction: Any = None
        self._depth = 0
        self._owner: asyncio.Task[Any] | None = None
        self._reset()

    def fresh(self) -> UnitOfWork:
        """Another unit of work on the same engine, handlers and clock (for a concurrent task,
        or a transaction that must commit on its own)."""
        return UnitOfWork(self.engine, self.handlers, clock=self.clock)

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        if self._conn is not None:
            if asyncio.current_task() is not self._owner:
                raise UnitOfWorkError(_ANOTHER_TASK)
            yield self._conn
            return
        async with self.engine.connect() as conn:
            yield conn

    def hold_writes(self) -> WriteBehind:
        """From now to the end of this transaction, the chain requests, member totals and tiers
        that postings write are held and sent together before the commit (see
        loyalty.db.write_behind); what commits is unchanged."""
        if self.cache.write_behind is None:
            self.cache.write_behind = WriteBehind(self.conn)
        return self.cache.write_behind

    @property
    def conn(self) -> AsyncConnection:
        if self._conn is None:
            raise UnitOfWorkError("the unit of work is not open: use `async with uow:` first")
        return self._conn

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    async def __aenter__(self) -> UnitOfWork:
        task = asyncio.current_task()
        if self._depth:
            if task is not self._owner:
                raise UnitOfWorkError(_ANOTHER_TASK)
            self._depth += 1  # a nested use joins the outer transaction
            return self
        self._reset()
        self._transaction = self.engine.begin()
        self._conn = await self._transaction.__aenter__()
        self._depth, self._owner = 1, task
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth:
            return  # joined: the outermost exit commits or rolls back
        held, self.cache.write_behind = self.cache.write_behind, None
        failed: BaseException | None = None
        if held is not None and exc_type is None:
            try:
                await held.close()  # the held writes belong to this transaction: sent first
            except BaseException as error:
                failed, exc_type, exc, tb = error, type(error), error, error.__traceback__
        elif held is not None:
            held.discard()
        transaction, hooks = self._transaction, self.take_hooks()
        self._transaction, self._conn, self._owner = None, None, None
        await transaction.__aexit__(exc_type, exc, tb)  # COMMIT, or ROLLBACK and re-raise
        if failed is not None:
            raise failed
        if exc_type is None:
            await run_post_commit_hooks(hooks)


UnitOfWorkFactory = Callable[[], UnitOfWork]
