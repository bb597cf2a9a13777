"""The webhook inbox on SQLite and PostgreSQL: what operators and senders see after a 200.

A webhook is stored and answered, then processed; these tests cover the processor running by
itself in a served app (lifespan), batches in which one event cannot be applied, the GraphQL
view of an event and of the backlog, the gauge, and the stored schema."""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import inspect
from starlette.testclient import TestClient

from api.app import create_app
from loyalty.db.ledger import inbound_events
from loyalty.runtime import Runtime
from loyalty.settings import Settings
from tests.support.ledger import ORDER_PAID, STORES, add_fixed_rule, add_rate_rule, written
from tests.support.reads import account_of, event_of
from tests.support.webhooks import SECRET_NEW, drain, light_runtime, standard_request

ADMIN = "inbox-admin-key-0123456789"


@pytest.fixture
async def runtime(database_url: str) -> AsyncIterator[Runtime]:
    settings = Settings(
        database_url=database_url,
        chain_state="",
        webhook_secrets=(SECRET_NEW,),
        admin_api_key=ADMIN,
    )
    rt = light_runtime(settings)
    await add_rate_rule(rt.async_engine, per="1", points=1)
    yield rt
    await rt.async_engine.dispose()
    rt.engine.dispose()


def purchase(member: str, order: str, value: str, msg_id: str | None = None) -> tuple[bytes, dict]:  # type: ignore[type-arg]
    return standard_request(
        {
            "type": ORDER_PAID,
            "data": {
                "memberId": member,
                "triggerAppId": STORES,
                "orderId": order,
                "amount": {"value": value, "currency": "USD"},
            },
        },
        msg_id=msg_id,
    )


async def gql(client: httpx.AsyncClient, query: str, key: str = ADMIN) -> dict:  # type: ignore[type-arg]
    reply = await client.post(
        "/graphql", json={"query": query}, headers={"authorization": f"Bearer {key}"}
    )
    return reply.json()  # type: ignore[no-any-return]


def test_a_served_app_processes_what_it_answered(runtime: Runtime) -> None:
    """With its lifespan (as under uvicorn) the app's own processor applies the event: nobody
    calls process_pending here."""
    served = light_runtime(runtime.settings)  # engines used only in the TestClient's loop
    app = create_app(served.settings, served)
    with TestClient(app) as client:
        body, headers = purchase("m1", "o1", "12.00")
        reply = client.post("/webhooks/events", content=body, headers=headers)
        assert reply.status_code == 200, reply.text
        lookup = functools.partial(event_of, served.async_engine, id=reply.json()["eventId"])
        deadline = time.monotonic() + 30
        while True:
            found = client.portal.call(lookup)  # type: ignore[union-attr]
            if found is not None and found.state == "DONE":
                break
            assert time.monotonic() < deadline, found
            time.sleep(0.05)
        client.portal.call(served.async_engine.dispose)  # type: ignore[union-attr]
    served.engine.dispose()
    assert found.outcome is not None and found.outcome["awards"][0]["points"] == 12


