"""Earning rules (Wix Loyalty shapes): what they are, which point methods each activity type
supports, and the validation every create and update passes through."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from loyalty.domain import values
from loyalty.domain.errors import (
    InvalidInput,
    NotDeletable,
    UnsupportedPointMethod,
)
from loyalty.domain.holds import check_hold_days
from loyalty.domain.revisions import check_revision as _check_revision


class RuleStatus(StrEnum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"


class PointMethod(StrEnum):
    FIXED_AMOUNT = "FIXED_AMOUNT"
    CONVERSION_RATE = "CONVERSION_RATE"


class RuleKind(StrEnum):
    NON_AUTOMATED = "NON_AUTOMATED"  # created for an installed business solution
    AUTOMATED_PRE_INSTALLED = "AUTOMATED_PRE_INSTALLED"  # present from the start, never deleted
    AUTOMATED_CUSTOM = "AUTOMATED_CUSTOM"  # any other activity type wired up by the owner


# Apps that manage rules (sourceAppId). Ours: stable readable ids rather than Wix's UUIDs, which
# this service does not depend on.
LOYALTY_APP_ID = "loyalty"
AUTOMATIONS_APP_ID = "automations"

# Apps that trigger the pre-installed rules (triggerAppId); webhooks use the same ids.
PRICING_PLANS_APP_ID = "pricing-plans"
RESTAURANTS_LEGACY_APP_ID = "restaurants-legacy"
RESTAURANTS_APP_ID = "restaurants"

BOTH = frozenset(PointMethod)
FIXED_ONLY = frozenset({PointMethod.FIXED_AMOUNT})
CONVERSION_ONLY = frozenset({PointMethod.CONVERSION_RATE})

# Non-automated rules, created for installed business solutions.
NON_AUTOMATED_METHODS: dict[str, frozenset[PointMethod]] = {
    "stores/OrderPaid": BOTH,
    "bookings/BookingConfirmed": FIXED_ONLY,
    "events/OrderConfirmed": BOTH,
    "events/Rsvp": FIXED_ONLY,  # Ours: no money is involved in an RSVP
}
PRE_INSTALLED_METHODS: dict[str, frozenset[PointMethod]] = {
    "wix_pricing_plans-plan_purchased": BOTH,
    "wix_restaurants_orders-order_submitted": CONVERSION_ONLY,
    "restaurants-order-is-pending": CONVERSION_ONLY,
}

TITLE_MAX = 50
ID_FIELD_MAX = 80
POINTS_MAX = values.POINTS_MAX
MONEY_MAX = Decimal("1000000000000")  # 10^12 in the program's currency
MONEY_MAX_DECIMALS = values.MONEY_PLACES
CONFIGS_MAX = 100


def is_plain_id(value: str, maximum: int = 36) -> bool:
    """An id we may look up: 1..maximum printable characters (no NUL, which PostgreSQL refuses)."""
    return 0 < len(value) <= maximum and value.isprintable() and bool(value.strip())


def plain_decimal(amount: Decimal) -> Decimal:
    """One spelling per value (10.5, 100), whatever scale a database column keeps."""
    normal = amount.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def supported_methods(activity_type: str) -> frozenset[PointMethod]:
    """The point methods an activity type supports; custom activity types support both."""
    known = NON_AUTOMATED_METHODS.get(activity_type) or PRE_INSTALLED_METHODS.get(activity_type)
    return known if known is not None else BOTH


def kind_of(activity_type: str, *, pre_installed: bool) -> RuleKind:
    if pre_installed:
        return RuleKind.AUTOMATED_PRE_INSTALLED
    if activity_type in NON_AUTOMATED_METHODS:
        return RuleKind.NON_AUTOMATED
    return RuleKind.AUTOMATED_CUSTOM


def source_app_for(activity_type: str) -> str:
    return LOYALTY_APP_ID if activity_type in NON_AUTOMATED_METHODS else AUTOMATIONS_APP_ID


@dataclass(frozen=True)
class FixedAmountConfig:
    tier_id: str | None
    points: int


@dataclass(frozen=True)
class ConversionRateConfig:
    tier_id: str | None
    money_amount: Decimal
    points: int


@dataclass(frozen=True)
class EarningRule:
    id: str
    revision: int
    title: str
    source_app_id: str
    trigger_app_id: str
    trigger_activity_type: str
    status: RuleStatus
    fixed_amount: tuple[FixedAmountConfig, ...] | None
    conversion_rate: tuple[ConversionRateConfig, ...] | None
    can_be_deleted: bool
    created_date: datetime
    updated_date: datetime
    hold_days: int | None = None  # days its awards are held (None: the program's holdDays)

    @property
    def method(self) -> PointMethod:
        return (
            PointMethod.FIXED_AMOUNT
            if self.fixed_amount is not None
            else (PointMethod.CONVERSION_RATE)
        )

    @property
    def kind(self) -> RuleKind:
        return kind_of(self.trigger_activity_type, pre_installed=not self.can_be_deleted)

    @property
    def tier_ids(self) -> frozenset[str]:
        configs: Iterable[FixedAmountConfig | ConversionRateConfig] = (
            self.fixed_amount or self.conversion_rate or ()
        )
        return frozenset(c.tier_id for c in configs if c.tier_id is not None)


@dataclass(frozen=True)
class RuleInput:
    """What a caller sends to create a rule (before validation)."""

    title: str
    trigger_app_id: str
    trigger_activity_type: str
    status: RuleStatus = RuleStatus.ACTIVE
    fixed_amount: tuple[FixedAmountConfig, ...] | None = None
    conversion_rate: tuple[ConversionRateConfig, ...] | None = None
    hold_days: int | None = None  # None: the program's


@dataclass(frozen=True)
class RuleChanges:
    """A partial update: None leaves a field as it is. Giving fixedAmount or conversionRate
    replaces the rule's configs (and switches its point method)."""

    title: str | None = None
    trigger_app_id: str | None = None
    trigger_activity_type: str | None = None
    status: RuleStatus | None = None
    fixed_amount: tuple[FixedAmountConfig, ...] | None = None
    conversion_rate: tuple[ConversionRateConfig, ...] | None = None
    hold_days: int | None = None
    program_hold_days: bool | None = None  # True: the rule's awards take the program's hold

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in dataclasses.fields(self))


