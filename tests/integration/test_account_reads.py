"""What an `account` read costs the database: one connection per request (checked out of the
pool), the member row read once whatever fields ask for it, and N accounts in one request read
in as many statements as one account (DataLoaders batch them), not N times as many.

Counted with SQLAlchemy's pool `checkout` and engine `before_cursor_execute` events."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from loyalty.runtime import Runtime
from loyalty.settings import Settings
from tests.support.ledger import add_rate_rule
from tests.support.webhooks import light_runtime

ADMIN = "test-admin-key-0123456789abcdef"

ACCOUNT_FIELDS = """memberId receivingAddress revision
  points { balance earned pending onchain }
  tier { id name requiredPoints }
  pointsExpiration { expirationDate expiringPointsAmount }"""
ACCOUNT = f"""query($m: String!) {{ account(memberId: $m) {{ {ACCOUNT_FIELDS}
  transactions(first: 5) {{ nodes {{ id amount }} pageInfo {{ hasNextPage }} }} }} }}"""
RECORD = """mutation($i: RecordActivityInput!) { recordActivity(input: $i) { duplicate } }"""
CREATE_TIER = """mutation($t: TierInput!) { createTier(tier: $t) { id } }"""
PROGRAM = "{ loyaltyProgram { revision } }"
UPDATE_PROGRAM = """mutation($rev: Long!, $p: LoyaltyProgramUpdate!) {
  updateLoyaltyProgram(revision: $rev, program: $p) { revision } }"""

MEMBER_ROW = re.compile(r"\bFROM members\b", re.IGNORECASE)


@dataclass
class Counts:
    checkouts: int = 0
    statements: list[str] = field(default_factory=list)

    @property
    def member_reads(self) -> int:
        return sum(1 for s in self.statements if MEMBER_ROW.search(s))


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[Counts]:
    counts = Counts()
    sync = engine.sync_engine

    def on_checkout(*_: Any) -> None:
        counts.checkouts += 1

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        counts.statements.append(statement)

    event.listen(sync, "checkout", on_checkout)
    event.listen(sync, "before_cursor_execute", on_statement)
    try:
        yield counts
    finally:
        event.remove(sync, "checkout", on_checkout)
        event.remove(sync, "before_cursor_execute", on_statement)


@dataclass
class Api:
    client: httpx.AsyncClient
    runtime: Runtime

    async def ok(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        reply = await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"authorization": f"Bearer {ADMIN}"},
        )
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    """Members m0..m4 with points from a purchase each, a tier m0 reaches, expiry enabled (so
    every field of an account has something to read)."""
    settings = Settings(database_url=database_url, chain_state="", admin_api_key=ADMIN)
    rt = light_runtime(settings)
    await add_rate_rule(rt.async_engine, per="1", points=2)
    transport = httpx.ASGITransport(app=create_app(settings, rt))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        api = Api(client, rt)
        await api.ok(CREATE_TIER, {"t": {"name": "Gold", "requiredPoints": 30}})
        revision = (await api.ok(PROGRAM))["loyaltyProgram"]["revision"]
        expiry = {"status": "ENABLED", "monthsOfInactivity": 6, "expiringPointsPercentage": 50}
        await api.ok(UPDATE_PROGRAM, {"rev": revision, "p": {"pointsExpiration": expiry}})
        for n in range(5):
            activity = {
                "idempotencyKey": f"o-{n}",
                "memberId": f"m{n}",
                "activityType": "stores/OrderPaid",
                "triggerAppId": "stores",
                "orderId": f"o-{n}",
                "amount": {"value": str(20 - n), "currency": "USD"},
            }
            await api.ok(RECORD, {"i": activity})
        yield api
    await rt.async_engine.dispose()
    rt.engine.dispose()


async def test_an_account_with_every_field_is_one_connection_and_one_member_read(
    api: Api,
) -> None:
    with counting(api.runtime.async_engine) as counts:
        account = (await api.ok(ACCOUNT, {"m": "m0"}))["account"]
    assert account["tier"]["name"] == "Gold"  # 40 points earned, Gold from 30
    assert account["points"] == {"balance": 40, "earned": 40, "pending": 40, "onchain": 0}
    assert account["pointsExpiration"]["expiringPointsAmount"] == 20
    assert [t["amount"] for t in account["transactions"]["nodes"]] == [40]
    assert counts.checkouts == 1, counts
    assert counts.member_reads == 1, counts.statements
    assert len(counts.statements) == len(set(counts.statements)), counts.statements


async def test_n_accounts_in_one_request_read_in_the_statements_of_one(api: Api) -> None:
    def query(members: int) -> str:
        fields = " ".join(
            f'a{n}: account(memberId: "m{n}") {{ {ACCOUNT_FIELDS} }}' for n in range(members)
        )
        return f"{{ {fields} }}"

    with counting(api.runtime.async_engine) as one:
        await api.ok(query(1))
    with counting(api.runtime.async_engine) as five:
        data = await api.ok(query(5))
    assert [data[f"a{n}"]["points"]["earned"] for n in range(5)] == [40, 38, 36, 34, 32]
    assert [data[f"a{n}"]["tier"] is not None for n in range(5)] == [True] * 5
    assert five.checkouts == 1, five
    assert five.member_reads == 1, five.statements
    assert len(five.statements) == len(one.statements), (one.statements, five.statements)


async def test_a_page_of_accounts_reads_in_the_statements_of_one_account(api: Api) -> None:
    def page(first: int) -> str:
        return f"{{ accounts(first: {first}) {{ nodes {{ {ACCOUNT_FIELDS} }} }} }}"

    with counting(api.runtime.async_engine) as one:
        assert len((await api.ok(page(1)))["accounts"]["nodes"]) == 1
    with counting(api.runtime.async_engine) as five:
        nodes = (await api.ok(page(5)))["accounts"]["nodes"]
    assert sorted(n["memberId"] for n in nodes) == [f"m{n}" for n in range(5)]
    assert five.checkouts == 1, five
    assert len(five.statements) == len(one.statements), (one.statements, five.statements)


async def test_an_unknown_member_is_still_not_found(api: Api) -> None:
    reply = await api.client.post(
        "/graphql",
        json={"query": ACCOUNT, "variables": {"m": "nobody"}},
        headers={"authorization": f"Bearer {ADMIN}"},
    )
    error = reply.json()["errors"][0]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["message"] == "no member 'nobody'"


async def test_each_mutation_field_reads_what_the_fields_before_it_wrote(api: Api) -> None:
    """The loaders keep rows for a request; a mutation's later field must not get the row an
    earlier one read before its own write."""
    adjust = """mutation {{
      a: adjustPoints(input: {{memberId: "m1", idempotencyKey: "k1", reason: "r", amount: 5}})
        {{ account {{ points {{ balance }} }} }}
      b: adjustPoints(input: {{memberId: "m1", idempotencyKey: "k2", reason: "r", amount: 7}})
        {{ account {{ points {{ balance }} }} }} }}"""
    data = await api.ok(adjust.format())
    assert data["a"]["account"]["points"]["balance"] == 43
    assert data["b"]["account"]["points"]["balance"] == 50


async def test_the_connection_goes_back_to_the_pool_after_each_request(api: Api) -> None:
    pool = api.runtime.async_engine.sync_engine.pool
    for _ in range(3):
        await api.ok(ACCOUNT, {"m": "m2"})
        assert pool.checkedout() == 0  # type: ignore[attr-defined]


def test_a_subscription_reads_each_event_on_a_connection_of_its_own(database_url: str) -> None:
    """`accountUpdated` sends each change read afresh (no row kept from the last event), and
    holds no connection while it waits for the next one; nor does the WebSocket after a query."""
    from starlette.testclient import TestClient

    settings = Settings(database_url=database_url, chain_state="", admin_api_key=ADMIN)
    served = light_runtime(settings)  # engines used only in the TestClient's loop
    pool = served.async_engine.sync_engine.pool
    auth_header = f"Bearer {ADMIN}"
    auth = {"authorization": auth_header}
    adjust = """mutation($k: String!, $n: Int!) { adjustPoints(input: {memberId: "ann",
      idempotencyKey: $k, reason: "gift", amount: $n}) { duplicate } }"""
    subscription = """subscription { accountUpdated(memberId: "ann") {
      revision points { balance pending } } }"""

    def post(query: str, variables: dict[str, Any] | None = None) -> None:
        body = client.post("/graphql", json={"query": query, "variables": variables}, headers=auth)
        assert "errors" not in body.json(), body.json()

    def no_connection_held() -> bool:
        deadline = time.monotonic() + 30  # a ceiling: the hub's own polls check out briefly
        while time.monotonic() < deadline:
            if pool.checkedout() == 0:  # type: ignore[attr-defined]
                return True
            time.sleep(0.01)
        return False

    with TestClient(create_app(settings, served)) as client:
        post('mutation { createMember(memberId: "ann") { memberId } }')
        with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json({"type": "connection_init", "payload": {"Authorization": auth_header}})
            assert ws.receive_json()["type"] == "connection_ack"
            ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": subscription}})
            time.sleep(0.5)  # registered (its baseline taken) before anything changes
            balances = []
            for n, amount in enumerate((5, 7)):
                post(adjust, {"k": f"k{n}", "n": amount})
                message = ws.receive_json()
                assert message["type"] == "next", message
                balances.append(message["payload"]["data"]["accountUpdated"]["points"]["balance"])
                assert no_connection_held()
            assert balances == [5, 12]
            ws.send_json({"id": "1", "type": "complete"})
            # A query sent over the WebSocket reads in a scope of its own too.
            query = '{ account(memberId: "ann") { points { balance } } }'
            ws.send_json({"id": "2", "type": "subscribe", "payload": {"query": query}})
            message = ws.receive_json()
            assert message["payload"]["data"]["account"]["points"]["balance"] == 12, message
            assert ws.receive_json() == {"id": "2", "type": "complete"}
            assert no_connection_held()
    served.engine.dispose()
