"""Many rows into one table at once: PostgreSQL COPY (several times faster than INSERT), an
executemany elsewhere (SQLite). Both on the caller's connection, in its transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).translate(_ESCAPES)


async def insert_rows(
    conn: AsyncConnection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Inserts `rows` (values in `columns` order)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        data = "".join("\t".join(map(_copy_value, row)) + "\n" for row in rows)
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        async with raw.cursor() as cur, cur.copy(sql) as copy:
            await copy.write(data.encode())
        return
    await conn.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])


async def allocate_ids(conn: AsyncConnection, table: Table, n: int) -> list[int]:
    """`n` new ids of `table`'s integer primary key `id`, for rows inserted (with them) in this
    transaction: PostgreSQL draws them from the column's sequence; SQLite, whose writer holds
    the whole database (the caller has written already), counts on from the largest."""
    if n <= 0:
        return []
    if conn.dialect.name == "postgresql":
        rows = await conn.exec_driver_sql(
            f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
            f"FROM generate_series(1, {int(n)})"
        )
        return sorted(int(r[0]) for r in rows.all())
    start = int(
        (await conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table.name}")).scalar_one()
    )
    return list(range(start + 1, start + 1 + n))
