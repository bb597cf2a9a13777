"""Campaign values: statuses, the window (and how it is read in a time zone), conditions,
effects, the campaign itself and what create and update take. See loyalty.domain.campaigns."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from loyalty.domain.errors import InvalidInput
from loyalty.domain.rules import plain_decimal

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class CampaignStatus(StrEnum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    ENDED = "ENDED"


class Combination(StrEnum):
    STACK = "STACK"
    BEST = "BEST"
    EXCLUSIVE = "EXCLUSIVE"


class EffectKind(StrEnum):
    MULTIPLIER = "MULTIPLIER"
    BONUS_POINTS = "BONUS_POINTS"
    CONVERSION_RATE = "CONVERSION_RATE"


def time_zone(name: str, *, field: str = "timeZone") -> ZoneInfo:
    """The IANA zone `name` (e.g. "Europe/Paris"); anything else is a VALIDATION error."""
    text = name.strip() if isinstance(name, str) else ""
    if not text or len(text) > 64 or not text.isprintable() or text.startswith(("/", ".")):
        raise InvalidInput(
            f'{field} must be an IANA time zone name such as "Europe/Paris"', field=field
        )
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput(
            f'{field} {text!r} is not an IANA time zone name (such as "Europe/Paris" or "UTC")',
            field=field,
        ) from None


def parse_clock(field: str, text: str) -> time:
    """A wall-clock time "HH:MM" (00:00 to 23:59)."""
    value = text.strip() if isinstance(text, str) else ""
    hh, sep, mm = value.partition(":")
    if (
        sep != ":"
        or len(hh) != 2
        or len(mm) != 2
        or not (hh.isdigit() and mm.isdigit() and hh.isascii() and mm.isascii())
        or int(hh) > 23
        or int(mm) > 59
    ):
        raise InvalidInput(
            f'{field} must be a wall-clock time "HH:MM" such as "18:00"', field=field
        )
    return time(int(hh), int(mm))


@dataclass(frozen=True)
class DailyHours:
    """[start, end) on the wall clock; end <= start crosses midnight (22:00-02:00)."""

    start: time
    end: time

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class Window:
    starts_at: datetime
    ends_at: datetime | None = None
    days_of_week: frozenset[int] | None = None  # ISO weekdays 1..7; None: every day
    hours: DailyHours | None = None  # None: all day

    def closed_reason(self, at: datetime, zone: ZoneInfo) -> str | None:
        """None when `at` (an aware instant) is inside the window, else why it is not."""
        if at < self.starts_at:
            return f"the campaign starts at {self.starts_at.isoformat()}"
        if self.ends_at is not None and at >= self.ends_at:
            return f"the campaign ended at {self.ends_at.isoformat()}"
        local = at.astimezone(zone)
        clock = local.time().replace(tzinfo=None)
        day = local.date()
        if self.hours is not None:
            hours = self.hours
            if hours.crosses_midnight:
                if clock >= hours.start:
                    pass  # the evening part: today's period
                elif clock < hours.end:
                    day = day - timedelta(days=1)  # the morning part of yesterday's period
                else:
                    return self._hours_reason(local, zone)
            elif not hours.start <= clock < hours.end:
                return self._hours_reason(local, zone)
        if self.days_of_week is not None and day.isoweekday() not in self.days_of_week:
            days = ", ".join(DAY_NAMES[d - 1] for d in sorted(self.days_of_week))
            today = DAY_NAMES[day.isoweekday() - 1]
            return f"it is {today} in {zone.key}; the campaign runs on {days}"
        return None

    def _hours_reason(self, local: datetime, zone: ZoneInfo) -> str:
        return f"it is {local:%H:%M} in {zone.key}; the campaign runs {self.hours} only"


@dataclass(frozen=True)
class Conditions:
    activity_types: frozenset[str] = frozenset()  # empty: any
    trigger_app_ids: frozenset[str] = frozenset()  # empty: any
    tier_ids: frozenset[str] = frozenset()  # empty: any member (base tier included)
    minimum_amount: Decimal | None = None


@dataclass(frozen=True)
class Effect:
    kind: EffectKind
    multiplier: Decimal | None = None
    bonus_points: int | None = None
    money_amount: Decimal | None = None  # CONVERSION_RATE: spend this much...
    points: int | None = None  # ...to earn this many points

    @staticmethod
    def from_parts(
        *,
        multiplier: Decimal | None = None,
        bonus_points: int | None = None,
        money_amount: Decimal | None = None,
        points: int | None = None,
        rate_given: bool = False,
    ) -> Effect:
        """The effect of an input that may give several parts (refused by validate_effect)."""
        rate = rate_given or money_amount is not None or points is not None
        kinds = [
            k
            for k, given in (
                (EffectKind.MULTIPLIER, multiplier is not None),
                (EffectKind.BONUS_POINTS, bonus_points is not None),
                (EffectKind.CONVERSION_RATE, rate),
            )
            if given
        ]
        if len(kinds) != 1:
            raise InvalidInput(
                "effect: give exactly one of multiplier, bonusPoints or conversionRate",
                field="effect",
            )
        return Effect(kinds[0], multiplier, bonus_points, money_amount, points)

    @staticmethod
    def times(multiplier: Decimal) -> Effect:
        return Effect(EffectKind.MULTIPLIER, multiplier=multiplier)

    @staticmethod
    def bonus(points: int) -> Effect:
        return Effect(EffectKind.BONUS_POINTS, bonus_points=points)

    @staticmethod
    def rate(money_amount: Decimal, points: int) -> Effect:
        return Effect(EffectKind.CONVERSION_RATE, money_amount=money_amount, points=points)

    def __str__(self) -> str:
        if self.kind is EffectKind.MULTIPLIER:
            return f"x{format(plain_decimal(self.multiplier or Decimal(1)), 'f')}"
        if self.kind is EffectKind.BONUS_POINTS:
            return f"+{self.bonus_points} points"
        money = plain_decimal(self.money_amount or Decimal(1))
        return f"{self.points} points per {format(money, 'f')}"


@dataclass(frozen=True)
class Campaign:
    id: str
    revision: int
    title: str
    description: str | None
    status: CampaignStatus
    window: Window
    conditions: Conditions
    effect: Effect
    combination: Combination
    priority: int
    created_date: datetime
    updated_date: datetime


@dataclass(frozen=True)
class CampaignInput:
    title: str
    window: Window
    effect: Effect
    conditions: Conditions = Conditions()
    status: CampaignStatus = CampaignStatus.DRAFT
    combination: Combination = Combination.STACK
    priority: int = 0
    description: str | None = None


@dataclass(frozen=True)
class CampaignChanges:
    """A partial update: None leaves a field as it is (window, conditions and effect are
    replaced whole when given)."""

    title: str | None = None
    description: str | None = None
    status: CampaignStatus | None = None
    window: Window | None = None
    conditions: Conditions | None = None
    effect: Effect | None = None
    combination: Combination | None = None
    priority: int | None = None

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in dataclasses.fields(self))
