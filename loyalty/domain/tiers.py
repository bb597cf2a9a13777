"""Tiers (Wix Loyalty shapes) and the tier a member reaches.

A member's tier is the highest whose `requiredPoints` ≤ the member's tier points: points earned
+ adjusted - reversed within a rolling window of months (a program setting). Below every tier
(or with no tiers) a member is in the base tier, shown as no tier (tierId null).
"""

from __future__ import annotations

import calendar
import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from loyalty.domain import values
from loyalty.domain.errors import InvalidInput
from loyalty.domain.revisions import check_revision as _check_revision

NAME_MAX = 50
DESCRIPTION_MAX = 500
REQUIRED_POINTS_MAX = values.POINTS_MAX
WINDOW_MONTHS_MAX = 120
DEFAULT_WINDOW_MONTHS = 12

# Ledger entry types that make tier progress (their points are signed: EARN +, ADJUST ±,
# REVERSE -). REDEEM and EXPIRE spend points a member has earned and do not undo progress; a
# REVERSE (order refunded) does, for the whole amount asked, even where the member had already
# spent the points.
TIER_TYPES = frozenset({"EARN", "ADJUST", "REVERSE"})


@dataclass(frozen=True)
class Tier:
    id: str
    name: str
    description: str | None
    required_points: int
    revision: int
    created_date: datetime
    updated_date: datetime


@dataclass(frozen=True)
class TierInput:
    name: str
    required_points: int
    description: str | None = None


@dataclass(frozen=True)
class TierChanges:
    name: str | None = None
    description: str | None = None
    required_points: int | None = None

    @property
    def is_empty(self) -> bool:
        return self.name is None and self.description is None and self.required_points is None


def _name(value: str) -> str:
    text = value.strip()
    if not 1 <= len(text) <= NAME_MAX or any(ord(ch) < 32 for ch in text):
        raise InvalidInput(
            f"name must be 1 to {NAME_MAX} characters without control characters", field="name"
        )
    return text


def _description(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if len(text) > DESCRIPTION_MAX:
        raise InvalidInput(
            f"description is {len(text)} characters long; at most {DESCRIPTION_MAX} are allowed",
            field="description",
        )
    return text or None


def _required_points(value: int) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 0 <= value <= REQUIRED_POINTS_MAX
    ):
        raise InvalidInput(
            f"requiredPoints must be a whole number from 0 to {REQUIRED_POINTS_MAX:,}",
            field="requiredPoints",
        )
    return value


def new_tier(data: TierInput, *, tier_id: str, now: datetime) -> Tier:
    return Tier(
        id=tier_id,
        name=_name(data.name),
        description=_description(data.description),
        required_points=_required_points(data.required_points),
        revision=1,
        created_date=now,
        updated_date=now,
    )


def check_revision(tier: Tier, revision: int) -> None:
    _check_revision(f"tier {tier.id}", tier.revision, revision)


def updated_tier(tier: Tier, changes: TierChanges, *, revision: int, now: datetime) -> Tier:
    check_revision(tier, revision)
    if changes.is_empty:
        raise InvalidInput("nothing to update: give at least one field to change")
    return dataclasses.replace(
        tier,
        name=tier.name if changes.name is None else _name(changes.name),
        description=(
            tier.description if changes.description is None else _description(changes.description)
        ),
        required_points=(
            tier.required_points
            if changes.required_points is None
            else _required_points(changes.required_points)
        ),
        revision=tier.revision + 1,
        updated_date=now,
    )


def tier_for(tiers: Iterable[Tier], points: int) -> Tier | None:
    """The highest tier whose threshold ≤ points; None is the base tier."""
    best: Tier | None = None
    for tier in tiers:
        if tier.required_points <= points and (
            best is None or tier.required_points > best.required_points
        ):
            best = tier
    return best


def validate_window(months: int) -> int:
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 120:
        raise InvalidInput(
            f"tiersRollingWindowMonths must be a whole number from 1 to {WINDOW_MONTHS_MAX}",
            field="tiersRollingWindowMonths",
        )
    return months


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar months later (or earlier, when negative); the day is clamped to the month's
    last day, so 31 March - 1 month is 28/29 February."""
    index = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def window_start(now: datetime, months: int) -> datetime:
    return add_months(now, -months)


@dataclass(frozen=True)
class Movement:
    """One ledger entry as tier arithmetic sees it: its type, signed points as asked, and when
    it was posted."""

    type: str
    points: int
    at: datetime


def tier_points(movements: Iterable[Movement], *, since: datetime) -> int:
    """Earned + adjusted - reversed after `since` (a point earned exactly one window ago has
    just left it); never below 0."""
    total = 0
    for m in movements:
        if m.at > since and m.type in TIER_TYPES:
            total += m.points
    return max(total, 0)


def next_drop(movements: Sequence[Movement], *, now: datetime, months: int) -> datetime | None:
    """When the oldest positive movement still in the window leaves it (the next moment the
    tier may fall without any new activity); None if nothing will leave."""
    since = window_start(now, months)
    inside = [m.at for m in movements if m.at > since and m.type in TIER_TYPES and m.points > 0]
    return add_months(min(inside), months) if inside else None


@dataclass(frozen=True)
class MemberTier:
    """A member's tier as just recomputed, and the one stored before."""

    member_pk: int
    tier_id: str | None
    tier_points: int
    previous_tier_id: str | None
    next_check_at: datetime | None

    @property
    def changed(self) -> bool:
        return self.tier_id != self.previous_tier_id


@dataclass
class KnownTierState:
    """What a tier recompute would read about a member, read already (under the member's lock)
    by a caller that posts several things in one transaction (loyalty.services.activities): the
    member's tier movements since some moment at or before the window start, and the stored
    tier. Kept on the unit of work; each posted entry is appended to it and the recompute
    stores the new tier here, so it stays what a fresh read would return."""

    movements: list[Movement]
    stored_tier_id: str | None
    tiers: Sequence[Tier]
    months: int
    tier_since: datetime | None = None  # when the stored tier's period started
