"""Points expiration on inactivity (Wix: `pointsExpiration {status monthsOfInactivity
expiringPointsPercentage}`).

Ours: a member is inactive once `monthsOfInactivity` calendar months have passed since their
last activity (any ledger entry but EXPIRE) or their last expiry, whichever is later; then
floor(balance * percentage / 100) points expire. Counting from the last expiry too means one
inactive period expires points once, and a member who stays inactive loses the percentage again
only after another full period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from loyalty.domain.errors import InvalidInput
from loyalty.domain.tiers import add_months

MONTHS_MAX = 120
REMINDER_DAYS_MAX = 365


class ExpirationStatus(StrEnum):
    ENABLED = "ENABLED"
    DISABLED = "DISABLED"


@dataclass(frozen=True)
class ExpirationPolicy:
    status: ExpirationStatus = ExpirationStatus.DISABLED
    months_of_inactivity: int = 12
    expiring_points_percentage: int = 100
    reminder_days: int | None = None  # a reminder this many days before (Wix: 14); None: none

    @property
    def enabled(self) -> bool:
        return self.status is ExpirationStatus.ENABLED


def validate_policy(policy: ExpirationPolicy) -> ExpirationPolicy:
    months = policy.months_of_inactivity
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MONTHS_MAX:
        raise InvalidInput(
            f"pointsExpiration.monthsOfInactivity must be a whole number from 1 to {MONTHS_MAX}",
            field="pointsExpiration.monthsOfInactivity",
        )
    pct = policy.expiring_points_percentage
    if isinstance(pct, bool) or not isinstance(pct, int) or not 1 <= pct <= 100:
        raise InvalidInput(
            "pointsExpiration.expiringPointsPercentage must be a whole number from 1 to 100",
            field="pointsExpiration.expiringPointsPercentage",
        )
    days = policy.reminder_days
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= REMINDER_DAYS_MAX
    ):
        raise InvalidInput(
            f"pointsExpiration.reminderDays must be a whole number from 1 to {REMINDER_DAYS_MAX} "
            "(null: no reminder)",
            field="pointsExpiration.reminderDays",
        )
    return ExpirationPolicy(ExpirationStatus(policy.status), months, pct, days)


@dataclass(frozen=True)
class MemberActivity:
    member_id: str
    balance: int
    last_activity: datetime | None  # latest ledger entry other than EXPIRE
    last_expiry: datetime | None  # latest EXPIRE entry


@dataclass(frozen=True)
class Expiration:
    member_id: str
    expiration_date: datetime
    expiring_points: int


def expiring_amount(balance: int, percentage: int) -> int:
    return max(balance, 0) * percentage // 100


def upcoming(
    policy: ExpirationPolicy, member: MemberActivity, *, resumed_at: datetime | None = None
) -> Expiration | None:
    """When the member's points will expire and how many, if nothing changes; None when
    expiry is off or nothing would expire. `resumed_at`: when the program was last activated
    after a pause; the inactivity period counts from then at the earliest, so a pause (when a
    member could not earn) never counts as their inactivity (loyalty.domain.lifecycle)."""
    if not policy.enabled or member.last_activity is None:
        return None
    amount = expiring_amount(member.balance, policy.expiring_points_percentage)
    if amount <= 0:
        return None
    start = member.last_activity
    for later in (member.last_expiry, resumed_at):
        if later is not None and later > start:
            start = later
    return Expiration(member.member_id, add_months(start, policy.months_of_inactivity), amount)


def due(
    policy: ExpirationPolicy,
    members: list[MemberActivity],
    *,
    now: datetime,
    resumed_at: datetime | None = None,
) -> list[Expiration]:
    """The expirations due at `now`, in member order."""
    result = []
    for member in members:
        exp = upcoming(policy, member, resumed_at=resumed_at)
        if exp is not None and exp.expiration_date <= now:
            result.append(exp)
    return result


def reminder_due(policy: ExpirationPolicy, expiration: Expiration, *, now: datetime) -> bool:
    """A points.expiring reminder is due from `reminderDays` days before the expiration until it
    happens (a job that runs late still reminds, a member already expired is not reminded)."""
    if policy.reminder_days is None:
        return False
    starts = expiration.expiration_date - timedelta(days=policy.reminder_days)
    return starts <= now < expiration.expiration_date


def reminders(
    policy: ExpirationPolicy,
    members: list[MemberActivity],
    *,
    now: datetime,
    resumed_at: datetime | None = None,
) -> list[Expiration]:
    """The upcoming expirations whose reminder is due at `now`, in member order."""
    result = []
    for member in members:
        exp = upcoming(policy, member, resumed_at=resumed_at)
        if exp is not None and reminder_due(policy, exp, now=now):
            result.append(exp)
    return result
