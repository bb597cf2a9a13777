"""Write locks that differ by dialect.

PostgreSQL locks the rows a statement reads `FOR UPDATE`. SQLite has no row locks: a writer
takes the database's write lock with its first write, so a transaction that must not act on a
stale snapshot writes first (a no-op UPDATE) and reads after.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table
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
