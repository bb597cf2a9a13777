"""Rule validation in the pure domain: every bad input is a typed error naming the field."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from loyalty.domain.errors import (
    InvalidInput,
    NotDeletable,
    RevisionMismatch,
    UnsupportedPointMethod,
)
from loyalty.domain.rules import (
    AUTOMATIONS_APP_ID,
    LOYALTY_APP_ID,
    PRE_INSTALLED_RULES,
    ConversionRateConfig,
    FixedAmountConfig,
    PointMethod,
    RuleChanges,
    RuleInput,
    RuleKind,
    RuleStatus,
    check_deletable,
    new_rule,
    supported_methods,
    updated_rule,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FIXED = (FixedAmountConfig(None, 10),)
RATE = (ConversionRateConfig(None, Decimal("1"), 1),)


def make(**kw: object) -> RuleInput:
    base: dict[str, object] = {
        "title": "Buy",
        "trigger_app_id": "stores",
        "trigger_activity_type": "stores/OrderPaid",
        "fixed_amount": FIXED,
    }
    base.update(kw)
    return RuleInput(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "x" * 51}, "title"),
        ({"title": "   "}, "title"),
        ({"trigger_activity_type": ""}, "triggerActivityType"),
        ({"trigger_app_id": "a" * 81}, "triggerAppId"),
        ({"fixed_amount": FIXED, "conversion_rate": RATE}, "fixedAmount"),
        ({"fixed_amount": None}, "fixedAmount"),
        ({"fixed_amount": (FixedAmountConfig(None, 0),)}, "fixedAmount.configs.points"),
        ({"fixed_amount": (FixedAmountConfig(None, -5),)}, "fixedAmount.configs.points"),
        ({"fixed_amount": (FixedAmountConfig(None, 10_000_000),)}, "fixedAmount.configs.points"),
        ({"fixed_amount": ()}, "fixedAmount.configs"),
        (
            {"fixed_amount": (FixedAmountConfig(None, 1), FixedAmountConfig(None, 2))},
            "fixedAmount.configs",
        ),
        (
            {"fixed_amount": None, "conversion_rate": (ConversionRateConfig(None, Decimal(0), 1),)},
            "conversionRate.configs.moneyAmount",
        ),
        (
            {
                "fixed_amount": None,
                "conversion_rate": (ConversionRateConfig(None, Decimal("-1"), 1),),
            },
            "conversionRate.configs.moneyAmount",
        ),
        (
            {
                "fixed_amount": None,
                "conversion_rate": (ConversionRateConfig(None, Decimal("0.0000001"), 1),),
            },
            "conversionRate.configs.moneyAmount",
        ),
        (
            {"fixed_amount": None, "conversion_rate": (ConversionRateConfig(None, Decimal(1), 0),)},
            "conversionRate.configs.points",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        new_rule(make(**changes), rule_id="r", now=NOW)
    assert raised.value.field == field
    assert raised.value.extensions["code"] == "VALIDATION"


@pytest.mark.parametrize(
    ("activity_type", "fixed_ok", "rate_ok"),
    [
        ("stores/OrderPaid", True, True),
        ("bookings/BookingConfirmed", True, False),
        ("events/OrderConfirmed", True, True),
        ("events/Rsvp", True, False),
        ("wix_pricing_plans-plan_purchased", True, True),
        ("wix_restaurants_orders-order_submitted", False, True),
        ("restaurants-order-is-pending", False, True),
        ("auth/register", True, True),  # custom automated: either
    ],
)
def test_point_method_table_is_enforced(activity_type: str, fixed_ok: bool, rate_ok: bool) -> None:
    for method, ok, kw in (
        (PointMethod.FIXED_AMOUNT, fixed_ok, {"fixed_amount": FIXED}),
        (PointMethod.CONVERSION_RATE, rate_ok, {"fixed_amount": None, "conversion_rate": RATE}),
    ):
        assert (method in supported_methods(activity_type)) is ok
        data = make(trigger_activity_type=activity_type, **kw)
        if ok:
            assert new_rule(data, rule_id="r", now=NOW).method is method
        else:
            with pytest.raises(UnsupportedPointMethod):
                new_rule(data, rule_id="r", now=NOW)


def test_kind_and_source_app_follow_the_activity_type() -> None:
    stores = new_rule(make(), rule_id="r", now=NOW)
    assert (stores.kind, stores.source_app_id) == (RuleKind.NON_AUTOMATED, LOYALTY_APP_ID)
    custom = new_rule(make(trigger_activity_type="auth/register"), rule_id="r", now=NOW)
    assert (custom.kind, custom.source_app_id) == (RuleKind.AUTOMATED_CUSTOM, AUTOMATIONS_APP_ID)
    assert stores.revision == 1 and stores.can_be_deleted


def test_update_is_partial_bumps_revision_and_checks_it() -> None:
    rule = new_rule(make(), rule_id="r", now=NOW)
    later = datetime(2026, 2, 1, tzinfo=UTC)
    out = updated_rule(rule, RuleChanges(title="New"), revision=1, now=later)
    assert (out.title, out.revision, out.fixed_amount, out.updated_date) == ("New", 2, FIXED, later)
    assert out.created_date == NOW
    switched = updated_rule(out, RuleChanges(conversion_rate=RATE), revision=2, now=later)
    assert switched.fixed_amount is None and switched.conversion_rate == RATE
    with pytest.raises(RevisionMismatch):
        updated_rule(out, RuleChanges(title="x"), revision=1, now=later)
    with pytest.raises(InvalidInput, match="nothing to update"):
        updated_rule(out, RuleChanges(), revision=2, now=later)
    with pytest.raises(UnsupportedPointMethod):
        updated_rule(
            out,
            RuleChanges(trigger_activity_type="bookings/BookingConfirmed", conversion_rate=RATE),
            revision=2,
            now=later,
        )


def test_pre_installed_rules_cannot_be_deleted_or_retriggered() -> None:
    seed = PRE_INSTALLED_RULES[1]
    rule = new_rule(
        RuleInput(
            seed.title,
            seed.trigger_app_id,
            seed.trigger_activity_type,
            RuleStatus.ACTIVE,
            None,
            (seed.conversion_rate,),
        ),
        rule_id=seed.id,
        now=NOW,
    )
    import dataclasses

    rule = dataclasses.replace(rule, can_be_deleted=False)
    assert rule.kind is RuleKind.AUTOMATED_PRE_INSTALLED
    with pytest.raises(NotDeletable, match="only be paused"):
        check_deletable(rule, 1)
    with pytest.raises(InvalidInput, match="pre-installed"):
        updated_rule(rule, RuleChanges(trigger_activity_type="x/y"), revision=1, now=NOW)
    paused = updated_rule(rule, RuleChanges(status=RuleStatus.PAUSED), revision=1, now=NOW)
    assert paused.status is RuleStatus.PAUSED


def test_migration_seeds_the_same_pre_installed_rules_as_the_domain() -> None:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[2] / "loyalty/migrations/versions/rules_0001.py"
    spec = importlib.util.spec_from_file_location("rules_0001", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (
        tuple(
            (r.id, r.title, r.trigger_app_id, r.trigger_activity_type) for r in PRE_INSTALLED_RULES
        )
        == module._PRE_INSTALLED
    )
