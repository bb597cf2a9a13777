"""Campaigns in the pure domain: windows in the program's time zone (DST, midnight, hours that
cross midnight), conditions, effects, every combination mode, and validation by field."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from loyalty.domain.campaigns import (
    Campaign,
    CampaignActivity,
    CampaignChanges,
    CampaignInput,
    CampaignStatus,
    Combination,
    Conditions,
    DailyHours,
    Effect,
    EffectKind,
    Window,
    apply_campaigns,
    new_campaign,
    ranked,
    time_zone,
    updated_campaign,
)
from loyalty.domain.errors import InvalidInput, RevisionMismatch

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 1, tzinfo=UTC)
EVER = datetime(2020, 1, 1, tzinfo=UTC)
FRI, SAT, SUN = 5, 6, 7


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def campaign(
    cid: str = "c1",
    *,
    effect: Effect | None = None,
    window: Window | None = None,
    conditions: Conditions = Conditions(),
    combination: Combination = Combination.STACK,
    priority: int = 0,
    status: CampaignStatus = CampaignStatus.ACTIVE,
) -> Campaign:
    return new_campaign(
        CampaignInput(
            title=f"campaign {cid}",
            window=window or Window(EVER),
            effect=effect or Effect.times(Decimal(2)),
            conditions=conditions,
            status=status,
            combination=combination,
            priority=priority,
        ),
        campaign_id=cid,
        now=NOW,
    )


def activity(
    at: datetime = utc(2026, 12, 4, 12),
    *,
    rule_points: int = 35,
    amount: Decimal | None = Decimal("35.00"),
    tier_id: str | None = None,
    activity_type: str = "stores/OrderPaid",
    trigger_app_id: str = "stores",
    rules_matched: int = 1,
) -> CampaignActivity:
    return CampaignActivity(
        activity_type, trigger_app_id, amount, tier_id, at, rule_points, rules_matched
    )


def is_open(window: Window, at: datetime, zone: ZoneInfo = PARIS) -> bool:
    return window.closed_reason(at, zone) is None


# --- windows -----------------------------------------------------------------------------------


def test_starts_at_is_inclusive_and_ends_at_exclusive() -> None:
    w = Window(utc(2026, 12, 5), utc(2026, 12, 7))
    assert not is_open(w, utc(2026, 12, 4, 23, 59, 59))
    assert is_open(w, utc(2026, 12, 5))
    assert is_open(w, utc(2026, 12, 6, 23, 59, 59))
    assert not is_open(w, utc(2026, 12, 7))
    assert "starts at" in (w.closed_reason(utc(2026, 12, 1), PARIS) or "")
    assert "ended at" in (w.closed_reason(utc(2026, 12, 8), PARIS) or "")


def test_hours_are_read_on_the_program_clock_not_utc() -> None:
    w = Window(EVER, hours=DailyHours(time(18), time(22)))
    # Winter: Paris is UTC+1, New York UTC-5.
    assert not is_open(w, utc(2026, 12, 4, 16, 59, 59))  # 17:59:59 in Paris
    assert is_open(w, utc(2026, 12, 4, 17))  # 18:00 in Paris: start inclusive
    assert is_open(w, utc(2026, 12, 4, 20, 59))
    assert not is_open(w, utc(2026, 12, 4, 21))  # 22:00 in Paris: end exclusive
    # The same instant, 18:30 in Paris, is 12:30 in New York.
    assert is_open(w, utc(2026, 12, 4, 17, 30), PARIS)
    assert not is_open(w, utc(2026, 12, 4, 17, 30), NEW_YORK)
    assert w.closed_reason(utc(2026, 12, 4, 17, 30), NEW_YORK) == (
        "it is 12:30 in America/New_York; the campaign runs 18:00-22:00 only"
    )


def test_days_of_week_follow_the_local_date_at_midnight() -> None:
    weekend = Window(EVER, days_of_week=frozenset({SAT, SUN}))
    assert not is_open(weekend, utc(2026, 12, 4, 22, 59))  # Friday 23:59 in Paris
    assert is_open(weekend, utc(2026, 12, 4, 23))  # Saturday 00:00 in Paris (still Friday UTC)
    assert is_open(weekend, utc(2026, 12, 6, 22, 59))  # Sunday 23:59
    assert not is_open(weekend, utc(2026, 12, 6, 23))  # Monday 00:00 in Paris
    assert weekend.closed_reason(utc(2026, 12, 7, 12), PARIS) == (
        "it is Monday in Europe/Paris; the campaign runs on Saturday, Sunday"
    )
    # In New York, Friday 23:00 UTC is still Friday.
    assert not is_open(weekend, utc(2026, 12, 4, 23), NEW_YORK)


def test_hours_crossing_midnight_belong_to_the_day_they_start() -> None:
    friday_night = Window(EVER, days_of_week=frozenset({FRI}), hours=DailyHours(time(22), time(2)))
    assert friday_night.hours is not None and friday_night.hours.crosses_midnight
    paris = {
        "Thu 23:00": (utc(2026, 12, 3, 22), False),
        "Fri 01:00": (utc(2026, 12, 4, 0), False),  # Thursday night's part
        "Fri 21:59": (utc(2026, 12, 4, 20, 59), False),
        "Fri 22:00": (utc(2026, 12, 4, 21), True),
        "Fri 23:59": (utc(2026, 12, 4, 22, 59), True),
        "Sat 00:00": (utc(2026, 12, 4, 23), True),
        "Sat 01:59": (utc(2026, 12, 5, 0, 59), True),
        "Sat 02:00": (utc(2026, 12, 5, 1), False),
        "Sat 23:00": (utc(2026, 12, 5, 22), False),
    }
    for label, (at, expected) in paris.items():
        assert is_open(friday_night, at) is expected, label


def test_every_night_window_with_midnight_end() -> None:
    late = Window(EVER, hours=DailyHours(time(20), time(0)))  # 20:00 to midnight
    assert is_open(late, utc(2026, 12, 4, 22, 59))  # 23:59 Paris
    assert not is_open(late, utc(2026, 12, 4, 23))  # 00:00 Paris
    assert not is_open(late, utc(2026, 12, 4, 18, 59))


def test_spring_forward_day_skips_the_missing_hour() -> None:
    # Paris, 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
    around = Window(EVER, hours=DailyHours(time(2, 30), time(3, 30)))
    assert not is_open(around, utc(2026, 3, 29, 0, 59))  # 01:59 CET
    assert is_open(around, utc(2026, 3, 29, 1))  # 03:00 CEST
    assert is_open(around, utc(2026, 3, 29, 1, 29))  # 03:29 CEST
    assert not is_open(around, utc(2026, 3, 29, 1, 30))  # 03:30 CEST: 30 minutes in all
    evening = Window(EVER, hours=DailyHours(time(18), time(22)))
    assert not is_open(evening, utc(2026, 3, 29, 15, 59))  # 17:59 CEST (UTC+2 from today)
    assert is_open(evening, utc(2026, 3, 29, 16))
    assert not is_open(evening, utc(2026, 3, 29, 20))  # 22:00 CEST
    assert is_open(evening, utc(2026, 3, 28, 17))  # the day before, 18:00 CET (UTC+1)


def test_fall_back_day_repeats_the_hour_in_the_window() -> None:
    # Paris, 2026-10-25: 03:00 CEST goes back to 02:00 CET (01:00 UTC); 02:xx happens twice.
    repeated = Window(EVER, hours=DailyHours(time(2), time(3)))
    assert not is_open(repeated, utc(2026, 10, 24, 23, 59))  # 01:59 CEST
    assert is_open(repeated, utc(2026, 10, 25, 0))  # 02:00 CEST
    assert is_open(repeated, utc(2026, 10, 25, 0, 59))  # 02:59 CEST
    assert is_open(repeated, utc(2026, 10, 25, 1))  # 02:00 CET, again
    assert is_open(repeated, utc(2026, 10, 25, 1, 59))
    assert not is_open(repeated, utc(2026, 10, 25, 2))  # 03:00 CET: two hours in all
    # A night window across the change keeps its wall-clock ends: 22:00 to 04:00.
    night = Window(EVER, days_of_week=frozenset({SAT}), hours=DailyHours(time(22), time(4)))
    assert is_open(night, utc(2026, 10, 24, 20))  # Saturday 22:00 CEST
    assert is_open(night, utc(2026, 10, 25, 2, 59))  # Sunday 03:59 CET
    assert not is_open(night, utc(2026, 10, 25, 3))  # Sunday 04:00 CET


def test_new_york_dst_day() -> None:
    # New York, 2026-03-08 (a Sunday): 02:00 EST jumps to 03:00 EDT (07:00 UTC).
    sunday_morning = Window(EVER, days_of_week=frozenset({SUN}), hours=DailyHours(time(1), time(4)))
    assert is_open(sunday_morning, utc(2026, 3, 8, 6, 59), NEW_YORK)  # 01:59 EST
    assert is_open(sunday_morning, utc(2026, 3, 8, 7), NEW_YORK)  # 03:00 EDT
    assert not is_open(sunday_morning, utc(2026, 3, 8, 8), NEW_YORK)  # 04:00 EDT: 2 h in all


# --- conditions and effects --------------------------------------------------------------------


def only(c: Campaign, act: CampaignActivity, zone: ZoneInfo = PARIS) -> tuple[int, bool, str]:
    outcome = apply_campaigns([c], act, zone=zone).outcomes[0]
    return outcome.points, outcome.applied, outcome.reason


def test_multiplier_adds_the_floor_of_the_product_less_the_rules() -> None:
    assert only(campaign(effect=Effect.times(Decimal(2))), activity(rule_points=35))[:2] == (
        35,
        True,
    )
    points, _, reason = only(
        campaign(effect=Effect.times(Decimal("1.5"))), activity(rule_points=35)
    )
    assert points == 17  # floor(52.5) - 35
    assert "floor(35 x 1.5) = 52" in reason
    assert only(campaign(effect=Effect.times(Decimal("1.01"))), activity(rule_points=99))[0] == 0


def test_bonus_points_are_fixed_per_activity() -> None:
    assert only(campaign(effect=Effect.bonus(50)), activity(rule_points=3))[:2] == (50, True)


def test_own_conversion_rate_replaces_the_rules_rate_when_it_gives_more() -> None:
    three_per_unit = campaign(effect=Effect.rate(Decimal(1), 3))
    assert only(three_per_unit, activity(rule_points=100, amount=Decimal("100")))[0] == 200
    assert only(three_per_unit, activity(rule_points=400, amount=Decimal("100")))[0] == 0
    assert only(three_per_unit, activity(rule_points=0, amount=Decimal("0.99")))[0] == 2
    points, applied, reason = only(three_per_unit, activity(amount=None))
    assert (points, applied) == (0, False) and "needs an amount" in reason


def test_conditions() -> None:
    typed = campaign(conditions=Conditions(activity_types=frozenset({"bookings/BookingConfirmed"})))
    assert "activity type 'stores/OrderPaid'" in only(typed, activity())[2]
    assert only(typed, activity(activity_type="bookings/BookingConfirmed"))[1]
    app = campaign(conditions=Conditions(trigger_app_ids=frozenset({"events"})))
    assert not only(app, activity())[1] and only(app, activity(trigger_app_id="events"))[1]
    gold = campaign(conditions=Conditions(tier_ids=frozenset({"gold"})))
    assert only(gold, activity(tier_id="gold"))[1]
    assert "base tier" in only(gold, activity(tier_id=None))[2]
    assert "tier silver" in only(gold, activity(tier_id="silver"))[2]
    minimum = campaign(conditions=Conditions(minimum_amount=Decimal("100")))
    assert only(minimum, activity(amount=Decimal("100.00")))[1]  # at least: equal qualifies
    assert "below the campaign's minimum 100" in only(minimum, activity(amount=Decimal("99.99")))[2]
    assert "has none" in only(minimum, activity(amount=None))[2]


def test_only_active_campaigns_on_activities_a_rule_matches() -> None:
    for status in (CampaignStatus.DRAFT, CampaignStatus.PAUSED):
        assert only(campaign(status=status), activity())[2] == f"the campaign is {status.value}"
    assert only(campaign(effect=Effect.bonus(5)), activity(rules_matched=0))[2] == (
        "no active earning rule matches the activity"
    )


def test_a_closed_window_says_why() -> None:
    c = campaign(window=Window(EVER, hours=DailyHours(time(18), time(22))))
    points, applied, reason = only(c, activity(at=utc(2026, 12, 4, 9)))
    assert (points, applied) == (0, False)
    assert reason == "it is 10:00 in Europe/Paris; the campaign runs 18:00-22:00 only"


# --- combination -------------------------------------------------------------------------------


def outcome_map(campaigns: list[Campaign], act: CampaignActivity) -> dict[str, tuple[int, bool]]:
    return {
        o.campaign_id: (o.points, o.applied)
        for o in apply_campaigns(campaigns, act, zone=PARIS).outcomes
    }


def test_stack_adds_every_extra_computed_on_the_rules_points() -> None:
    two = campaign("x2", effect=Effect.times(Decimal(2)))
    three = campaign("x3", effect=Effect.times(Decimal(3)))
    bonus = campaign("b10", effect=Effect.bonus(10))
    result = apply_campaigns([two, three, bonus], activity(rule_points=35), zone=PARIS)
    assert result.extra_points == 35 + 70 + 10  # R=35 -> 4R + 10 in all, not compounded (6R)
    assert {o.campaign_id for o in result.applied} == {"x2", "x3", "b10"}


def test_best_keeps_the_largest_extra_and_stack_still_adds() -> None:
    double = campaign("double", effect=Effect.times(Decimal(2)), combination=Combination.BEST)
    fifty = campaign("fifty", effect=Effect.bonus(50), combination=Combination.BEST)
    five = campaign("five", effect=Effect.bonus(5))  # STACK
    got = outcome_map([double, fifty, five], activity(rule_points=35))
    assert got == {"double": (0, False), "fifty": (50, True), "five": (5, True)}
    got = outcome_map([double, fifty, five], activity(rule_points=80))
    assert got == {"double": (80, True), "fifty": (0, False), "five": (5, True)}
    reason = apply_campaigns([double, fifty], activity(rule_points=35), zone=PARIS).outcomes
    assert "outdone by BEST campaign fifty" in next(
        o.reason for o in reason if o.campaign_id == "double"
    )


def test_best_ties_go_to_the_higher_priority_then_the_earlier_start_then_the_id() -> None:
    a = campaign("a", effect=Effect.bonus(20), combination=Combination.BEST, priority=1)
    b = campaign("b", effect=Effect.bonus(20), combination=Combination.BEST, priority=5)
    assert outcome_map([a, b], activity())["b"] == (20, True)
    early = campaign(
        "z", effect=Effect.bonus(20), combination=Combination.BEST, window=Window(utc(2019, 1, 1))
    )
    late = campaign("y", effect=Effect.bonus(20), combination=Combination.BEST)
    assert outcome_map([late, early], activity())["z"] == (20, True)
    same_1 = campaign("m", effect=Effect.bonus(20), combination=Combination.BEST)
    same_2 = campaign("n", effect=Effect.bonus(20), combination=Combination.BEST)
    assert outcome_map([same_2, same_1], activity())["m"] == (20, True)


def test_exclusive_applies_alone_highest_priority_first() -> None:
    stack = campaign("stack", effect=Effect.bonus(100))
    best = campaign("best", effect=Effect.bonus(100), combination=Combination.BEST)
    low = campaign(
        "low", effect=Effect.times(Decimal(5)), combination=Combination.EXCLUSIVE, priority=1
    )
    high = campaign("high", effect=Effect.bonus(7), combination=Combination.EXCLUSIVE, priority=9)
    result = apply_campaigns([stack, best, low, high], activity(rule_points=35), zone=PARIS)
    assert result.extra_points == 7  # the priority decides, not the size
    assert [o.campaign_id for o in result.outcomes] == ["high", "low", "best", "stack"]
    reasons = {o.campaign_id: o.reason for o in result.outcomes}
    assert reasons["stack"].startswith("excluded by EXCLUSIVE campaign high")
    assert "alone it would add 140" in reasons["low"]


def test_an_exclusive_campaign_that_does_not_apply_excludes_nothing() -> None:
    stack = campaign("stack", effect=Effect.bonus(10))
    closed = campaign(
        "excl",
        effect=Effect.bonus(99),
        combination=Combination.EXCLUSIVE,
        priority=9,
        window=Window(EVER, days_of_week=frozenset({SUN})),
    )
    assert outcome_map([stack, closed], activity(at=utc(2026, 12, 4, 12))) == {
        "excl": (0, False),
        "stack": (10, True),
    }
    assert outcome_map([stack, closed], activity(at=utc(2026, 12, 6, 12))) == {
        "excl": (99, True),
        "stack": (0, False),
    }


def test_the_result_does_not_depend_on_the_order_given() -> None:
    pool = [
        campaign(f"c{i}", effect=e, combination=m, priority=p)
        for i, (e, m, p) in enumerate(
            [
                (Effect.bonus(10), Combination.BEST, 1),
                (Effect.bonus(10), Combination.BEST, 1),
                (Effect.times(Decimal(2)), Combination.STACK, 0),
                (Effect.bonus(3), Combination.EXCLUSIVE, 2),
                (Effect.bonus(4), Combination.EXCLUSIVE, 2),
            ]
        )
    ]
    expected = apply_campaigns(pool, activity(), zone=PARIS)
    rng = random.Random(14)
    for _ in range(20):
        shuffled = pool[:]
        rng.shuffle(shuffled)
        assert apply_campaigns(shuffled, activity(), zone=PARIS) == expected
    assert expected.extra_points == 3  # c3: EXCLUSIVE, priority 2, first by id
    assert [c.id for c in ranked(pool)] == ["c3", "c4", "c0", "c1", "c2"]


# --- validation --------------------------------------------------------------------------------


def invalid(field: str, **overrides: object) -> None:
    base = {
        "title": "Double weekend",
        "window": Window(utc(2026, 12, 5), utc(2026, 12, 7)),
        "effect": Effect.times(Decimal(2)),
    }
    base.update(overrides)
    with pytest.raises(InvalidInput) as err:
        new_campaign(CampaignInput(**base), campaign_id="c", now=NOW)  # type: ignore[arg-type]
    assert err.value.field == field, str(err.value)


def test_validation_names_the_field() -> None:
    invalid("title", title="  ")
    invalid("title", title="x" * 51)
    invalid("window.startsAt", window=Window(datetime(2026, 12, 5)))
    invalid("window.endsAt", window=Window(utc(2026, 12, 5), utc(2026, 12, 5)))
    invalid("window.endsAt", window=Window(utc(2026, 12, 5), datetime(2026, 12, 6)))
    invalid("window.daysOfWeek", window=Window(EVER, days_of_week=frozenset()))
    invalid("window.daysOfWeek", window=Window(EVER, days_of_week=frozenset({0, 1})))
    invalid("window.daysOfWeek", window=Window(EVER, days_of_week=frozenset({8})))
    invalid("window.hours.end", window=Window(EVER, hours=DailyHours(time(18), time(18))))
    invalid("window.hours.start", window=Window(EVER, hours=DailyHours(time(18, 0, 30), time(19))))
    for bad in (Decimal(1), Decimal("0.5"), Decimal(101), Decimal("1.00001"), Decimal("NaN")):
        invalid("effect.multiplier", effect=Effect.times(bad))
    invalid("effect.bonusPoints", effect=Effect.bonus(0))
    invalid("effect.bonusPoints", effect=Effect.bonus(10_000_000))
    invalid("effect", effect=Effect(EffectKind.MULTIPLIER))
    invalid("effect", effect=Effect(EffectKind.MULTIPLIER, multiplier=Decimal(2), bonus_points=5))
    invalid("effect", effect=Effect(EffectKind.BONUS_POINTS, multiplier=Decimal(2)))
    invalid("effect.conversionRate.moneyAmount", effect=Effect.rate(Decimal(0), 1))
    invalid("effect.conversionRate.points", effect=Effect.rate(Decimal(1), 0))
    invalid("conditions.minimumAmount", conditions=Conditions(minimum_amount=Decimal("-1")))
    invalid("conditions.minimumAmount", conditions=Conditions(minimum_amount=Decimal("1.0000001")))
    invalid("conditions.activityTypes", conditions=Conditions(activity_types=frozenset({""})))
    invalid("conditions.tierIds", conditions=Conditions(tier_ids=frozenset({"t" * 37})))
    invalid(
        "conditions.triggerAppIds",
        conditions=Conditions(trigger_app_ids=frozenset(f"a{i}" for i in range(51))),
    )
    invalid("priority", priority=-1)
    invalid("priority", priority=1001)
    invalid("status", status=CampaignStatus.ENDED)


def test_a_valid_campaign_keeps_plain_values() -> None:
    c = new_campaign(
        CampaignInput(
            title="  Evening x1.50 ",
            window=Window(utc(2026, 12, 5), hours=DailyHours(time(22), time(2))),
            effect=Effect.times(Decimal("1.50")),
            conditions=Conditions(minimum_amount=Decimal("10.00")),
        ),
        campaign_id="c",
        now=NOW,
    )
    assert (c.title, c.revision, c.status, c.combination, c.priority) == (
        "Evening x1.50",
        1,
        CampaignStatus.DRAFT,
        Combination.STACK,
        0,
    )
    assert str(c.effect.multiplier) == "1.5" and str(c.conditions.minimum_amount) == "10"


def test_time_zone_names() -> None:
    assert time_zone("Europe/Paris").key == "Europe/Paris"
    assert time_zone("UTC").key == "UTC"
    for bad in (
        "",
        "Mars/Olympus",
        "../etc/passwd",
        "/etc/localtime",
        "Europe/Paris\x00",
        "x" * 65,
    ):
        with pytest.raises(InvalidInput) as err:
            time_zone(bad)
        assert err.value.field == "timeZone"


def test_updates_bump_the_revision_and_refuse_stale_or_final_campaigns() -> None:
    c = campaign(status=CampaignStatus.DRAFT)
    later = NOW + timedelta(hours=1)
    active = updated_campaign(
        c, CampaignChanges(status=CampaignStatus.ACTIVE), revision=1, now=later
    )
    assert (active.revision, active.status, active.updated_date) == (
        2,
        CampaignStatus.ACTIVE,
        later,
    )
    assert active.effect == c.effect and active.created_date == NOW
    with pytest.raises(RevisionMismatch):
        updated_campaign(active, CampaignChanges(priority=3), revision=1, now=later)
    with pytest.raises(InvalidInput) as err:
        updated_campaign(
            active, CampaignChanges(status=CampaignStatus.DRAFT), revision=2, now=later
        )
    assert err.value.field == "status"
    with pytest.raises(InvalidInput):
        updated_campaign(active, CampaignChanges(), revision=2, now=later)
    ended = updated_campaign(
        active, CampaignChanges(status=CampaignStatus.ENDED), revision=2, now=later
    )
    with pytest.raises(InvalidInput, match="ENDED"):
        updated_campaign(
            ended, CampaignChanges(status=CampaignStatus.ACTIVE), revision=3, now=later
        )
    with pytest.raises(InvalidInput) as err:
        updated_campaign(
            active, CampaignChanges(effect=Effect.times(Decimal("0.5"))), revision=2, now=later
        )
    assert err.value.field == "effect.multiplier"
    assert dataclasses.replace(active, revision=2) == active
