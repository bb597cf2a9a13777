"""Campaigns: time-boxed extras on top of the earning rules ("double points this weekend",
"+50 points on orders over 100 between 18:00 and 22:00"). Pure: standard library only.

A campaign has
- a status: DRAFT (being prepared), ACTIVE, PAUSED, ENDED (final; never active again);
- a window: `startsAt` (inclusive) to `endsAt` (exclusive, optional) as instants, and optionally
  `daysOfWeek` (ISO 1 = Monday ... 7 = Sunday) and daily `hours` (start inclusive, end exclusive)
  read on the wall clock of the program's time zone (IANA name, zoneinfo). Hours whose end is
  not after their start cross midnight (22:00-02:00) and belong to the day they START on: a
  Friday 22:00-02:00 campaign is open on Saturday at 01:00, not on Friday at 01:00. Wall-clock
  rules make daylight saving time plain: on the day clocks go forward the skipped hour simply
  does not occur (18:00-22:00 is still 18:00-22:00), on the day they go back a repeated hour is
  in the window both times;
- conditions, all of which must hold: activity types and trigger apps (empty: any), tiers
  (empty: any member, the base tier included), a minimum amount (the activity's amount in the
  program's currency, at least this; an activity without an amount does not qualify);
- one effect, turned into the EXTRA points it adds to what the matching rules award (R, the sum
  of the rules' awards for the activity):
    MULTIPLIER m  -> floor(R * m) - R          (x2 on 35 points adds 35; x1.5 on 35 adds 17)
    BONUS_POINTS b -> b                          (fixed points per qualifying activity)
    CONVERSION_RATE (moneyAmount, points) -> max(0, floor(amount / moneyAmount * points) - R):
        the campaign's rate in place of the rules' while it gives more ("3 points per 1 this
        weekend" means 3 per 1 in all, not 3 on top of the usual 1);
- a combination mode and a priority (higher first).

A campaign applies only to an activity that at least one ACTIVE earning rule matches (a
campaign extends the program's rules, it does not invent activities that earn).

How applicable campaigns combine (deterministic; `ranked` orders by priority descending, then
startsAt ascending, then id):
1. If any applicable campaign is EXCLUSIVE, the first of them in that order applies ALONE; every
   other campaign is reported as excluded by it.
2. Otherwise every STACK campaign applies (their extras add up, each computed on R: x2 and x3
   stacked give R + R + 2R = 4R, never compounded), and of the BEST campaigns only the one with
   the most extra points (ties: the first in `ranked` order) applies; the other BEST campaigns
   are reported as outdone by it.
"""

from __future__ import annotations

import dataclasses
import decimal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from loyalty.domain.errors import InvalidInput
from loyalty.domain.points import conversion_points
from loyalty.domain.revisions import check_revision as _check_revision
from loyalty.domain.rules import (
    ID_FIELD_MAX,
    MONEY_MAX,
    MONEY_MAX_DECIMALS,
    POINTS_MAX,
    TITLE_MAX,
    is_plain_id,
    plain_decimal,
)

DESCRIPTION_MAX = 500
CONDITION_VALUES_MAX = 50
MULTIPLIER_MAX = Decimal(100)
MULTIPLIER_MAX_DECIMALS = 4
PRIORITY_MAX = 1000
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


# --- validation --------------------------------------------------------------------------------


def _text(field: str, value: str, maximum: int) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(f"{field} must not be empty (1 to {maximum} characters)", field=field)
    if len(text) > maximum:
        raise InvalidInput(
            f"{field} is {len(text)} characters long; at most {maximum} are allowed", field=field
        )
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        raise InvalidInput(f"{field} must not contain control characters", field=field)
    return text


def _decimals(amount: Decimal) -> int:
    exponent = amount.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _money(field: str, amount: Decimal, *, allow_zero: bool) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise InvalidInput(f'{field} must be a decimal number such as "10.00"', field=field)
    low_ok = amount >= 0 if allow_zero else amount > 0
    if not low_ok or amount > MONEY_MAX:
        least = "0 or more" if allow_zero else "more than 0"
        raise InvalidInput(f"{field} must be {least} and at most {MONEY_MAX}", field=field)
    if _decimals(amount) > MONEY_MAX_DECIMALS:
        raise InvalidInput(
            f"{field} has more than {MONEY_MAX_DECIMALS} decimal places", field=field
        )
    return plain_decimal(amount)


def _points(field: str, points: int | None) -> int:
    if isinstance(points, bool) or not isinstance(points, int) or not 1 <= points <= POINTS_MAX:
        raise InvalidInput(f"{field} must be a whole number from 1 to {POINTS_MAX:,}", field=field)
    return points


