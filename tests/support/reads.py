"""The read services take a connection (the API passes its request's); tests that only want to
look at the result read on a connection of their own."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.services.inbox_status import InboxEvent, find_event
from loyalty.services.members import Account, read_account


async def account_of(engine: AsyncEngine, member_id: str) -> Account:
    async with engine.connect() as conn:
        return await read_account(conn, member_id)


async def event_of(engine: AsyncEngine, **where: Any) -> InboxEvent | None:
    async with engine.connect() as conn:
        return await find_event(conn, **where)
