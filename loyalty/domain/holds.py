"""Held points (the return window): earned points that wait `holdDays` before they count.

A rule's `holdDays` overrides the program's; None on a rule means "the program's", 0 means no
hold (the default everywhere, so a program without holds behaves as one always did). An award
made with a hold is an EARN entry that moves nothing yet: no balance, no mint, not redeemable.
At `available_at` (posted time + holdDays x 24 hours) the activation job appends an ACTIVATE
entry with the points still held, and only then are they minted. A refund inside the window
cancels its proportional share of the held points (a REVERSE that moves nothing, so no chain
transaction at all); once every point is cancelled the hold is CANCELLED. What decides is the
hold's state, not the clock: a refund after available_at but before the job ran still cancels
(cheaper, and the points were never minted).

A campaign's extra follows the activity it adds to: it is held as long as the longest hold of
the rules the activity matched (the return window is the order's, not the campaign's).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from loyalty.domain.errors import InvalidInput

HOLD_DAYS_MAX = 365  # a return window longer than a year is a typo, not a policy


class HoldState(StrEnum):
    HELD = "HELD"  # waiting for available_at
    ACTIVE = "ACTIVE"  # activated: in the balance and minted
    CANCELLED = "CANCELLED"  # every point taken back by refunds inside the window


def check_hold_days(value: int | None, *, field: str = "holdDays", nullable: bool = True) -> None:
    """0 to HOLD_DAYS_MAX whole days (None only where the program's applies)."""
    if value is None and nullable:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= HOLD_DAYS_MAX:
        raise InvalidInput(
            f"{field} must be a whole number of days from 0 to {HOLD_DAYS_MAX}"
            + (" (null: the program's)" if nullable else ""),
            field=field,
        )


def effective_hold_days(rule_days: int | None, program_days: int) -> int:
    """The rule's hold when it has one, else the program's."""
    return program_days if rule_days is None else rule_days


def activity_hold_days(rule_days: Iterable[int | None], program_days: int) -> int:
    """The hold of an activity's campaign extras: the longest hold among the rules it matched
    (the program's when it matched none)."""
    days = [effective_hold_days(d, program_days) for d in rule_days]
    return max(days) if days else program_days


def available_at(posted: datetime, days: int) -> datetime:
    """When points posted at `posted` with a hold of `days` become available (days x 24 hours:
    the same instant whatever the program's time zone and its daylight saving changes)."""
    if posted.tzinfo is None:
        raise ValueError("available_at needs a timezone-aware datetime")
    return posted + timedelta(days=days)


def available_by(
    balance: int, needed: int, held: Iterable[tuple[int, datetime]]
) -> datetime | None:
    """When the balance plus the held points (points, available at) that have become available
    first reach `needed`; None when even all of them would not (or the balance already does:
    then nothing needs waiting for, and the caller has no reason to ask)."""
    if balance >= needed:
        return None
    total = balance
    for points, at in sorted(held, key=lambda h: h[1]):
        total += points
        if total >= needed:
            return at
    return None


def describe_hold(days: int) -> str:
    if days == 0:
        return "not held"
    return f"held {days} day{'s' if days != 1 else ''}"


@dataclass(frozen=True)
class Hold:
    """One held award: the EARN entry it belongs to, the points awarded, those still held."""

    entry_id: int
    points: int
    remaining: int
    available_at: datetime
    state: HoldState = HoldState.HELD

    def __post_init__(self) -> None:
        if not 0 <= self.remaining <= self.points:
            raise ValueError(f"remaining {self.remaining} is outside 0..{self.points}")

    def is_due(self, now: datetime) -> bool:
        """HELD and its window has passed (at available_at exactly, it is due)."""
        return self.state is HoldState.HELD and self.available_at <= now

    def cancel(self, points: int) -> Hold:
        """Takes `points` (a refund's share) out of the hold; all of them leaves it CANCELLED."""
        if self.state is not HoldState.HELD:
            raise InvalidInput(f"the hold of entry {self.entry_id} is {self.state.value}")
        if not 0 < points <= self.remaining:
            raise InvalidInput(
                f"cannot cancel {points} of the {self.remaining} points still held",
                field="amount",
            )
        left = self.remaining - points
        return replace(self, remaining=left, state=HoldState.CANCELLED if left == 0 else self.state)

    def activate(self, now: datetime) -> Hold:
        if not self.is_due(now):
            raise InvalidInput(
                f"the hold of entry {self.entry_id} is {self.state.value} until "
                f"{self.available_at.isoformat()}"
            )
        return replace(self, state=HoldState.ACTIVE)
