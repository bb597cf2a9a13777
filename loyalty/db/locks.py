"""Write locks that differ by dialect.

PostgreSQL locks the rows a statement reads `FOR UPDATE`. SQLite has no row locks: a writer
takes the database's write lock with its first write, so a transaction that must not act on a
stale snapshot writes first (a no-op UPDATE) and reads after.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.ledger import members


async def sqlite_write_lock(
    conn: AsyncConnection, table: Table, where: ColumnElement[bool], column: str
) -> None:
    """On SQLite, takes the write lock now with a no-op UPDATE of `column` where `where`; on
    other databases does nothing (their FOR UPDATE reads lock the rows)."""
    if conn.dialect.name == "sqlite":
        await conn.execute(table.update().where(where).values({column: table.c[column]}))


async def sqlite_member_lock(conn: AsyncConnection, member_id: str) -> None:
    """Before a `FOR UPDATE` read of the member: one writer per member at a time, so totals
    and "never negative" hold under concurrency on SQLite too."""
    await sqlite_write_lock(conn, members, members.c.member_id == member_id, "updated_at")


async def lock_members_in_order(conn: AsyncConnection, member_ids: Iterable[str]) -> None:
    """PostgreSQL: row-locks these members up front, in member id order (the same order in
    every transaction of every process, so no deadlock). SQLite: nothing to do, the
    transaction's first write already holds the whole database."""
    wanted = sorted(set(member_ids))
    if conn.dialect.name != "postgresql" or not wanted:
        return
    await conn.execute(
        select(members.c.id)
        .where(members.c.member_id.in_(wanted))
        .order_by(members.c.member_id)
        .with_for_update()
    )


def skip_locked(query: Select[Any], conn: AsyncConnection) -> Select[Any]:
    """The query's rows locked, skipping those another transaction holds (PostgreSQL's SKIP
    LOCKED, for several runners sharing a queue); unchanged on SQLite (one writer at a time)."""
    if conn.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query
