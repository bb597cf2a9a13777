"""Program analytics for admins: SQL aggregates over the ledger, orders and members that give the
same answers on PostgreSQL and SQLite.

Days are UTC calendar days. Ledger figures use each entry's `points` (what the entry asked:
a reversal counts in full even where part of it became a debt) except `net_change`, the sum of
the entries' `delta` (the change of points outstanding, i.e. tokens minted minus burned).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Integer, String, and_, case, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from loyalty.db.ledger import ledger_entries, members, orders
from loyalty.db.program import member_tiers
from loyalty.db.rules import earning_rules, tiers
from loyalty.domain.errors import InvalidInput
from loyalty.domain.ledger import EntryType
from loyalty.services.program import get_program

MAX_DAYS = 366  # one year (leap years included) per request: bounded rows and scan
DEFAULT_DAYS = 30
TOP_MAX = 100
EARLIEST = date(2000, 1, 1)
LATEST = date(9999, 12, 30)  # the day after must still be a date


@dataclass(frozen=True)
class DateRange:
    start: date  # inclusive
    end: date  # inclusive

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(n) for n in range((self.end - self.start).days + 1)]

    def bounds(self) -> tuple[datetime, datetime]:
        """[start 00:00 UTC, the day after end 00:00 UTC)."""
        return (
            datetime.combine(self.start, time(), UTC),
            datetime.combine(self.end + timedelta(1), time(), UTC),
        )


def date_range(start: date | None, end: date | None, *, today: date) -> DateRange:
    """The range asked for, defaulting to the last DEFAULT_DAYS days up to today."""
    for name, value in (("from", start), ("to", end)):
        if value is not None and not EARLIEST <= value <= LATEST:
            raise InvalidInput(f"{name} must be a date from {EARLIEST} to {LATEST}", field=name)
    end = end or (max(today, start) if start else today)
    start = start or max(EARLIEST, end - timedelta(DEFAULT_DAYS - 1))
    if start > end:
        raise InvalidInput("from must be on or before to", field="from")
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput(f"the range may span at most {MAX_DAYS} days", field="to")
    return DateRange(start, end)


@dataclass(frozen=True)
class DailyPoints:
    day: date
    issued: int  # EARN: awarded by earning rules
    adjusted: int  # ADJUST, signed
    redeemed: int  # REDEEM, spent on rewards
    refunded: int  # REFUND, given back for cancelled redemptions
    reversed: int  # REVERSE, taken back after order refunds
    expired: int  # EXPIRE
    net_change: int  # sum of deltas: change of points outstanding


@dataclass(frozen=True)
class RulePoints:
    rule_id: str
    title: str | None  # None once the rule is gone
    awards: int
    issued: int
    reversed: int


@dataclass(frozen=True)
class DailyAmount:
    day: date
    orders: int
    amount: Decimal


@dataclass(frozen=True)
class TierMembers:
    tier_id: str | None  # None: the base tier
    tier_name: str | None
    required_points: int
    members: int


class TopBy(StrEnum):
    BALANCE = "BALANCE"
    EARNED = "EARNED"


@dataclass(frozen=True)
class TopMember:
    member_id: str
    balance: int
    earned: int
    tier_id: str | None


@dataclass(frozen=True)
class Liability:
    points_outstanding: int
    point_value: Decimal
    amount: Decimal


def _day(conn: AsyncConnection, column: Any) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp column."""
    if conn.dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    # SQLite keeps DateTime as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC, as every writer stores it).
    return func.substr(column, 1, 10)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def in_range(column: ColumnElement[datetime], period: DateRange) -> ColumnElement[bool]:
    low, high = period.bounds()
    return and_(column >= low, column < high)


_SIGN = {
    EntryType.EARN: 1,
    EntryType.ADJUST: 1,
    EntryType.REDEEM: -1,
    EntryType.REFUND: 1,
    EntryType.REVERSE: -1,
    EntryType.EXPIRE: -1,
    EntryType.TRANSFER_OUT: -1,  # in net_change only (no column of its own)
    EntryType.TRANSFER_IN: 1,
    EntryType.IMPORT: 1,  # in net_change only: a balance brought from the old program
    # Held points becoming available: in net_change only (their EARN counted when awarded).
    EntryType.ACTIVATE: 1,
}


async def points_per_day(conn: AsyncConnection, period: DateRange) -> list[DailyPoints]:
    """Every day of the range, days without entries as zeros."""
    le = ledger_entries.c
    day = _day(conn, le.created_at).label("day")
    rows = (
        await conn.execute(
            select(day, le.type, func.sum(le.points), func.sum(le.delta))
            .where(in_range(le.created_at, period))
            .group_by(day, le.type)
        )
    ).all()
    sums: dict[date, dict[str, int]] = {d: {} for d in period.days}
    for raw_day, type_, points, delta in rows:
        bucket = sums.setdefault(_as_date(raw_day), {})
        bucket[type_] = _SIGN[EntryType(type_)] * int(points)
        bucket["net"] = bucket.get("net", 0) + int(delta)
    return [
        DailyPoints(
            day=d,
            issued=s.get("EARN", 0),
            adjusted=s.get("ADJUST", 0),
            redeemed=s.get("REDEEM", 0),
            refunded=s.get("REFUND", 0),
            reversed=s.get("REVERSE", 0),
            expired=s.get("EXPIRE", 0),
            net_change=s.get("net", 0),
        )
        for d, s in sorted(sums.items())
    ]


