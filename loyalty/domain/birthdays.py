"""Birthdays (issue 15, item 5), as pure rules: a member's birthday on their contact, the day it
is celebrated in a given year, and the key that makes its award once per member and year.

The award is an ordinary activity (`members/Birthday` of the `members` app) that earning rules
match with a fixed amount; the daily job (loyalty.services.birthdays) sends it on the day, in
the program's time zone, under `birthday:<member>:<year>` as both its idempotency key and its
business key: a second run the same day, or after a restart, finds it done.
"""

from __future__ import annotations

import calendar
from datetime import date

from loyalty.domain.errors import InvalidInput

MEMBERS_APP_ID = "members"
BIRTHDAY = "members/Birthday"
EARLIEST_YEAR = 1900


def check_birthday(value: date, *, today: date) -> date:
    if not value.year >= EARLIEST_YEAR or value > today:
        raise InvalidInput(
            f"birthday must be a date from {EARLIEST_YEAR} to today", field="birthday"
        )
    return value


def celebrated_on(birthday: date, year: int) -> date:
    """The day of `year` a birthday is celebrated: 29 February is 28 February in other years."""
    if birthday.month == 2 and birthday.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, birthday.month, birthday.day)


def birthdays_on(day: date) -> list[tuple[int, int]]:
    """The (month, day) birthdays celebrated on `day`."""
    found = [(day.month, day.day)]
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        found.append((2, 29))
    return found


def award_key(member_id: str, year: int) -> str:
    return f"birthday:{member_id}:{year}"
