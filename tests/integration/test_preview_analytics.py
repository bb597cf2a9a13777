"""previewEarning's explanations and the campaign analytics, over GraphQL on SQLite and
PostgreSQL: every cap with what it has left (cut or not), how the total is made, a closed
window's reason, nothing while the program is paused (activities at the test's own time: limits
count the awards of today); points per campaign (and what a refund
took back) and each budget's use and what is left."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration._rules_client import CREATE as CREATE_RULE
from tests.integration._rules_client import Api, running_api, stores_rule
from tests.integration.test_campaigns_api import CREATE as CREATE_CAMPAIGN

SET = """mutation($r: ID, $l: EarningLimitsInput) {
  setEarningLimits(earningRuleId: $r, limits: $l) { budget { total } } }"""
RECORD = """mutation($i: RecordActivityInput!) { recordActivity(input: $i) {
  awards { points } campaignAwards { points } } }"""
REFUND = """mutation($i: RecordRefundInput!) { recordRefund(input: $i) { pointsReversed } }"""
PREVIEW = """query($a: ActivityInput!) { previewEarning(activity: $a) {
  totalPoints combined notEarningReason
  awards { points limitReason caps { kind label limit used left } }
  campaigns { title points applied reason caps { kind } } } }"""
ANALYTICS = """{ analytics { pointsPerCampaign { title awards issued reversed }
  budgets { ownerKind ownerId title total usedTotal leftTotal perPeriod period periodKey
            usedInPeriod leftInPeriod } } }"""
PROGRAM = "{ loyaltyProgram { revision } }"
PAUSE = "mutation($rev: Long!) { pauseLoyaltyProgram(revision: $rev) { status } }"


def campaign(title: str, **window: Any) -> dict[str, Any]:
    return {
        "title": title,
        "window": {"startsAt": "2020-01-01T00:00:00Z", **window},
        "effect": {"multiplier": "2"},
        "status": "ACTIVE",
    }


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(database_url, tmp_path) as running:
        rule = stores_rule(conversionRate={"configs": [{"moneyAmount": "1", "points": 1}]})
        rule_id = (await running.ok(CREATE_RULE, {"r": rule}))["createEarningRule"]["id"]
        limits = {
            "perMember": {"points": 50, "period": "DAY"},
            "budget": {"total": 1000, "perPeriod": 800, "period": "MONTH"},
        }
        await running.ok(SET, {"r": rule_id, "l": limits})
        await running.ok(CREATE_CAMPAIGN, {"c": campaign("Double")})
        await running.ok(CREATE_CAMPAIGN, {"c": campaign("Over", endsAt="2020-01-02T00:00:00Z")})
        running.rule_id = rule_id  # type: ignore[attr-defined]
        yield running


def activity(amount: str) -> dict[str, Any]:
    return {
        "activityType": "stores/OrderPaid",
        "triggerAppId": "stores",
        "memberId": "m-1",
        "amount": {"value": amount, "currency": "USD"},
    }


async def test_preview_explains_caps_windows_and_how_they_combined(api: Api) -> None:
    await api.ok(RECORD, {"i": {"idempotencyKey": "o1", "orderId": "o1", **activity("30")}})
    preview = (await api.ok(PREVIEW, {"a": activity("30")}))["previewEarning"]
    (award,) = preview["awards"]
    assert int(award["points"]) == 20  # 50 a day, 30 used
    assert award["limitReason"].startswith("cut from 30 to 20 points")
    caps = {c["kind"]: c for c in award["caps"]}
    assert {k: (int(c["limit"]), int(c["used"]), int(c["left"])) for k, c in caps.items()} == {
        "MEMBER_PERIOD": (50, 30, 20),
        "BUDGET_PERIOD": (800, 30, 770),
        "BUDGET_TOTAL": (1000, 30, 970),
    }
    by_title = {c["title"]: c for c in preview["campaigns"]}
    assert by_title["Double"]["applied"] and int(by_title["Double"]["points"]) == 20
    assert by_title["Double"]["caps"] == []  # no limits of its own
    assert not by_title["Over"]["applied"] and "ended" in by_title["Over"]["reason"]
    assert preview["combined"] == "rules 20 + 'Double' 20 (STACK) = 40 points"
    assert int(preview["totalPoints"]) == 40 and preview["notEarningReason"] is None
    # Small enough: nothing cut, and the caps still say what is left.
    small = (await api.ok(PREVIEW, {"a": activity("5")}))["previewEarning"]["awards"][0]
    assert small["limitReason"] is None
    assert [int(c["left"]) for c in small["caps"]] == [20, 770, 970]

    await api.ok(PAUSE, {"rev": (await api.ok(PROGRAM))["loyaltyProgram"]["revision"]})
    paused = (await api.ok(PREVIEW, {"a": activity("5")}))["previewEarning"]
    assert int(paused["totalPoints"]) == 0
    assert paused["notEarningReason"].startswith("program PAUSED")
    assert paused["combined"].startswith("rules 5 + 'Double' 5 (STACK) = 10 points, but 0 now")


async def test_analytics_show_points_per_campaign_and_budgets(api: Api) -> None:
    for key, amount in (("o1", "30"), ("o2", "10")):
        await api.ok(RECORD, {"i": {"idempotencyKey": key, "orderId": key, **activity(amount)}})
    await api.ok(REFUND, {"i": {"idempotencyKey": "r1", "orderId": "o2", "amount": "10"}})
    figures = (await api.ok(ANALYTICS))["analytics"]
    (double,) = figures["pointsPerCampaign"]
    assert (double["title"], double["awards"]) == ("Double", 2)
    assert (int(double["issued"]), int(double["reversed"])) == (40, 10)
    (budget,) = figures["budgets"]
    assert (budget["ownerKind"], budget["ownerId"]) == ("RULE", api.rule_id)  # type: ignore[attr-defined]
    used = 30 + 10 - 10  # the refund gave its award's budget back
    assert (int(budget["total"]), int(budget["usedTotal"]), int(budget["leftTotal"])) == (
        1000,
        used,
        1000 - used,
    )
    assert (budget["period"], int(budget["perPeriod"])) == ("MONTH", 800)
    assert int(budget["leftInPeriod"]) == 800 - int(budget["usedInPeriod"])
