"""Bad input is refused before anything is stored, the same on SQLite and PostgreSQL (issue 13,
items 3-6): over HTTP, through the GraphQL endpoint and both webhook endpoints (validly signed),
each refusal is VALIDATION (or NOT_FOUND) naming the field, and the database is left exactly as
it was."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import MetaData, select
from sqlalchemy.exc import DataError, OperationalError

from api.app import create_app
from loyalty.db.ledger import inbound_events, ledger_entries
from loyalty.runtime import Runtime
from loyalty.services.inbox_status import find_event
from loyalty.settings import Settings
from tests.support.ledger import ORDER_PAID, STORES, add_fixed_rule, add_rate_rule, count
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
        "mutation($r: [EarningRuleInput!]!) { bulkCreateEarningRules(earningRules: $r) "
        "{ __typename } }",
        {
            "r": [
                {
                    "title": title,
                    "triggerAppId": "reviews",
                    "triggerActivityType": "reviews/ReviewCreated",
                    "fixedAmount": {"configs": [{"tierId": None, "points": 1}]},
                }
                for title in ("fine", f"not{NUL}")
            ]
        },
        "earningRules[1].title",
    ),
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


# Item 4: instants carry a time zone and lie in a sane range.
BAD_INSTANTS = [
    ("2025-01-31T12:00:00", "time zone"),  # naive: it used to be stored, then fail for ever
    ("2025-01-31", "time zone"),
    ("9999-12-31T23:59:59Z", "from 1970"),
    ("1969-12-31T23:59:59Z", "from 1970"),
    ("2150-01-01T00:00:00Z", "future"),  # within the scalar's range, but not yet happened
    ("31/01/2025", "ISO 8601"),
]


async def test_a_bad_occurred_at_is_refused_over_graphql(service: Service) -> None:
    before = service.stored()
    for text, words in BAD_INSTANTS:
        body = await service.gql(RECORD, purchase(occurredAt=text))
        refused(body, "occurredAt")
        assert words in body["errors"][0]["message"], body
    literal = RECORD.replace("mutation($input: RecordActivityInput!)", "mutation").replace(
        "input: $input",
        'input: {idempotencyKey: "k", memberId: "m1", activityType: "stores/OrderPaid", '
        'triggerAppId: "stores", occurredAt: "2025-01-31T12:00:00"}',
    )
    refused(await service.gql(literal), "occurredAt")
    assert service.stored() == before
    ok = await service.gql(RECORD, purchase(occurredAt="2025-01-31T12:00:00+02:00"))
    assert ok["data"]["recordActivity"]["awards"] == [{"points": 20}], ok


async def test_a_bad_occurred_at_on_a_signed_webhook_is_refused_not_accepted(
    service: Service,
) -> None:
    before = service.stored()
    for text, words in BAD_INSTANTS:
        reply = await service.event(standard_purchase(occurredAt=text))
        field = "occurredAt" if words == "future" else "data.occurredAt"
        webhook_refused(reply, field)
        assert words in reply.json()["error"]["message"], reply.text
    webhook_refused(await service.event(standard_purchase(occurredAt=20250131)), "data.occurredAt")
    await drain(service.runtime)
    assert service.stored() == before
    reply = await service.event(standard_purchase(occurredAt="2025-01-31T12:00:00Z"))
    assert reply.status_code == 200, reply.text
    await drain(service.runtime)
    account = await service.gql('{ account(memberId: "m1") { points { balance } } }')
    assert account["data"]["account"]["points"]["balance"] == 20, account


# Item 5: one money type (exact decimals within documented limits) and one points bound.
BAD_MONEY = ["1e80", "1e400", "0." + "1" * 3000, "1.0000001", "NaN", "-Infinity", "1e15000"]


async def test_money_out_of_its_limits_is_validation_on_both_databases(service: Service) -> None:
    before = service.stored()
    for text in BAD_MONEY:
        body = await service.gql(
            REFUND, {"input": {"idempotencyKey": "r1", "orderId": "o1", "amount": text}}
        )
        refused(body, "amount")
        refused(await service.gql(RECORD, purchase(amount=money(text))), "amount.value")
    refused(
        await service.gql(
            'mutation { recordRefund(input: {idempotencyKey: "r", orderId: "o", '
            'amount: "1e80"}) { debt } }'
        ),
        "amount",
    )
    refused(
        await service.gql(RECORD, purchase(amount={"value": 12.5, "currency": "USD"})),
        "amount.value",
    )  # a JSON float in GraphQL: never read as a binary float
    assert service.stored() == before
    ok = await service.gql(RECORD, purchase(amount=money("10.000000")))
    assert ok["data"]["recordActivity"]["awards"] == [{"points": 20}], ok


async def test_points_stay_within_one_bound_and_long_is_a_number(service: Service) -> None:
    await service.gql('mutation { createMember(memberId: "m1") { memberId } }')
    before = service.stored()
    refused(await service.gql(ADJUST, adjust(balance=2_000_000_000)), "balance")
    refused(await service.gql(ADJUST, adjust(balance=10_000_000)), "balance")
    refused(await service.gql(ADJUST, adjust(amount=10_000_000)), "amount")
    tier = "mutation($t: TierInput!) { createTier(tier: $t) { id } }"
    for bad in ("5", 2**53, 5.5, True):
        refused(
            await service.gql(tier, {"t": {"name": "Gold", "requiredPoints": bad}}),
            "requiredPoints",
        )
    refused(
        await service.gql('mutation { createTier(tier: {name: "G", requiredPoints: "5"}) { id } }'),
        "requiredPoints",
    )
    refused(await service.gql('mutation { deleteTier(id: "t", revision: "1") { id } }'), "revision")
    assert service.stored() == before
    ok = await service.gql(ADJUST, adjust(balance=9_999_999))
    assert ok.get("errors") is None and ok["data"]["adjustPoints"]["amount"] == 9_999_999, ok


async def test_webhook_numbers_are_read_exactly_and_held_to_the_same_limits(
    service: Service,
) -> None:
    before = service.stored()
    for raw in ("1e400", "1e80", "1" + "0" * 5000, "1.0000001", '"1e80"', '"NaN"', "-0.5"):
        body = (
            '{"type": "stores/OrderPaid", "data": {"memberId": "m1", "triggerAppId": "stores", '
            f'"orderId": "o1", "amount": {{"value": {raw}, "currency": "USD"}}}}}}'
        ).encode()
        webhook_refused(
            await service.event(body), "data.amount.value" if raw != "-0.5" else "amount.value"
        )
    refund = b'{"type": "orders/Refunded", "data": {"orderId": "o1", "amount": 1e80}}'
    webhook_refused(await service.event(refund), "data.amount")
    await drain(service.runtime)
    assert service.stored() == before
    # A JSON number is read as the decimal it spells, never through a binary float (which
    # holds 99999999999.999999 as 99999999999.99998); the award it would make is over the
    # points bound, so the stored event fails with that reason instead of overflowing.
    body = (
        b'{"type": "stores/OrderPaid", "data": {"memberId": "m1", "triggerAppId": "stores", '
        b'"orderId": "o2", "amount": {"value": 99999999999.999999, "currency": "USD"}}}'
    )
    reply = await service.event(body)
    assert reply.status_code == 200, reply.text
    async with service.runtime.async_engine.connect() as conn:
        stored = (await conn.execute(select(inbound_events.c.amount))).scalar_one()
    assert stored == Decimal("99999999999.999999")
    await drain(service.runtime)
    async with service.runtime.async_engine.connect() as conn:
        found = await find_event(conn, id=reply.json()["eventId"])
    assert found is not None and found.state == "FAILED", found
    assert found.error is not None and found.error["code"] == "VALIDATION", found.error
    assert "at most 9,999,999" in found.error["message"], found.error
    assert await count(service.runtime.async_engine, ledger_entries) == 0


# Item 6: an empty order id and an unknown member are typed refusals, the same everywhere.
async def test_an_empty_order_id_is_refused_like_a_refund_s(service: Service) -> None:
    before = service.stored()
    for blank in ("", "   "):
        refused(await service.gql(RECORD, purchase(orderId=blank)), "orderId")
        body = await service.gql(
            REFUND, {"input": {"idempotencyKey": "r1", "orderId": blank, "amount": "1"}}
        )
        refused(body, "orderId")
        webhook_refused(await service.event(standard_purchase(orderId=blank)), "data.orderId")
    webhook_refused(await service.wix(checkout_completed("evt-1", "", "m1", "10.00")), "orderId")
    await drain(service.runtime)
    assert service.stored() == before
    # Without an order id an activity is still recorded (its idempotency key dedupes it).
    ok = await service.gql(RECORD, purchase(orderId=None))
    assert ok["data"]["recordActivity"]["awards"] == [{"points": 20}], ok


async def test_set_member_contact_for_an_unknown_member_is_not_found(service: Service) -> None:
    contact = 'mutation { setMemberContact(memberId: "ghost", email: "g@example.com") { email } }'
    before = service.stored()
    refused(await service.gql(contact), "memberId", code="NOT_FOUND")
    assert service.stored() == before
    await service.gql('mutation { createMember(memberId: "ghost") { memberId } }')
    ok = await service.gql(contact)
    assert ok["data"]["setMemberContact"] == {"email": "g@example.com"}, ok


async def test_a_value_the_database_refuses_is_not_reported_as_an_outage(
    service: Service, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Were a check ever missing, the database's refusal is a 422 and a log line that says so,
    not a 503 (retried for ever) claiming the database is down; an outage stays a 503."""
    import api.webhooks.routes as routes

    async def refuses(*_: Any, **__: Any) -> Any:
        raise DataError("INSERT …", {}, ValueError("invalid byte sequence"))

    monkeypatch.setattr(routes, "accept", refuses)
    reply = await service.event(standard_purchase())
    assert reply.status_code == 422, reply.text
    assert reply.json()["error"]["code"] == "VALIDATION"
    assert "refused one of its values" in caplog.text and "unavailable" not in caplog.text

    async def down(*_: Any, **__: Any) -> Any:
        raise OperationalError("INSERT …", {}, ConnectionError("connection refused"))

    monkeypatch.setattr(routes, "accept", down)
    reply = await service.event(standard_purchase())
    assert reply.status_code == 503, reply.text
    assert reply.headers["retry-after"] == "5"
