"""Loading an object's child rows (e.g. a rule's per-tier configs) for many parents in one
query, instead of one query per parent."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Column, Row, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection


async def children_by_parent(
    conn: AsyncConnection, table: Table, parent: Column[Any], parent_ids: Iterable[str]
) -> dict[str, list[Row[Any]]]:
    """Child rows grouped by parent id, in insertion (id) order; every id is a key."""
    grouped: dict[str, list[Row[Any]]] = {pid: [] for pid in parent_ids}
    if grouped:
        result = await conn.execute(
            select(table).where(parent.in_(list(grouped))).order_by(table.c.id)
        )
        for row in result:
            grouped[row._mapping[parent.name]].append(row)
    return grouped
