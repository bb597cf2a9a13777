"""Wix eCommerce webhooks: the body is an RS256 JWT signed with the app's key.

Verified with the configured public key, algorithm pinned to RS256 (so `alg: none` and an HS256
token "signed" with the public key are refused), `exp` required and checked. The payload nests
JSON (as strings or objects, both accepted):

    claims.data = {"eventType": "wix.ecom.v1.checkout_completed" | "…order_payment_status_updated",
                   "instanceId": …,
                   "data": {"id": <event id>, "entityId": …, "actionEvent": {"body": {…}}}}

Checkout completed: body.checkout {id, buyerInfo.memberId, priceSummary.total.amount, currency}.
Payment status: body.order {id, checkoutId, buyerInfo.memberId, priceSummary.total.amount,
currency, paymentStatus, balanceSummary.refunded.amount}. An order is keyed by its checkout id,
so the two event types of one purchase earn once. The base `currency` is used, never the buyer's
`conversionCurrency`. Member created (`wix.members.v1.member_created`, the member in
data.createdEvent.entity or .entityAsJson): a sign-up. Where these carry a referral code:
api.webhooks.wix_members.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from api.webhooks import wix_members
from api.webhooks.errors import WebhookRefused, malformed, unauthenticated
from loyalty.domain import values
from loyalty.domain.points import Money
from loyalty.errors import ConfigError
from loyalty.services.activity_model import ActivityInput
from loyalty.services.refunds import RefundInput

STORES_APP_ID = "stores"
ORDER_PAID = "stores/OrderPaid"
CHECKOUT_COMPLETED = "checkout_completed"
PAYMENT_STATUS = "order_payment_status_updated"


def load_public_key(value: str) -> Any:
    """PEM text, or a path to a PEM file."""
    pem = value if value.lstrip().startswith("-----BEGIN") else _read(value)
    try:
        return load_pem_public_key(pem.encode())
    except ValueError:
        raise ConfigError("LOYALTY_WIX_PUBLIC_KEY is not a PEM public key") from None


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise ConfigError(f"LOYALTY_WIX_PUBLIC_KEY: cannot read {path!r} ({exc})") from None


class WixVerifier:
    def __init__(self, public_key_setting: str) -> None:
        self._key = load_public_key(public_key_setting)

    def verify(self, body: bytes) -> dict[str, Any]:
        try:
            token = body.decode("ascii").strip()
        except UnicodeDecodeError:
            raise malformed("the body must be a JWT") from None
        try:
            claims = jwt.decode(
                token, self._key, algorithms=["RS256"], options={"require": ["exp"]}
            )
        except jwt.ExpiredSignatureError:
            raise unauthenticated("the JWT has expired") from None
        except jwt.InvalidTokenError as exc:
            raise unauthenticated(f"the JWT does not verify ({type(exc).__name__})") from None
        return dict(claims)


def _json(value: Any, what: str) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value, parse_float=Decimal)
        except ValueError:
            raise malformed(f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise malformed(f"{what} must be a JSON object")
    return value


def _path(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _money(value: Any, currency: Any, field: str) -> Money:
    amount = values.parse_money(field, value)
    if not isinstance(currency, str) or not currency:
        raise WebhookRefused(422, "VALIDATION", "currency is required", "currency")
    return Money(amount, currency)


@dataclass(frozen=True)
class WixEvent:
    event_id: str
    event_type: str
    activity: ActivityInput | None = None
    refund: RefundInput | None = None
    ignored: str = ""  # why it earns nothing


def parse(claims: dict[str, Any]) -> WixEvent:
    envelope = _json(claims.get("data"), "data")
    event_type = envelope.get("eventType")
    event = _json(envelope.get("data"), "data.data")
    # No NUL or lone surrogate in any string of the event (checked once the nesting is undone).
    values.check_tree({k: v for k, v in envelope.items() if k != "data"}, "data")
    values.check_tree(event, "data.data")
    event_id = event.get("id")
    if not isinstance(event_type, str) or not isinstance(event_id, str) or not event_id:
        raise malformed("eventType and the event's id are required")
    body = _path(event, "actionEvent", "body") or event.get("body") or {}
    if not isinstance(body, dict):
        raise malformed("the event body must be an object")
    if event_type.endswith(CHECKOUT_COMPLETED):
        return _checkout(event_id, event_type, body)
    if event_type.endswith(PAYMENT_STATUS):
        return _payment(event_id, event_type, body)
    if event_type.endswith(wix_members.MEMBER_CREATED):
        activity = wix_members.member_created(event_id, event_type, event)
        return WixEvent(event_id, event_type, activity=activity)
    return WixEvent(event_id, event_type, ignored=f"event type {event_type} earns nothing")


def _checkout(event_id: str, event_type: str, body: dict[str, Any]) -> WixEvent:
    checkout = body.get("checkout")
    if not isinstance(checkout, dict) or not isinstance(checkout.get("id"), str):
        raise malformed("checkout.id is required")
    return _purchase(event_id, event_type, checkout, order_id=checkout["id"])


def _purchase(
    event_id: str,
    event_type: str,
    source: dict[str, Any],
    *,
    order_id: str,
    external_order_id: str | None = None,
) -> WixEvent:
    """A paid purchase (checkout or order): the buyer's member id, the total in the base
    currency (never the display currency), keyed by the checkout so both events earn once."""
    member = _path(source, "buyerInfo", "memberId")
    if not member:
        return WixEvent(event_id, event_type, ignored="the buyer is not a site member")
    if not isinstance(member, str | int) or isinstance(member, bool):
        raise malformed("buyerInfo.memberId must be a string")
    amount = _money(
        _path(source, "priceSummary", "total", "amount"), source.get("currency"), "total"
    )
    return WixEvent(
        event_id,
        event_type,
        activity=ActivityInput(
            idempotency_key=event_id,
            member_id=str(member),
            activity_type=ORDER_PAID,
            trigger_app_id=STORES_APP_ID,
            order_id=order_id,
            amount=amount,
            external_order_id=external_order_id,
            details={"wixEventType": event_type, **wix_members.purchase_referral(source)},
        ),
    )


def _payment(event_id: str, event_type: str, body: dict[str, Any]) -> WixEvent:
    order = body.get("order")
    if not isinstance(order, dict) or not isinstance(order.get("id"), str):
        raise malformed("order.id is required")
    status = order.get("paymentStatus")
    key = order.get("checkoutId") or order["id"]
    if status == "PAID":
        return _purchase(event_id, event_type, order, order_id=key, external_order_id=order["id"])
    if status == "FULLY_REFUNDED":
        return WixEvent(event_id, event_type, refund=RefundInput(event_id, key, full=True))
    if status == "PARTIALLY_REFUNDED":
        refunded = _money(
            _path(order, "balanceSummary", "refunded", "amount"),
            order.get("currency"),
            "balanceSummary.refunded",
        )
        return WixEvent(
            event_id,
            event_type,
            refund=RefundInput(event_id, key, refunded_total=refunded.value),
        )
    return WixEvent(event_id, event_type, ignored=f"payment status {status} earns nothing")
