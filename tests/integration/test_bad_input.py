"""Bad input is refused before anything is stored, the same on SQLite and PostgreSQL (issue 13,
items 3-6): over HTTP, through the GraphQL endpoint and both webhook endpoints (validly signed),
each refusal is VALIDATION (or NOT_FOUND) naming the field, and the database is left exactly as
it was."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import MetaData, select

from api.app import create_app
from loyalty.runtime import Runtime
from loyalty.settings import Settings
from tests.support.ledger import ORDER_PAID, STORES, add_fixed_rule, add_rate_rule
from tests.support.webhooks import (
    SECRET_NEW,
    WIX_PUBLIC_PEM,
    activity_event,
    checkout_completed,
    drain,
    light_runtime,
    money,
    standard_request,
)

ADMIN = "test-admin-key-0123456789abcdef"
JWT_SECRET = "member-secret-0123456789abcdef-0123456789"
NUL = "\x00"


@dataclass
class Service:
    client: httpx.AsyncClient
    runtime: Runtime

    async def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        # json.dumps escapes every non-ASCII character, lone surrogates included.
        reply = await self.client.post(
            "/graphql",
            content=json.dumps({"query": query, "variables": variables or {}}),
            headers={"authorization": f"Bearer {ADMIN}", "content-type": "application/json"},
        )
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        return body

    async def event(self, payload: Any, **kw: Any) -> httpx.Response:
        body, headers = standard_request(payload, **kw)
        return await self.client.post("/webhooks/events", content=body, headers=headers)

    async def wix(self, body: bytes) -> httpx.Response:
        return await self.client.post(
            "/webhooks/wix", content=body, headers={"content-type": "text/plain"}
        )

    def stored(self) -> dict[str, list[str]]:
        """Every row of every table: a refused request must change none."""
        meta = MetaData()
        with self.runtime.engine.connect() as conn:
            meta.reflect(conn)
            return {
                name: sorted(repr(tuple(row)) for row in conn.execute(select(table)))
                for name, table in sorted(meta.tables.items())
            }


@pytest.fixture
async def service(database_url: str) -> AsyncIterator[Service]:
    settings = Settings(
        database_url=database_url,
        chain_state="",
        admin_api_key=ADMIN,
        member_jwt_secret=JWT_SECRET,
        wix_public_key=WIX_PUBLIC_PEM,
        webhook_secrets=(SECRET_NEW,),
    )
    rt = light_runtime(settings)
    await add_rate_rule(rt.async_engine, per="1", points=2)
    await add_fixed_rule(rt.async_engine, "reviews/ReviewCreated", 5)
    transport = httpx.ASGITransport(app=create_app(settings, rt))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield Service(c, rt)
    await rt.async_engine.dispose()
    rt.engine.dispose()


def refused(body: dict[str, Any], field: str, code: str = "VALIDATION") -> None:
    assert body.get("data") is None or not any((body.get("data") or {}).values()), body
    errors = body["errors"]
    assert len(errors) == 1, errors
    assert errors[0]["extensions"]["code"] == code, errors
    assert errors[0]["extensions"].get("field") == field, errors
    assert errors[0]["message"] != "Unexpected error.", errors


RECORD = """mutation($input: RecordActivityInput!) { recordActivity(input: $input) {
  duplicate awards { points } } }"""
REFUND = """mutation($input: RecordRefundInput!) { recordRefund(input: $input) { debt } }"""
ADJUST = """mutation($input: AdjustPointsInput!) { adjustPoints(input: $input) { amount } }"""


def purchase(**changes: Any) -> dict[str, Any]:
    return {
        "input": {
            "idempotencyKey": "k1",
            "memberId": "m1",
            "activityType": ORDER_PAID,
            "triggerAppId": STORES,
            "orderId": "o1",
            "amount": {"value": "10.25", "currency": "USD"},
            **changes,
        }
    }


def adjust(**changes: Any) -> dict[str, Any]:
    return {"input": {"idempotencyKey": "a1", "memberId": "m1", "reason": "fix", **changes}}


# (document, variables, the field named): a NUL in each text argument of the API.
NUL_CASES: list[tuple[str, dict[str, Any], str]] = [
    (RECORD, purchase(idempotencyKey=f"k{NUL}"), "idempotencyKey"),
    (RECORD, purchase(memberId=f"m{NUL}1"), "memberId"),
    (RECORD, purchase(activityType=f"{ORDER_PAID}{NUL}"), "activityType"),
    (RECORD, purchase(triggerAppId=f"st{NUL}ores"), "triggerAppId"),
    (RECORD, purchase(orderId=f"o{NUL}"), "orderId"),
    (RECORD, purchase(amount={"value": "1", "currency": f"US{NUL}D"}), "amount.currency"),
    (
        REFUND,
        {"input": {"idempotencyKey": "r1", "orderId": f"o{NUL}1", "amount": "1"}},
        "orderId",
    ),
    (
        REFUND,
        {"input": {"idempotencyKey": f"r{NUL}", "orderId": "o1", "amount": "1"}},
        "idempotencyKey",
    ),
    (ADJUST, adjust(memberId=f"m{NUL}", amount=5), "memberId"),
    (ADJUST, adjust(reason=f"typo{NUL}", amount=5), "reason"),
    (ADJUST, adjust(idempotencyKey=f"a{NUL}", amount=5), "idempotencyKey"),
    ("mutation($m: String!) { createMember(memberId: $m) { memberId } }", {"m": NUL}, "memberId"),
    ("query($m: String!) { account(memberId: $m) { memberId } }", {"m": f"m1{NUL}"}, "memberId"),
    ("query($m: String!) { redemptions(memberId: $m) { id } }", {"m": NUL}, "memberId"),
    (
        "mutation($m: String!, $r: ID!) { redeemReward(memberId: $m, rewardId: $r, "
        'idempotencyKey: "x") { id } }',
        {"m": "m1", "r": f"r{NUL}"},
        "rewardId",
    ),
    (
        'mutation($e: String) { setMemberContact(memberId: "m1", email: $e) { email } }',
        {"e": f"ann@example.com{NUL}"},
        "email",
    ),
    (
        'mutation($n: String) { setMemberContact(memberId: "m1", name: $n) { name } }',
        {"n": f"Ann{NUL}"},
        "name",
    ),
    (
        "mutation($r: EarningRuleInput!) { createEarningRule(earningRule: $r) { id } }",
        {
            "r": {
                "title": f"T{NUL}",
                "triggerAppId": "reviews",
                "triggerActivityType": "reviews/ReviewCreated",
                "fixedAmount": {"configs": [{"tierId": None, "points": 1}]},
            }
        },
        "title",
    ),
    (
        "mutation($t: TierInput!) { createTier(tier: $t) { id } }",
        {"t": {"name": "Gold", "requiredPoints": 100, "description": f"d{NUL}"}},
        "description",
    ),
    (
        "mutation($r: RewardInput!) { createReward(reward: $r) { id } }",
        {
            "r": {
                "name": f"Coupon{NUL}",
                "type": "COUPON",
                "configsByTier": [{"tierId": None, "amount": "5", "costInPoints": 10}],
            }
        },
        "name",
    ),
    (
        "mutation($p: LoyaltyProgramUpdate!) { updateLoyaltyProgram(revision: 1, program: $p) "
        "{ revision } }",
        {"p": {"emailTemplate": {"subject": "Hi", "body": f"B{NUL}"}}},
        "emailTemplate.body",
    ),
    (
        'query($s: String!) { webhookEvent(source: $s, eventId: "e") { id } }',
        {"s": f"wix{NUL}"},
        "source",
    ),
    (
        "query($a: ActivityInput!) { previewEarning(activity: $a) { awards { points } } }",
        {"a": {"activityType": f"x{NUL}", "triggerAppId": "stores"}},
        "activityType",
    ),
    (
        "mutation($m: String!) { walletLinkChallenge(memberId: $m) { message } }",
        {"m": NUL},
        "memberId",
    ),
    ("query($a: String!) { balance(address: $a) }", {"a": f"0x{NUL}"}, "address"),
    (
        'query { earningRules(filter: {triggerAppId: "a\\u0000"}) { nodes { id } } }',
        {},
        "triggerAppId",
    ),
]


async def test_a_nul_in_any_text_argument_is_validation_naming_it(service: Service) -> None:
    before = service.stored()
    for document, variables, field in NUL_CASES:
        body = await service.gql(document, variables)
        refused(body, field)
    assert service.stored() == before


async def test_lone_surrogates_and_control_characters_in_identifiers_are_refused(
    service: Service,
) -> None:
    before = service.stored()
    refused(await service.gql(RECORD, purchase(memberId="m\ud800")), "memberId")
    refused(await service.gql(RECORD, purchase(orderId="o\x1b[31m")), "orderId")
    refused(await service.gql(RECORD, purchase(memberId="m\x01")), "memberId")
    refused(await service.gql(RECORD, purchase(idempotencyKey="k\n1")), "idempotencyKey")
    refused(await service.gql(ADJUST, adjust(memberId="m\x7f", amount=1)), "memberId")
    refused(await service.gql(ADJUST, adjust(reason="a\udfffb", amount=1)), "reason")
    assert service.stored() == before
    # Free text keeps its line breaks and tabs.
    await service.gql('mutation { createMember(memberId: "m2") { memberId } }')
    ok = await service.gql(ADJUST, adjust(memberId="m2", reason="line one\nline\ttwo", balance=3))
    assert ok.get("errors") is None, ok


def standard_purchase(**data: Any) -> dict[str, Any]:
    return {
        "type": ORDER_PAID,
        "data": {
            "memberId": "m1",
            "triggerAppId": STORES,
            "orderId": "o1",
            "amount": money("10.00"),
            **data,
        },
    }


def webhook_refused(reply: httpx.Response, field: str, status: int = 422) -> None:
    assert reply.status_code == status, reply.text
    error = reply.json()["error"]
    assert error["code"] == "VALIDATION", error
    assert error["field"] == field, error


async def test_signed_webhooks_with_nul_or_control_characters_are_refused(
    service: Service,
) -> None:
    before = service.stored()
    cases: list[tuple[Any, str]] = [
        (standard_purchase(memberId=f"m{NUL}1"), "data.memberId"),
        (standard_purchase(orderId=f"o{NUL}"), "data.orderId"),
        ({**standard_purchase(), "type": f"stores/Order{NUL}Paid"}, "type"),
        (standard_purchase(amount=money("1", f"USD{NUL}")), "data.amount.currency"),
        (standard_purchase(note={f"k{NUL}": "v"}), "data.note.<key>"),
        (activity_event("m1", referredMemberId=f"r{NUL}"), "data.referredMemberId"),
        (standard_purchase(memberId="m\ud800"), "data.memberId"),
        (standard_purchase(memberId="m\x01"), "memberId"),
        (standard_purchase(orderId="o\t1"), "orderId"),
        (activity_event("m1", referredMemberId="r\x1b"), "referredMemberId"),
        (
            {"type": "orders/Refunded", "data": {"orderId": f"o{NUL}", "amount": "1"}},
            "data.orderId",
        ),
    ]
    for payload, field in cases:
        webhook_refused(await service.event(payload), field)
    # Wix: the buyer's member id and the checkout id, inside the signed JWT.
    webhook_refused(
        await service.wix(checkout_completed("evt-1", "chk-1", f"m{NUL}", "10.00")),
        "data.data.actionEvent.body.checkout.buyerInfo.memberId",
    )
    webhook_refused(
        await service.wix(checkout_completed("evt-2", "chk\x01", "m1", "10.00")), "orderId"
    )
    await drain(service.runtime)
    assert service.stored() == before


async def test_a_control_character_in_the_webhook_id_is_refused(service: Service) -> None:
    before = service.stored()
    body = json.dumps(standard_purchase()).encode()
    _, headers = standard_request(body, msg_id="msg\x01x")
    reply = await service.client.post("/webhooks/events", content=body, headers=headers)
    assert reply.status_code in (400, 422), reply.text
    assert service.stored() == before
