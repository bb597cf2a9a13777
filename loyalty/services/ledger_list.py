"""The program's ledger as a list (issue 16, item 2): every member's append-only entries,
filtered, one keyset page at a time (loyalty.services.keyset) in ledger order (the entry id:
entries are only ever appended). Read-only: it takes the caller's connection.

Indexes (migration books_0001): the id itself; (type, id), (rule_id, id), (campaign_id, id),
(created_at, id); (member_pk, id) and order_pk from the ledger's own migration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.ledger import ENTRY_TYPES, ledger_entries, members, orders
from loyalty.db.times import utc
from loyalty.domain.errors import InvalidInput
from loyalty.services import keyset
from loyalty.services.member_list import instant
from loyalty.services.members import check_member_id, get_member

ID_MAX = 36
ORDER_ID_MAX = 256


@dataclass(frozen=True)
class TransactionFilter:
    member_id: str | None = None
    types: Sequence[str] | None = None
    rule_id: str | None = None
    campaign_id: str | None = None
    start: datetime | None = None  # `from`, inclusive
    end: datetime | None = None  # `to`, exclusive
    order_id: str | None = None  # the order's key (checkout id) or its external (Wix order) id

    def normalized(self) -> TransactionFilter:
        member_id = check_member_id(self.member_id) if self.member_id is not None else None
        types = None
        if self.types is not None:
            if not self.types:
                raise InvalidInput("types must name at least one type", field="types")
            unknown = sorted(set(self.types) - set(ENTRY_TYPES))
            if unknown:
                raise InvalidInput(f"unknown transaction type {unknown[0]!r}", field="types")
            types = tuple(sorted(set(self.types)))
        for name, value, longest in (
            ("ruleId", self.rule_id, ID_MAX),
            ("campaignId", self.campaign_id, ID_MAX),
            ("orderId", self.order_id, ORDER_ID_MAX),
        ):
            if value is not None and not 1 <= len(value) <= longest:
                raise InvalidInput(f"{name} must be 1 to {longest} characters", field=name)
        start, end = instant(self.start, "from"), instant(self.end, "to")
        if start is not None and end is not None and start >= end:
            raise InvalidInput("from must be before to", field="from")
        return TransactionFilter(
            member_id, types, self.rule_id, self.campaign_id, start, end, self.order_id
        )

    def fingerprint(self) -> str:
        return keyset.fingerprint(
            {
                "m": self.member_id,
                "t": self.types,
                "r": self.rule_id,
                "c": self.campaign_id,
                "from": self.start,
                "to": self.end,
                "o": self.order_id,
            }
        )


@dataclass(frozen=True)
class LedgerEntry:
    id: int
    member_id: str
    type: str
    points: int
    delta: int
    balance_after: int
    rule_id: str | None
    rule_revision: int | None
    campaign_id: str | None
    campaign_revision: int | None
    order_id: str | None
    reverses_entry_id: int | None
    description: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> LedgerEntry:
        m = row._mapping
        created = utc(m["created_at"])
        assert created is not None  # NOT NULL
        return cls(
            id=m["id"],
            member_id=m["member_id"],
            type=m["type"],
            points=m["points"],
            delta=m["delta"],
            balance_after=m["balance_after"],
            rule_id=m["rule_id"],
            rule_revision=m["rule_revision"],
            campaign_id=m["campaign_id"],
            campaign_revision=m["campaign_revision"],
            order_id=m["order_key"],
            reverses_entry_id=m["reverses_entry_id"],
            description=m["description"],
            created_at=created,
        )


def entry_conditions(f: TransactionFilter, member_pk: int | None) -> list[Any]:
    """The WHERE of a normalized filter; `member_pk`: the filter's member, looked up."""
    e = ledger_entries.c
    conditions: list[Any] = []
    if member_pk is not None:
        conditions.append(e.member_pk == member_pk)
    if f.types is not None:
        conditions.append(e.type.in_(f.types))
    if f.rule_id is not None:
        conditions.append(e.rule_id == f.rule_id)
    if f.campaign_id is not None:
        conditions.append(e.campaign_id == f.campaign_id)
    if f.start is not None:
        conditions.append(e.created_at >= f.start)
    if f.end is not None:
        conditions.append(e.created_at < f.end)
    if f.order_id is not None:
        conditions.append(
            e.order_pk.in_(
                select(orders.c.id).where(
                    or_(orders.c.order_key == f.order_id, orders.c.external_id == f.order_id)
                )
            )
        )
    return conditions


@dataclass(frozen=True)
class EntryPage:
    items: Sequence[tuple[LedgerEntry, str]]  # each entry and its cursor
    has_next: bool


async def list_entries(
    conn: AsyncConnection,
    f: TransactionFilter | None = None,
    *,
    descending: bool = True,
    first: int | None = None,
    after: str | None = None,
) -> EntryPage:
    """One page of ledger entries matching `f`, newest first unless ascending. An unknown
    memberId is NOT_FOUND; an unknown order, rule or campaign matches nothing."""
    size = keyset.page_size(first)
    f = (f or TransactionFilter()).normalized()
    order = keyset.Ordering("transactions", "CREATED", descending, f.fingerprint(), int)
    seek_after = keyset.decode_cursor(order, after) if after is not None else None
    e = ledger_entries.c
    member_pk = (await get_member(conn, f.member_id)).pk if f.member_id is not None else None
    conditions = entry_conditions(f, member_pk)
    if seek_after is not None:
        conditions.append(keyset.seek(e.id, e.id, order, seek_after))
    query = (
        select(ledger_entries, members.c.member_id, orders.c.order_key)
        .select_from(
            ledger_entries.join(members, members.c.id == e.member_pk).outerjoin(
                orders, orders.c.id == e.order_pk
            )
        )
        .where(*conditions)
        .order_by(*keyset.order_by(e.id, e.id, order))
        .limit(size + 1)
    )
    rows = (await conn.execute(query)).all()
    items = []
    for row in rows[:size]:
        entry = LedgerEntry.from_row(row)
        items.append((entry, keyset.encode_cursor(order, entry.id, entry.id)))
    return EntryPage(items, len(rows) > size)
