"""Reading referrals (issue 15): a member's code, the referrals list (newest first, keyset
pages) and the statistics, per referring member or program-wide."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.ledger import members
from loyalty.db.program import redemptions
from loyalty.db.referrals import referral_codes, referrals
from loyalty.db.times import utc
from loyalty.domain.errors import NotFound
from loyalty.domain.referrals import Reason, Status
from loyalty.services.cursors import decode_seq_cursor, encode_seq_cursor
from loyalty.services.members import find_member
from loyalty.services.rules import page_size


@dataclass(frozen=True)
class Referral:
    id: int
    referrer_id: str
    friend_id: str
    code: str
    status: Status
    reason: Reason | None
    order_id: str | None
    created_at: datetime
    qualified_at: datetime | None
    reward_due_at: datetime | None
    rewarded_at: datetime | None
    referrer_points: int
    friend_points: int
    # The catalogue rewards granted to each side (their redemptions), if any.
    referrer_redemption_id: int | None = None
    friend_redemption_id: int | None = None


async def code_of(conn: AsyncConnection, member_pk: int) -> str | None:
    """The member's active code (None only for a member who never had one, e.g. created by
    hand in the database)."""
    found = await conn.scalar(
        select(referral_codes.c.code).where(
            referral_codes.c.member_pk == member_pk, referral_codes.c.active.is_(True)
        )
    )
    return None if found is None else str(found)


async def codes_of(conn: AsyncConnection, member_pks: Sequence[int]) -> dict[int, str]:
    wanted = sorted(set(member_pks))
    if not wanted:
        return {}
    rows = await conn.execute(
        select(referral_codes.c.member_pk, referral_codes.c.code).where(
            referral_codes.c.member_pk.in_(wanted), referral_codes.c.active.is_(True)
        )
    )
    return {int(pk): str(code) for pk, code in rows}


@dataclass(frozen=True)
class ReferralFilter:
    referrer_id: str | None = None
    friend_id: str | None = None
    status: Status | None = None
    reason: Reason | None = None


@dataclass(frozen=True)
class ReferralPage:
    referrals: list[tuple[str, Referral]]
    has_next_page: bool

    @property
    def end_cursor(self) -> str | None:
        return self.referrals[-1][0] if self.referrals else None


_PREFIX = "referral:"
_referrer = members.alias("referrer")
_friend = members.alias("friend")
_referrer_coupon = redemptions.alias("referrer_coupon")
_friend_coupon = redemptions.alias("friend_coupon")


def _from_row(row: Any) -> Referral:
    return Referral(
        id=int(row.id),
        referrer_id=row.referrer_id,
        friend_id=row.friend_id,
        code=row.code,
        status=Status(row.status),
        reason=None if row.reason is None else Reason(row.reason),
        order_id=row.order_key,
        created_at=utc(row.created_at),
        qualified_at=utc(row.qualified_at),
        reward_due_at=utc(row.reward_due_at),
        rewarded_at=utc(row.rewarded_at),
        referrer_points=int(row.referrer_points),
        friend_points=int(row.friend_points),
        referrer_redemption_id=row.referrer_redemption_id,
        friend_redemption_id=row.friend_redemption_id,
    )


async def _member_pk(conn: AsyncConnection, member_id: str | None) -> int | None:
    """-1 for an unknown member (matches nothing), None for no filter."""
    if member_id is None:
        return None
    member = await find_member(conn, member_id)
    return -1 if member is None else member.pk


def _joined() -> Any:
    return (
        select(
            referrals,
            _referrer.c.member_id.label("referrer_id"),
            _friend.c.member_id.label("friend_id"),
            _referrer_coupon.c.id.label("referrer_redemption_id"),
            _friend_coupon.c.id.label("friend_redemption_id"),
        )
        .join(_referrer, _referrer.c.id == referrals.c.referrer_pk)
        .join(_friend, _friend.c.id == referrals.c.friend_pk)
        .outerjoin(_referrer_coupon, _coupon_of(_referrer_coupon, referrals.c.referrer_pk))
        .outerjoin(_friend_coupon, _coupon_of(_friend_coupon, referrals.c.friend_pk))
    )


def _coupon_of(coupon: Any, member_pk: Any) -> ColumnElement[bool]:
    # One per side at most: its idempotency key is referral:<id>:<side>, unique per member.
    return and_(coupon.c.referral_id == referrals.c.id, coupon.c.member_pk == member_pk)


async def get_referral(conn: AsyncConnection, referral_id: int) -> Referral:
    row = (await conn.execute(_joined().where(referrals.c.id == referral_id))).first()
    if row is None:
        raise NotFound(f"no referral {referral_id}", field="id")
    return _from_row(row)


async def list_referrals(
    conn: AsyncConnection,
    *,
    where: ReferralFilter = ReferralFilter(),
    first: int | None = None,
    after: str | None = None,
) -> ReferralPage:
    size = page_size(first)
    conditions: list[ColumnElement[bool]] = []
    if after is not None:
        conditions.append(referrals.c.id < decode_seq_cursor(_PREFIX, after))
    referrer_pk = await _member_pk(conn, where.referrer_id)
    if referrer_pk is not None:
        conditions.append(referrals.c.referrer_pk == referrer_pk)
    friend_pk = await _member_pk(conn, where.friend_id)
    if friend_pk is not None:
        conditions.append(referrals.c.friend_pk == friend_pk)
    if where.status is not None:
        conditions.append(referrals.c.status == where.status.value)
    if where.reason is not None:
        conditions.append(referrals.c.reason == where.reason.value)
    query = _joined().where(and_(True, *conditions)).order_by(referrals.c.id.desc()).limit(size + 1)
    rows = (await conn.execute(query)).all()
    return ReferralPage(
        referrals=[(encode_seq_cursor(_PREFIX, int(r.id)), _from_row(r)) for r in rows[:size]],
        has_next_page=len(rows) > size,
    )


@dataclass(frozen=True)
class Stats:
    referrals: int
    pending: int
    qualified: int  # qualified, rewarded or waiting for the hold
    rewarded: int
    rejected: int
    by_reason: dict[Reason, int]
    points_awarded: int  # both sides'
    coupons_granted: int = 0  # catalogue rewards granted to either side


async def referral_stats(conn: AsyncConnection, *, referrer_id: str | None = None) -> Stats:
    """Program-wide, or of one referring member."""
    conditions: list[ColumnElement[bool]] = []
    referrer_pk = await _member_pk(conn, referrer_id)
    if referrer_pk is not None:
        conditions.append(referrals.c.referrer_pk == referrer_pk)
    rows = (
        await conn.execute(
            select(
                referrals.c.status,
                referrals.c.reason,
                func.count(),
                func.coalesce(func.sum(referrals.c.referrer_points + referrals.c.friend_points), 0),
            )
            .where(and_(True, *conditions))
            .group_by(referrals.c.status, referrals.c.reason)
        )
    ).all()
    by_status: dict[Status, int] = dict.fromkeys(Status, 0)
    by_reason: dict[Reason, int] = {}
    points = 0
    for status, reason, count, awarded in rows:
        by_status[Status(status)] += int(count)
        if reason is not None:
            by_reason[Reason(reason)] = by_reason.get(Reason(reason), 0) + int(count)
        points += int(awarded)
    coupons = await conn.scalar(
        select(func.count())
        .select_from(redemptions.join(referrals, referrals.c.id == redemptions.c.referral_id))
        .where(and_(True, *conditions))
    )
    return Stats(
        referrals=sum(by_status.values()),
        pending=by_status[Status.PENDING],
        qualified=by_status[Status.QUALIFIED] + by_status[Status.REWARDED],
        rewarded=by_status[Status.REWARDED],
        rejected=by_status[Status.REJECTED],
        by_reason=by_reason,
        points_awarded=points,
        coupons_granted=int(coupons or 0),
    )
