"""The tier program: its status (Wix: a tier program can be paused or turned off) and how members
move down (Talon.One's downgrade policies), pure.

Status:
- ACTIVE: members earn and redeem at their tier's rates.
- PAUSED: tiers are still computed and shown (members keep their progress), but everyone earns
  and redeems at the base tier's rates, and no "will downgrade" notice is sent.
- DISABLED: as PAUSED, and `account.tier` shows the base tier for everyone; the stored tiers are
  still kept up to date, so enabling the program again restores them at once.

Downgrade policies. A member's *window points* are their tier points in the rolling window
(loyalty.domain.tiers); the tier those points reach is their *earned* tier. An upgrade (earned
above the current tier) is immediate under every policy and starts a new *tier period* of
`tiersRollingWindowMonths` months. What differs is what happens when the earned tier falls below
the current one:
- ROLLING_WINDOW (the default, and what the program did before): the member drops at once to the
  earned tier.
- ONE_DOWN: the member keeps the tier until its period ends; then, if the window points still do
  not reach it, they go down exactly one tier (never more at once), and a new period starts for
  that tier. Refunds inside the period do not move them down.
- BALANCE_BASED: the member keeps the tier until its period ends; then they get the tier their
  current balance (points on hand) reaches, never below the earned tier and never above the
  current one, and a new period starts.

A "will downgrade" notice goes out `downgradeNoticeDays` days before a projected downgrade (the
moment, and the tier, that `projected_downgrade` works out if nothing else happens).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from loyalty.domain.errors import InvalidInput
from loyalty.domain.tiers import TIER_TYPES, Movement, Tier, add_months, tier_for, tier_points

NOTICE_DAYS_MAX = 365


class TierProgramStatus(StrEnum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    DISABLED = "DISABLED"


class DowngradePolicy(StrEnum):
    ROLLING_WINDOW = "ROLLING_WINDOW"
    ONE_DOWN = "ONE_DOWN"
    BALANCE_BASED = "BALANCE_BASED"


@dataclass(frozen=True)
class TierProgram:
    status: TierProgramStatus = TierProgramStatus.ACTIVE
    downgrade_policy: DowngradePolicy = DowngradePolicy.ROLLING_WINDOW
    downgrade_notice_days: int | None = None  # None: no "will downgrade" notice

    @property
    def active(self) -> bool:
        return self.status is TierProgramStatus.ACTIVE


def validate_notice_days(days: int | None) -> int | None:
    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= NOTICE_DAYS_MAX:
        raise InvalidInput(
            f"downgradeNoticeDays must be a whole number from 1 to {NOTICE_DAYS_MAX} (null: none)",
            field="downgradeNoticeDays",
        )
    return days


def earning_tier_id(program: TierProgram, tier_id: str | None) -> str | None:
    """The tier whose rates apply to earning and redeeming: the base tier unless ACTIVE."""
    return tier_id if program.active else None


def _rank(tier: Tier | None) -> int:
    return -1 if tier is None else tier.required_points


def rate_tier(
    program: TierProgram, tiers: Sequence[Tier], *, computed: Tier | None, stored_id: str | None
) -> str | None:
    """The tier whose rates apply to an activity or a redemption: the tier the window points
    reach or, under ONE_DOWN and BALANCE_BASED, the stored tier when higher (kept through its
    period); the base tier (None) unless the tier program is ACTIVE."""
    tier = computed
    if program.downgrade_policy is not DowngradePolicy.ROLLING_WINDOW:
        stored = next((t for t in tiers if t.id == stored_id), None)
        if _rank(stored) > _rank(tier):
            tier = stored
    return earning_tier_id(program, tier.id if tier else None)


def one_below(tiers: Sequence[Tier], tier: Tier) -> Tier | None:
    """The tier just below `tier` (None: the base tier)."""
    lower = [t for t in tiers if t.required_points < tier.required_points]
    return max(lower, key=lambda t: t.required_points) if lower else None


@dataclass(frozen=True)
class Settled:
    tier: Tier | None
    since: datetime | None  # when its period started (None for the base tier)


def settle(
    policy: DowngradePolicy,
    tiers: Sequence[Tier],
    *,
    current: Tier | None,
    since: datetime | None,
    points: int,
    balance: int,
    now: datetime,
    months: int,
) -> Settled:
    """The member's tier after a recompute at `now` (see the module's docstring). `current` and
    `since` are the stored tier and the start of its period; `points` the window points."""
    earned = tier_for(tiers, points)
    if _rank(earned) > _rank(current):
        return Settled(earned, now)
    if current is None:
        return Settled(None, None)
    if _rank(earned) == _rank(current):
        return Settled(current, since or now)
    if policy is DowngradePolicy.ROLLING_WINDOW:
        return Settled(earned, None if earned is None else now)
    start = since or now
    if now < add_months(start, months):
        return Settled(current, start)  # inside its period: kept
    if policy is DowngradePolicy.ONE_DOWN:
        target = one_below(tiers, current)
    else:
        by_balance = tier_for(tiers, balance)
        target = current if _rank(by_balance) >= _rank(current) else by_balance
        if _rank(target) < _rank(earned):
            target = earned
    return Settled(target, None if target is None else now)


def next_check(
    policy: DowngradePolicy,
    settled: Settled,
    movements: Sequence[Movement],
    *,
    now: datetime,
    months: int,
) -> datetime | None:
    """When the periodic roll must look at the member again without any new entry: when window
    points next leave the window (ROLLING_WINDOW), or when the tier's period ends."""
    if policy is DowngradePolicy.ROLLING_WINDOW:
        since = add_months(now, -months)
        inside = [m.at for m in movements if m.at > since and m.type in TIER_TYPES and m.points > 0]
        return add_months(min(inside), months) if inside else None
    if settled.tier is None or settled.since is None:
        return None
    return add_months(settled.since, months)


@dataclass(frozen=True)
class Downgrade:
    at: datetime
    to: Tier | None


def _points_at(movements: Sequence[Movement], at: datetime, months: int) -> int:
    return tier_points([m for m in movements if m.at <= at], since=add_months(at, -months))


def projected_downgrade(
    policy: DowngradePolicy,
    tiers: Sequence[Tier],
    settled: Settled,
    movements: Sequence[Movement],
    *,
    balance: int,
    now: datetime,
    months: int,
) -> Downgrade | None:
    """When the member will move down, and to which tier, if nothing else is posted: the first
    moment window points leave it below the tier (ROLLING_WINDOW), or the end of the tier's period
    if the policy would move them down then; None when no downgrade is in sight."""
    current = settled.tier
    if current is None:
        return None
    if policy is DowngradePolicy.ROLLING_WINDOW:
        exits = sorted({add_months(m.at, months) for m in movements if m.type in TIER_TYPES})
        for at in exits:
            if at <= now:
                continue
            earned = tier_for(tiers, _points_at(movements, at, months))
            if _rank(earned) < _rank(current):
                return Downgrade(at, earned)
        return None
    if settled.since is None:
        return None
    end = add_months(settled.since, months)
    after = settle(
        policy,
        tiers,
        current=current,
        since=settled.since,
        points=_points_at(movements, end, months),
        balance=balance,
        now=end,
        months=months,
    )
    return Downgrade(end, after.tier) if _rank(after.tier) < _rank(current) else None


def notice_at(program: TierProgram, downgrade: Downgrade | None) -> datetime | None:
    """When the "will downgrade" notice is due (None: none to send)."""
    if downgrade is None or program.downgrade_notice_days is None or not program.active:
        return None
    return downgrade.at - timedelta(days=program.downgrade_notice_days)