def _text(field: str, value: str, maximum: int) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(f"{field} must not be empty (1 to {maximum} characters)", field=field)
    if len(text) > maximum:
        raise InvalidInput(
            f"{field} is {len(text)} characters long; at most {maximum} are allowed", field=field
        )
    if any(ord(ch) < 32 for ch in text):
        raise InvalidInput(f"{field} must not contain control characters", field=field)
    return text


def _points(field: str, points: int) -> None:
    if isinstance(points, bool) or not isinstance(points, int) or not 1 <= points <= POINTS_MAX:
        raise InvalidInput(f"{field} must be a whole number from 1 to {POINTS_MAX:,}", field=field)


def _money_amount(field: str, amount: Decimal) -> None:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise InvalidInput(f'{field} must be a decimal number such as "10.00"', field=field)
    if amount <= 0 or amount > MONEY_MAX:
        raise InvalidInput(f"{field} must be more than 0 and at most {MONEY_MAX}", field=field)
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MONEY_MAX_DECIMALS:
        raise InvalidInput(
            f"{field} has more than {MONEY_MAX_DECIMALS} decimal places", field=field
        )


def _tier_ids(field: str, tier_ids: list[str | None]) -> None:
    seen: set[str | None] = set()
    for tier_id in tier_ids:
        if tier_id is not None and not is_plain_id(tier_id):
            raise InvalidInput(
                f"{field}: tierId must be null (base tier) or a tier id", field=field
            )
        if tier_id in seen:
            which = "the base tier" if tier_id is None else f"tier {tier_id}"
            raise InvalidInput(f"{field}: more than one config for {which}", field=field)
        seen.add(tier_id)


def validate_configs(
    activity_type: str,
    fixed_amount: tuple[FixedAmountConfig, ...] | None,
    conversion_rate: tuple[ConversionRateConfig, ...] | None,
) -> None:
    """Exactly one point method, supported by the activity type, with 1..100 sane configs."""
    if (fixed_amount is None) == (conversion_rate is None):
        raise InvalidInput("give exactly one of fixedAmount or conversionRate", field="fixedAmount")
    method = PointMethod.FIXED_AMOUNT if fixed_amount is not None else PointMethod.CONVERSION_RATE
    if method not in supported_methods(activity_type):
        allowed = " or ".join(sorted(m.value for m in supported_methods(activity_type)))
        raise UnsupportedPointMethod(
            f"activity type {activity_type!r} supports {allowed} only, not {method.value}",
            field="fixedAmount" if fixed_amount is not None else "conversionRate",
        )
    if fixed_amount is not None:
        field = "fixedAmount.configs"
        configs_f = fixed_amount
        if not 1 <= len(configs_f) <= CONFIGS_MAX:
            raise InvalidInput(f"{field} must hold 1 to {CONFIGS_MAX} configs", field=field)
        for c in configs_f:
            _points(f"{field}.points", c.points)
        _tier_ids(field, [c.tier_id for c in configs_f])
    if conversion_rate is not None:
        field = "conversionRate.configs"
        configs_c = conversion_rate
        if not 1 <= len(configs_c) <= CONFIGS_MAX:
            raise InvalidInput(f"{field} must hold 1 to {CONFIGS_MAX} configs", field=field)
        for cc in configs_c:
            _points(f"{field}.points", cc.points)
            _money_amount(f"{field}.moneyAmount", cc.money_amount)
        _tier_ids(field, [cc.tier_id for cc in configs_c])


