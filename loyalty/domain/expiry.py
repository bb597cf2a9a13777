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
from datetime import datetime
from enum import StrEnum

from loyalty.domain.errors import InvalidInput
from loyalty.domain.tiers import add_months

MONTHS_MAX = 120


class ExpirationStatus(StrEnum):
    ENABLED = "ENABLED"
    DISABLED = "DISABLED"


@dataclass(frozen=True)
class ExpirationPolicy:
    status: ExpirationStatus = ExpirationStatus.DISABLED
    months_of_inactivity: int = 12
    expiring_points_percentage: int = 100

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
    return ExpirationPolicy(ExpirationStatus(policy.status), months, pct)


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
