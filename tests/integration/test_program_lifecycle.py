"""The program's lifecycle over GraphQL and webhooks, on SQLite and PostgreSQL: an existing
program is ACTIVE; a paused one stores webhooks and answers them IGNORED (awarding nothing),
refuses activities, redemptions and adjustments with PROGRAM_NOT_ACTIVE (writing nothing), and
awards again once activated, while what came during the pause stays ignored. Pausing and
activating are revision-checked, admin-only and in the audit log."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, select

from cli.migrate import version_locations
from loyalty.db import migrate
from loyalty.db.engine import make_engine
from loyalty.db.ledger import inbound_events
from loyalty.db.program import program_settings
from loyalty.domain.expiry import ExpirationPolicy, ExpirationStatus
from loyalty.services import program as program_service
from loyalty.services.expiry import run_expiry
from tests.integration._program import at, count, earn, reward, written
from tests.integration._rules_client import CREATE as CREATE_RULE
from tests.integration._rules_client import Api, member_jwt, running_api, stores_rule
from tests.support.reads import event_of
from tests.support.uow import uow_for
from tests.support.webhooks import SECRET_NEW, drain, standard_request

PROGRAM = "{ loyaltyProgram { revision status pointDefinition { name iconUrl } } }"
PAUSE = """mutation($rev: Long!) { pauseLoyaltyProgram(revision: $rev) { revision status } }"""
ACTIVATE = """mutation($rev: Long!) {
  activateLoyaltyProgram(revision: $rev) { revision status } }"""
UPDATE = """mutation($rev: Long!, $p: LoyaltyProgramUpdate!) {
  updateLoyaltyProgram(revision: $rev, program: $p) {
    revision status pointDefinition { name iconUrl } } }"""
RECORD = """mutation($i: RecordActivityInput!) { recordActivity(input: $i) {
  awards { points } account { points { balance } } } }"""
REDEEM = """mutation($r: ID!) { redeemReward(memberId: "ann", rewardId: $r, idempotencyKey: "r1") {
  id } }"""
ADJUST = """mutation { adjustPoints(input: {memberId: "ann", idempotencyKey: "a1", amount: 5,
  reason: "goodwill"}) { transactionId } }"""
LOG = """{ auditLog(filter: {kind: PROGRAM}) { edges { node { action diff } } } }"""


def order(key: str, amount: str = "20") -> dict[str, Any]:
    return {
        "idempotencyKey": key,
        "memberId": "ann",
        "activityType": "stores/OrderPaid",
        "triggerAppId": "stores",
        "orderId": f"order-{key}",
        "amount": {"value": amount, "currency": "USD"},
    }


def webhook(order_id: str, msg_id: str) -> tuple[bytes, dict[str, str]]:
    return standard_request(
        {
            "type": "stores/OrderPaid",
            "data": {
                "memberId": "ann",
                "triggerAppId": "stores",
                "orderId": order_id,
                "amount": {"value": "10", "currency": "USD"},
            },
        },
        msg_id=msg_id,
    )


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(database_url, tmp_path, webhook_secrets=(SECRET_NEW,)) as running:
        rule = stores_rule(conversionRate={"configs": [{"moneyAmount": "1", "points": 1}]})
        await running.ok(CREATE_RULE, {"r": rule})
        yield running


async def revision(api: Api) -> int:
    return int((await api.ok(PROGRAM))["loyaltyProgram"]["revision"])


async def send(api: Api, order_id: str, msg_id: str) -> dict[str, Any]:
    body, headers = webhook(order_id, msg_id)
    reply = await api.client.post("/webhooks/events", content=body, headers=headers)
    assert reply.status_code == 200, reply.text
    await drain(api.runtime)
    found = await event_of(api.runtime.async_engine, id=reply.json()["eventId"])
    assert found is not None and found.state == "DONE"
    assert found.outcome is not None
    return dict(found.outcome)


async def test_an_existing_program_is_active_with_default_points(api: Api) -> None:
    program = (await api.ok(PROGRAM))["loyaltyProgram"]
    assert program["status"] == "ACTIVE"
    assert program["pointDefinition"] == {"name": "Points", "iconUrl": None}
    rev = program["revision"]
    named = {"name": " Stars ", "iconUrl": "https://shop.example/star.svg"}
    changed = (await api.ok(UPDATE, {"rev": rev, "p": {"pointDefinition": named}}))[
        "updateLoyaltyProgram"
    ]
    assert changed["pointDefinition"] == {"name": "Stars", "iconUrl": named["iconUrl"]}
    bad = await api.error(
        UPDATE, {"rev": rev + 1, "p": {"pointDefinition": {"name": "x", "iconUrl": "ftp://a"}}}
    )
    assert (bad["extensions"]["code"], bad["extensions"]["field"]) == (
        "VALIDATION",
        "pointDefinition.iconUrl",
    )
    assert (await revision(api)) == rev + 1  # refused: nothing changed


async def test_a_paused_program_stores_events_awards_nothing_then_awards_again(api: Api) -> None:
    engine = api.runtime.async_engine
    assert (await api.ok(RECORD, {"i": order("o1")}))["recordActivity"]["awards"][0]["points"] == 20
    rev = await revision(api)
    paused = (await api.ok(PAUSE, {"rev": rev}))["pauseLoyaltyProgram"]
    assert paused == {"revision": rev + 1, "status": "PAUSED"}
    before = await written(engine)
    events_before = await count(engine, inbound_events)

    # A webhook during the pause: stored, processed, answered IGNORED with the reason.
    outcome = await send(api, "w1", "msg_paused_1")
    assert outcome["status"] == "IGNORED" and outcome["awards"] == []
    assert outcome["reason"].startswith("program PAUSED")
    assert await count(engine, inbound_events) == events_before + 1  # nothing lost
    assert await written(engine) == before  # no entry, no mint request

    # GraphQL refuses with the typed code and writes nothing (not even the claim).
    refused = await api.error(RECORD, {"i": order("o2")})
    assert refused["extensions"]["code"] == "PROGRAM_NOT_ACTIVE"
    assert await count(engine, inbound_events) == events_before + 1
    assert await written(engine) == before

    # Activated again: new events award; the one of the pause stays ignored, redelivered or not.
    active = (await api.ok(ACTIVATE, {"rev": rev + 1}))["activateLoyaltyProgram"]
    assert active == {"revision": rev + 2, "status": "ACTIVE"}
    body, headers = webhook("w1", "msg_paused_1")
    again = await api.client.post("/webhooks/events", content=body, headers=headers)
    assert again.json()["duplicate"] is True
    await drain(api.runtime)
    stored = await event_of(engine, source="events", key="msg_paused_1")
    assert stored is not None and stored.outcome is not None
    assert stored.outcome["status"] == "IGNORED"
    assert (await send(api, "w2", "msg_active_2"))["awards"][0]["points"] == 10
    recorded = (await api.ok(RECORD, {"i": order("o2")}))["recordActivity"]
    assert recorded["account"]["points"]["balance"] == 20 + 10 + 20

    actions = [e["node"]["action"] for e in (await api.ok(LOG))["auditLog"]["edges"]]
    assert {"pause", "activate"} <= set(actions)


async def test_redemptions_and_adjustments_refuse_while_paused(api: Api) -> None:
    engine = api.runtime.async_engine
    await earn(engine, "ann", 300, now=datetime.now(UTC))
    reward_id = await reward(engine, (None, "5", 100))
    await api.ok(PAUSE, {"rev": await revision(api)})
    before = await written(engine)
    for query, variables, token in (
        (REDEEM, {"r": reward_id}, member_jwt("ann")),
        (REDEEM, {"r": reward_id}, None),
        (ADJUST, {}, None),
    ):
        args: dict[str, Any] = {} if token is None else {"token": token}
        error = await api.error(query, variables, **args)
        assert error["extensions"]["code"] == "PROGRAM_NOT_ACTIVE", error
    assert await written(engine) == before
    await api.ok(ACTIVATE, {"rev": await revision(api)})
    assert (await api.ok(REDEEM, {"r": reward_id}))["redeemReward"]["id"]


async def test_pause_and_activate_check_state_revision_and_role(api: Api) -> None:
    rev = await revision(api)
    stale = await api.error(PAUSE, {"rev": rev + 5})
    assert stale["extensions"]["code"] == "INVALID_REVISION"
    again = await api.error(ACTIVATE, {"rev": rev})
    assert again["extensions"]["code"] == "VALIDATION"  # ACTIVE already
    member = await api.error(PAUSE, {"rev": rev}, token=member_jwt("ann"))
    assert member["extensions"]["code"] == "FORBIDDEN"
    assert (await api.ok(PROGRAM))["loyaltyProgram"]["status"] == "ACTIVE"
    assert await revision(api) == rev
    await api.ok(PAUSE, {"rev": rev})
    twice = await api.error(PAUSE, {"rev": rev + 1})
    assert twice["extensions"]["code"] == "VALIDATION"
    log = (await api.ok(LOG))["auditLog"]["edges"]
    diff = next(e["node"]["diff"] for e in log if e["node"]["action"] == "pause")
    diff = json.loads(diff) if isinstance(diff, str) else diff
    assert diff["status"] == {"before": "ACTIVE", "after": "PAUSED"}


def test_the_migrations_make_an_existing_program_active_with_todays_tiers(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        cfg = migrate.alembic_config(engine, version_locations())
        # Down to the lifecycle branch's base by name: birthdays_0001 now builds on lifecycle_0002,
        # so a relative step count (`lifecycle@-2`) would stop above lifecycle_0001.
        command.downgrade(cfg, "lifecycle@program_cfgver_0001")
        names = {c["name"] for c in inspect(engine).get_columns("program_settings")}
        assert "status" not in names and "tier_program_status" not in names
        assert "time_zone" in names  # campaigns' columns kept
        assert "tier_since" not in {c["name"] for c in inspect(engine).get_columns("member_tiers")}
        command.upgrade(cfg, "heads")
        with engine.connect() as conn:
            row = conn.execute(
                select(
                    program_settings.c.status,
                    program_settings.c.point_name,
                    program_settings.c.resumed_at,
                    program_settings.c.tier_program_status,
                    program_settings.c.tier_downgrade_policy,
                    program_settings.c.tier_downgrade_notice_days,
                    program_settings.c.expiry_reminder_days,
                )
            ).one()
        assert tuple(row) == ("ACTIVE", "Points", None, "ACTIVE", "ROLLING_WINDOW", None, None)
        columns = {c["name"] for c in inspect(engine).get_columns("member_tiers")}
        assert {"tier_since", "downgrade_at", "downgrade_to", "downgrade_notice_at"} <= columns
    finally:
        engine.dispose()


async def test_nothing_expires_while_paused_and_inactivity_restarts_at_activation(
    api: Api,
) -> None:
    engine = api.runtime.async_engine
    await earn(engine, "bob", 50, now=at(2026, 1, 10))
    policy = ExpirationPolicy(ExpirationStatus.ENABLED, 1, 100)
    program = await program_service.update_program(
        uow_for(engine),
        program_service.ProgramChanges(points_expiration=policy),
        revision=await revision(api),
    )
    paused = await program_service.pause_program(
        uow_for(engine), revision=program.revision, now=at(2026, 1, 20)
    )
    assert (await run_expiry(uow_for(engine), now=at(2026, 3, 1))).expirations == []
    active = await program_service.activate_program(
        uow_for(engine), revision=paused.revision, now=at(2026, 3, 1)
    )
    assert active.resumed_at == at(2026, 3, 1)
    assert (await run_expiry(uow_for(engine), now=at(2026, 3, 20))).expirations == []
    run = await run_expiry(uow_for(engine), now=at(2026, 4, 1))
    assert [(e.member_id, e.expiring_points) for e in run.expirations] == [("bob", 50)]
