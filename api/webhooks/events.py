"""The payload of `POST /webhooks/events` (any source but Wix eCommerce):

    {"type": "<activity type, e.g. reviews/ReviewCreated>",
     "data": {"memberId": "…", "triggerAppId": "…",
              "orderId": "…"?, "amount": {"value": "12.50", "currency": "USD"}?,
              "occurredAt": "2025-01-31T12:00:00Z"?, "referredMemberId": "…"?,
              "referralCode": "…"?, "email": "…"?, "ip": "…"?, "channel": "…"?}}

or, to take an order's points back, {"type": "orders/Refunded", "data": {"orderId", "amount"}}.
The webhook-id is the idempotency key. A referral earns once per referred member and rule.
`referralCode` (issue 15): the member arrived with a friend's code (docs/program.md#referrals).
`auth/register` (a sign-up) earns once per member, `social/Followed` with `channel` once per
member and channel (loyalty.domain.member_actions), whatever their webhook-ids.
Amounts are decimal strings or JSON numbers, both parsed exactly (a number is never read as a
binary float) and held to the money limits of loyalty.domain.values; `occurredAt` carries a time
zone. No string anywhere in the body (object keys included) may hold a NUL or a lone surrogate:
such a body is refused with 422 VALIDATION naming the path (e.g. `data.memberId`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from api.webhooks.errors import WebhookRefused, malformed
from loyalty.domain import values
from loyalty.domain.errors import InvalidInput
from loyalty.domain.member_actions import once_ref
from loyalty.domain.points import Money
from loyalty.services.activity_model import ActivityInput
from loyalty.services.referrals import check_sender
from loyalty.services.refunds import RefundInput

REFUND_TYPE = "orders/Refunded"


def invalid(message: str, field: str) -> WebhookRefused:
    return WebhookRefused(422, "VALIDATION", message, field)


@dataclass(frozen=True)
class SourceEvent:
    activity: ActivityInput | None = None
    refund: RefundInput | None = None


def _decimal(value: Any, field: str) -> Decimal:
    return values.parse_money(field, value)


def _str(data: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise invalid(f"data.{key} must be a non-blank string", f"data.{key}")
    return value


def _referral_details(data: dict[str, Any]) -> dict[str, Any]:
    """A sign-up or an order may carry the referral code it arrived with (issue 15), with the
    friend's e-mail and the sender's IP for the fraud limits; they are checked here (422)."""
    found: dict[str, Any] = {}
    for key in ("referralCode", "email", "ip"):
        value = _str(data, key, required=False)
        if value is not None:
            found[key] = value
    if not found.get("referralCode"):
        return {}
    try:
        # A malformed code is not a bad body: the referral's answer says it is unknown.
        check_sender(found.get("email"), found.get("ip"))
    except InvalidInput as exc:
        raise invalid(str(exc), f"data.{exc.field}") from None
    return found


def parse(msg_id: str, body: bytes) -> SourceEvent:
    try:
        # Numbers are read exactly, whatever their size: 1e400 or 5,000 digits are then refused
        # by the money limits, never rounded or overflowed.
        payload = json.loads(body, parse_float=Decimal, parse_int=Decimal)
    except ValueError:
        raise malformed("the body is not JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
        raise malformed('the body must be {"type": …, "data": {…}}')
    values.check_tree(payload, "")
    kind = payload.get("type")
    if not isinstance(kind, str) or not kind:
        raise invalid("type must be the activity type", "type")
    data: dict[str, Any] = payload["data"]
    if kind == REFUND_TYPE:
        order_id = _str(data, "orderId")
        assert order_id is not None
        return SourceEvent(
            refund=RefundInput(msg_id, order_id, amount=_decimal(data.get("amount"), "data.amount"))
        )
    amount = None
    if data.get("amount") is not None:
        raw = data["amount"]
        if not isinstance(raw, dict):
            raise invalid(
                'data.amount must be {"value": "12.50", "currency": "USD"}', "data.amount"
            )
        currency = raw.get("currency")
        if not isinstance(currency, str) or not currency:
            raise invalid("data.amount.currency is required", "data.amount.currency")
        amount = Money(_decimal(raw.get("value"), "data.amount.value"), currency)
    occurred = None
    if data.get("occurredAt") is not None:
        occurred = values.parse_instant("data.occurredAt", data["occurredAt"])
    referred = _str(data, "referredMemberId", required=False)
    if referred is not None:
        values.check_identifier("referredMemberId", referred, 256)
    details: dict[str, Any] = {"referredMemberId": referred} if referred else {}
    details.update(_referral_details(data))
    member_id = _str(data, "memberId")
    trigger_app = _str(data, "triggerAppId")
    assert member_id is not None and trigger_app is not None
    channel = _str(data, "channel", required=False)
    try:
        once = once_ref(kind, member_id, channel)
    except InvalidInput as exc:
        raise invalid(str(exc), f"data.{exc.field}") from None
    if channel is not None:
        details["channel"] = channel.strip().lower()
    return SourceEvent(
        activity=ActivityInput(
            idempotency_key=msg_id,
            member_id=member_id,
            activity_type=kind,
            trigger_app_id=trigger_app,
            order_id=_str(data, "orderId", required=False),
            amount=amount,
            occurred_at=occurred,
            dedupe_ref=f"referral:{referred}" if referred else once,
            details=details,
        )
    )
