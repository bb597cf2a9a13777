"""config_version read once for many requests: the response cache (api.response_cache) and
previewEarning check the cached configuration against it on every request."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.services.earning_config import config_version

_VERSION = select(config_version.c.version).where(config_version.c.id == 1)


class VersionReads:
    """config_version reads shared by concurrent requests. A caller joins the next read that
    has not begun yet (starting it if none is running), never one already under way: the value
    it gets was read after it asked, so a change committed before its request arrived is seen,
    as with a read of its own. Under load one read serves every request that arrived while
    the previous one ran; one at a time, each request still reads once."""

    def __init__(self, engine: Callable[[], AsyncEngine]) -> None:
        self._engine = engine
        self._next: asyncio.Future[int] | None = None  # joined, not begun
        self._running: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def read(self) -> int:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # futures belong to one loop (tests run several)
            self._loop, self._next, self._running = loop, None, None
        future = self._next
        if future is None:
            future = self._next = loop.create_future()
            if self._running is None:
                self._begin()
        return await asyncio.shield(future)

    def _begin(self) -> None:
        future, self._next = self._next, None
        assert future is not None
        self._running = asyncio.get_running_loop().create_task(self._read(future))

    async def _read(self, future: asyncio.Future[int]) -> None:
        try:
            async with self._engine().connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                value = int(await conn.scalar(_VERSION) or 0)
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
        else:
            if not future.done():
                future.set_result(value)
        finally:
            self._running = None
            if self._next is not None:
                self._begin()