def _aware(field: str, at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput(
            f"{field} must carry a time zone offset (e.g. 2026-12-05T00:00:00Z)", field=field
        )


def validate_window(window: Window) -> Window:
    """The window checked, with its instants in UTC."""
    _aware("window.startsAt", window.starts_at)
    window = dataclasses.replace(window, starts_at=window.starts_at.astimezone(UTC))
    if window.ends_at is not None:
        _aware("window.endsAt", window.ends_at)
        window = dataclasses.replace(window, ends_at=window.ends_at.astimezone(UTC))
        if window.ends_at is not None and window.ends_at <= window.starts_at:
            raise InvalidInput("window.endsAt must be after window.startsAt", field="window.endsAt")
    if window.days_of_week is not None:
        days = window.days_of_week
        if not days or any(
            isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 7 for d in days
        ):
            raise InvalidInput(
                "window.daysOfWeek must name 1 to 7 days, each 1 (Monday) to 7 (Sunday); "
                "leave it out for every day",
                field="window.daysOfWeek",
            )
    if window.hours is not None:
        hours = window.hours
        for name, value in (("start", hours.start), ("end", hours.end)):
            if value.tzinfo is not None or value.second or value.microsecond:
                raise InvalidInput(
                    f'window.hours.{name} must be a wall-clock time "HH:MM"',
                    field=f"window.hours.{name}",
                )
        if hours.start == hours.end:
            raise InvalidInput(
                "window.hours.start and end are equal: leave hours out for the whole day",
                field="window.hours.end",
            )
    return window


def _ids(field: str, values: frozenset[str], maximum: int) -> frozenset[str]:
    if len(values) > CONDITION_VALUES_MAX:
        raise InvalidInput(f"{field} holds at most {CONDITION_VALUES_MAX} values", field=field)
    for value in values:
        if not isinstance(value, str) or not is_plain_id(value, maximum):
            raise InvalidInput(
                f"{field}: each value is 1 to {maximum} printable characters", field=field
            )
    return values


def validate_conditions(conditions: Conditions) -> Conditions:
    _ids("conditions.activityTypes", conditions.activity_types, ID_FIELD_MAX)
    _ids("conditions.triggerAppIds", conditions.trigger_app_ids, ID_FIELD_MAX)
    _ids("conditions.tierIds", conditions.tier_ids, 36)
    minimum = conditions.minimum_amount
    if minimum is not None:
        minimum = _money("conditions.minimumAmount", minimum, allow_zero=True)
    return dataclasses.replace(conditions, minimum_amount=minimum)


def validate_effect(effect: Effect) -> Effect:
    given = {
        EffectKind.MULTIPLIER: effect.multiplier is not None,
        EffectKind.BONUS_POINTS: effect.bonus_points is not None,
        EffectKind.CONVERSION_RATE: effect.money_amount is not None or effect.points is not None,
    }
    if sum(given.values()) != 1 or not given[EffectKind(effect.kind)]:
        raise InvalidInput(
            "effect: give exactly one of multiplier, bonusPoints or conversionRate", field="effect"
        )
    if effect.kind is EffectKind.MULTIPLIER:
        m = effect.multiplier
        assert m is not None
        if not isinstance(m, Decimal) or not m.is_finite() or not Decimal(1) < m <= MULTIPLIER_MAX:
            raise InvalidInput(
                f"effect.multiplier must be more than 1 and at most {MULTIPLIER_MAX}",
                field="effect.multiplier",
            )
        if _decimals(m) > MULTIPLIER_MAX_DECIMALS:
            raise InvalidInput(
                f"effect.multiplier has more than {MULTIPLIER_MAX_DECIMALS} decimal places",
                field="effect.multiplier",
            )
        return Effect.times(plain_decimal(m))
    if effect.kind is EffectKind.BONUS_POINTS:
        return Effect.bonus(_points("effect.bonusPoints", effect.bonus_points))
    if effect.money_amount is None:
        raise InvalidInput(
            "effect.conversionRate.moneyAmount is required",
            field="effect.conversionRate.moneyAmount",
        )
    money = _money("effect.conversionRate.moneyAmount", effect.money_amount, allow_zero=False)
    return Effect.rate(money, _points("effect.conversionRate.points", effect.points))


def _priority(priority: int) -> int:
    if (
        isinstance(priority, bool)
        or not isinstance(priority, int)
        or not 0 <= priority <= PRIORITY_MAX
    ):
        raise InvalidInput(
            f"priority must be a whole number from 0 to {PRIORITY_MAX}", field="priority"
        )
    return priority


def _description(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return _text("description", value, DESCRIPTION_MAX)


def new_campaign(data: CampaignInput, *, campaign_id: str, now: datetime) -> Campaign:
    """Validates a create request and builds the campaign (revision 1)."""
    status = CampaignStatus(data.status)
    if status is CampaignStatus.ENDED:
        raise InvalidInput("a new campaign cannot be ENDED", field="status")
    return Campaign(
        id=campaign_id,
        revision=1,
        title=_text("title", data.title, TITLE_MAX),
        description=_description(data.description),
        status=status,
        window=validate_window(data.window),
        conditions=validate_conditions(data.conditions),
        effect=validate_effect(data.effect),
        combination=Combination(data.combination),
        priority=_priority(data.priority),
        created_date=now,
        updated_date=now,
    )


def check_revision(campaign: Campaign, revision: int) -> None:
    _check_revision(f"campaign {campaign.id}", campaign.revision, revision)


def updated_campaign(
    campaign: Campaign, changes: CampaignChanges, *, revision: int, now: datetime
) -> Campaign:
    """Applies a partial update at `revision`; the result has revision + 1. An ENDED campaign
    is final: it cannot change any more (create a new one)."""
    check_revision(campaign, revision)
    if changes.is_empty:
        raise InvalidInput("nothing to update: give at least one field to change")
    if campaign.status is CampaignStatus.ENDED:
        raise InvalidInput(
            f"campaign {campaign.id} has ENDED and cannot change; create a new campaign",
            field="status",
        )
    status = campaign.status if changes.status is None else CampaignStatus(changes.status)
    if status is CampaignStatus.DRAFT and campaign.status is not CampaignStatus.DRAFT:
        raise InvalidInput(
            "a campaign that was activated cannot go back to DRAFT; pause it instead",
            field="status",
        )
    return dataclasses.replace(
        campaign,
        revision=campaign.revision + 1,
        title=campaign.title if changes.title is None else _text("title", changes.title, TITLE_MAX),
        description=campaign.description
        if changes.description is None
        else _description(changes.description),
        status=status,
        window=campaign.window if changes.window is None else validate_window(changes.window),
        conditions=campaign.conditions
        if changes.conditions is None
        else validate_conditions(changes.conditions),
        effect=campaign.effect if changes.effect is None else validate_effect(changes.effect),
        combination=campaign.combination
        if changes.combination is None
        else Combination(changes.combination),
        priority=campaign.priority if changes.priority is None else _priority(changes.priority),
        updated_date=now,
    )


# --- evaluation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignActivity:
    """What a campaign looks at: the activity, the member's tier, when it happened, and the
    points the matching rules award for it (R) and how many rules matched."""

    activity_type: str
    trigger_app_id: str
    amount: Decimal | None  # in the program's currency, checked by the rules' path already
    tier_id: str | None
    at: datetime
    rule_points: int
    rules_matched: int


@dataclass(frozen=True)
class CampaignOutcome:
    campaign_id: str
    campaign_revision: int
    title: str
    combination: Combination
    priority: int
    points: int  # the extra points it adds (0 unless applied)
    applied: bool
    reason: str  # what it adds and how, or why it does not apply


@dataclass(frozen=True)
class CampaignResult:
    outcomes: tuple[CampaignOutcome, ...]  # every campaign given, in `ranked` order

    @property
    def applied(self) -> tuple[CampaignOutcome, ...]:
        return tuple(o for o in self.outcomes if o.applied and o.points > 0)

    @property
    def extra_points(self) -> int:
        return sum(o.points for o in self.outcomes if o.applied)


def ranked(campaigns: Iterable[Campaign]) -> list[Campaign]:
    """Priority descending, then startsAt ascending, then id: the order every tie is broken by."""
    return sorted(campaigns, key=lambda c: (-c.priority, c.window.starts_at, c.id))


def unmet_condition(campaign: Campaign, activity: CampaignActivity) -> str | None:
    """None when every condition holds, else the first one that does not."""
    cond = campaign.conditions
    if cond.activity_types and activity.activity_type not in cond.activity_types:
        return f"activity type {activity.activity_type!r} is not one of the campaign's"
    if cond.trigger_app_ids and activity.trigger_app_id not in cond.trigger_app_ids:
        return f"trigger app {activity.trigger_app_id!r} is not one of the campaign's"
    if cond.tier_ids and (activity.tier_id is None or activity.tier_id not in cond.tier_ids):
        which = "the base tier" if activity.tier_id is None else f"tier {activity.tier_id}"
        return f"the member is in {which}, not one of the campaign's tiers"
    if cond.minimum_amount is not None:
        if activity.amount is None:
            return (
                f"the campaign needs an amount of at least {format(cond.minimum_amount, 'f')}; "
                "the activity has none"
            )
        if activity.amount < cond.minimum_amount:
            return (
                f"amount {format(activity.amount, 'f')} is below the campaign's minimum "
                f"{format(cond.minimum_amount, 'f')}"
            )
    if campaign.effect.kind is EffectKind.CONVERSION_RATE and activity.amount is None:
        return "a conversion-rate campaign needs an amount spent; the activity has none"
    return None


def extra_points(effect: Effect, activity: CampaignActivity) -> tuple[int, str]:
    """The extra points of `effect` on top of the rules' R, and how they were worked out."""
    base = activity.rule_points
    if effect.kind is EffectKind.MULTIPLIER:
        assert effect.multiplier is not None
        with decimal.localcontext() as ctx:
            ctx.prec = 60
            total = int(
                (Decimal(base) * effect.multiplier).to_integral_value(rounding=decimal.ROUND_FLOOR)
            )
        m = format(effect.multiplier, "f")
        return (
            total - base,
            f"x{m}: floor({base} x {m}) = {total}, {total - base} more than the rules",
        )
    if effect.kind is EffectKind.BONUS_POINTS:
        assert effect.bonus_points is not None
        return effect.bonus_points, f"bonus: +{effect.bonus_points} points"
    assert (
        effect.money_amount is not None
        and effect.points is not None
        and activity.amount is not None
    )
    own = conversion_points(activity.amount, effect.money_amount, effect.points)
    extra = max(0, own - base)
    return extra, (
        f"own rate: floor({format(activity.amount, 'f')} / {format(effect.money_amount, 'f')} x "
        f"{effect.points}) = {own} in place of the rules' {base}: {extra} more"
    )


def _outcome(c: Campaign, points: int, applied: bool, reason: str) -> CampaignOutcome:
    return CampaignOutcome(
        c.id, c.revision, c.title, c.combination, c.priority, points, applied, reason
    )


def apply_campaigns(
    campaigns: Iterable[Campaign], activity: CampaignActivity, *, zone: ZoneInfo
) -> CampaignResult:
    """Every campaign's outcome for `activity` (see the module doc for how they combine)."""
    order = ranked(campaigns)
    outcomes: dict[str, CampaignOutcome] = {}
    candidates: list[tuple[Campaign, int, str]] = []
    for c in order:
        why_not: str | None
        if c.status is not CampaignStatus.ACTIVE:
            why_not = f"the campaign is {c.status.value}"
        elif activity.rules_matched == 0:
            why_not = "no active earning rule matches the activity"
        else:
            why_not = c.window.closed_reason(activity.at, zone) or unmet_condition(c, activity)
        if why_not is not None:
            outcomes[c.id] = _outcome(c, 0, False, why_not)
            continue
        points, how = extra_points(c.effect, activity)
        candidates.append((c, points, how))
    exclusive = [x for x in candidates if x[0].combination is Combination.EXCLUSIVE]
    if exclusive:
        winner = exclusive[0][0]
        for c, points, how in candidates:
            if c is winner:
                outcomes[c.id] = _outcome(
                    c, points, True, f"{how} (EXCLUSIVE, priority {c.priority})"
                )
            else:
                outcomes[c.id] = _outcome(
                    c,
                    0,
                    False,
                    f"excluded by EXCLUSIVE campaign {winner.id} ({winner.title!r}); "
                    f"alone it would add {points}",
                )
    else:
        best = [x for x in candidates if x[0].combination is Combination.BEST]
        best_winner = max(best, key=lambda x: x[1], default=None)  # first of equals wins
        for c, points, how in candidates:
            if c.combination is Combination.STACK:
                outcomes[c.id] = _outcome(c, points, True, f"{how} (STACK)")
            elif best_winner is not None and c is best_winner[0]:
                outcomes[c.id] = _outcome(c, points, True, f"{how} (BEST of {len(best)})")
            else:
                assert best_winner is not None
                w = best_winner[0]
                outcomes[c.id] = _outcome(
                    c,
                    0,
                    False,
                    f"outdone by BEST campaign {w.id} ({w.title!r}, {best_winner[1]} points); "
                    f"this one would add {points}",
                )
    return CampaignResult(tuple(outcomes[c.id] for c in order))


def active_now(campaigns: Sequence[Campaign]) -> list[Campaign]:
    """The ACTIVE ones (windows are checked per activity, at its time)."""
    return [c for c in campaigns if c.status is CampaignStatus.ACTIVE]