def new_rule(data: RuleInput, *, rule_id: str, now: datetime) -> EarningRule:
    """Validates a create request and builds the rule (revision 1, deletable)."""
    title = _text("title", data.title, TITLE_MAX)
    trigger_app_id = _text("triggerAppId", data.trigger_app_id, ID_FIELD_MAX)
    activity_type = _text("triggerActivityType", data.trigger_activity_type, ID_FIELD_MAX)
    validate_configs(activity_type, data.fixed_amount, data.conversion_rate)
    check_hold_days(data.hold_days)
    return EarningRule(
        id=rule_id,
        revision=1,
        title=title,
        source_app_id=source_app_for(activity_type),
        trigger_app_id=trigger_app_id,
        trigger_activity_type=activity_type,
        status=RuleStatus(data.status),
        fixed_amount=data.fixed_amount,
        conversion_rate=data.conversion_rate,
        can_be_deleted=True,
        created_date=now,
        updated_date=now,
        hold_days=data.hold_days,
    )


def check_revision(rule: EarningRule, revision: int) -> None:
    _check_revision(f"earning rule {rule.id}", rule.revision, revision)


def updated_rule(
    rule: EarningRule, changes: RuleChanges, *, revision: int, now: datetime
) -> EarningRule:
    """Applies a partial update to the rule at `revision`; the result has revision + 1."""
    check_revision(rule, revision)
    if changes.is_empty:
        raise InvalidInput("nothing to update: give at least one field to change")
    if not rule.can_be_deleted and (
        (changes.trigger_app_id is not None and changes.trigger_app_id != rule.trigger_app_id)
        or (
            changes.trigger_activity_type is not None
            and changes.trigger_activity_type != rule.trigger_activity_type
        )
    ):
        raise InvalidInput(
            "the trigger of a pre-installed rule cannot change; create a custom rule instead",
            field="triggerActivityType",
        )
    title = rule.title if changes.title is None else _text("title", changes.title, TITLE_MAX)
    trigger_app_id = (
        rule.trigger_app_id
        if changes.trigger_app_id is None
        else _text("triggerAppId", changes.trigger_app_id, ID_FIELD_MAX)
    )
    activity_type = (
        rule.trigger_activity_type
        if changes.trigger_activity_type is None
        else _text("triggerActivityType", changes.trigger_activity_type, ID_FIELD_MAX)
    )
    if changes.fixed_amount is not None or changes.conversion_rate is not None:
        fixed, conversion = changes.fixed_amount, changes.conversion_rate
    else:
        fixed, conversion = rule.fixed_amount, rule.conversion_rate
    validate_configs(activity_type, fixed, conversion)
    hold_days = rule.hold_days
    if changes.program_hold_days:
        if changes.hold_days is not None:
            raise InvalidInput(
                "give holdDays, or null for the program's, not both", field="holdDays"
            )
        hold_days = None
    elif changes.hold_days is not None:
        check_hold_days(changes.hold_days, nullable=False)
        hold_days = changes.hold_days
    return dataclasses.replace(
        rule,
        revision=rule.revision + 1,
        title=title,
        source_app_id=rule.source_app_id
        if not rule.can_be_deleted
        else (source_app_for(activity_type)),
        trigger_app_id=trigger_app_id,
        trigger_activity_type=activity_type,
        status=rule.status if changes.status is None else RuleStatus(changes.status),
        fixed_amount=fixed,
        conversion_rate=conversion,
        updated_date=now,
        hold_days=hold_days,
    )


def check_deletable(rule: EarningRule, revision: int) -> None:
    check_revision(rule, revision)
    if not rule.can_be_deleted:
        raise NotDeletable(
            f"earning rule {rule.id} ({rule.title!r}) is pre-installed and cannot be deleted; "
            "it can only be paused (updateEarningRule with status PAUSED)",
            field="id",
        )


@dataclass(frozen=True)
class PreInstalledRule:
    id: str
    title: str
    trigger_app_id: str
    trigger_activity_type: str
    conversion_rate: ConversionRateConfig


# Seeded by the migration `rules_0001` (which keeps its own frozen copy); a test compares them.
# Default: 1 point per 1 unit of the base currency, the only method all three support.
PRE_INSTALLED_RULES: tuple[PreInstalledRule, ...] = (
    PreInstalledRule(
        "5f3c2b1a-0001-4000-8000-00000000a001",
        "Order a plan",
        PRICING_PLANS_APP_ID,
        "wix_pricing_plans-plan_purchased",
        ConversionRateConfig(None, Decimal("1"), 1),
    ),
    PreInstalledRule(
        "5f3c2b1a-0002-4000-8000-00000000a002",
        "Place a restaurant order (legacy Restaurants)",
        RESTAURANTS_LEGACY_APP_ID,
        "wix_restaurants_orders-order_submitted",
        ConversionRateConfig(None, Decimal("1"), 1),
    ),
    PreInstalledRule(
        "5f3c2b1a-0003-4000-8000-00000000a003",
        "Place a restaurant order",
        RESTAURANTS_APP_ID,
        "restaurants-order-is-pending",
        ConversionRateConfig(None, Decimal("1"), 1),
    ),
)
