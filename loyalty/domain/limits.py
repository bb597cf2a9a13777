"""Limits and budgets on what an earning rule or a campaign awards. Pure: standard library only.

- A member limit: at most `points` per member per period.
- A budget: at most `perPeriod` points per period over all members, and/or `total` points over
  the whole life of the rule or campaign.

Periods are DAY, WEEK (ISO: Monday to Sunday), MONTH and YEAR on the calendar of the program's
time zone (a DAY starts at local midnight, so a day is 23 or 25 hours long on daylight saving
change days), or ROLLING_DAYS: the N x 24 hours up to the award. An award falls in the period
that holds the instant it is made.

An award that would pass any of its caps is cut to what the tightest one has left (possibly 0),
and the cut says which cap and how much was asked (`Cut.reason`). Points are integers throughout.

A refund gives consumed budget back proportionally: of `consumed` points, an order refunded for
`refunded` of its `amount` gives back floor(consumed x refunded / amount) in all, counted
cumulatively (each partial refund gives back the difference from what earlier ones gave), so a
full refund gives back exactly what was consumed and repeated partial refunds never give back
more. The budget given back is that of the period the award was made in (its period key), not
the refund's.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from loyalty.domain.errors import InvalidInput

LIMIT_POINTS_MAX = 1_000_000_000_000  # 10^12 points
ROLLING_DAYS_MAX = 366


class PeriodUnit(StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    YEAR = "YEAR"
    ROLLING_DAYS = "ROLLING_DAYS"


CALENDAR_UNITS = frozenset({PeriodUnit.DAY, PeriodUnit.WEEK, PeriodUnit.MONTH, PeriodUnit.YEAR})


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """Local midnight of `day` as a UTC instant (UTC, so that subtracting two bounds gives the
    real duration: Python subtracts datetimes of one zone on the wall clock)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Period:
    unit: PeriodUnit
    days: int | None = None  # ROLLING_DAYS only

    def __post_init__(self) -> None:
        object.__setattr__(self, "unit", PeriodUnit(self.unit))  # "DAY" works as well

    @property
    def is_calendar(self) -> bool:
        return self.unit in CALENDAR_UNITS

    def bounds(self, at: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) of the period holding the aware instant `at`, as UTC instants.
        ROLLING_DAYS: [at - N days, at], end inclusive."""
        if self.unit is PeriodUnit.ROLLING_DAYS:
            assert self.days is not None
            return at.astimezone(UTC) - timedelta(days=self.days), at.astimezone(UTC)
        local = at.astimezone(zone).date()
        if self.unit is PeriodUnit.DAY:
            first, after = local, local + timedelta(days=1)
        elif self.unit is PeriodUnit.WEEK:
            first = local - timedelta(days=local.isoweekday() - 1)
            after = first + timedelta(days=7)
        elif self.unit is PeriodUnit.MONTH:
            first = local.replace(day=1)
            after = (
                first.replace(year=first.year + 1, month=1)
                if first.month == 12
                else first.replace(month=first.month + 1)
            )
        else:
            first, after = (
                local.replace(month=1, day=1),
                local.replace(year=local.year + 1, month=1, day=1),
            )
        return _local_midnight(first, zone), _local_midnight(after, zone)

    def key(self, at: datetime, zone: ZoneInfo) -> str:
        """The calendar period's name, the same for every instant in it ("2026-12-03",
        "2026-W49", "2026-12", "2026"): what a per-period budget is kept under."""
        local = at.astimezone(zone).date()
        if self.unit is PeriodUnit.DAY:
            return local.isoformat()
        if self.unit is PeriodUnit.WEEK:
            year, week, _ = local.isocalendar()
            return f"{year}-W{week:02d}"
        if self.unit is PeriodUnit.MONTH:
            return f"{local.year}-{local.month:02d}"
        if self.unit is PeriodUnit.YEAR:
            return str(local.year)
        raise ValueError("a rolling period has no key; it moves with each award")

    def __str__(self) -> str:
        if self.unit is PeriodUnit.ROLLING_DAYS:
            return f"{self.days} rolling day{'s' if self.days != 1 else ''}"
        return self.unit.value.lower()


def _limit_points(field: str, points: int) -> int:
    if (
        isinstance(points, bool)
        or not isinstance(points, int)
        or not 1 <= points <= LIMIT_POINTS_MAX
    ):
        raise InvalidInput(
            f"{field} must be a whole number from 1 to {LIMIT_POINTS_MAX:,}", field=field
        )
    return points


def validate_period(period: Period, *, field: str, calendar_only: bool = False) -> Period:
    unit = PeriodUnit(period.unit)
    if unit is PeriodUnit.ROLLING_DAYS:
        if calendar_only:
            raise InvalidInput(
                f"{field}: a budget period is DAY, WEEK, MONTH or YEAR (not rolling)", field=field
            )
        days = period.days
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= ROLLING_DAYS_MAX:
            raise InvalidInput(
                f"{field}.days must be a whole number from 1 to {ROLLING_DAYS_MAX} "
                "for ROLLING_DAYS",
                field=f"{field}.days",
            )
        return Period(unit, days)
    if period.days is not None:
        raise InvalidInput(f"{field}.days is for ROLLING_DAYS only", field=f"{field}.days")
    return Period(unit)


@dataclass(frozen=True)
class MemberLimit:
    points: int
    period: Period

    def validated(self, field: str = "limits.perMember") -> MemberLimit:
        return MemberLimit(
            _limit_points(f"{field}.points", self.points),
            validate_period(self.period, field=f"{field}.period"),
        )


@dataclass(frozen=True)
class Budget:
    total: int | None = None
    per_period: int | None = None
    period: Period | None = None

    def validated(self, field: str = "limits.budget") -> Budget:
        if self.total is None and self.per_period is None:
            raise InvalidInput(f"{field}: give total, perPeriod or both", field=field)
        total = None if self.total is None else _limit_points(f"{field}.total", self.total)
        if (self.per_period is None) != (self.period is None):
            raise InvalidInput(
                f"{field}: perPeriod and period go together", field=f"{field}.period"
            )
        per_period = period = None
        if self.per_period is not None and self.period is not None:
            per_period = _limit_points(f"{field}.perPeriod", self.per_period)
            period = validate_period(self.period, field=f"{field}.period", calendar_only=True)
            if total is not None and per_period > total:
                raise InvalidInput(
                    f"{field}.perPeriod ({per_period}) is more than the total ({total})",
                    field=f"{field}.perPeriod",
                )
        return Budget(total, per_period, period)


@dataclass(frozen=True)
class Limits:
    """What caps one rule or campaign (either part may be absent)."""

    per_member: MemberLimit | None = None
    budget: Budget | None = None

    def validated(self, field: str = "limits") -> Limits:
        return Limits(
            None if self.per_member is None else self.per_member.validated(f"{field}.perMember"),
            None if self.budget is None else self.budget.validated(f"{field}.budget"),
        )

    @property
    def is_empty(self) -> bool:
        return self.per_member is None and self.budget is None


class CapKind(StrEnum):
    MEMBER_PERIOD = "MEMBER_PERIOD"
    BUDGET_PERIOD = "BUDGET_PERIOD"
    BUDGET_TOTAL = "BUDGET_TOTAL"


@dataclass(frozen=True)
class CapState:
    kind: CapKind
    limit: int
    used: int
    label: str  # e.g. "200 points per member per day"

    @property
    def left(self) -> int:
        return max(0, self.limit - self.used)


@dataclass(frozen=True)
class Cut:
    requested: int
    points: int  # what may be awarded: min(requested, every cap's left)
    cap: CapState | None  # the tightest cap, when it cut the award
    reason: str | None
    caps: tuple[CapState, ...] = ()  # every cap looked at, with what it has left

    @property
    def was_cut(self) -> bool:
        return self.points < self.requested


def member_cap(limit: MemberLimit, used: int) -> CapState:
    return CapState(
        CapKind.MEMBER_PERIOD,
        limit.points,
        used,
        f"{limit.points} points per member per {limit.period}",
    )


def budget_caps(budget: Budget, *, used_in_period: int, used_in_total: int) -> list[CapState]:
    caps = []
    if budget.per_period is not None and budget.period is not None:
        caps.append(
            CapState(
                CapKind.BUDGET_PERIOD,
                budget.per_period,
                used_in_period,
                f"a budget of {budget.per_period} points per {budget.period}",
            )
        )
    if budget.total is not None:
        caps.append(
            CapState(
                CapKind.BUDGET_TOTAL,
                budget.total,
                used_in_total,
                f"a total budget of {budget.total} points",
            )
        )
    return caps


def cut_award(requested: int, caps: Iterable[CapState]) -> Cut:
    """`requested` cut to what the tightest cap has left (ties: the first cap given)."""
    if requested < 0:
        raise ValueError("an award is 0 points or more")
    tightest: CapState | None = None
    seen = tuple(caps)
    for cap in seen:
        if tightest is None or cap.left < tightest.left:
            tightest = cap
    if tightest is None or tightest.left >= requested:
        return Cut(requested, requested, None, None, seen)
    points = tightest.left
    verb = "reached" if points == 0 else f"leaves {points}"
    return Cut(
        requested,
        points,
        tightest,
        f"cut from {requested} to {points} points: {tightest.label} ({tightest.used} used, {verb})",
        seen,
    )


def give_back(consumed: int, *, refunded: Decimal, amount: Decimal, given_back: int = 0) -> int:
    """Budget points to give back now for a refund (see the module doc): the proportional share
    of `consumed` for the cumulative `refunded` out of `amount`, less what was given back."""
    if consumed < 0 or given_back < 0:
        raise ValueError("consumed and given_back are 0 or more")
    if amount <= 0:
        share = consumed if refunded > 0 else 0  # nothing to weigh by: a refund is whole
    else:
        part = min(max(refunded, Decimal(0)), amount)
        with decimal.localcontext() as ctx:
            ctx.prec = 80
            share = int(
                (Decimal(consumed) * part / amount).to_integral_value(rounding=decimal.ROUND_FLOOR)
            )
    return max(0, min(share, consumed) - given_back)
