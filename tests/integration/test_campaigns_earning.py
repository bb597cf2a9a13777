"""Campaigns applied by the earning pipe, over GraphQL on SQLite and PostgreSQL: the extra is one
EARN entry naming the campaign (and one mint request), exactly once per order, judged at the
activity's time on the program's clock; refunds take it back in proportion; previewEarning says
what each campaign adds or why it does not."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from loyalty.db.ledger import ledger_entries
from loyalty.db.outbox import chain_requests
from tests.integration._rules_client import CREATE as CREATE_RULE
from tests.integration._rules_client import Api, running_api, stores_rule
from tests.integration.test_campaigns_api import CREATE, PROGRAM, SET_ZONE, UPDATE

RECORD = """mutation($i: RecordActivityInput!) { recordActivity(input: $i) {
  eventId duplicate
  awards { earningRuleId points alreadyAwarded }
  campaignAwards { campaignId campaignRevision points balanceChange transactionId alreadyAwarded }
  account { points { balance } } } }"""
REFUND = """mutation($i: RecordRefundInput!) { recordRefund(input: $i) {
  pointsReversed account { points { balance } } } }"""
PREVIEW = """query($a: ActivityInput!) { previewEarning(activity: $a) {
  totalPoints rulePoints campaignPoints
  awards { ruleId points }
  campaigns { campaignId title combination priority points applied reason } } }"""

SATURDAY = "2026-11-28T10:00:00Z"  # 11:00 in Paris
FRIDAY = "2026-11-27T11:00:00Z"  # 12:00 in Paris
FRIDAY_LATE_UTC = "2026-11-27T23:30:00Z"  # already Saturday 00:30 in Paris


def weekend_double(**changes: Any) -> dict[str, Any]:
    campaign: dict[str, Any] = {
        "title": "Double weekend",
        "window": {"startsAt": "2026-11-01T00:00:00Z", "daysOfWeek": ["SATURDAY", "SUNDAY"]},
        "conditions": {"activityTypes": ["stores/OrderPaid"]},
        "effect": {"multiplier": "2"},
        "status": "ACTIVE",
    }
    campaign.update(changes)
    return campaign


def order(key: str, at: str, amount: str = "35", order_id: str | None = None) -> dict[str, Any]:
    return {
        "idempotencyKey": key,
        "memberId": "m-1",
        "activityType": "stores/OrderPaid",
        "triggerAppId": "stores",
        "orderId": order_id or f"order-{key}",
        "amount": {"value": amount, "currency": "USD"},
        "occurredAt": at,
    }


@pytest.fixture
async def api(database_url: str, tmp_path) -> Any:
    async with running_api(database_url, tmp_path) as running:
        revision = (await running.ok(PROGRAM))["loyaltyProgram"]["revision"]
        await running.ok(SET_ZONE, {"rev": revision, "tz": "Europe/Paris"})
        rule = stores_rule(conversionRate={"configs": [{"moneyAmount": "1", "points": 1}]})
        await running.ok(CREATE_RULE, {"r": rule})
        yield running


async def entries(api: Api) -> list[Any]:
    async with api.runtime.async_engine.connect() as conn:
        return list(
            (await conn.execute(select(ledger_entries).order_by(ledger_entries.c.id))).all()
        )


async def mints(api: Api) -> list[tuple[int | None, int]]:
    async with api.runtime.async_engine.connect() as conn:
        rows = await conn.execute(
            select(chain_requests.c.ledger_entry_id, chain_requests.c.amount).order_by(
                chain_requests.c.id
            )
        )
        return [(r.ledger_entry_id, int(r.amount)) for r in rows]


async def test_a_campaign_adds_one_entry_once_per_order(api: Api) -> None:
    # An activity before the campaign exists: the cached configuration must see it after.
    before = (await api.ok(RECORD, {"i": order("a0", SATURDAY)}))["recordActivity"]
    assert before["campaignAwards"] == [] and before["account"]["points"]["balance"] == 35
    campaign = (await api.ok(CREATE, {"c": weekend_double()}))["createCampaign"]

    got = (await api.ok(RECORD, {"i": order("a1", SATURDAY, order_id="o-1")}))["recordActivity"]
    assert got["awards"][0]["points"] == 35
    assert got["campaignAwards"] == [
        {
            "campaignId": campaign["id"],
            "campaignRevision": 1,
            "points": 35,
            "balanceChange": 35,
            "transactionId": got["campaignAwards"][0]["transactionId"],
            "alreadyAwarded": False,
        }
    ]
    assert got["account"]["points"]["balance"] == 35 + 70
    rows = await entries(api)
    extra = rows[-1]
    assert (extra.type, extra.points, extra.rule_id) == ("EARN", 35, None)
    assert (extra.campaign_id, extra.campaign_revision) == (campaign["id"], 1)
    assert str(extra.id) == got["campaignAwards"][0]["transactionId"]
    assert "Double weekend" in extra.description
    assert (extra.id, 35) in await mints(api)  # minted like any award, in the same transaction

    # The same key: the first answer. The same order through another event: nothing new.
    again = (await api.ok(RECORD, {"i": order("a1", SATURDAY, order_id="o-1")}))["recordActivity"]
    assert again["duplicate"] is True and again["campaignAwards"] == got["campaignAwards"]
    other = (await api.ok(RECORD, {"i": order("a2", SATURDAY, order_id="o-1")}))["recordActivity"]
    assert other["campaignAwards"][0]["alreadyAwarded"] is True
    assert other["campaignAwards"][0]["transactionId"] is None
    assert other["account"]["points"]["balance"] == 105
    assert len(await entries(api)) == len(rows)


async def test_the_window_is_judged_at_the_activity_time_on_the_program_clock(api: Api) -> None:
    await api.ok(CREATE, {"c": weekend_double()})
    friday = (await api.ok(RECORD, {"i": order("f", FRIDAY)}))["recordActivity"]
    assert friday["campaignAwards"] == []
    # 23:30 UTC on Friday is 00:30 on Saturday in Paris.
    late = (await api.ok(RECORD, {"i": order("late", FRIDAY_LATE_UTC)}))["recordActivity"]
    assert [c["points"] for c in late["campaignAwards"]] == [35]
    # With the program on UTC, the same instant is still Friday.
    revision = (await api.ok(PROGRAM))["loyaltyProgram"]["revision"]
    await api.ok(SET_ZONE, {"rev": revision, "tz": "UTC"})
    utc = (await api.ok(RECORD, {"i": order("late-utc", FRIDAY_LATE_UTC)}))["recordActivity"]
    assert utc["campaignAwards"] == []


async def test_combination_and_a_paused_campaign(api: Api) -> None:
    double = (await api.ok(CREATE, {"c": weekend_double(combination="BEST")}))["createCampaign"]
    bonus = weekend_double(title="Bonus 50", effect={"bonusPoints": 50}, combination="BEST")
    fifty = (await api.ok(CREATE, {"c": bonus}))["createCampaign"]
    stack = weekend_double(title="Plus 5", effect={"bonusPoints": 5})
    five = (await api.ok(CREATE, {"c": stack}))["createCampaign"]
    got = (await api.ok(RECORD, {"i": order("c1", SATURDAY)}))["recordActivity"]
    assert {c["campaignId"]: c["points"] for c in got["campaignAwards"]} == {
        fifty["id"]: 50,  # BEST: 50 beats x2's 35
        five["id"]: 5,  # STACK adds
    }
    big = (await api.ok(RECORD, {"i": order("c2", SATURDAY, amount="80")}))["recordActivity"]
    assert {c["campaignId"]: c["points"] for c in big["campaignAwards"]} == {
        double["id"]: 80,
        five["id"]: 5,
    }
    await api.ok(UPDATE, {"id": five["id"], "rev": 1, "u": {"status": "PAUSED"}})
    paused = (await api.ok(RECORD, {"i": order("c3", SATURDAY)}))["recordActivity"]
    assert [c["campaignId"] for c in paused["campaignAwards"]] == [fifty["id"]]


async def test_a_refund_takes_the_extra_back_in_proportion(api: Api) -> None:
    await api.ok(CREATE, {"c": weekend_double()})
    await api.ok(RECORD, {"i": order("r1", SATURDAY, amount="40", order_id="o-r")})
    half = await api.ok(REFUND, {"i": {"idempotencyKey": "rf1", "orderId": "o-r", "amount": "20"}})
    assert half["recordRefund"]["pointsReversed"] == 40  # 20 of the rule's 40, 20 of the extra
    assert half["recordRefund"]["account"]["points"]["balance"] == 40
    reversals = [e for e in await entries(api) if e.type == "REVERSE"]
    assert sorted((e.points, e.campaign_id is not None) for e in reversals) == [
        (-20, False),
        (-20, True),
    ]
    rest = await api.ok(REFUND, {"i": {"idempotencyKey": "rf2", "orderId": "o-r", "amount": "20"}})
    assert rest["recordRefund"]["account"]["points"]["balance"] == 0


async def test_preview_explains_every_campaign(api: Api) -> None:
    double = (await api.ok(CREATE, {"c": weekend_double(priority=3)}))["createCampaign"]
    minimum = weekend_double(
        title="Big baskets",
        effect={"bonusPoints": 100},
        conditions={"minimumAmount": "100"},
    )
    big = (await api.ok(CREATE, {"c": minimum}))["createCampaign"]
    evening = weekend_double(
        title="Evenings",
        window={"startsAt": "2026-11-01T00:00:00Z", "hours": {"start": "18:00", "end": "22:00"}},
        effect={"bonusPoints": 7},
        status="PAUSED",
    )
    paused = (await api.ok(CREATE, {"c": evening}))["createCampaign"]
    activity = {
        "activityType": "stores/OrderPaid",
        "triggerAppId": "stores",
        "amount": {"value": "35", "currency": "USD"},
        "memberId": "m-1",
    }
    saturday = (await api.ok(PREVIEW, {"a": {**activity, "occurredAt": SATURDAY}}))[
        "previewEarning"
    ]
    assert (saturday["rulePoints"], saturday["campaignPoints"], saturday["totalPoints"]) == (
        "35",
        "35",
        "70",
    )
    by_id = {c["campaignId"]: c for c in saturday["campaigns"]}
    ranked = [c["campaignId"] for c in saturday["campaigns"]]
    assert ranked[0] == double["id"]  # priority 3 first; then priority 0, by id (same start)
    assert ranked[1:] == sorted([big["id"], paused["id"]])
    assert by_id[double["id"]]["applied"] is True and by_id[double["id"]]["points"] == "35"
    assert "floor(35 x 2) = 70" in by_id[double["id"]]["reason"]
    assert by_id[big["id"]]["applied"] is False
    assert by_id[big["id"]]["reason"] == "amount 35 is below the campaign's minimum 100"
    assert by_id[paused["id"]]["reason"] == "the campaign is PAUSED"

    friday = (await api.ok(PREVIEW, {"a": {**activity, "occurredAt": FRIDAY}}))["previewEarning"]
    assert friday["campaignPoints"] == "0" and friday["totalPoints"] == "35"
    reason = next(c["reason"] for c in friday["campaigns"] if c["campaignId"] == double["id"])
    assert reason == "it is Friday in Europe/Paris; the campaign runs on Saturday, Sunday"
    # A preview writes nothing.
    assert await entries(api) == []