async def points_per_rule(conn: AsyncConnection, period: DateRange) -> list[RulePoints]:
    """Awards and reversals by the rule that produced them, most issued first."""
    le = ledger_entries.c
    rows = (
        await conn.execute(
            select(le.rule_id, le.type, func.count(), func.sum(le.points))
            .where(
                in_range(le.created_at, period),
                le.rule_id.is_not(None),
                le.type.in_([EntryType.EARN.value, EntryType.REVERSE.value]),
            )
            .group_by(le.rule_id, le.type)
        )
    ).all()
    found: dict[str, dict[str, int]] = {}
    for rule_id, type_, count, points in rows:
        f = found.setdefault(rule_id, {"awards": 0, "issued": 0, "reversed": 0})
        if type_ == EntryType.EARN.value:
            f["awards"], f["issued"] = int(count), int(points)
        else:
            f["reversed"] = -int(points)
    titles = dict(
        (
            await conn.execute(
                select(earning_rules.c.id, earning_rules.c.title).where(
                    earning_rules.c.id.in_(list(found))
                )
            )
        ).all()
    )
    out = [RulePoints(rid, titles.get(rid), **f) for rid, f in found.items()]
    return sorted(out, key=lambda r: (-r.issued, r.rule_id))


def _exact_sum_sqlite(column: Any) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """SQLite has no exact decimal type (money is stored as text, and SUM would go through
    floats): sums the integer parts and the fractions (in millionths, the PostgreSQL column's
    scale) as two integer aggregates, added up exactly in Python. `||` concatenates (`+` on
    text is numeric in SQLite)."""
    column = cast(column, String)  # plain text, not the ExactDecimal type, in every operation
    dot = func.instr(column.op("||")(literal(".")), ".")
    whole = cast(func.substr(column, 1, dot - 1), Integer)
    padded = func.substr(column, dot + 1).op("||")(literal("000000"))
    fraction = cast(func.substr(padded, 1, 6), Integer)
    signed = case((column.like("-%"), -fraction), else_=fraction)
    return func.sum(whole), func.sum(signed)


async def purchases_per_day(conn: AsyncConnection, period: DateRange) -> list[DailyAmount]:
    """Orders recorded (with an order id and an amount) per day, every day of the range."""
    o = orders.c
    day = _day(conn, o.created_at).label("day")
    sums: tuple[Any, ...] = (
        _exact_sum_sqlite(o.amount)
        if conn.dialect.name == "sqlite"
        else (func.sum(o.amount), literal(0))
    )
    rows = (
        await conn.execute(
            select(day, func.count(), *sums).where(in_range(o.created_at, period)).group_by(day)
        )
    ).all()
    found: dict[date, DailyAmount] = {}
    for raw_day, count, whole_sum, millionths in rows:
        amount = Decimal(whole_sum) + Decimal(int(millionths)).scaleb(-6)
        found[_as_date(raw_day)] = DailyAmount(_as_date(raw_day), int(count), _plain(amount))
    return [found.get(d) or DailyAmount(d, 0, Decimal(0)) for d in period.days]


def _plain(amount: Decimal) -> Decimal:
    normal = amount.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def _balance() -> ColumnElement[Any]:
    m = members.c
    return m.earned + m.adjusted - m.redeemed - m.expired - m.reversed


async def members_per_tier(conn: AsyncConnection) -> list[TierMembers]:
    """Current members in each tier, the base tier first, every tier listed."""
    tier_id = member_tiers.c.tier_id
    counts: dict[str | None, int] = dict(
        (
            await conn.execute(
                select(tier_id, func.count())
                .select_from(members.outerjoin(member_tiers))
                .group_by(tier_id)
            )
        ).all()
    )
    out = [TierMembers(None, None, 0, int(counts.pop(None, 0)))]
    for row in (await conn.execute(select(tiers).order_by(tiers.c.required_points))).all():
        out.append(
            TierMembers(row.id, row.name, int(row.required_points), int(counts.pop(row.id, 0)))
        )
    # A tier deleted under members not yet recomputed: kept visible rather than dropped.
    out.extend(TierMembers(t, None, 0, int(n)) for t, n in sorted(counts.items()))
    return out


async def top_members(conn: AsyncConnection, *, first: int, by: TopBy) -> list[TopMember]:
    if not 1 <= first <= TOP_MAX:
        raise InvalidInput(f"first must be from 1 to {TOP_MAX}", field="first")
    balance = _balance().label("balance")
    key = balance if by is TopBy.BALANCE else members.c.earned
    rows = (
        await conn.execute(
            select(members.c.member_id, balance, members.c.earned, member_tiers.c.tier_id)
            .select_from(members.outerjoin(member_tiers))
            .order_by(key.desc(), members.c.member_id)
            .limit(first)
        )
    ).all()
    return [TopMember(r.member_id, int(r.balance), int(r.earned), r.tier_id) for r in rows]


async def liability(conn: AsyncConnection) -> Liability:
    """Points members hold now, valued at the program's `pointValue`."""
    outstanding = int(
        (await conn.execute(select(func.coalesce(func.sum(_balance()), 0)))).scalar_one()
    )
    value = (await get_program(conn)).point_value
    return Liability(outstanding, value, _plain(value * outstanding))
