"""previewEarning for a member shows what they would earn now: at their current tier's rate."""

from __future__ import annotations

from pathlib import Path

from tests.integration._rules_client import CREATE, PREVIEW, running_api

CREATE_TIER = """mutation($t: TierInput!) { createTier(tier: $t) { id } }"""
RECORD = """mutation($i: RecordActivityInput!) { recordActivity(input: $i) {
  awards { points } account { tier { id } } } }"""


def purchase(value: str) -> dict[str, object]:
    return {
        "activityType": "stores/OrderPaid",
        "triggerAppId": "stores",
        "amount": {"value": value, "currency": "USD"},
    }


async def test_preview_uses_the_members_current_tier(database_url: str, tmp_path: Path) -> None:
    async with running_api(database_url, tmp_path) as api:
        gold = (await api.ok(CREATE_TIER, {"t": {"name": "Gold", "requiredPoints": 100}}))[
            "createTier"
        ]["id"]
        rate = {"tierId": None, "moneyAmount": "1", "points": 1}
        gold_rate = {"tierId": gold, "moneyAmount": "1", "points": 3}
        await api.ok(
            CREATE,
            {
                "r": {
                    "title": "Per dollar",
                    "triggerAppId": "stores",
                    "triggerActivityType": "stores/OrderPaid",
                    "conversionRate": {"configs": [rate, gold_rate]},
                }
            },
        )
        before = await api.ok(PREVIEW, {"a": {**purchase("10"), "memberId": "ann"}})
        assert before["previewEarning"]["totalPoints"] == "10"  # unknown member: base rate

        recorded = await api.ok(
            RECORD,
            {
                "i": {
                    "idempotencyKey": "o-1",
                    "memberId": "ann",
                    "orderId": "o-1",
                    **purchase("150"),
                }
            },
        )
        assert recorded["recordActivity"]["account"]["tier"]["id"] == gold

        after = await api.ok(PREVIEW, {"a": {**purchase("10"), "memberId": "ann"}})
        assert after["previewEarning"]["totalPoints"] == "30"
        assert after["previewEarning"]["awards"][0]["tierId"] == gold
        # Another member is previewed at their own (base) tier.
        base = await api.ok(PREVIEW, {"a": {**purchase("10"), "memberId": "bob"}})
        assert base["previewEarning"]["totalPoints"] == "10"
