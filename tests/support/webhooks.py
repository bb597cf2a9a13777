"""Signing Wix and Standard Webhooks requests for tests and the benchmark, and an app whose
webhooks are configured (on a runtime without a chain: the webhooks never touch it)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from api.webhooks.standard import sign
from loyalty.db.engine import make_async_engine, make_engine
from loyalty.runtime import Runtime
from loyalty.settings import Settings

WIX_PRIVATE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
WIX_PUBLIC_PEM = (
    WIX_PRIVATE_KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)
SECRET_OLD = "whsec_" + base64.b64encode(b"old-secret-0123456789abcdef").decode()
SECRET_NEW = "whsec_" + base64.b64encode(b"new-secret-0123456789abcdef").decode()


def wix_claims(
    event_type: str,
    event_id: str,
    body: dict[str, Any],
    *,
    ttl: int = 300,
    inner: dict[str, Any] | None = None,
) -> dict:  # type: ignore[type-arg]
    """Wix's nesting: claims.data (a JSON string) holds eventType and data (a JSON string)."""
    inner = inner or {"id": event_id, "entityId": "e", "actionEvent": {"body": body}}
    envelope = {"eventType": event_type, "instanceId": "site-1", "data": json.dumps(inner)}
    now = int(time.time())
    return {"data": json.dumps(envelope), "iat": now, "exp": now + ttl}


def wix_jwt(claims: dict, key: Any = WIX_PRIVATE_KEY, algorithm: str = "RS256") -> bytes:  # type: ignore[type-arg]
    return jwt.encode(claims, key, algorithm=algorithm).encode()


def _referral_field(source: dict[str, Any], code: str | None) -> None:
    """The site's own field for a referral code (a data extension schema, `_user_fields`)."""
    if code is not None:
        source["extendedFields"] = {"namespaces": {"_user_fields": {"referralCode": code}}}


def checkout_completed(
    event_id: str,
    checkout_id: str,
    member: str | None,
    total: str,
    currency: str = "USD",
    *,
    referral_code: str | None = None,
    email: str | None = None,
) -> bytes:
    checkout: dict[str, Any] = {
        "id": checkout_id,
        "buyerInfo": {"memberId": member, "contactId": "c1", "email": email},
        "priceSummary": {"subtotal": {"amount": total}, "total": {"amount": total}},
        "currency": currency,
        "conversionCurrency": "JPY",  # the buyer's display currency: must be ignored
    }
    _referral_field(checkout, referral_code)
    return wix_jwt(wix_claims("wix.ecom.v1.checkout_completed", event_id, {"checkout": checkout}))


def payment_status(
    event_id: str,
    order_id: str,
    checkout_id: str,
    member: str,
    total: str,
    status: str,
    refunded: str | None = None,
    *,
    referral_code: str | None = None,
) -> bytes:
    order: dict[str, Any] = {
        "id": order_id,
        "checkoutId": checkout_id,
        "buyerInfo": {"memberId": member},
        "priceSummary": {"total": {"amount": total}},
        "currency": "USD",
        "paymentStatus": status,
    }
    if refunded is not None:
        order["balanceSummary"] = {"refunded": {"amount": refunded}}
    _referral_field(order, referral_code)
    return wix_jwt(
        wix_claims("wix.ecom.v1.order_payment_status_updated", event_id, {"order": order})
    )


def member_created(
    event_id: str,
    member_id: str,
    *,
    email: str | None = None,
    referral_code: str | None = None,
    as_json: bool = True,
) -> bytes:
    """wix.members.v1.member_created: the member in createdEvent, as a JSON string (REST
    webhooks) or an object; a referral code in the member's custom field "Referral code"."""
    contact: dict[str, Any] = {"firstName": "New", "lastName": "Member"}
    if referral_code is not None:
        contact["customFields"] = {
            "custom.referral-code": {"name": "Referral code", "value": referral_code}
        }
    entity = {"id": member_id, "loginEmail": email, "status": "APPROVED", "contact": contact}
    created = {"entityAsJson": json.dumps(entity)} if as_json else {"entity": entity}
    inner = {
        "id": event_id,
        "entityFqdn": "wix.members.v1.member",
        "slug": "created",
        "entityId": member_id,
        "createdEvent": created,
    }
    claims = wix_claims("wix.members.v1.member_created", event_id, {}, inner=inner)
    return wix_jwt(claims)


def standard_request(
    payload: Any, *, secret: str = SECRET_NEW, msg_id: str | None = None, at: int | None = None
) -> tuple[bytes, dict[str, str]]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload, default=str).encode()
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    timestamp = int(time.time()) if at is None else at
    return body, {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
        "content-type": "application/json",
    }


def activity_event(member: str, activity_type: str = "reviews/ReviewCreated", **data: Any) -> dict:  # type: ignore[type-arg]
    return {"type": activity_type, "data": {"memberId": member, "triggerAppId": "reviews", **data}}


def money(value: str, currency: str = "USD") -> dict[str, str]:
    return {"value": value, "currency": currency}


def light_runtime(settings: Settings) -> Runtime:
    """Database engines without a chain: the webhooks and ledger services never use it."""
    return Runtime(
        settings=settings,
        engine=make_engine(settings.database_url),
        _async_engine=make_async_engine(settings.database_url),
        chain=None,  # type: ignore[arg-type]
        deployment=None,  # type: ignore[arg-type]
    )


async def drain(rt: Runtime, *, processors: int = 1) -> None:
    """Processes every due inbox event, as the API process's InboxProcessor does after it has
    answered (the ASGI test client runs no lifespan, so no processor runs by itself)."""
    from loyalty.custody import custody_for
    from loyalty.services.inbox import process_pending

    custody = custody_for(rt.settings.custody_mnemonic_or_dev())

    async def one() -> int:
        return await process_pending(
            rt.unit_of_work(), custody=custody, currency=rt.settings.currency
        )

    while sum(await asyncio.gather(*(one() for _ in range(processors)))):
        pass


async def processed(rt: Runtime, reply: Any) -> Any:
    """The stored event behind a webhook answer, after the inbox has processed what is due."""
    from tests.support.reads import event_of

    assert reply.status_code == 200, reply.text
    await drain(rt)
    found = await event_of(rt.async_engine, id=reply.json()["eventId"])
    assert found is not None
    return found
