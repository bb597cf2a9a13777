"""Validation of campaign inputs and updates: each bad value is a VALIDATION error naming its
field (as GraphQL spells it)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal

from loyalty.domain.campaigns.model import (
    Campaign,
    CampaignChanges,
    CampaignInput,
    CampaignStatus,
    Combination,
    Conditions,
    Effect,
    EffectKind,
    Window,
)
from loyalty.domain.errors import InvalidInput
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
