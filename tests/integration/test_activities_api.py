"""The GraphQL side: recordActivity (admin) and account (members read only their own), with
typed errors for bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.auth import member_token
from loyalty.runtime import Runtime
from loyalty.settings import Settings
from tests.support.ledger import add_rate_rule, written
from tests.support.webhooks import light_runtime

ADMIN = "test-admin-key-0123456789abcdef"
JWT_SECRET = "member-secret-0123456789abcdef-0123456789"

RECORD = """mutation($input: RecordActivityInput!) { recordActivity(input: $input) {
  duplicate awards { points earningRuleRevision alreadyAwarded }
  account { points { balance earned pending } } } }"""
ACCOUNT = """query($id: String!) { account(memberId: $id) {
  memberId receivingAddress walletLinked lastActivityDate
  points { balance earned adjusted redeemed expired pending onchain }
  transactions(first: 1) { edges { node { transactionType amount earningRuleRevision } }
                           pageInfo { hasNextPage endCursor } } } }"""


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Runtime]]:
    settings = Settings(
        database_url=database_url,
        chain_state="",
        admin_api_key=ADMIN,
        member_jwt_secret=JWT_SECRET,
    )
    rt = light_runtime(settings)
    await add_rate_rule(rt.async_engine, per="1", points=2)
    transport = httpx.ASGITransport(app=create_app(settings, rt))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c, rt
    await rt.async_engine.dispose()
    rt.engine.dispose()


async def gql(c: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str) -> Any:
    reply = await c.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {token}"},
    )
    return reply.json()


def purchase(key: str, value: Any = "10.25", currency: str = "USD", member: str = "m1") -> dict:  # type: ignore[type-arg]
    return {
        "input": {
            "idempotencyKey": key,
            "memberId": member,
            "activityType": "stores/OrderPaid",
            "triggerAppId": "stores",
            "orderId": f"order-{key}",
            "amount": {"value": value, "currency": currency},
        }
    }


async def test_record_a_purchase_and_read_the_account(client: Any) -> None:
    c, _ = client
    first = await gql(c, RECORD, purchase("k1"), ADMIN)
    result = first["data"]["recordActivity"]
    assert result["duplicate"] is False
    assert result["awards"] == [{"points": 20, "earningRuleRevision": 1, "alreadyAwarded": False}]
    assert result["account"]["points"] == {"balance": 20, "earned": 20, "pending": 20}
    again = await gql(c, RECORD, purchase("k1"), ADMIN)
    assert again["data"]["recordActivity"]["duplicate"] is True
    await gql(c, RECORD, purchase("k2", "1"), ADMIN)
    own = await gql(c, ACCOUNT, {"id": "m1"}, member_token(JWT_SECRET, "m1"))
    account = own["data"]["account"]
    assert account["points"]["earned"] == 22
    assert account["points"]["onchain"] == 0  # nothing minted or indexed yet
    assert account["walletLinked"] is False and account["receivingAddress"].startswith("0x")
    page = account["transactions"]
    assert page["edges"][0]["node"] == {
        "transactionType": "EARN",
        "amount": 2,
        "earningRuleRevision": 1,
    }
    assert page["pageInfo"]["hasNextPage"] is True


async def test_members_read_only_their_own_account(client: Any) -> None:
    c, _ = client
    await gql(c, RECORD, purchase("k1"), ADMIN)
    other = await gql(c, ACCOUNT, {"id": "m1"}, member_token(JWT_SECRET, "m2"))
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    by_member = await gql(c, RECORD, purchase("k9"), member_token(JWT_SECRET, "m1"))
    assert by_member["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    unknown = await gql(c, ACCOUNT, {"id": "ghost"}, ADMIN)
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("value", "currency"),
    [("-1", "USD"), ("ten", "USD"), ("10", "EUR"), (10.5, "USD")],
    ids=["negative", "non-numeric", "other-currency", "float"],
)
async def test_bad_amounts_are_validation_errors_and_write_nothing(
    client: Any, value: Any, currency: str
) -> None:
    c, rt = client
    reply = await gql(c, RECORD, purchase("k", value, currency), ADMIN)
    assert reply["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert await written(rt.async_engine) == (0, 0, 0, 0)
