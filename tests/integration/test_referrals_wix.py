"""Referral codes carried by Wix events, on SQLite and PostgreSQL (issue 15): a member_created
whose "Referral code" custom field names a member refers the new member, and a checkout whose
site field `referralCode` does; each delivered three times (and once more under another event
id, or as the order's PAID status) makes one referral and rewards each side once; a code no
member has is answered, not refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from loyalty.db.ledger import inbound_events, ledger_entries
from loyalty.db.referrals import referrals
from tests.integration._rules_client import Api, running_api
from tests.support.ledger import add_fixed_rule, add_rate_rule
from tests.support.webhooks import (
    WIX_PUBLIC_PEM,
    checkout_completed,
    drain,
    member_created,
    payment_status,
)

PROGRAM = "{ referralProgram { revision } }"
UPDATE = """mutation($rev: Long!, $p: ReferralProgramUpdate!) {
  updateReferralProgram(revision: $rev, program: $p) { revision } }"""
CODE = """query($id: String!) { account(memberId: $id) { referralCode points { balance } } }"""
LIST = """query($f: ReferralFilter) { referrals(filter: $f) { edges { node { referrerId friendId
  status reason orderId referrerPoints friendPoints } } } }"""


@pytest.fixture
async def api(database_url: str, tmp_path: Any) -> Any:
    async with running_api(database_url, tmp_path, wix_public_key=WIX_PUBLIC_PEM) as running:
        await add_rate_rule(running.runtime.async_engine, per="1", points=1)
        await add_fixed_rule(running.runtime.async_engine, "auth/register", 50, app="members")
        yield running


async def program(api: Api, **changes: Any) -> None:
    rev = (await api.ok(PROGRAM))["referralProgram"]["revision"]
    await api.ok(UPDATE, {"rev": rev, "p": changes})


async def code_of(api: Api, member_id: str) -> str:
    await api.ok(
        "mutation($id: String!) { createMember(memberId: $id) { memberId } }", {"id": member_id}
    )
    return str((await api.ok(CODE, {"id": member_id}))["account"]["referralCode"])


async def balance(api: Api, member_id: str) -> int:
    return int((await api.ok(CODE, {"id": member_id}))["account"]["points"]["balance"])


async def deliver(api: Api, body: bytes, times: int = 1) -> None:
    for _ in range(times):
        reply = await api.client.post(
            "/webhooks/wix", content=body, headers={"content-type": "text/plain"}
        )
        assert reply.status_code == 200, reply.text
    await drain(api.runtime)


async def count(api: Api, table: Any, *where: Any) -> int:
    async with api.runtime.async_engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table).where(*where)) or 0)


async def answer(api: Api, event_id: str) -> dict[str, Any]:
    async with api.runtime.async_engine.connect() as conn:
        raw = await conn.scalar(
            select(inbound_events.c.response).where(
                inbound_events.c.source == "wix", inbound_events.c.event_key == event_id
            )
        )
    return dict(json.loads(raw))


async def test_a_wix_sign_up_with_a_referral_code_refers_and_rewards_once(api: Api) -> None:
    await program(api, status="ACTIVE", referrerPoints=200, friendPoints=100, trigger="SIGN_UP")
    ann = await code_of(api, "ann")
    body = member_created("evt-m1", "wix-bob", email="bob@example.com", referral_code=ann.lower())
    await deliver(api, body, times=3)
    # Wix may also send the same sign-up under another event id: it earns and refers once.
    again = member_created("evt-m1b", "wix-bob", referral_code=ann, as_json=False)
    await deliver(api, again)
    [edge] = (await api.ok(LIST, {"f": {"friendId": "wix-bob"}}))["referrals"]["edges"]
    assert edge["node"] == {
        "referrerId": "ann",
        "friendId": "wix-bob",
        "status": "REWARDED",
        "reason": None,
        "orderId": None,
        "referrerPoints": 200,
        "friendPoints": 100,
    }
    assert await balance(api, "ann") == 200
    assert await balance(api, "wix-bob") == 100 + 50  # the referral and the sign-up rule
    assert await count(api, ledger_entries, ledger_entries.c.business_key.like("referral:%")) == 2
    assert (await answer(api, "evt-m1"))["referral"]["status"] == "REWARDED"
    # The e-mail the sign-up carried is the friend's, for the same-e-mail check: ann's twin
    # address is refused with its reason.
    await api.ok(
        'mutation { setMemberContact(memberId: "ann", email: "ann.lee@gmail.com") { email } }'
    )
    twin = member_created("evt-m2", "wix-twin", email="annlee+2@gmail.com", referral_code=ann)
    await deliver(api, twin)
    [edge] = (await api.ok(LIST, {"f": {"friendId": "wix-twin"}}))["referrals"]["edges"]
    assert (edge["node"]["status"], edge["node"]["reason"]) == ("REJECTED", "SAME_EMAIL")
    assert await balance(api, "ann") == 200
    unknown = member_created("evt-m3", "wix-cy", referral_code="nope")
    await deliver(api, unknown)
    assert (await answer(api, "evt-m3"))["referral"]["error"]["code"] == "REFERRAL_CODE_UNKNOWN"
    assert await balance(api, "wix-cy") == 50  # the sign-up still earns
    plain = member_created("evt-m4", "wix-dan")  # no code: a sign-up, no referral
    await deliver(api, plain)
    assert await count(api, referrals) == 2 and await balance(api, "wix-dan") == 50


async def test_a_wix_order_with_a_referral_code_refers_qualifies_and_rewards_once(
    api: Api,
) -> None:
    await program(api, status="ACTIVE", referrerPoints=500, friendPoints=300, minimumAmount="20")
    ann = await code_of(api, "ann")
    first = checkout_completed(
        "evt-c1", "chk-1", "wix-bob", "42.00", referral_code=ann, email="bob@example.com"
    )
    await deliver(api, first, times=3)
    # The same purchase as the order's payment status, carrying the code too: once.
    await deliver(
        api,
        payment_status("evt-p1", "ord-1", "chk-1", "wix-bob", "42.00", "PAID", referral_code=ann),
    )
    [edge] = (await api.ok(LIST, {"f": {"friendId": "wix-bob"}}))["referrals"]["edges"]
    assert edge["node"]["status"] == "REWARDED" and edge["node"]["orderId"] == "chk-1"
    assert (edge["node"]["referrerPoints"], edge["node"]["friendPoints"]) == (500, 300)
    assert await balance(api, "ann") == 500
    assert await balance(api, "wix-bob") == 300 + 42
    assert await count(api, referrals) == 1
    assert await count(api, ledger_entries, ledger_entries.c.business_key.like("referral:%")) == 2
    # A later order of the friend with the code again: the friend is referred once.
    await deliver(api, checkout_completed("evt-c2", "chk-2", "wix-bob", "60.00", referral_code=ann))
    assert await balance(api, "ann") == 500 and await count(api, referrals) == 1
    # A buyer who had ordered before is not new: rejected, with its reason.
    await deliver(api, checkout_completed("evt-c3", "chk-3", "wix-old", "30.00"))
    await deliver(api, checkout_completed("evt-c4", "chk-4", "wix-old", "30.00", referral_code=ann))
    [old] = (await api.ok(LIST, {"f": {"friendId": "wix-old"}}))["referrals"]["edges"]
    assert (old["node"]["status"], old["node"]["reason"]) == ("REJECTED", "FRIEND_NOT_NEW")
    assert await balance(api, "ann") == 500