async def test_a_batch_with_one_event_that_cannot_be_applied_applies_the_others(
    runtime: Runtime,
) -> None:
    app = create_app(runtime.settings, runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        replies = []
        for i in range(6):
            # Event 3 names event 2's order for another member: it alone must fail.
            member, order = ("m-other", "o2") if i == 3 else (f"m{i}", f"o{i}")
            body, headers = purchase(member, order, "10.00")
            replies.append(await c.post("/webhooks/events", content=body, headers=headers))
    assert [r.status_code for r in replies] == [200] * 6
    await drain(runtime)
    states = [(await event_of(runtime.async_engine, id=r.json()["eventId"])) for r in replies]
    assert [s.state for s in states if s] == ["DONE", "DONE", "DONE", "FAILED", "DONE", "DONE"]
    failed = states[3]
    assert failed is not None and failed.error is not None
    assert failed.error["code"] == "VALIDATION"
    assert failed.attempts == 1 and failed.processed_at is not None
    for i in (0, 1, 2, 4, 5):
        assert (await account_of(runtime.async_engine, f"m{i}")).member.totals.earned == 10
    assert (await written(runtime.async_engine))[2:] == (5, 5)  # entries, mint requests


async def test_graphql_shows_an_event_and_the_backlog_to_admins_only(runtime: Runtime) -> None:
    app = create_app(runtime.settings, runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        body, headers = purchase("m1", "o1", "7.00", msg_id="msg_inbox_1")
        assert (await c.post("/webhooks/events", content=body, headers=headers)).status_code == 200
        query = """{ webhookEvent(source: "events", eventId: "msg_inbox_1") {
                       id source eventId kind state attempts error { code } result }
                     webhookInbox { pending retrying failed oldestPendingAt } }"""
        before = (await gql(c, query))["data"]
        assert before["webhookEvent"]["state"] == "PENDING"
        assert before["webhookEvent"]["result"] is None
        assert before["webhookInbox"]["pending"] == 1
        assert before["webhookInbox"]["oldestPendingAt"] is not None
        await drain(runtime)
        after = (await gql(c, query))["data"]
        event = after["webhookEvent"]
        assert (event["state"], event["kind"], event["attempts"]) == ("DONE", "ACTIVITY", 1)
        assert json.loads(event["result"])["awards"][0]["points"] == 7
        assert after["webhookInbox"] == {
            "pending": 0,
            "retrying": 0,
            "failed": 0,
            "oldestPendingAt": None,
        }
        missing = await gql(c, '{ webhookEvent(source: "events", eventId: "nope") { id } }')
        assert missing["data"]["webhookEvent"] is None
        refused = await gql(c, "{ webhookInbox { pending } }", key="not-the-key")
        assert refused["errors"][0]["extensions"]["code"] in {"UNAUTHENTICATED", "FORBIDDEN"}


async def test_the_inbox_gauge_counts_pending_and_failed_events(runtime: Runtime) -> None:
    app = create_app(runtime.settings, runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        for i in range(3):
            body, headers = purchase(f"m{i}", f"o{i}", "1.00")
            await c.post("/webhooks/events", content=body, headers=headers)
        text = (await c.get("/metrics")).text
    assert 'loyalty_webhook_inbox{state="PENDING"} 3.0' in text
    assert 'loyalty_webhook_inbox{state="FAILED"} 0.0' in text


async def test_concurrent_deliveries_are_stored_together_and_each_answered(
    runtime: Runtime,
) -> None:
    """Grouped writes: 30 different events and 10 copies of one, all at once, give 31 rows, one
    first answer for the copied event and 9 duplicates with its id."""
    app = create_app(runtime.settings, runtime)
    copy = purchase("mc", "oc", "3.00", msg_id="msg_copy")
    requests = [purchase(f"m{i}", f"o{i}", "2.00") for i in range(30)] + [copy] * 10
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        replies = await asyncio.gather(
            *(c.post("/webhooks/events", content=b, headers=h) for b, h in requests)
        )
    assert [r.status_code for r in replies] == [200] * 40
    answers = [r.json() for r in replies]
    assert len({a["eventId"] for a in answers[:30]}) == 30
    copies = answers[30:]
    assert sum(not a["duplicate"] for a in copies) == 1
    assert len({a["eventId"] for a in copies}) == 1
    assert (await written(runtime.async_engine))[1] == 31


def test_the_migrated_inbox_matches_the_declared_table(runtime: Runtime) -> None:
    with runtime.engine.connect() as conn:
        found = inspect(conn)
        columns = {c["name"] for c in found.get_columns("inbound_events")}
        indexes = {i["name"] for i in found.get_indexes("inbound_events")}
    assert columns == {c.name for c in inbound_events.columns}
    assert {i.name for i in inbound_events.indexes} <= indexes


async def test_a_batch_applies_its_events_in_the_order_they_were_received(
    runtime: Runtime,
) -> None:
    """Two members refer the same new member: the referral received first earns, whichever
    member sorts first (members are locked in name order, events applied in arrival order)."""
    await add_fixed_rule(runtime.async_engine, "referrals/Referred", 50, app="referrals")
    app = create_app(runtime.settings, runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        for referrer in ("zed", "amy"):
            body, headers = standard_request(
                {
                    "type": "referrals/Referred",
                    "data": {
                        "memberId": referrer,
                        "triggerAppId": "referrals",
                        "referredMemberId": "newcomer",
                    },
                }
            )
            assert (await c.post("/webhooks/events", content=body, headers=headers)).is_success
    await drain(runtime)
    assert (await account_of(runtime.async_engine, "zed")).member.totals.earned == 50
    assert (await account_of(runtime.async_engine, "amy")).member.totals.earned == 0


async def test_a_webhook_that_cannot_be_stored_is_503_for_the_sender_to_retry() -> None:
    """PostgreSQL away (nothing listens on the port): nothing is stored, so the answer must make
    the sender deliver again, with a stable code and no internals."""
    from tests.support.anvil import free_port

    settings = Settings(
        database_url=f"postgresql://postgres@127.0.0.1:{free_port()}/gone",
        chain_state="",
        webhook_secrets=(SECRET_NEW,),
    )
    rt = light_runtime(settings)
    app = create_app(settings, rt)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        body, headers = purchase("m1", "o1", "1.00")
        reply = await c.post("/webhooks/events", content=body, headers=headers)
    await rt.async_engine.dispose()
    rt.engine.dispose()
    assert reply.status_code == 503
    assert reply.headers["retry-after"] == "5"
    assert reply.json()["error"]["code"] == "UNAVAILABLE"
    assert "127.0.0.1" not in reply.text
