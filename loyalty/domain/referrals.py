"""The referral program (issue 15), as pure rules: its settings, members' codes, who may refer
whom (the fraud screen) and when a referral qualifies and is rewarded.

A referral goes PENDING → QUALIFIED → REWARDED, or is REJECTED with one typed reason:

    recorded (a code and a friend)   screen() → REJECTED(reason), or PENDING
    qualifies (the friend signs up, or pays a first order ≥ the minimum)   → QUALIFIED
    rewarded when `rewardDueAt` passes (at once without a hold)             → REWARDED
    the qualifying order refunded below the minimum before that            → REJECTED

Both sides' rewards are granted together, when the hold (if any) has passed: a friend who
returns the qualifying order inside the hold earns nobody anything. A rejected referral awards
nothing; its reason stays on it for admins.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from loyalty.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from loyalty.domain.revisions import check_revision
from loyalty.domain.values import POINTS_MAX

# Crockford's base32 without the letters read as digits (I, L, O, U): codes are read aloud and
# typed by hand, and matched case-insensitively.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10  # 50 bits: guessing one of a million members' codes takes ~2^30 tries
HOLD_DAYS_MAX = 365
LIMIT_MAX = 10_000
WEEK = timedelta(days=7)


class ProgramStatus(StrEnum):
    DRAFT = "DRAFT"  # being set up: nothing is recorded
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"  # new referrals refused; pending ones still qualify and are rewarded


class Trigger(StrEnum):
    SIGN_UP = "SIGN_UP"  # the friend's referral itself qualifies (they joined)
    FIRST_ORDER = "FIRST_ORDER"  # the friend's first paid order over the minimum


class Status(StrEnum):
    PENDING = "PENDING"
    QUALIFIED = "QUALIFIED"
    REWARDED = "REWARDED"
    REJECTED = "REJECTED"


class Reason(StrEnum):
    """Why a referral was rejected (the fraud limits)."""

    SELF_REFERRAL = "SELF_REFERRAL"  # the friend is the referring member
    SAME_EMAIL = "SAME_EMAIL"  # same e-mail after normalisation (case, dots, +tags)
    SAME_WALLET = "SAME_WALLET"  # the same linked wallet address
    FRIEND_NOT_NEW = "FRIEND_NOT_NEW"  # the friend had an order before the referral
    REFERRER_WEEKLY_LIMIT = "REFERRER_WEEKLY_LIMIT"  # too many from one referrer in 7 days
    IP_WEEKLY_LIMIT = "IP_WEEKLY_LIMIT"  # too many from one IP address in 7 days
    ORDER_REFUNDED = "ORDER_REFUNDED"  # the qualifying order refunded before the reward


@dataclass(frozen=True)
class Reward:
    """What one side receives: points, a reward of the rewards catalogue (its coupon, granted
    at no cost to the member), both, or nothing (0 and None)."""

    points: int = 0
    reward_id: str | None = None

    @property
    def gives(self) -> bool:
        return self.points > 0 or self.reward_id is not None


@dataclass(frozen=True)
class Limits:
    per_referrer_per_week: int | None = None  # None: no limit
    per_ip_per_week: int | None = None


@dataclass(frozen=True)
class Settings:
    revision: int = 1
    status: ProgramStatus = ProgramStatus.DRAFT
    referrer_reward: Reward = Reward()
    friend_reward: Reward = Reward()
    trigger: Trigger = Trigger.FIRST_ORDER
    minimum_amount: Decimal | None = None  # FIRST_ORDER: the order's amount at least this
    hold_days: int = 0  # days after qualifying before the rewards are granted
    limits: Limits = Limits()
    updated_at: datetime | None = None


@dataclass(frozen=True)
class SettingsChanges:
    """The fields an update sets; None leaves a field as it is (clear_minimum drops it)."""

    status: ProgramStatus | None = None
    referrer_points: int | None = None
    friend_points: int | None = None
    referrer_reward_id: str | None = None  # a catalogue reward (checked by the service)
    friend_reward_id: str | None = None
    clear_referrer_reward: bool = False  # the side gets no catalogue reward any more
    clear_friend_reward: bool = False
    trigger: Trigger | None = None
    minimum_amount: Decimal | None = None
    clear_minimum: bool = False
    hold_days: int | None = None
    per_referrer_per_week: int | None = None
    per_ip_per_week: int | None = None
    clear_limits: bool = False


def _points(field: str, value: int) -> int:
    if value < 0 or value > POINTS_MAX:
        raise InvalidInput(f"{field} must be 0 to {POINTS_MAX} points", field=field)
    return value


def _limit(field: str, value: int | None) -> int | None:
    if value is not None and not 1 <= value <= LIMIT_MAX:
        raise InvalidInput(f"{field} must be 1 to {LIMIT_MAX} (or null: no limit)", field=field)
    return value


def _side(
    field: str, current: Reward, points: int | None, reward_id: str | None, *, clear: bool
) -> Reward:
    if clear and reward_id is not None:
        raise InvalidInput(
            f"{field}: give rewardId or clear it, not both", field=f"{field}.rewardId"
        )
    if reward_id is not None and not reward_id.strip():
        raise InvalidInput(f"{field}.rewardId must be a reward id", field=f"{field}.rewardId")
    return Reward(
        current.points if points is None else _points(f"{field}.points", points),
        None if clear else (reward_id or current.reward_id),
    )


def updated_settings(
    current: Settings, changes: SettingsChanges, *, revision: int, now: datetime
) -> Settings:
    """The settings after `changes`, validated; InvalidInput names the field, RevisionMismatch
    when `revision` is not the current one."""
    check_revision("the referral program settings", current.revision, revision, plural=True)
    referrer = _side(
        "referrerReward",
        current.referrer_reward,
        changes.referrer_points,
        changes.referrer_reward_id,
        clear=changes.clear_referrer_reward,
    )
    friend = _side(
        "friendReward",
        current.friend_reward,
        changes.friend_points,
        changes.friend_reward_id,
        clear=changes.clear_friend_reward,
    )
    minimum = None if changes.clear_minimum else current.minimum_amount
    if changes.minimum_amount is not None:
        if changes.minimum_amount < 0 or changes.minimum_amount > Decimal("1e12"):
            raise InvalidInput(
                "minimumAmount must be from 0 to 10^12", field="qualification.minimumAmount"
            )
        minimum = changes.minimum_amount
    hold = current.hold_days if changes.hold_days is None else changes.hold_days
    if not 0 <= hold <= HOLD_DAYS_MAX:
        raise InvalidInput(f"holdDays must be 0 to {HOLD_DAYS_MAX}", field="holdDays")
    limits = Limits() if changes.clear_limits else current.limits
    if changes.per_referrer_per_week is not None:
        limits = replace(
            limits,
            per_referrer_per_week=_limit(
                "limits.perReferrerPerWeek", changes.per_referrer_per_week
            ),
        )
    if changes.per_ip_per_week is not None:
        limits = replace(
            limits, per_ip_per_week=_limit("limits.perIpPerWeek", changes.per_ip_per_week)
        )
    status = changes.status or current.status
    if status is ProgramStatus.DRAFT and current.status is not ProgramStatus.DRAFT:
        raise InvalidInput(
            "a referral program that has run cannot go back to DRAFT: pause it", field="status"
        )
    settings = Settings(
        revision=current.revision + 1,
        status=status,
        referrer_reward=referrer,
        friend_reward=friend,
        trigger=changes.trigger or current.trigger,
        minimum_amount=minimum,
        hold_days=hold,
        limits=limits,
        updated_at=now,
    )
    if settings.status is ProgramStatus.ACTIVE and not (
        settings.referrer_reward.gives or settings.friend_reward.gives
    ):
        raise InvalidInput(
            "an ACTIVE referral program rewards someone: set referrerReward or friendReward",
            field="status",
        )
    return settings


# --- codes --------------------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


# Base32 spends 5 bits a character like the code's alphabet: one translation maps one onto the
# other, so a code is 10 characters of one 10-byte draw (16 uniform characters, 6 unused).
_FROM_BASE32 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", CODE_ALPHABET)


def new_codes(n: int) -> list[str]:
    """`n` codes as new_code draws them, a million in about a second rather than a minute (an
    import gives every member one)."""
    drawn = base64.b32encode(secrets.token_bytes(10 * n)).decode().translate(_FROM_BASE32)
    return [drawn[i : i + CODE_LENGTH] for i in range(0, 16 * n, 16)]


_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})


def normalise_code(raw: str) -> str | None:
    """The code as stored (upper case, look-alike letters read as Crockford does, dashes and
    spaces dropped), or None when it cannot be a code at all."""
    if len(raw) > 64:
        return None
    code = raw.strip().upper().replace("-", "").replace(" ", "").translate(_READ_AS)
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


# --- the fraud screen ----------------------------------------------------------------------------

# Mail providers that ignore dots in the local part (the same mailbox).
_DOTLESS = frozenset({"gmail.com", "googlemail.com"})


def normalise_email(email: str | None) -> str | None:
    """The mailbox an address reaches: lower case, the +tag dropped, and dots dropped where the
    provider ignores them. A blank or malformed address is None (nothing to compare)."""
    if not email:
        return None
    local, at, domain = email.strip().lower().rpartition("@")
    if not at or not local or not domain:
        return None
    local = local.split("+", 1)[0]
    if domain == "googlemail.com":
        domain = "gmail.com"
    if domain in _DOTLESS:
        local = local.replace(".", "")
    return f"{local}@{domain}" if local else None


@dataclass(frozen=True)
class Candidate:
    """What is known about a referral when it is recorded."""

    referrer_pk: int
    friend_pk: int
    referrer_email: str | None
    friend_email: str | None
    referrer_wallet: str | None
    friend_wallet: str | None
    friend_had_order: bool
    referrer_this_week: int  # the referrer's referrals (not rejected) in the last 7 days
    ip_this_week: int | None  # the same for the sender's IP; None: no IP given


def screen(c: Candidate, limits: Limits) -> Reason | None:
    """The first fraud limit the referral breaks, in this order, or None when it passes."""
    if c.referrer_pk == c.friend_pk:
        return Reason.SELF_REFERRAL
    referrer_mail, friend_mail = normalise_email(c.referrer_email), normalise_email(c.friend_email)
    if referrer_mail is not None and referrer_mail == friend_mail:
        return Reason.SAME_EMAIL
    if (
        c.referrer_wallet
        and c.friend_wallet
        and c.referrer_wallet.lower() == c.friend_wallet.lower()
    ):
        return Reason.SAME_WALLET
    if c.friend_had_order:
        return Reason.FRIEND_NOT_NEW
    if limits.per_referrer_per_week is not None and (
        c.referrer_this_week >= limits.per_referrer_per_week
    ):
        return Reason.REFERRER_WEEKLY_LIMIT
    if (
        limits.per_ip_per_week is not None
        and c.ip_this_week is not None
        and c.ip_this_week >= limits.per_ip_per_week
    ):
        return Reason.IP_WEEKLY_LIMIT
    return None


# --- qualification --------------------------------------------------------------------------------


def qualifies(settings: Settings, *, order_amount: Decimal | None, has_order: bool) -> bool:
    """Whether an activity of the friend qualifies their pending referral."""
    if settings.trigger is Trigger.SIGN_UP:
        return True
    if not has_order or order_amount is None:
        return False
    return settings.minimum_amount is None or order_amount >= settings.minimum_amount


def reward_due(settings: Settings, qualified_at: datetime) -> datetime:
    return qualified_at + timedelta(days=settings.hold_days)


def refund_rejects(settings: Settings, *, amount: Decimal, refunded: Decimal) -> bool:
    """Whether a refund of the qualifying order (before the reward) voids the referral: when
    what is left of the order no longer qualifies (below the minimum, or nothing left)."""
    left = amount - refunded
    if left <= 0:
        return True
    return settings.minimum_amount is not None and left < settings.minimum_amount


# --- failures --------------------------------------------------------------------------------


class UnknownCode(NotFound):
    """No member has this referral code (or it was regenerated since)."""

    code = "REFERRAL_CODE_UNKNOWN"


class AlreadyReferred(Conflict):
    """The friend was referred before, by another member (a friend is referred once)."""

    code = "ALREADY_REFERRED"


class RewardUnknown(NotFound):
    """The referral program names a reward the catalogue does not have (or deleted)."""

    code = "REFERRAL_REWARD_UNKNOWN"


class RewardInactive(DomainError):
    """The referral program names an inactive reward, or one with no base config (which
    members of every tier could be granted)."""

    code = "REFERRAL_REWARD_INACTIVE"


class ProgramNotActive(DomainError):
    """The referral program is not ACTIVE: no new referral is recorded."""

    code = "REFERRAL_PROGRAM_NOT_ACTIVE"
