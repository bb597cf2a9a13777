"""Birthdays' pure rules (loyalty.domain.birthdays): the day celebrated each year (29 February
on the 28th in other years), the birthdays of a day, the once-a-year key, and validation."""

from __future__ import annotations

from datetime import date

import pytest

from loyalty.domain.birthdays import award_key, birthdays_on, celebrated_on, check_birthday
from loyalty.domain.errors import InvalidInput


def test_the_day_celebrated_and_the_birthdays_of_a_day() -> None:
    assert celebrated_on(date(1990, 6, 15), 2027) == date(2027, 6, 15)
    assert celebrated_on(date(2000, 2, 29), 2027) == date(2027, 2, 28)
    assert celebrated_on(date(2000, 2, 29), 2028) == date(2028, 2, 29)
    assert birthdays_on(date(2027, 2, 28)) == [(2, 28), (2, 29)]
    assert birthdays_on(date(2028, 2, 28)) == [(2, 28)]  # the 29th comes the next day
    assert birthdays_on(date(2028, 2, 29)) == [(2, 29)]
    for day in (date(2027, 1, 1), date(2027, 12, 31), date(2027, 3, 1)):
        assert birthdays_on(day) == [(day.month, day.day)]


def test_one_key_per_member_and_year_and_dates_that_can_be_birthdays() -> None:
    assert award_key("ann", 2026) == "birthday:ann:2026" != award_key("ann", 2027)
    today = date(2026, 6, 15)
    assert check_birthday(today, today=today) == today
    assert check_birthday(date(1900, 1, 1), today=today) == date(1900, 1, 1)
    for bad in (date(2026, 6, 16), date(1899, 12, 31)):
        with pytest.raises(InvalidInput) as raised:
            check_birthday(bad, today=today)
        assert raised.value.field == "birthday"
