"""Members: created on first activity or explicitly; each has a custodial receiving address until
they link a wallet. Reading an account is one member row plus the sum of unfinished chain requests.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.custody import AddressBook
from loyalty.db.ledger import insert_or_skip, ledger_entries, members
from loyalty.db.locks import sqlite_member_lock
from loyalty.db.outbox import MINT, SETTLED, chain_requests
from loyalty.db.referrals import add_code
from loyalty.db.statements import once
from loyalty.db.times import utc
from loyalty.db.write_behind import WriteBehind
from loyalty.domain import values
from loyalty.domain.errors import Conflict, InvalidInput, NotFound
from loyalty.domain.ledger import Totals
from loyalty.domain.members import Member as Member  # re-exported: api reads it from here
from loyalty.services.uow import AbstractUnitOfWork

MEMBER_ID_MAX = 256


def member_from_row(row: Row[Any]) -> Member:
    m = row._mapping
    return Member(
        pk=m["id"],
        member_id=m["member_id"],
        custodial_address=m["custodial_address"] or "",
        wallet_address=m["wallet_address"],
        wallet_linked_at=utc(m["wallet_linked_at"]),
        totals=Totals(
            earned=m["earned"],
            adjusted=m["adjusted"],
            redeemed=m["redeemed"],
            expired=m["expired"],
            reversed=m["reversed"],
            debt=m["debt"],
        ),
        revision=m["revision"],
        last_activity_at=utc(m["last_activity_at"]),
        created_at=utc(m["created_at"]),  # NOT NULL
    )


def check_member_id(member_id: str) -> str:
    return values.check_identifier("memberId", member_id, MEMBER_ID_MAX)


async def find_members(conn: AsyncConnection, member_ids: Sequence[str]) -> dict[str, Member]:
    """The known members among `member_ids`, by member id, in one statement (unlocked)."""
    wanted = sorted(set(member_ids))
    if not wanted:
        return {}
    rows = (await conn.execute(select(members).where(members.c.member_id.in_(wanted)))).all()
    found = (member_from_row(row) for row in rows)
    return {m.member_id: m for m in found}


async def find_member(
    conn: AsyncConnection, member_id: str, *, lock: bool = False
) -> Member | None:
    query = select(members).where(members.c.member_id == member_id)
    if lock:
        # One writer per member at a time: a row lock on PostgreSQL, the write lock on SQLite.
        await sqlite_member_lock(conn, member_id)
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    return member_from_row(row) if row is not None else None


def no_member(member_id: str) -> NotFound:
    return NotFound(f"no member {member_id!r}", field="memberId")


async def get_member(conn: AsyncConnection, member_id: str, *, lock: bool = False) -> Member:
    member = await find_member(conn, check_member_id(member_id), lock=lock)
    if member is None:
        raise no_member(member_id)
    return member


async def ensure_member(
    conn: AsyncConnection,
    member_id: str,
    custody: AddressBook,
    *,
    now: datetime,
    lock: bool = True,
) -> tuple[Member, bool]:
    """The member, created if new (with its custodial address). True when created here."""
    member_id = check_member_id(member_id)
    existing = await find_member(conn, member_id, lock=lock)  # the usual case: one statement
    if existing is not None:
        return existing, False
    created = (
        await conn.execute(
            insert_or_skip(conn.dialect.name, members, ["member_id"])
            .values(member_id=member_id, created_at=now, updated_at=now)
            .returning(members.c.id)
        )
    ).scalar()
    if created is not None:
        await conn.execute(
            members.update()
            .where(members.c.id == created)
            .values(custodial_address=custody.address_for(created))
        )
        await add_code(conn, int(created), now=now)  # every member can refer (issue 15)
    member = await find_member(conn, member_id, lock=lock)
    assert member is not None  # inserted above or by a committed concurrent transaction
    return member, created is not None


async def create_member(uow: AbstractUnitOfWork, member_id: str, custody: AddressBook) -> Member:
    async with uow:
        member, created = await ensure_member(
            uow.conn, member_id, custody, now=uow.clock.now(), lock=False
        )
    if not created:
        raise Conflict(f"member {member.member_id!r} already exists", field="memberId")
    return member


async def save_totals(
    conn: AsyncConnection,
    member: Member,
    *,
    now: datetime,
    activity: bool = True,
    held: WriteBehind | None = None,
) -> Member:
    """Writes the member's totals (held to the end of the transaction with `held`, which then
    also keeps the member's state for the transaction's later reads); returns the member as
    stored."""
    values: dict[str, Any] = {
        "earned": member.totals.earned,
        "adjusted": member.totals.adjusted,
        "redeemed": member.totals.redeemed,
        "expired": member.totals.expired,
        "reversed": member.totals.reversed,
        "debt": member.totals.debt,
        "revision": member.revision,
        "updated_at": now,
    }
    if activity:
        values["last_activity_at"] = now
        member = replace(member, last_activity_at=now)
    statement = once(
        "member_totals", lambda: members.update().where(members.c.id == bindparam("_pk"))
    )
    if held is not None:
        held.add(statement, {**values, "_pk": member.pk}, key=member.pk)
        held.members[member.member_id] = member
    else:
        await conn.execute(statement, {**values, "_pk": member.pk})
    return member


async def save_activity_time(
    conn: AsyncConnection, member: Member, *, now: datetime, held: WriteBehind | None = None
) -> Member:
    """An activity that posted nothing still counts as activity (lastActivityDate)."""
    statement = once(
        "member_activity",
        lambda: (
            members.update()
            .where(members.c.id == bindparam("_pk"))
            .values(last_activity_at=bindparam("_at"))
        ),
    )
    member = replace(member, last_activity_at=now)
    if held is not None:
        held.add(statement, {"_pk": member.pk, "_at": now}, key=member.pk)
        held.members[member.member_id] = member
    else:
        await conn.execute(statement, {"_pk": member.pk, "_at": now})
    return member


# --- reads ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    member: Member
    pending: int  # signed sum of the member's chain requests not yet final


def _pending_signed() -> Any:
    return case(
        (chain_requests.c.kind == MINT, chain_requests.c.amount), else_=-chain_requests.c.amount
    )


async def pending_points(conn: AsyncConnection, member_id: str) -> int:
    total = (
        await conn.execute(
            select(func.coalesce(func.sum(_pending_signed()), 0)).where(
                chain_requests.c.member_id == member_id,
                chain_requests.c.status.not_in(SETTLED),
            )
        )
    ).scalar_one()
    return int(total)


async def pending_points_of(conn: AsyncConnection, member_ids: Sequence[str]) -> dict[str, int]:
    """`pending_points` of several members in one statement (0 for a member with none)."""
    wanted = sorted(set(member_ids))
    if not wanted:
        return {}
    rows = (
        await conn.execute(
            select(chain_requests.c.member_id, func.sum(_pending_signed()))
            .where(chain_requests.c.member_id.in_(wanted), chain_requests.c.status.not_in(SETTLED))
            .group_by(chain_requests.c.member_id)
        )
    ).all()
    found = {member_id: int(total or 0) for member_id, total in rows}
    return {member_id: found.get(member_id, 0) for member_id in wanted}


async def read_account(conn: AsyncConnection, member_id: str) -> Account:
    """The member and their pending chain requests (NotFound for an unknown member)."""
    member = await get_member(conn, member_id)
    return Account(member, await pending_points(conn, member.member_id))


@dataclass(frozen=True)
class Transaction:
    id: int
    type: str
    points: int
    delta: int
    balance_after: int
    rule_id: str | None
    rule_revision: int | None
    description: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row[Any]) -> Transaction:
        m = row._mapping
        return cls(
            id=m["id"],
            type=m["type"],
            points=m["points"],
            delta=m["delta"],
            balance_after=m["balance_after"],
            rule_id=m["rule_id"],
            rule_revision=m["rule_revision"],
            description=m["description"],
            created_at=utc(m["created_at"]),  # NOT NULL
        )


@dataclass(frozen=True)
class TransactionPage:
    items: Sequence[Transaction]
    has_next: bool

    @property
    def end_cursor(self) -> str | None:
        return encode_cursor(self.items[-1].id) if self.items else None


PAGE_MAX = 100


def encode_cursor(entry_id: int) -> str:
    return base64.urlsafe_b64encode(f"entry:{entry_id}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        kind, _, number = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind != "entry":
            raise ValueError(kind)
        return int(number)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("after is not a cursor from this connection", field="after") from None


async def transactions(
    conn: AsyncConnection, member_pk: int, *, first: int = 20, after: str | None = None
) -> TransactionPage:
    """The member's ledger entries (by `Member.pk`), newest first, keyset-paginated by entry id."""
    if not 1 <= first <= PAGE_MAX:
        raise InvalidInput(f"first must be from 1 to {PAGE_MAX}", field="first")
    query = select(ledger_entries).where(ledger_entries.c.member_pk == member_pk)
    if after is not None:
        query = query.where(ledger_entries.c.id < decode_cursor(after))
    rows = (await conn.execute(query.order_by(ledger_entries.c.id.desc()).limit(first + 1))).all()
    items = [Transaction.from_row(r) for r in rows[:first]]
    return TransactionPage(items, len(rows) > first)
