"""The program's members as a list (issue 16, item 1): filtered, ordered and searched, one keyset
page at a time (loyalty.services.keyset). Read-only: it takes the caller's connection.

Orderings and the index each one reads (migration books_0001):
  BALANCE        earned + adjusted - redeemed - expired - reversed, id   ix_members_balance
  EARNED         earned, id                                              ix_members_earned
  LAST_ACTIVITY  coalesce(last_activity_at, created_at), id              ix_members_last_activity
  CREATED        created_at, id                                          ix_members_created
A member with no activity yet sorts by LAST_ACTIVITY at the time it was created (a NULL key
could not be sought past with a row comparison).

`search` is a case-insensitive prefix of the member id, the contact e-mail (member_contacts) or
the wallet or custodial address. `tierId` is the member's stored tier (member_tiers, kept by the
tier evaluation), not recomputed per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.ledger import members
from loyalty.db.program import member_contacts, member_tiers
from loyalty.db.rules import tiers
from loyalty.db.times import utc
from loyalty.domain.errors import InvalidInput, NotFound
from loyalty.services import keyset
from loyalty.services.members import Member, member_from_row

ORDER_FIELDS = ("BALANCE", "EARNED", "LAST_ACTIVITY", "CREATED")
SEARCH_MAX = 256
TIER_ID_MAX = 36


def balance_key() -> ColumnElement[Any]:
    c = members.c
    return c.earned + c.adjusted - c.redeemed - c.expired - c.reversed


def _sort_key(field: str) -> ColumnElement[Any]:
    if field == "BALANCE":
        return balance_key()
    if field == "EARNED":
        return members.c.earned
    if field == "LAST_ACTIVITY":
        return func.coalesce(members.c.last_activity_at, members.c.created_at)
    return members.c.created_at


@dataclass(frozen=True)
class AccountFilter:
    tier_id: str | None = None
    min_balance: int | None = None
    max_balance: int | None = None
    last_activity_from: datetime | None = None  # inclusive
    last_activity_to: datetime | None = None  # exclusive
    search: str | None = None

    def normalized(self) -> AccountFilter:
        """Checked and in canonical form (UTC instants, stripped search); VALIDATION naming
        the field otherwise."""
        lo, hi = self.min_balance, self.max_balance
        if lo is not None and hi is not None and lo > hi:
            raise InvalidInput("minBalance must not be above maxBalance", field="minBalance")
        start = instant(self.last_activity_from, "lastActivityFrom")
        end = instant(self.last_activity_to, "lastActivityTo")
        if start is not None and end is not None and start >= end:
            raise InvalidInput(
                "lastActivityFrom must be before lastActivityTo", field="lastActivityFrom"
            )
        search = self.search
        if search is not None:
            search = search.strip()
            if not search or len(search) > SEARCH_MAX or any(ord(ch) < 32 for ch in search):
                raise InvalidInput(
                    f"search must be 1 to {SEARCH_MAX} printable characters", field="search"
                )
        tier_id = self.tier_id
        if tier_id is not None and (not tier_id or len(tier_id) > TIER_ID_MAX):
            raise NotFound(f"no tier {tier_id[:TIER_ID_MAX]!r}", field="tierId")
        return AccountFilter(tier_id, lo, hi, start, end, search)

    def fingerprint(self) -> str:
        return keyset.fingerprint(
            {
                "tier": self.tier_id,
                "min": self.min_balance,
                "max": self.max_balance,
                "from": self.last_activity_from,
                "to": self.last_activity_to,
                "q": self.search,
            }
        )


def instant(value: datetime | None, field: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise InvalidInput(f"{field} needs a time zone (e.g. 2026-12-03T10:00:00Z)", field=field)
    return value.astimezone(UTC)


def like_prefix(text: str) -> str:
    """A LIKE pattern matching what starts with `text` (escape character: backslash)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def member_conditions(f: AccountFilter) -> list[Any]:
    c = members.c
    conditions: list[Any] = []
    if f.tier_id is not None:
        conditions.append(
            c.id.in_(select(member_tiers.c.member_pk).where(member_tiers.c.tier_id == f.tier_id))
        )
    if f.min_balance is not None:
        conditions.append(balance_key() >= f.min_balance)
    if f.max_balance is not None:
        conditions.append(balance_key() <= f.max_balance)
    if f.last_activity_from is not None:
        conditions.append(c.last_activity_at >= f.last_activity_from)
    if f.last_activity_to is not None:
        conditions.append(c.last_activity_at < f.last_activity_to)
    if f.search is not None:
        pattern = like_prefix(f.search)
        conditions.append(
            or_(
                func.lower(c.member_id).like(pattern, escape="\\"),
                c.wallet_address.like(pattern, escape="\\"),
                c.custodial_address.like(pattern, escape="\\"),
                c.member_id.in_(
                    select(member_contacts.c.member_id).where(
                        func.lower(member_contacts.c.email).like(pattern, escape="\\")
                    )
                ),
            )
        )
    return conditions


@dataclass(frozen=True)
class MemberPage:
    items: Sequence[tuple[Member, str]]  # each member and its cursor
    has_next: bool


def ordering(field: str, descending: bool, f: AccountFilter) -> keyset.Ordering:
    if field not in ORDER_FIELDS:
        raise InvalidInput(f"orderBy.field must be one of {', '.join(ORDER_FIELDS)}", field="field")
    key_type = int if field in ("BALANCE", "EARNED") else datetime
    return keyset.Ordering("accounts", field, descending, f.fingerprint(), key_type)


async def list_members(
    conn: AsyncConnection,
    f: AccountFilter | None = None,
    *,
    order_field: str = "CREATED",
    descending: bool = True,
    first: int | None = None,
    after: str | None = None,
) -> MemberPage:
    """One page of members matching `f`, in the ordering, after the cursor `after`."""
    size = keyset.page_size(first)
    f = (f or AccountFilter()).normalized()
    order = ordering(order_field, descending, f)
    seek_after = keyset.decode_cursor(order, after) if after is not None else None
    if f.tier_id is not None:
        known = await conn.scalar(select(tiers.c.id).where(tiers.c.id == f.tier_id))
        if known is None:
            raise NotFound(f"no tier {f.tier_id!r}", field="tierId")
    key = _sort_key(order_field)
    conditions = member_conditions(f)
    if seek_after is not None:
        conditions.append(keyset.seek(key, members.c.id, order, seek_after))
    query = (
        select(members, key.label("sort_key"))
        .where(*conditions)
        .order_by(*keyset.order_by(key, members.c.id, order))
        .limit(size + 1)
    )
    rows = (await conn.execute(query)).all()
    items = []
    for row in rows[:size]:
        sort_key = row.sort_key
        if isinstance(sort_key, datetime):
            sort_key = utc(sort_key)
        items.append((member_from_row(row), keyset.encode_cursor(order, sort_key, row.id)))
    return MemberPage(items, len(rows) > size)
