"""The referral program over GraphQL and webhooks, on SQLite and PostgreSQL (issue 15): codes,
qualification by sign-up or first order, the hold and a refund inside it, each fraud limit with
its reason, a friend referred once, statistics, who may do what, and bad input that changes
nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from loyalty.db.ledger import ledger_entries, members
from loyalty.db.outbox import chain_requests
from loyalty.db.program import notifications
from loyalty.db.referrals import referrals
from loyalty.services.referral_rewards import grant_due
from tests.integration._rules_client import Api, member_jwt, running_api
from tests.support.ledger import add_rate_rule
from tests.support.uow import uow_for
from tests.support.webhooks import SECRET_NEW, activity_event, drain, standard_request

PROGRAM = """{ referralProgram { revision status referrerReward { points }
  friendReward { points } qualification { trigger minimumAmount } holdDays
  limits { perReferrerPerWeek perIpPerWeek } } }"""
UPDATE = """mutation($rev: Long!, $p: ReferralProgramUpdate!) {
  updateReferralProgram(revision: $rev, program: $p) { revision status holdDays
    referrerReward { points } friendReward { points } qualification { trigger minimumAmount }
    limits { perReferrerPerWeek perIpPerWeek } } }"""
CODE = """query($id: String!) { account(memberId: $id) { referralCode points { balance } } }"""
RECORD = """mutation($i: RecordReferralInput!) { recordReferral(input: $i) { duplicate
  referral { id referrerId friendId code status reason orderId qualifiedDate rewardDueDate
             rewardedDate referrerPoints friendPoints } } }"""
LIST = """query($f: ReferralFilter, $first: Int, $after: String) {
  referrals(filter: $f, first: $first, after: $after) {
    edges { cursor node { id referrerId friendId status reason } }
    pageInfo { hasNextPage endCursor } } }"""
STATS = """query($m: String) { referralStats(memberId: $m) { referrals pending qualified rewarded
  rejected byReason { reason count } pointsAwarded } }"""
REGENERATE = """mutation($id: String!) { regenerateReferralCode(memberId: $id) }"""
ACTIVITY = """mutation($i: RecordActivityInput!) { recordActivity(input: $i) { duplicate } }"""
REFUND = """mutation($i: RecordRefundInput!) { recordRefund(input: $i) { pointsReversed } }"""


@pytest.fixture
async def api(database_url: str, tmp_path: Any) -> Any:
    async with running_api(database_url, tmp_path, webhook_secrets=(SECRET_NEW,)) as running:
        await add_rate_rule(running.runtime.async_engine, per="1", points=1)
        yield running


async def program(api: Api, **changes: Any) -> dict[str, Any]:
    rev = (await api.ok(PROGRAM))["referralProgram"]["revision"]
    return (await api.ok(UPDATE, {"rev": rev, "p": changes}))["updateReferralProgram"]


async def give_500_get_300(api: Api, **more: Any) -> dict[str, Any]:
    return await program(
        api, status="ACTIVE", referrerPoints=500, friendPoints=300, minimumAmount="20", **more
    )


async def member(api: Api, member_id: str) -> str:
    await api.ok(
        "mutation($id: String!) { createMember(memberId: $id) { memberId } }", {"id": member_id}
    )
    return (await api.ok(CODE, {"id": member_id}))["account"]["referralCode"]


async def order(api: Api, member_id: str, order_id: str, amount: str) -> None:
    await api.ok(
        ACTIVITY,
        {
            "i": {
                "idempotencyKey": f"paid-{order_id}",
                "memberId": member_id,
                "activityType": "stores/OrderPaid",
                "triggerAppId": "stores",
                "orderId": order_id,
                "amount": {"value": amount, "currency": "USD"},
            }
        },
    )


async def refer(api: Api, code: str, friend: str, **more: Any) -> dict[str, Any]:
    reply = await api.ok(RECORD, {"i": {"code": code, "friendMemberId": friend, **more}})
    return reply["recordReferral"]


async def balance(api: Api, member_id: str) -> int:
    return int((await api.ok(CODE, {"id": member_id}))["account"]["points"]["balance"])


async def count(api: Api, table: Any, *where: Any) -> int:
    async with api.runtime.async_engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table).where(*where)) or 0)


async def test_settings_start_as_a_draft_and_change_by_revision(api: Api) -> None:
    start = (await api.ok(PROGRAM))["referralProgram"]
    assert start["status"] == "DRAFT" and start["referrerReward"]["points"] == 0
    assert start["qualification"] == {"trigger": "FIRST_ORDER", "minimumAmount": None}
    nothing = await api.error(UPDATE, {"rev": start["revision"], "p": {"status": "ACTIVE"}})
    assert nothing["extensions"]["code"] == "VALIDATION"
    assert nothing["extensions"]["field"] == "status"
    active = await give_500_get_300(api, holdDays=14, perReferrerPerWeek=5)
    assert active["status"] == "ACTIVE" and active["holdDays"] == 14
    assert active["qualification"]["minimumAmount"] == "20"
    assert active["limits"] == {"perReferrerPerWeek": 5, "perIpPerWeek": None}
    stale = await api.error(UPDATE, {"rev": start["revision"], "p": {"holdDays": 1}})
    assert stale["extensions"]["code"] == "INVALID_REVISION"
    back = await api.error(UPDATE, {"rev": active["revision"], "p": {"status": "DRAFT"}})
    assert back["extensions"]["code"] == "VALIDATION"
    for bad, field in (
        ({"holdDays": 366}, "holdDays"),
        ({"referrerPoints": -1}, "referrerReward.points"),
        ({"perIpPerWeek": 0}, "limits.perIpPerWeek"),
    ):
        error = await api.error(UPDATE, {"rev": active["revision"], "p": bad})
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("VALIDATION", field)
    assert (await api.ok(PROGRAM))["referralProgram"]["revision"] == active["revision"]
    member_token = member_jwt("ann")
    refused = await api.error(
        UPDATE, {"rev": active["revision"], "p": {"holdDays": 1}}, member_token
    )
    assert refused["extensions"]["code"] == "FORBIDDEN"
    readable = await api.ok(PROGRAM, token=member_token)
    assert readable["referralProgram"]["status"] == "ACTIVE"


async def test_a_first_order_over_the_minimum_rewards_both_sides_once(api: Api) -> None:
    await give_500_get_300(api)
    code = await member(api, "ann")
    assert len(code) == 10 and code.isupper()
    assert (await api.ok(CODE, {"id": "ann"}))["account"]["referralCode"] == code  # stable
    recorded = await refer(api, code.lower(), "bob", email="bob@example.com")  # any case
    assert recorded["duplicate"] is False
    assert recorded["referral"]["status"] == "PENDING"
    assert recorded["referral"]["referrerId"] == "ann"
    await order(api, "bob", "o-small", "19.99")  # under the minimum: still pending
    listed = (await api.ok(LIST, {"f": {"friendId": "bob"}}))["referrals"]["edges"]
    assert listed[0]["node"]["status"] == "PENDING"
    assert await balance(api, "ann") == 0
    await order(api, "bob", "o-big", "40.00")
    listed = (await api.ok(LIST, {"f": {"friendId": "bob"}}))["referrals"]["edges"]
    assert listed[0]["node"]["status"] == "REWARDED"
    assert await balance(api, "ann") == 500
    assert await balance(api, "bob") == 300 + 19 + 40
    # Each reward is one ledger entry with its mint request, once.
    keys = [ledger_entries.c.business_key.like("referral:%")]
    assert await count(api, ledger_entries, *keys) == 2
    assert await count(api, chain_requests, chain_requests.c.amount.in_([500, 300])) == 2
    await order(api, "bob", "o-next", "50.00")  # a later order rewards nobody again
    assert await balance(api, "ann") == 500
    again = await refer(api, code, "bob")
    assert again["duplicate"] is True and again["referral"]["status"] == "REWARDED"
    stats = (await api.ok(STATS, {"m": None}))["referralStats"]
    assert stats == {
        "referrals": 1,
        "pending": 0,
        "qualified": 1,
        "rewarded": 1,
        "rejected": 0,
        "byReason": [],
        "pointsAwarded": 800,
    }


async def test_a_refund_inside_the_hold_rejects_and_the_job_rewards_after_it(api: Api) -> None:
    await give_500_get_300(api, holdDays=14)
    code = await member(api, "ann")
    await refer(api, code, "bob")
    await refer(api, code, "cid")
    await order(api, "bob", "o-bob", "30.00")
    await order(api, "cid", "o-cid", "30.00")
    listed = (await api.ok(LIST, {"f": {"status": "QUALIFIED"}}))["referrals"]["edges"]
    assert {e["node"]["friendId"] for e in listed} == {"bob", "cid"}
    assert await balance(api, "ann") == 0  # nothing before the hold has passed
    await api.ok(
        REFUND,
        {"i": {"idempotencyKey": "r-bob", "orderId": "o-bob", "amount": "30.00"}},
    )
    bob = (await api.ok(LIST, {"f": {"friendId": "bob"}}))["referrals"]["edges"][0]["node"]
    assert (bob["status"], bob["reason"]) == ("REJECTED", "ORDER_REFUNDED")
    uow = uow_for(api.runtime.async_engine)
    assert await grant_due(uow, now=datetime.now(UTC) + timedelta(days=13)) == 0
    later = datetime.now(UTC) + timedelta(days=15)
    assert await grant_due(uow_for(api.runtime.async_engine), now=later) == 1
    assert await grant_due(uow_for(api.runtime.async_engine), now=later) == 0  # once
    assert await balance(api, "ann") == 500
    assert await balance(api, "cid") == 300 + 30
    assert await balance(api, "bob") == 0
    refunded = ledger_entries.c.business_key.like(f"referral:{bob['id']}:%")
    assert await count(api, ledger_entries, refunded) == 0  # the refunded one: nothing, ever
    stats = (await api.ok(STATS, {"m": "ann"}))["referralStats"]
    assert stats["rewarded"] == 1 and stats["rejected"] == 1
    assert stats["byReason"] == [{"reason": "ORDER_REFUNDED", "count": 1}]
    assert stats["pointsAwarded"] == 800


async def test_each_fraud_limit_rejects_with_its_reason_and_awards_nothing(api: Api) -> None:
    await program(
        api,
        status="ACTIVE",
        referrerPoints=500,
        friendPoints=300,
        trigger="SIGN_UP",
        perReferrerPerWeek=3,
        perIpPerWeek=2,
    )
    ann = await member(api, "ann")
    await api.ok(
        """mutation { setMemberContact(memberId: "ann", email: "Ann.Lee@gmail.com") { email } }"""
    )
    await member(api, "old")
    await order(api, "old", "o-old", "10")
    zed = await member(api, "zed")
    wallet = "0x" + "ab" * 20
    async with api.runtime.async_engine.begin() as conn:
        await conn.execute(
            update(members).where(members.c.member_id == "zed").values(wallet_address=wallet)
        )
    await member(api, "zed-twin")
    async with api.runtime.async_engine.begin() as conn:
        # The twin's wallet cannot be the same row value (unique); the check compares case.
        await conn.execute(
            update(members)
            .where(members.c.member_id == "zed-twin")
            .values(wallet_address=wallet.upper().replace("0X", "0x"))
        )
    cases = [
        (ann, "ann", {}, "SELF_REFERRAL"),
        (ann, "annie", {"email": "annlee+loyal@googlemail.com"}, "SAME_EMAIL"),
        (ann, "old", {}, "FRIEND_NOT_NEW"),
        (zed, "zed-twin", {}, "SAME_WALLET"),
    ]
    rejected = []
    for code, friend, more, reason in cases:
        got = (await refer(api, code, friend, **more))["referral"]
        assert (got["status"], got["reason"]) == ("REJECTED", reason), friend
        rejected.append(got["id"])
    ok = [await refer(api, ann, f"f{i}", ip="203.0.113.7") for i in range(2)]
    assert [r["referral"]["status"] for r in ok] == ["REWARDED", "REWARDED"]
    by_ip = (await refer(api, ann, "f2", ip="203.0.113.7"))["referral"]
    assert by_ip["reason"] == "IP_WEEKLY_LIMIT"
    third = (await refer(api, ann, "f3"))["referral"]
    assert third["status"] == "REWARDED"
    over = (await refer(api, ann, "f4"))["referral"]
    assert (over["status"], over["reason"]) == ("REJECTED", "REFERRER_WEEKLY_LIMIT")
    rejected += [by_ip["id"], over["id"]]
    # No ledger entry for any rejected referral (nor a mint); the three passed have two each.
    for referral_id in rejected:
        key = ledger_entries.c.business_key.like(f"referral:{referral_id}:%")
        assert await count(api, ledger_entries, key) == 0, referral_id
    assert await count(api, ledger_entries, ledger_entries.c.business_key.like("referral:%")) == 6
    assert await balance(api, "ann") == 3 * 500
    for friend in ("annie", "old", "zed-twin", "f2", "f4"):
        assert await balance(api, friend) == (10 if friend == "old" else 0)
    stats = (await api.ok(STATS, {"m": None}))["referralStats"]
    assert stats["rejected"] == 6 and stats["rewarded"] == 3
    assert {r["reason"]: r["count"] for r in stats["byReason"]} == {
        "SELF_REFERRAL": 1,
        "SAME_EMAIL": 1,
        "FRIEND_NOT_NEW": 1,
        "SAME_WALLET": 1,
        "IP_WEEKLY_LIMIT": 1,
        "REFERRER_WEEKLY_LIMIT": 1,
    }
    sent = await count(api, notifications, notifications.c.event_type == "referral.rewarded")
    assert sent == 0  # no webhook URL and no e-mail channel configured: nothing to send


async def test_a_friend_is_referred_once_and_codes_can_be_regenerated(api: Api) -> None:
    await give_500_get_300(api)
    ann, cy = await member(api, "ann"), await member(api, "cy")
    await refer(api, ann, "bob")
    taken = await api.error(RECORD, {"i": {"code": cy, "friendMemberId": "bob"}})
    assert taken["extensions"]["code"] == "ALREADY_REFERRED"
    fresh = (await api.ok(REGENERATE, {"id": "ann"}, member_jwt("ann")))["regenerateReferralCode"]
    assert fresh != ann and (await api.ok(CODE, {"id": "ann"}))["account"]["referralCode"] == fresh
    old = await api.error(RECORD, {"i": {"code": ann, "friendMemberId": "dan"}})
    assert old["extensions"]["code"] == "REFERRAL_CODE_UNKNOWN"
    assert (await refer(api, fresh, "dan"))["referral"]["referrerId"] == "ann"
    other = await api.error(REGENERATE, {"id": "cy"}, member_jwt("ann"))
    assert other["extensions"]["code"] == "FORBIDDEN"


async def test_who_may_read_which_referrals(api: Api) -> None:
    await give_500_get_300(api)
    ann, cy = await member(api, "ann"), await member(api, "cy")
    await refer(api, ann, "bob")
    await refer(api, cy, "dan")
    mine = (await api.ok(LIST, {}, member_jwt("ann")))["referrals"]["edges"]
    assert [e["node"]["friendId"] for e in mine] == ["bob"]
    spying = await api.error(LIST, {"f": {"referrerId": "cy"}}, member_jwt("ann"))
    assert spying["extensions"]["code"] == "FORBIDDEN"
    assert (await api.ok(STATS, {"m": None}, member_jwt("ann")))["referralStats"]["referrals"] == 1
    anonymous = await api.error(LIST, {}, None)
    assert anonymous["extensions"]["code"] == "UNAUTHENTICATED"
    by_member = await api.error(
        RECORD, {"i": {"code": ann, "friendMemberId": "eve"}}, member_jwt("eve")
    )
    assert by_member["extensions"]["code"] == "FORBIDDEN"
    everyone = (await api.ok(LIST, {"first": 1}))["referrals"]
    assert [e["node"]["friendId"] for e in everyone["edges"]] == ["dan"]  # newest first
    rest = await api.ok(LIST, {"first": 1, "after": everyone["pageInfo"]["endCursor"]})
    assert [e["node"]["friendId"] for e in rest["referrals"]["edges"]] == ["bob"]
    assert rest["referrals"]["pageInfo"]["hasNextPage"] is False


async def test_bad_input_is_refused_and_changes_nothing(api: Api) -> None:
    ann = await member(api, "ann")
    draft = await api.error(RECORD, {"i": {"code": ann, "friendMemberId": "bob"}})
    assert draft["extensions"]["code"] == "REFERRAL_PROGRAM_NOT_ACTIVE"
    await give_500_get_300(api)
    for inp, code, field in (
        ({"code": ann, "friendMemberId": "bob", "ip": "999.1.1.1"}, "VALIDATION", "ip"),
        ({"code": ann, "friendMemberId": "bob", "email": "not-an-address"}, "VALIDATION", "email"),
        ({"code": ann, "friendMemberId": ""}, "VALIDATION", "memberId"),
        ({"code": "nope", "friendMemberId": "bob"}, "REFERRAL_CODE_UNKNOWN", "code"),
        ({"code": "ZZZZZZZZZZ", "friendMemberId": "bob"}, "REFERRAL_CODE_UNKNOWN", "code"),
    ):
        error = await api.error(RECORD, {"i": inp})
        assert (error["extensions"]["code"], error["extensions"].get("field")) == (code, field)
    bad_cursor = await api.error(LIST, {"after": "bm90LWEtY3Vyc29y"})
    assert bad_cursor["extensions"]["code"] == "VALIDATION"
    assert await count(api, referrals) == 0
    assert await count(api, members, members.c.member_id == "bob") == 0
    rev = (await api.ok(PROGRAM))["referralProgram"]["revision"]
    await api.ok(UPDATE, {"rev": rev, "p": {"status": "PAUSED"}})
    paused = await api.error(RECORD, {"i": {"code": ann, "friendMemberId": "bob"}})
    assert paused["extensions"]["code"] == "REFERRAL_PROGRAM_NOT_ACTIVE"


async def test_a_sign_up_webhook_with_a_code_refers_the_new_member(api: Api) -> None:
    await program(api, status="ACTIVE", referrerPoints=200, friendPoints=100, trigger="SIGN_UP")
    ann = await member(api, "ann")
    body, headers = standard_request(
        activity_event("bob", "members/SignedUp", referralCode=ann.lower(), email="bob@x.org")
    )
    reply = await api.client.post("/webhooks/events", content=body, headers=headers)
    assert reply.status_code == 200, reply.text
    await drain(api.runtime)
    assert await balance(api, "ann") == 200 and await balance(api, "bob") == 100
    unknown_body, unknown_headers = standard_request(
        activity_event("cy", "members/SignedUp", referralCode="0000000000")
    )
    reply = await api.client.post("/webhooks/events", content=unknown_body, headers=unknown_headers)
    assert reply.status_code == 200
    await drain(api.runtime)
    event = await api.ok(
        """query($id: String!) { webhookEvent(source: "events", eventId: $id) { state result } }""",
        {"id": unknown_headers["webhook-id"]},
    )
    answer = event["webhookEvent"]
    assert answer["state"] == "DONE"
    assert '"REFERRAL_CODE_UNKNOWN"' in answer["result"]
    bad_ip, bad_headers = standard_request(
        activity_event("dan", "members/SignedUp", referralCode=ann, ip="nope")
    )
    refused = await api.client.post("/webhooks/events", content=bad_ip, headers=bad_headers)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "data.ip"


@pytest.mark.postgres
async def test_concurrent_referrals_never_pass_the_weekly_limit(
    postgres_url: str, tmp_path: Any
) -> None:
    async with running_api(postgres_url, tmp_path) as api:
        await program(
            api, status="ACTIVE", referrerPoints=10, trigger="SIGN_UP", perReferrerPerWeek=3
        )
        ann = await member(api, "ann")
        replies = await asyncio.gather(
            *(api.gql(RECORD, {"i": {"code": ann, "friendMemberId": f"f{i}"}}) for i in range(12))
        )
        assert all("errors" not in r for r in replies), replies
        statuses = [r["data"]["recordReferral"]["referral"]["status"] for r in replies]
        assert sorted(statuses) == ["REJECTED"] * 9 + ["REWARDED"] * 3
        assert await balance(api, "ann") == 30
