"""Outbound webhooks for configuration changes on SQLite and PostgreSQL: every change of a rule,
campaign, tier, reward or the program settings queues one signed webhook (entity, change,
revision, changed fields) in the change's transaction, through the audit log's domain event;
adjustments and API keys send none, a refused change sends none, no webhookUrl sends none; and
one is delivered to a real receiver by the notification loop."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from loyalty.db.program import notifications
from loyalty.notify.loop import deliver_due
from tests.integration._rules_client import CREATE, DELETE, UPDATE, Api, running_api, stores_rule
from tests.integration.test_audit_log_api import (
    ADJUST,
    CREATE_CAMPAIGN,
    CREATE_MEMBER,
    CREATE_REWARD,
    CREATE_TIER,
    DELETE_TIER,
    PROGRAM,
    UPDATE_PROGRAM,
    UPDATE_TIER,
)
from tests.integration.test_notifications import Receiver, transports

LIMITS = """mutation($id: ID!, $l: EarningLimitsInput!) {
  setEarningLimits(earningRuleId: $id, limits: $l) { budget { total } } }"""


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(database_url, tmp_path, notify_webhook_allow_private=True) as running:
        yield running


async def queued(api: Api) -> list[dict[str, Any]]:
    async with api.runtime.async_engine.connect() as conn:
        rows = (
            await conn.execute(
                select(notifications)
                .where(notifications.c.event_id.like("evt_config_%"))
                .order_by(notifications.c.id)
            )
        ).all()
    for row in rows:
        assert row.member_id is None and row.channel == "WEBHOOK" and row.status == "PENDING"
    return [json.loads(row.payload) for row in rows]


async def set_webhook(api: Api, url: str) -> None:
    rev = (await api.ok(PROGRAM))["loyaltyProgram"]["revision"]
    await api.ok(UPDATE_PROGRAM, {"rev": rev, "p": {"webhookUrl": url}})


async def test_every_configuration_change_queues_one_webhook(api: Api) -> None:
    await api.ok(CREATE, {"r": stores_rule()})  # no webhookUrl yet: nothing queued
    assert await queued(api) == []
    await set_webhook(api, "http://127.0.0.1:9/hooks")
    rule = (await api.ok(CREATE, {"r": stores_rule("Second")}))["createEarningRule"]
    updated = (await api.ok(UPDATE, {"id": rule["id"], "rev": 1, "u": {"title": "Spend"}}))[
        "updateEarningRule"
    ]
    await api.ok(LIMITS, {"id": rule["id"], "l": {"budget": {"total": 1000}}})
    await api.ok(DELETE, {"id": rule["id"], "rev": updated["revision"]})
    tier = (await api.ok(CREATE_TIER, {"t": {"name": "Gold", "requiredPoints": 100}}))["createTier"]
    await api.ok(UPDATE_TIER, {"id": tier["id"], "rev": 1, "t": {"requiredPoints": 200}})
    await api.ok(DELETE_TIER, {"id": tier["id"], "rev": 2})
    reward = {
        "name": "5 off",
        "type": "DISCOUNT_AMOUNT",
        "configsByTier": [{"tierId": None, "amount": "5", "costInPoints": 50}],
    }
    reward_id = (await api.ok(CREATE_REWARD, {"r": reward}))["createReward"]["id"]
    campaign = {
        "title": "Double",
        "window": {"startsAt": "2026-12-05T00:00:00Z"},
        "effect": {"multiplier": "2"},
    }
    campaign_id = (await api.ok(CREATE_CAMPAIGN, {"c": campaign}))["createCampaign"]["id"]
    # not configuration: an adjustment sends no configuration webhook
    await api.ok(CREATE_MEMBER, {"m": "ann"})
    adjust = {"memberId": "ann", "idempotencyKey": "a-1", "reason": "welcome", "amount": 30}
    await api.ok(ADJUST, {"i": adjust})
    # refused changes queue nothing
    await api.error(UPDATE, {"id": rule["id"], "rev": 99, "u": {"title": "x"}})
    await api.error(UPDATE_TIER, {"id": tier["id"], "rev": 99, "t": {"requiredPoints": 1}})

    events = await queued(api)
    got = [(e["type"], e["data"]["entityId"], e["data"]["revision"]) for e in events]
    program_rev = events[0]["data"]["revision"]
    assert got == [
        ("program.updated", "1", program_rev),  # the webhookUrl itself, now that there is one
        ("rule.created", rule["id"], 1),
        ("rule.updated", rule["id"], 2),
        ("rule.limits_set", rule["id"], None),
        ("rule.deleted", rule["id"], updated["revision"]),
        ("tier.created", tier["id"], 1),
        ("tier.updated", tier["id"], 2),
        ("tier.deleted", tier["id"], 2),
        ("reward.created", reward_id, 1),
        ("campaign.created", campaign_id, 1),
    ]
    changed = events[2]["data"]["changedFields"]
    assert {"title", "revision"} <= set(changed) and changed == sorted(changed)
    assert {e["data"]["change"] for e in events} == {"create", "update", "delete", "set_limits"}
    assert all(e["data"]["entity"] == e["type"].split(".")[0] for e in events)


async def test_a_configuration_webhook_is_delivered_signed(api: Api) -> None:
    receiver = Receiver(failures=0)
    try:
        await set_webhook(api, receiver.url)
        rule = (await api.ok(CREATE, {"r": stores_rule()}))["createEarningRule"]
        delivered = await deliver_due(api.runtime.unit_of_work(), transports())
        assert delivered == 2  # program.updated, rule.created
        bodies = [json.loads(body) for _, body, _ in receiver.requests]
        assert [b["type"] for b in bodies] == ["program.updated", "rule.created"]
        assert bodies[1]["data"]["entityId"] == rule["id"]
        headers = receiver.requests[1][0]
        assert headers["webhook-id"].startswith("evt_config_")
        assert headers["webhook-signature"].startswith("v1,")
    finally:
        receiver.close()
