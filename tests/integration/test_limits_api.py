"""Limits and budgets of rules and campaigns over GraphQL on SQLite and PostgreSQL: a budget is
never passed by concurrent activities, member limits per rolling period, cuts with their
reason, budget given back by refunds, and typed errors."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from loyalty.db.ledger import ledger_entries
from tests.integration._rules_client import CREATE as CREATE_RULE
from tests.integration._rules_client import Api, member_jwt, running_api, stores_rule
from tests.integration.test_campaigns_api import CREATE as CREATE_CAMPAIGN

SET = """mutation($r: ID, $c: ID, $l: EarningLimitsInput) {
  setEarningLimits(earningRuleId: $r, campaignId: $c, limits: $l) {
    perMember { points period days }
    budget { total perPeriod period usage { periodKey used } } } }"""
GET = """query($r: ID, $c: ID) { earningLimits(earningRuleId: $r, campaignId: $c) {
  perMember { points period days } budget { total usage { periodKey used } } } }"""
RECORD = """mutation($i: RecordActivityInput!) { recordActivity(input: $i) {
  awards { points limitReason alreadyAwarded }
  campaignAwards { points limitReason } } }"""
REFUND = """mutation($i: RecordRefundInput!) { recordRefund(input: $i) { pointsReversed } }"""


def review(key: str, member: str) -> dict[str, Any]:
    return {
        "idempotencyKey": key,
        "memberId": member,
        "activityType": "reviews/ReviewPosted",
        "triggerAppId": "reviews",
    }


def purchase(key: str, member: str, amount: str, order_id: str) -> dict[str, Any]:
    return {
        "idempotencyKey": key,
        "memberId": member,
        "activityType": "stores/OrderPaid",
        "triggerAppId": "stores",
        "orderId": order_id,
        "amount": {"value": amount, "currency": "USD"},
    }


@pytest.fixture
async def api(database_url: str, tmp_path) -> Any:
    async with running_api(database_url, tmp_path) as running:
        yield running


async def fixed_rule(api: Api, points: int) -> str:
    rule = {
        "title": "Write a review",
        "triggerAppId": "reviews",
        "triggerActivityType": "reviews/ReviewPosted",
        "fixedAmount": {"configs": [{"points": points}]},
    }
    return str((await api.ok(CREATE_RULE, {"r": rule}))["createEarningRule"]["id"])


async def earned(api: Api) -> int:
    async with api.runtime.async_engine.connect() as conn:
        total = await conn.scalar(
            select(func.coalesce(func.sum(ledger_entries.c.points), 0)).where(
                ledger_entries.c.type.in_(["EARN", "REVERSE"])
            )
        )
    return int(total or 0)


async def test_a_budget_holds_under_100_concurrent_activities(api: Api) -> None:
    rule = await fixed_rule(api, 7)
    await api.ok(SET, {"r": rule, "l": {"budget": {"total": 500}}})
    replies = await asyncio.gather(
        *(api.ok(RECORD, {"i": review(f"k{i}", f"member-{i}")}) for i in range(100))
    )
    granted = [r["recordActivity"]["awards"][0]["points"] for r in replies]
    assert sum(granted) == 500  # 71 awards of 7, one of 3, the rest 0: never more
    assert sorted(granted, reverse=True)[:73] == [7] * 71 + [3, 0]
    reasons = {r["recordActivity"]["awards"][0]["limitReason"] for r in replies}
    assert "cut from 7 to 3 points: a total budget of 500 points (497 used, leaves 3)" in reasons
    assert "cut from 7 to 0 points: a total budget of 500 points (500 used, reached)" in reasons
    assert await earned(api) == 500
    usage = (await api.ok(GET, {"r": rule}))["earningLimits"]["budget"]["usage"]
    assert usage == [{"periodKey": "total", "used": 500}]


async def test_a_member_limit_cuts_and_leaves_other_members_alone(api: Api) -> None:
    rule = await fixed_rule(api, 40)
    limits = {"perMember": {"points": 100, "period": "ROLLING_DAYS", "days": 7}}
    stored = (await api.ok(SET, {"r": rule, "l": limits}))["setEarningLimits"]
    assert stored == {
        "perMember": {"points": 100, "period": "ROLLING_DAYS", "days": 7},
        "budget": None,
    }
    got = []
    for i in range(4):
        reply = await api.ok(RECORD, {"i": review(f"a{i}", "ann")})
        got.append(reply["recordActivity"]["awards"][0])
    assert [a["points"] for a in got] == [40, 40, 20, 0]
    assert got[2]["limitReason"] == (
        "cut from 40 to 20 points: 100 points per member per 7 rolling days (80 used, leaves 20)"
    )
    bob = await api.ok(RECORD, {"i": review("b0", "bob")})
    assert bob["recordActivity"]["awards"][0] == {
        "points": 40,
        "limitReason": None,
        "alreadyAwarded": False,
    }


async def test_a_refund_gives_the_budget_back_in_proportion(api: Api) -> None:
    rule = stores_rule(conversionRate={"configs": [{"moneyAmount": "1", "points": 1}]})
    rule_id = (await api.ok(CREATE_RULE, {"r": rule}))["createEarningRule"]["id"]
    await api.ok(
        SET, {"r": rule_id, "l": {"budget": {"total": 100, "perPeriod": 100, "period": "YEAR"}}}
    )
    first = await api.ok(RECORD, {"i": purchase("p1", "ann", "100", "o-1")})
    assert first["recordActivity"]["awards"][0]["points"] == 100
    # The same order again through another event: nothing awarded, no budget taken.
    again = await api.ok(RECORD, {"i": purchase("p1-bis", "ann", "100", "o-1")})
    assert again["recordActivity"]["awards"][0]["alreadyAwarded"] is True
    refund = await api.ok(REFUND, {"i": {"idempotencyKey": "r1", "orderId": "o-1", "amount": "30"}})
    assert refund["recordRefund"]["pointsReversed"] == 30
    usage = (await api.ok(GET, {"r": rule_id}))["earningLimits"]["budget"]["usage"]
    assert {u["periodKey"]: u["used"] for u in usage}["total"] == 70
    assert all(u["used"] == 70 for u in usage)  # the year's row too
    second = await api.ok(RECORD, {"i": purchase("p2", "bob", "80", "o-2")})
    award = second["recordActivity"]["awards"][0]
    assert award["points"] == 30 and "leaves 30" in award["limitReason"]


async def test_a_campaign_budget_cuts_its_extra(api: Api) -> None:
    await fixed_rule(api, 5)
    campaign = {
        "title": "Review bonus",
        "window": {"startsAt": "2026-01-01T00:00:00Z"},
        "effect": {"bonusPoints": 50},
        "status": "ACTIVE",
    }
    campaign_id = (await api.ok(CREATE_CAMPAIGN, {"c": campaign}))["createCampaign"]["id"]
    await api.ok(SET, {"c": campaign_id, "l": {"budget": {"total": 120}}})
    extras = []
    for i in range(3):
        reply = await api.ok(RECORD, {"i": review(f"c{i}", f"m{i}")})
        extras.append(reply["recordActivity"]["campaignAwards"])
    assert [[e["points"] for e in x] for x in extras] == [[50], [50], [20]]
    assert await earned(api) == 3 * 5 + 120
    fourth = await api.ok(RECORD, {"i": review("c3", "m3")})
    assert fourth["recordActivity"]["campaignAwards"][0]["points"] == 0


async def test_limits_are_checked_and_admin_only(api: Api) -> None:
    rule = await fixed_rule(api, 5)
    both = await api.error(SET, {"r": rule, "c": rule, "l": None})
    assert both["extensions"] == {"code": "VALIDATION", "field": "earningRuleId"}
    bad = {"budget": {"total": 10, "perPeriod": 20, "period": "DAY"}}
    error = await api.error(SET, {"r": rule, "l": bad})
    assert error["extensions"] == {"code": "VALIDATION", "field": "limits.budget.perPeriod"}
    rolling = {"budget": {"perPeriod": 20, "period": "ROLLING_DAYS"}}
    error = await api.error(SET, {"r": rule, "l": rolling})
    assert error["extensions"] == {"code": "VALIDATION", "field": "limits.budget.period"}
    missing = await api.error(SET, {"r": "no-such-rule", "l": {"budget": {"total": 5}}})
    assert missing["extensions"]["code"] == "NOT_FOUND"
    member = await api.error(SET, {"r": rule, "l": {"budget": {"total": 5}}}, token=member_jwt("m"))
    assert member["extensions"]["code"] == "FORBIDDEN"
    assert (await api.ok(GET, {"r": rule}))["earningLimits"] is None
    await api.ok(SET, {"r": rule, "l": {"budget": {"total": 5}}})
    assert (await api.ok(GET, {"r": rule}))["earningLimits"]["budget"]["total"] == 5
    cleared = await api.ok(SET, {"r": rule, "l": None})
    assert cleared["setEarningLimits"] is None
    assert (await api.ok(GET, {"r": rule}))["earningLimits"] is None


PREVIEW = """query($a: ActivityInput!) { previewEarning(activity: $a) {
  totalPoints rulePoints campaignPoints
  awards { points limitReason }
  campaigns { points applied limitReason } } }"""


async def test_preview_shows_what_the_limits_leave_and_writes_nothing(api: Api) -> None:
    rule = await fixed_rule(api, 40)
    limits = {"perMember": {"points": 100, "period": "YEAR"}, "budget": {"total": 1000}}
    await api.ok(SET, {"r": rule, "l": limits})
    campaign = {
        "title": "Review bonus",
        "window": {"startsAt": "2026-01-01T00:00:00Z"},
        "effect": {"bonusPoints": 50},
        "status": "ACTIVE",
    }
    campaign_id = (await api.ok(CREATE_CAMPAIGN, {"c": campaign}))["createCampaign"]["id"]
    await api.ok(SET, {"c": campaign_id, "l": {"budget": {"total": 60}}})
    for i in range(2):
        await api.ok(RECORD, {"i": review(f"p{i}", "ann")})  # 80 of ann's 100; 60 of 60 bonus
    activity = {"activityType": "reviews/ReviewPosted", "triggerAppId": "reviews"}
    ann = (await api.ok(PREVIEW, {"a": {**activity, "memberId": "ann"}}))["previewEarning"]
    assert ann["awards"] == [
        {
            "points": "20",
            "limitReason": "cut from 40 to 20 points: 100 points per member per year "
            "(80 used, leaves 20)",
        }
    ]
    assert ann["campaigns"] == [
        {
            "points": "0",
            "applied": False,
            "limitReason": "cut from 50 to 0 points: a total budget of 60 points "
            "(60 used, reached)",
        }
    ]
    assert (ann["rulePoints"], ann["campaignPoints"], ann["totalPoints"]) == ("20", "0", "20")
    bob = (await api.ok(PREVIEW, {"a": {**activity, "memberId": "bob"}}))["previewEarning"]
    assert bob["awards"] == [{"points": "40", "limitReason": None}]
    before = await earned(api)
    await api.ok(PREVIEW, {"a": {**activity, "memberId": "ann"}})
    assert await earned(api) == before == 80 + 60
