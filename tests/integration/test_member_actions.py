"""Member actions rewarded once, on SQLite and PostgreSQL (issue 15, item 5): a sign-up
(`auth/register`) earns once per member and following a social channel (`social/Followed`)
once per member and channel, whatever idempotency keys or webhook-ids they come with, through
GraphQL and the Standard Webhooks endpoint alike; a follow without its channel is refused and
writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from loyalty.db.ledger import ledger_entries
from tests.integration._rules_client import Api, running_api
from tests.support.ledger import add_fixed_rule
from tests.support.webhooks import SECRET_NEW, drain, standard_request

RECORD = """mutation($i: RecordActivityInput!) { recordActivity(input: $i) {
  duplicate awards { points alreadyAwarded } } }"""
BALANCE = """query($m: String!) { account(memberId: $m) { points { balance } } }"""


@pytest.fixture
async def api(database_url: str, tmp_path: Any) -> Any:
    async with running_api(database_url, tmp_path, webhook_secrets=(SECRET_NEW,)) as running:
        engine = running.runtime.async_engine
        await add_fixed_rule(engine, "auth/register", 50, app="members")
        await add_fixed_rule(engine, "social/Followed", 20, app="social")
        yield running


def action(key: str, member: str, activity_type: str, app: str, **more: Any) -> dict[str, Any]:
    return {
        "i": {
            "idempotencyKey": key,
            "memberId": member,
            "activityType": activity_type,
            "triggerAppId": app,
            **more,
        }
    }


async def balance(api: Api, member: str) -> int:
    return int((await api.ok(BALANCE, {"m": member}))["account"]["points"]["balance"])


async def entries(api: Api) -> int:
    async with api.runtime.async_engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(ledger_entries)) or 0)


async def webhook(api: Api, data: dict[str, Any], activity_type: str) -> Any:
    body, headers = standard_request({"type": activity_type, "data": data})
    return await api.client.post("/webhooks/events", content=body, headers=headers)


async def test_a_sign_up_earns_once_per_member(api: Api) -> None:
    first = await api.ok(RECORD, action("signup-1", "ann", "auth/register", "members"))
    assert first["recordActivity"]["awards"] == [{"points": 50, "alreadyAwarded": False}]
    again = await api.ok(RECORD, action("signup-2", "ann", "auth/register", "members"))
    assert again["recordActivity"]["awards"][0]["alreadyAwarded"] is True
    reply = await webhook(api, {"memberId": "ann", "triggerAppId": "members"}, "auth/register")
    assert reply.status_code == 200
    await drain(api.runtime)
    assert await balance(api, "ann") == 50
    await api.ok(RECORD, action("signup-3", "bob", "auth/register", "members"))
    assert await balance(api, "bob") == 50


async def test_following_a_channel_earns_once_per_member_and_channel(api: Api) -> None:
    follow = action("f-1", "ann", "social/Followed", "social", channel="Instagram")
    assert (await api.ok(RECORD, follow))["recordActivity"]["awards"][0]["points"] == 20
    again = action("f-2", "ann", "social/Followed", "social", channel="instagram")
    assert (await api.ok(RECORD, again))["recordActivity"]["awards"][0]["alreadyAwarded"]
    tiktok = action("f-3", "ann", "social/Followed", "social", channel="tiktok")
    assert (await api.ok(RECORD, tiktok))["recordActivity"]["awards"][0]["points"] == 20
    data = {"memberId": "ann", "triggerAppId": "social", "channel": "INSTAGRAM"}
    for _ in range(2):  # two webhook-ids, the same follow
        assert (await webhook(api, data, "social/Followed")).status_code == 200
    await drain(api.runtime)
    assert await balance(api, "ann") == 40
    bob = action("f-4", "bob", "social/Followed", "social", channel="instagram")
    assert (await api.ok(RECORD, bob))["recordActivity"]["awards"][0]["points"] == 20

    written = await entries(api)
    for bad in (
        action("f-5", "cy", "social/Followed", "social"),  # which channel?
        action("f-6", "cy", "social/Followed", "social", channel="no spaces"),
        action("f-7", "cy", "reviews/ReviewCreated", "reviews", channel="instagram"),
    ):
        error = await api.error(RECORD, bad)
        assert (error["extensions"]["code"], error["extensions"]["field"]) == (
            "VALIDATION",
            "channel",
        )
    refused = await webhook(api, {"memberId": "cy", "triggerAppId": "social"}, "social/Followed")
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "data.channel"
    await drain(api.runtime)
    assert await entries(api) == written
