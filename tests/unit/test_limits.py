"""Limits and budgets in the pure domain: periods on the program's calendar (DST days, week and
year boundaries), rolling days, cuts with their reason, proportional give-back on refunds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from loyalty.domain.errors import InvalidInput
from loyalty.domain.limits import (
    Budget,
    CapKind,
    Limits,
    MemberLimit,
    Period,
    PeriodUnit,
    budget_caps,
    cut_award,
    give_back,
    member_cap,
)

PARIS = ZoneInfo("Europe/Paris")
AUCKLAND = ZoneInfo("Pacific/Auckland")
DAY, WEEK, MONTH, YEAR = (Period(u) for u in list(PeriodUnit)[:4])


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_a_day_starts_at_local_midnight() -> None:
    at = utc(2026, 12, 3, 23, 30)  # 00:30 on December 4 in Paris
    assert DAY.key(at, PARIS) == "2026-12-04"
    assert DAY.key(at, ZoneInfo("UTC")) == "2026-12-03"
    start, end = DAY.bounds(at, PARIS)
    assert (start, end) == (utc(2026, 12, 3, 23), utc(2026, 12, 4, 23))
    assert DAY.key(utc(2026, 12, 3, 22, 59, 59), PARIS) == "2026-12-03"


def test_days_are_23_and_25_hours_long_on_dst_change_days() -> None:
    start, end = DAY.bounds(utc(2026, 3, 29, 12), PARIS)
    assert (start, end) == (utc(2026, 3, 28, 23), utc(2026, 3, 29, 22))
    assert end - start == timedelta(hours=23)
    start, end = DAY.bounds(utc(2026, 10, 25, 12), PARIS)
    assert (start, end) == (utc(2026, 10, 24, 22), utc(2026, 10, 25, 23))
    assert end - start == timedelta(hours=25)
    # Every instant of the long day has the one key.
    keys = {DAY.key(start + timedelta(minutes=m), PARIS) for m in range(0, 25 * 60, 30)}
    assert keys == {"2026-10-25"}


def test_weeks_run_monday_to_sunday_and_cross_years() -> None:
    sunday_night = utc(2026, 12, 6, 22, 59)  # Sunday 23:59 in Paris
    monday = utc(2026, 12, 6, 23)  # Monday 00:00 in Paris
    assert WEEK.key(sunday_night, PARIS) == "2026-W49"
    assert WEEK.key(monday, PARIS) == "2026-W50"
    assert WEEK.bounds(monday, PARIS) == (utc(2026, 12, 6, 23), utc(2026, 12, 13, 23))
    assert WEEK.key(utc(2027, 1, 1, 12), PARIS) == "2026-W53"  # ISO week of Thursday 31 Dec
    # A week across the spring change is 7 days less an hour.
    start, end = WEEK.bounds(utc(2026, 3, 25), PARIS)
    assert end - start == timedelta(days=7, hours=-1)


def test_months_and_years() -> None:
    assert MONTH.key(utc(2026, 12, 31, 23, 30), PARIS) == "2027-01"
    assert MONTH.bounds(utc(2026, 12, 15), PARIS) == (utc(2026, 11, 30, 23), utc(2026, 12, 31, 23))
    assert MONTH.bounds(utc(2028, 2, 10), ZoneInfo("UTC")) == (utc(2028, 2, 1), utc(2028, 3, 1))
    # New Year comes 13 hours earlier in Auckland (NZDT, UTC+13).
    assert YEAR.key(utc(2026, 12, 31, 11), AUCKLAND) == "2027"
    assert YEAR.key(utc(2026, 12, 31, 10, 59), AUCKLAND) == "2026"
    assert YEAR.bounds(utc(2027, 6, 1), AUCKLAND) == (utc(2026, 12, 31, 11), utc(2027, 12, 31, 11))


def test_rolling_days_move_with_the_award() -> None:
    seven = Period(PeriodUnit.ROLLING_DAYS, 7)
    at = utc(2026, 12, 3, 10, 15)
    assert seven.bounds(at, PARIS) == (utc(2026, 11, 26, 10, 15), at)
    with pytest.raises(ValueError):
        seven.key(at, PARIS)
    assert str(seven) == "7 rolling days"


def test_an_award_is_cut_to_what_the_tightest_cap_has_left() -> None:
    caps = [
        member_cap(MemberLimit(200, DAY), used=150),
        *budget_caps(
            Budget(total=1000, per_period=100, period=MONTH), used_in_period=70, used_in_total=940
        ),
    ]
    cut = cut_award(120, caps)
    assert (cut.points, cut.was_cut) == (30, True)
    assert cut.cap is not None and cut.cap.kind is CapKind.BUDGET_PERIOD
    assert (
        cut.reason
        == "cut from 120 to 30 points: a budget of 100 points per month (70 used, leaves 30)"
    )
    assert cut_award(30, caps).reason is None and cut_award(30, caps).points == 30


def test_a_reached_cap_awards_nothing_and_says_so() -> None:
    full = budget_caps(Budget(total=500), used_in_period=0, used_in_total=500)
    cut = cut_award(10, full)
    assert (cut.points, cut.requested) == (0, 10)
    assert cut.reason == "cut from 10 to 0 points: a total budget of 500 points (500 used, reached)"
    # Overspent (e.g. a limit lowered below what was used): still 0, never negative.
    assert cut_award(10, [member_cap(MemberLimit(5, WEEK), used=9)]).points == 0


def test_no_caps_and_ties() -> None:
    assert cut_award(10, []).points == 10
    a = member_cap(MemberLimit(50, DAY), used=40)
    b = budget_caps(Budget(total=20), used_in_period=0, used_in_total=10)[0]
    assert cut_award(15, [a, b]).cap == a  # both leave 10: the first given names the cut
    with pytest.raises(ValueError):
        cut_award(-1, [a])


def test_refunds_give_budget_back_proportionally_and_cumulatively() -> None:
    amount = Decimal("90.00")
    given = 0
    steps = []
    for refunded in (Decimal("30.00"), Decimal("60.00"), Decimal("90.00"), Decimal("90.00")):
        now = give_back(7, refunded=refunded, amount=amount, given_back=given)
        given += now
        steps.append(now)
    assert steps == [2, 2, 3, 0]  # floor(7/3)=2, floor(14/3)=4 (+2), 7 (+3), nothing twice
    assert given == 7
    assert give_back(100, refunded=Decimal("150"), amount=Decimal("100")) == 100  # never more
    assert give_back(100, refunded=Decimal("0.01"), amount=Decimal("100")) == 0
    assert give_back(100, refunded=Decimal("33.33"), amount=Decimal("100")) == 33
    assert give_back(10, refunded=Decimal("1"), amount=Decimal(0)) == 10  # no amount: whole
    assert give_back(10, refunded=Decimal("50"), amount=Decimal("100"), given_back=8) == 0


def test_limit_validation_names_the_field() -> None:
    def field_of(limits: Limits) -> str | None:
        with pytest.raises(InvalidInput) as err:
            limits.validated()
        return err.value.field

    assert field_of(Limits(per_member=MemberLimit(0, DAY))) == "limits.perMember.points"
    rolling0 = Period(PeriodUnit.ROLLING_DAYS, 0)
    assert field_of(Limits(per_member=MemberLimit(5, rolling0))) == "limits.perMember.period.days"
    assert field_of(Limits(per_member=MemberLimit(5, Period(PeriodUnit.DAY, 3)))) == (
        "limits.perMember.period.days"
    )
    assert field_of(Limits(budget=Budget())) == "limits.budget"
    assert field_of(Limits(budget=Budget(per_period=5))) == "limits.budget.period"
    assert field_of(Limits(budget=Budget(total=5, per_period=6, period=DAY))) == (
        "limits.budget.perPeriod"
    )
    rolling = Period(PeriodUnit.ROLLING_DAYS, 7)
    assert field_of(Limits(budget=Budget(per_period=5, period=rolling))) == "limits.budget.period"
    ok = Limits(
        MemberLimit(100, rolling), Budget(total=500, per_period=100, period=WEEK)
    ).validated()
    assert ok.per_member is not None and ok.per_member.period.days == 7
    assert not ok.is_empty and Limits().is_empty
