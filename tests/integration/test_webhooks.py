"""Both webhook endpoints over HTTP (in-process ASGI) on SQLite and PostgreSQL: an event is
stored and answered, then processed by the inbox (`processed` runs it, as the API's processor
does); events earn once, redeliveries are answered as duplicates, refunds take points back, and
every bad request is refused with a 4xx and writes nothing."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest

from api.app import create_app
from loyalty.db.ledger import inbound_events
from loyalty.runtime import Runtime
from loyalty.services.inbox import MAX_ATTEMPTS
from loyalty.settings import Settings
from tests.support.ledger import ORDER_PAID, STORES, add_fixed_rule, add_rate_rule, written
from tests.support.reads import account_of, event_of
from tests.support.webhooks import (
    SECRET_NEW,
    SECRET_OLD,
    WIX_PUBLIC_PEM,
    activity_event,
    checkout_completed,
    drain,
    light_runtime,
    payment_status,
    processed,
    standard_request,
    wix_claims,
    wix_jwt,
)

MAX_BODY = 4096


@pytest.fixture
async def runtime(database_url: str) -> AsyncIterator[Runtime]:
    settings = Settings(
        database_url=database_url,
        chain_state="",
        wix_public_key=WIX_PUBLIC_PEM,
        webhook_secrets=(SECRET_OLD, SECRET_NEW),
        max_body_bytes=MAX_BODY,
    )
    rt = light_runtime(settings)
    await add_rate_rule(rt.async_engine, per="1", points=1)
    await add_fixed_rule(rt.async_engine, "reviews/ReviewCreated", 5)
    yield rt
    await rt.async_engine.dispose()
    rt.engine.dispose()


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime.settings, runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def wix(client: httpx.AsyncClient, body: bytes) -> httpx.Response:
    return await client.post("/webhooks/wix", content=body, headers={"content-type": "text/plain"})


async def event(client: httpx.AsyncClient, payload: object, **kw: object) -> httpx.Response:
    body, headers = standard_request(payload, **kw)  # type: ignore[arg-type]
    return await client.post("/webhooks/events", content=body, headers=headers)


async def test_wix_event_three_times_and_the_same_order_by_payment_status_earns_once(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    body = checkout_completed("evt-1", "chk-1", "m1", "42.90")
    first = await wix(client, body)
    assert first.json() == {
        "eventId": first.json()["eventId"],
        "status": "ACCEPTED",
        "duplicate": False,
    }
    earned = await processed(runtime, first)
    assert earned.state == "DONE"
    assert earned.outcome["awards"][0]["points"] == 42  # floor(42.90 * 1)
    # Redeliveries, once processed: the first answer again, marked duplicate, nothing written.
    again = [await wix(client, body) for _ in range(2)]
    assert [a.status_code for a in again] == [200, 200]
    assert [a.json() for a in again] == [{**first.json(), "duplicate": True}] * 2
    await drain(runtime)
    paid = await wix(client, payment_status("evt-2", "ord-1", "chk-1", "m1", "42.90", "PAID"))
    assert paid.json()["duplicate"] is False
    second = await processed(runtime, paid)
    assert [a["alreadyAwarded"] for a in second.outcome["awards"]] == [True]
    _, events, entries, requests = await written(runtime.async_engine)
    assert (events, entries, requests) == (2, 1, 1)
    totals = (await account_of(runtime.async_engine, "m1")).member.totals
    assert totals.earned == 42


async def test_wix_refund_events_reverse_in_proportion(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    await wix(client, payment_status("e1", "ord-1", "chk-1", "m1", "100.00", "PAID"))
    partial = await wix(
        client,
        payment_status("e2", "ord-1", "chk-1", "m1", "100.00", "PARTIALLY_REFUNDED", "25.00"),
    )
    assert (await processed(runtime, partial)).outcome["pointsReversed"] == 25
    full = await wix(client, payment_status("e3", "ord-1", "chk-1", "m1", "100", "FULLY_REFUNDED"))
    assert (await processed(runtime, full)).outcome["pointsReversed"] == 75
    assert (await account_of(runtime.async_engine, "m1")).member.totals.balance == 0


async def test_wix_uses_the_base_currency_and_refuses_another(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    # conversionCurrency (JPY) is the buyer's display currency: the USD total is what counts.
    ok = await wix(client, checkout_completed("e1", "c1", "m1", "10.00"))
    assert (await processed(runtime, ok)).outcome["awards"][0]["points"] == 10
    before = await written(runtime.async_engine)
    other = await wix(client, checkout_completed("e2", "c2", "m1", "10.00", currency="EUR"))
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "VALIDATION"
    assert await written(runtime.async_engine) == before


async def test_wix_checkout_by_a_visitor_is_recorded_but_earns_nothing(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    reply = await wix(client, checkout_completed("e1", "c1", None, "10.00"))
    assert reply.status_code == 200 and reply.json()["status"] == "IGNORED"
    assert await written(runtime.async_engine) == (0, 1, 0, 0)


def _tampered(token: bytes) -> bytes:
    header, payload, signature = token.decode().split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims["data"] = claims["data"].replace("42.90", "4290.00")
    forged = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    return f"{header}.{forged}.{signature}".encode()


def _bad_wix_bodies() -> dict[str, bytes]:
    body = {
        "checkout": {
            "id": "c",
            "buyerInfo": {"memberId": "m1"},
            "priceSummary": {"total": {"amount": "42.90"}},
            "currency": "USD",
        }
    }
    claims = wix_claims("wix.ecom.v1.checkout_completed", "evt-x", body)
    expired = {**claims, "exp": int(time.time()) - 10}
    no_exp = {k: v for k, v in claims.items() if k != "exp"}
    unsigned = jwt.encode(claims, None, algorithm="none").encode()
    # HS256 "signed" with the public key (PyJWT refuses to do it, so sign by hand).
    header = jwt.utils.base64url_encode(b'{"alg":"HS256","typ":"JWT"}')
    payload = jwt.utils.base64url_encode(json.dumps(claims).encode())
    import hashlib
    import hmac

    mac = hmac.new(WIX_PUBLIC_PEM.encode(), header + b"." + payload, hashlib.sha256).digest()
    hs256 = header + b"." + payload + b"." + jwt.utils.base64url_encode(mac)
    from cryptography.hazmat.primitives.asymmetric import rsa

    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        "expired": wix_jwt(expired),
        "no-exp": wix_jwt(no_exp),
        "alg-none": unsigned,
        "hs256-with-public-key": hs256,
        "tampered": _tampered(wix_jwt(claims)),
        "other-key": wix_jwt(claims, key=stranger),
        "not-a-jwt": b"{}",
    }


BAD_WIX = _bad_wix_bodies()


@pytest.mark.parametrize("case", list(BAD_WIX))
async def test_wix_jwt_that_does_not_verify_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, runtime: Runtime, case: str
) -> None:
    reply = await wix(client, BAD_WIX[case])
    assert reply.status_code == 401, reply.text
    assert reply.json()["error"]["code"] == "UNAUTHENTICATED"
    assert await written(runtime.async_engine) == (0, 0, 0, 0)


async def test_standard_event_earns_and_redelivery_is_a_duplicate(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    body, headers = standard_request(activity_event("m1"), msg_id="msg_1")
    first = await client.post("/webhooks/events", content=body, headers=headers)
    again = await client.post("/webhooks/events", content=body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert (first.json()["duplicate"], again.json()["duplicate"]) == (False, True)
    assert again.json()["eventId"] == first.json()["eventId"]
    await drain(runtime)
    assert (await account_of(runtime.async_engine, "m1")).member.totals.earned == 5


async def test_both_secrets_are_accepted_during_rotation(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    assert (await event(client, activity_event("m1"), secret=SECRET_OLD)).status_code == 200
    assert (await event(client, activity_event("m1"), secret=SECRET_NEW)).status_code == 200
    await drain(runtime)
    assert (await account_of(runtime.async_engine, "m1")).member.totals.earned == 10


async def test_a_referral_earns_once_per_referred_member(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    await add_fixed_rule(runtime.async_engine, "referrals/Referred", 50, app="referrals")
    payload = {
        "type": "referrals/Referred",
        "data": {"memberId": "ref", "triggerAppId": "referrals", "referredMemberId": "new"},
    }
    first = await processed(runtime, await event(client, payload))
    assert first.outcome["awards"][0]["points"] == 50
    again = await event(client, payload)  # a new message id, the same referral
    assert (await processed(runtime, again)).outcome["awards"][0]["alreadyAwarded"] is True
    assert (await account_of(runtime.async_engine, "ref")).member.totals.earned == 50


async def test_a_refund_before_its_order_is_retried_and_applied_once_the_order_arrives(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    refund = {"type": "orders/Refunded", "data": {"orderId": "o", "amount": "4.00"}}
    early = await processed(runtime, await event(client, refund))
    # Not found yet: kept PENDING with the typed error, retried after a back-off.
    assert (early.state, early.attempts, early.error["code"]) == ("PENDING", 1, "NOT_FOUND")
    assert (await written(runtime.async_engine))[2:] == (0, 0)
    await processed(runtime, await event(client, _purchase("10.00")))
    await _make_due(runtime)
    late = await processed(runtime, early_reply := await event(client, refund, msg_id="x"))
    assert early_reply.json()["duplicate"] is False  # another message: a second refund
    assert late.state == "DONE"
    first = await event_of(runtime.async_engine, id=early.id)
    assert first is not None and first.state == "DONE" and first.error is None
    assert first.outcome["pointsReversed"] == 4
    assert (await account_of(runtime.async_engine, "m1")).member.totals.balance == 2


async def test_an_event_that_cannot_be_applied_fails_with_a_typed_error_and_writes_nothing(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    await processed(runtime, await event(client, _purchase("10.00")))
    before = await written(runtime.async_engine)
    other = _purchase("5.00")
    other["data"]["memberId"] = "m2"  # the same order id, another member
    failed = await processed(runtime, await event(client, other))
    assert failed.state == "FAILED"
    assert failed.error["code"] == "VALIDATION" and "another member" in failed.error["message"]
    assert failed.outcome is None
    assert (await written(runtime.async_engine))[1:] == (before[1] + 1, *before[2:])


async def test_a_refund_that_never_finds_its_order_fails_after_the_retries(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    reply = await event(
        client, {"type": "orders/Refunded", "data": {"orderId": "no", "amount": "1"}}
    )
    for _ in range(MAX_ATTEMPTS):
        await _make_due(runtime)
        found = await processed(runtime, reply)
    assert (found.state, found.attempts, found.error["code"]) == (
        "FAILED",
        MAX_ATTEMPTS,
        "NOT_FOUND",
    )
    assert (await written(runtime.async_engine))[2:] == (0, 0)


async def _make_due(runtime: Runtime) -> None:
    """Skips the retry back-off (the clock is not what these tests are about)."""
    async with runtime.async_engine.begin() as conn:
        await conn.execute(inbound_events.update().values(process_after=None))


def _purchase(value: object, currency: str = "USD") -> dict:  # type: ignore[type-arg]
    return {
        "type": ORDER_PAID,
        "data": {
            "memberId": "m1",
            "triggerAppId": STORES,
            "orderId": "o",
            "amount": {"value": value, "currency": currency},
        },
    }


STALE = int(time.time()) - 6 * 60


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("bad-hmac", 401),
        ("stale-timestamp", 401),
        ("future-timestamp", 401),
        ("missing-headers", 400),
        ("malformed-json", 400),
        ("over-the-cap", 413),
        ("negative-amount", 422),
        ("non-numeric-amount", 422),
        ("float-like-bool-amount", 422),
        ("other-currency", 422),
        ("no-member", 422),
    ],
)
async def test_bad_standard_webhook_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, runtime: Runtime, case: str, status: int
) -> None:
    payload: object = _purchase("10.00")
    kw: dict[str, object] = {}
    if case == "bad-hmac":
        kw["secret"] = "whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUE="
    elif case == "stale-timestamp":
        kw["at"] = STALE
    elif case == "future-timestamp":
        kw["at"] = int(time.time()) + 6 * 60
    elif case == "malformed-json":
        payload = b'{"type": "x", "data": {'
    elif case == "over-the-cap":
        payload = {**_purchase("10.00"), "padding": "x" * MAX_BODY}
    elif case == "negative-amount":
        payload = _purchase("-1")
    elif case == "non-numeric-amount":
        payload = _purchase("ten")
    elif case == "float-like-bool-amount":
        payload = _purchase(True)
    elif case == "other-currency":
        payload = _purchase("10.00", "EUR")
    elif case == "no-member":
        payload = {"type": ORDER_PAID, "data": {"triggerAppId": STORES}}
    if case == "missing-headers":
        reply = await client.post("/webhooks/events", content=b"{}")
    else:
        reply = await event(client, payload, **kw)
    assert reply.status_code == status, reply.text
    assert await written(runtime.async_engine) == (0, 0, 0, 0)


async def test_unconfigured_endpoints_answer_503(database_url: str) -> None:
    settings = Settings(database_url=database_url, chain_state="")
    rt = light_runtime(settings)
    transport = httpx.ASGITransport(app=create_app(settings, rt))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        assert (await c.post("/webhooks/wix", content=b"x")).status_code == 503
        assert (await c.post("/webhooks/events", content=b"x")).status_code == 503
    await rt.async_engine.dispose()
    rt.engine.dispose()


async def test_metrics_count_accepted_duplicate_and_refused_webhooks(
    client: httpx.AsyncClient,
) -> None:
    from loyalty.metrics import REGISTRY

    def count(source: str, outcome: str) -> float:
        value = REGISTRY.get_sample_value(
            "loyalty_webhooks_total", {"source": source, "outcome": outcome}
        )
        return value or 0.0

    before = {
        (s, o): count(s, o) for s in ("wix", "events") for o in ("accepted", "duplicate", "refused")
    }
    body = checkout_completed("evt-metrics", "chk-metrics", "m-metrics", "10.00")
    assert (await wix(client, body)).status_code == 200
    assert (await wix(client, body)).status_code == 200
    assert (await wix(client, b"not a jwt")).status_code == 401
    payload = activity_event("m-metrics")
    assert (await event(client, payload, secret="whsec_" + "A" * 32)).status_code == 401
    scrape = (await client.get("/metrics")).text

    assert count("wix", "accepted") - before[("wix", "accepted")] == 1
    assert count("wix", "duplicate") - before[("wix", "duplicate")] == 1
    assert count("wix", "refused") - before[("wix", "refused")] == 1
    assert count("events", "refused") - before[("events", "refused")] == 1
    assert 'loyalty_webhooks_total{outcome="accepted",source="wix"}' in scrape
