"""What Wix events carry for the referral program (issue 15), and Wix's member sign-up.

Where a Wix event carries the friend's referral code (Wix has no field of its own for another
program's code, so the site adds one):

- a purchase (checkout completed, order payment PAID): the site-specific field `referralCode`
  of the eCommerce Checkout / Order (a data extension schema in the `_user_fields` namespace),
  i.e. `checkout.extendedFields.namespaces._user_fields.referralCode` and the same on `order`;
  the buyer's `buyerInfo.email` goes with it, for the same-e-mail check;
- a sign-up (`wix.members.v1.member_created`): the member's custom field named "Referral code",
  i.e. `contact.customFields["custom.referral-code"].value` (Wix derives the key from the name;
  any spelling of it that reads "referral code" is taken), with the member's `loginEmail`.

A sign-up becomes the activity `auth/register` of the `members` app (what an earning rule for
signing up matches), once per member whatever the event id (`dedupe_ref`), so a redelivered or
repeated member_created earns and refers once.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from api.webhooks.errors import malformed
from loyalty.domain import values
from loyalty.domain.errors import InvalidInput
from loyalty.domain.member_actions import SIGN_UP, once_ref
from loyalty.services.activity_model import ActivityInput
from loyalty.services.referrals import check_sender

MEMBERS_APP_ID = "members"
MEMBER_CREATED = "member_created"
CODE_MAX = 64
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def _path(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip() and len(value) <= CODE_MAX:
        return value.strip()
    return None


def _email(value: Any) -> str | None:
    """The e-mail for the same-e-mail check, or None: a malformed one is dropped, not refused
    (Wix would redeliver a refused event for two days; the member's contact is checked too)."""
    if not isinstance(value, str):
        return None
    try:
        check_sender(value, None)
    except InvalidInput:
        return None
    return value


def referral_details(code: Any, email: Any) -> dict[str, Any]:
    """The activity's details for a code (none when there is no code). A code that cannot be
    one is still passed on: the answer then says REFERRAL_CODE_UNKNOWN."""
    found = _text(code)
    if found is None:
        return {}
    details: dict[str, Any] = {"referralCode": found}
    mail = _email(email)
    if mail is not None:
        details["email"] = mail
    return details


def purchase_referral(source: dict[str, Any]) -> dict[str, Any]:
    """The referral part of a checkout's or an order's details."""
    code = _path(source, "extendedFields", "namespaces", "_user_fields", "referralCode")
    return referral_details(code, _path(source, "buyerInfo", "email"))


def _custom_field_code(contact: Any) -> Any:
    fields = _path(contact, "customFields")
    if not isinstance(fields, dict):
        return None
    for key, field in fields.items():
        name = _NOT_ALNUM.sub("", str(key).lower().removeprefix("custom."))
        if name == "referralcode":
            return field.get("value") if isinstance(field, dict) else field
    return None


def _entity(event: dict[str, Any]) -> dict[str, Any]:
    created = event.get("createdEvent")
    entity = _path(created, "entity")
    raw = _path(created, "entityAsJson")
    if entity is None and isinstance(raw, str):
        try:
            entity = json.loads(raw, parse_float=Decimal)
        except ValueError:
            raise malformed("createdEvent.entityAsJson is not JSON") from None
    if not isinstance(entity, dict):
        raise malformed("createdEvent.entity (the member) is required")
    values.check_tree(entity, "createdEvent.entity")
    return entity


def member_created(event_id: str, event_type: str, event: dict[str, Any]) -> ActivityInput:
    """A Wix site member signed up: the sign-up activity, with the referral code if any."""
    member = _entity(event)
    member_id = member.get("id") or event.get("entityId")
    if not isinstance(member_id, str) or not member_id.strip():
        raise malformed("the member's id is required")
    details: dict[str, Any] = {"wixEventType": event_type}
    details.update(
        referral_details(_custom_field_code(member.get("contact")), member.get("loginEmail"))
    )
    return ActivityInput(
        idempotency_key=event_id,
        member_id=member_id,
        activity_type=SIGN_UP,
        trigger_app_id=MEMBERS_APP_ID,
        dedupe_ref=once_ref(SIGN_UP, member_id, None),
        details=details,
    )
