"""The typed per-request context handed to every resolver, and the request's read side: one
read connection, opened on first use and closed when the request ends (api.app), and the
DataLoaders on it (api.dataloaders).

A subscription's context lives as long as its WebSocket, so each event it sends reads in a scope
of its own (`Context.event_reads`): one connection per event, closed once the event is sent, and
loaders that cannot serve one event's rows to the next.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.types import Info
from strawberry.types.graphql import OperationType

from api.auth import ANONYMOUS, Principal
from api.config import ApiConfig
from api.config_version import VersionReads
from api.dataloaders import Loaders, make_loaders
from api.errors import ApiError
from api.live_events import Hub
from loyalty.runtime import Runtime
from loyalty.services.earning_config import EarningConfig, cached_config, earning_config


class Reads:
    """One request's reads: a single connection, taken by one user at a time (an AsyncConnection
    runs one statement at a time, and sibling fields resolve concurrently), and the loaders.

    Every statement of the request reads one snapshot: the connection is in autocommit (so no
    transaction is left to SQLAlchemy or the driver) and the reads open a read-only transaction
    of their own at the first statement (PostgreSQL: REPEATABLE READ READ ONLY; SQLite: a
    deferred BEGIN, whose read transaction in WAL mode sees one moment until it ends). So an
    account's balance, pending and onchain, read by different loaders, come from one moment
    (docs/program.md, "Balance, pending and onchain"). `forget()` (after a mutation's write)
    ends the snapshot: the next read starts a new one that sees the write. The transaction
    ends with the request (or the subscription event). Reads never write."""

    def __init__(self, engine: AsyncEngine, *, single_statement: bool = False) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None
        self._snapshot = False  # a read transaction is open on _conn
        # The operation reads with one statement (api.read_plan): its own snapshot is the
        # request's, so no BEGIN and ROLLBACK around it; a further block opens a snapshot.
        self._single = single_statement
        self._stale = False  # forget() asked for a new snapshot
        self._lock = asyncio.Lock()
        self._dropped: list[AsyncConnection] = []  # cancelled mid-statement: closed at the end
        self.loaders: Loaders = make_loaders(self.connection)

    async def _connect(self) -> AsyncConnection:
        if self._conn is None:
            conn = await self._engine.connect()
            try:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
            except BaseException:
                await conn.close()
                raise
            self._conn = conn
        return self._conn

    @contextlib.asynccontextmanager
    async def before_snapshot(self) -> AsyncIterator[AsyncConnection]:
        """The request's connection for one statement that must run before its snapshot is
        taken (what the snapshot then reads is at least as new); inside the snapshot if one
        is already open. Statements here are autocommit reads of their own."""
        async with self._lock:
            yield await self._connect()

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """The request's connection, for one block of statements. Do not await a loader inside
        the block: its batch needs the connection too."""
        async with self._lock:
            await self._connect()
            assert self._conn is not None
            if self._stale and self._snapshot:
                await self._end(self._conn)
            self._stale = False
            if self._single:
                self._single = False
            elif not self._snapshot:
                await self._conn.exec_driver_sql(_begin_snapshot(self._conn))
                self._snapshot = True
            try:
                yield self._conn
            except DBAPIError:
                # A failed statement aborts PostgreSQL's transaction: the next block reads a
                # new snapshot rather than failing too. (Other errors keep the snapshot.)
                with contextlib.suppress(Exception):
                    await self._end(self._conn)
                raise
            except asyncio.CancelledError:
                # Cancelled mid-statement (a sibling root field failed and graphql-core cancels
                # the rest): SQLAlchemy leaves that connection needing a rollback it cannot take
                # here. Set it aside for aclose(); a later block of the request takes a new one.
                if self._conn is not None:
                    self._dropped.append(self._conn)
                self._conn, self._snapshot = None, False
                raise

    async def _end(self, conn: AsyncConnection) -> None:
        self._snapshot = False
        await conn.exec_driver_sql("ROLLBACK")  # read only: nothing to commit

    def forget(self) -> None:
        """Drops what the loaders hold and the snapshot they read, after a write (each root
        field of a mutation): what is read next sees the write."""
        self.loaders = make_loaders(self.connection)
        self._stale = True

    async def aclose(self) -> None:
        async with self._lock:
            conn, self._conn = self._conn, None
            dropped, self._dropped = self._dropped, []
            if conn is not None:
                try:
                    if self._snapshot:
                        await self._end(conn)
                except Exception:
                    # The connection is in no state to roll back (e.g. invalidated): the pool
                    # must not get it back as it is.
                    dropped.append(conn)
                else:
                    await conn.close()
                finally:
                    self._snapshot = False
            for broken in dropped:
                with contextlib.suppress(Exception):
                    await broken.invalidate()
                with contextlib.suppress(Exception):
                    await broken.close()


def _begin_snapshot(conn: AsyncConnection) -> str:
    if conn.dialect.name == "postgresql":
        return "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
    return "BEGIN"  # SQLite: deferred; the snapshot is taken at the first read


# The reads of the subscription event being resolved (set by Context.event_reads in the task
# that resolves it; the tasks of its fields inherit it).
_event_reads: ContextVar[Reads | None] = ContextVar("event_reads", default=None)


@dataclass
class Context:
    request: Request | WebSocket
    response: Any
    runtime: Runtime
    config: ApiConfig  # what the API reads of the settings (resolvers never see Settings)
    principal: Principal = ANONYMOUS
    auth_error: ApiError | None = None  # a credential that did not verify (api.limits refuses)
    connection_params: dict[str, Any] | None = None  # WebSocket connection_init payload
    events: Hub | None = None  # live events for subscriptions (api.schema.subscriptions)
    versions: VersionReads | None = None  # shared config_version reads (HTTP requests)
    single_statement: bool = False  # set before execution from the document (api.read_plan)
    _reads: Reads | None = field(default=None, repr=False)

    @property
    def reads(self) -> Reads:
        """This request's (or this subscription event's) reads, made on first use."""
        scoped = _event_reads.get()
        if scoped is not None:
            return scoped
        if self._reads is None:
            self._reads = Reads(self.runtime.async_engine, single_statement=self.single_statement)
        return self._reads

    @property
    def loaders(self) -> Loaders:
        return self.reads.loaders

    def connection(self) -> contextlib.AbstractAsyncContextManager[AsyncConnection]:
        """`async with info.context.connection() as conn:` the request's read connection."""
        return self.reads.connection()

    async def earning_config(self) -> EarningConfig:
        """The cached earning configuration, checked against config_version read before this
        request's snapshot (shared with concurrent requests); read on the request's
        connection only when it changed."""
        if self.versions is None or _event_reads.get() is not None:
            async with self.connection() as conn:
                return await earning_config(conn)
        version = await self.versions.read()
        found = cached_config(self.runtime.async_engine.sync_engine, version)
        if found is not None:
            return found
        async with self.connection() as conn:
            return await earning_config(conn, version=version)

    @contextlib.asynccontextmanager
    async def event_reads(self) -> AsyncIterator[None]:
        """Reads of their own for what is resolved inside (one subscription event, or one
        operation sent over a WebSocket), closed at the end."""
        reads = Reads(self.runtime.async_engine)
        token = _event_reads.set(reads)
        try:
            yield
        finally:
            with contextlib.suppress(ValueError):  # closed from another context (finalizer)
                _event_reads.reset(token)
            await reads.aclose()

    async def aclose(self) -> None:
        """The end of the request: its read connection goes back to the pool."""
        if self._reads is not None:
            await self._reads.aclose()


class WebSocketOperationReads(SchemaExtension):
    """A query or mutation sent over a WebSocket reads in a scope of its own, closed when it is
    answered: the WebSocket's context outlives it. (A subscription scopes each event itself.)"""

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context = execution.context
        if (
            isinstance(context, Context)
            and isinstance(context.request, WebSocket)
            and execution.operation_type is not OperationType.SUBSCRIPTION
        ):
            async with context.event_reads():
                yield
        else:
            yield


class FreshReads(FieldExtension):
    """On each root field of a mutation: the loaders forget what they hold first, so a result
    read after a write sees it (the fields of a mutation run one after the other)."""

    def resolve(
        self, next_: Callable[..., Any], source: Any, info: Info[Context, None], **kwargs: Any
    ) -> Any:
        info.context.reads.forget()
        return next_(source, info, **kwargs)

    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: Info[Context, None],
        **kwargs: Any,
    ) -> Any:
        info.context.reads.forget()
        return await next_(source, info, **kwargs)
