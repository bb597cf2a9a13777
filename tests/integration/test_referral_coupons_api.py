"""Referral rewards from the rewards catalogue, on SQLite and PostgreSQL (issue 15): the settings
refuse an unknown or inactive reward with its code and store nothing; a qualifying order that
arrives three times by webhook and once more through GraphQL grants each side its points and
its coupon once, listed with the member's redemptions at no cost; a refund inside the hold
grants no coupon ever; the catalogue keeps a reward the program gives; a granted coupon
cancelled gives back nothing; 50 concurrent recordReferral for one friend make one referral."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from loyalty.db.ledger import ledger_entries
from loyalty.db.outbox import chain_requests
from loyalty.db.program import redemptions
from loyalty.db.referrals import referrals
from loyalty.services.referral_rewards import grant_due
from tests.integration._rules_client import Api, member_jwt, running_api
from tests.support.ledger import add_rate_rule
from tests.support.uow import uow_for
from tests.support.webhooks import SECRET_NEW, activity_event, drain, money, standard_request

PROGRAM = """{ referralProgram { revision status referrerReward { points rewardId }
  friendReward { points rewardId } } }"""
UPDATE = """mutation($rev: Long!, $p: ReferralProgramUpdate!) {
  updateReferralProgram(revision: $rev, program: $p) { revision status
    referrerReward { points rewardId } friendReward { points rewardId } } }"""
CREATE_REWARD = """mutation($r: RewardInput!) { createReward(reward: $r) { id revision } }"""
UPDATE_REWARD = """mutation($id: ID!, $rev: Long!, $r: RewardUpdate!) {
  updateReward(id: $id, revision: $rev, reward: $r) { id revision active } }"""
DELETE_REWARD = (
    """mutation($id: ID!, $rev: Long!) { deleteReward(id: $id, revision: $rev) { id } }"""
)
CODE = """query($id: String!) { account(memberId: $id) { referralCode points { balance } } }"""
RECORD = """mutation($i: RecordReferralInput!) { recordReferral(input: $i) { duplicate
  referral { id status } } }"""
ACTIVITY = """mutation($i: RecordActivityInput!) { recordActivity(input: $i) { duplicate } }"""
REFUND = """mutation($i: RecordRefundInput!) { recordRefund(input: $i) { pointsReversed } }"""
REDEMPTIONS = """query($m: String!) { redemptions(memberId: $m) { id rewardId couponCode
  costInPoints amount status transactionId referralId } }"""
REFERRAL = """query($f: ReferralFilter) { referrals(filter: $f) { edges { node { id status reason
  referrerPoints friendPoints referrerRedemptionId friendRedemptionId } } } }"""
STATS = """{ referralStats { referrals rewarded pointsAwarded couponsGranted } }"""
CANCEL = """mutation($id: ID!) { cancelRedemption(redemptionId: $id) { status
  refundTransactionId cancelledDate } }"""


@pytest.fixture
async def api(database_url: str, tmp_path: Any) -> Any:
    async with running_api(database_url, tmp_path, webhook_secrets=(SECRET_NEW,)) as running:
        await add_rate_rule(running.runtime.async_engine, per="1", points=1)
        yield running


async def reward(api: Api, name: str, amount: str = "10", **more: Any) -> str:
    configs = more.pop("configs", [{"tierId": None, "amount": amount, "costInPoints": 1000}])
    created = await api.ok(
        CREATE_REWARD,
        {"r": {"name": name, "type": "COUPON_REWARD", "configsByTier": configs, **more}},
    )
    return str(created["createReward"]["id"])


async def revision(api: Api) -> int:
    return int((await api.ok(PROGRAM))["referralProgram"]["revision"])


async def program(api: Api, **changes: Any) -> dict[str, Any]:
    reply = await api.ok(UPDATE, {"rev": await revision(api), "p": changes})
    return dict(reply["updateReferralProgram"])


async def member(api: Api, member_id: str) -> str:
    await api.ok(
        "mutation($id: String!) { createMember(memberId: $id) { memberId } }", {"id": member_id}
    )
    return str((await api.ok(CODE, {"id": member_id}))["account"]["referralCode"])


async def balance(api: Api, member_id: str) -> int:
    return int((await api.ok(CODE, {"id": member_id}))["account"]["points"]["balance"])


async def coupons(api: Api, member_id: str) -> list[dict[str, Any]]:
    return list((await api.ok(REDEMPTIONS, {"m": member_id}))["redemptions"])


async def count(api: Api, table: Any, *where: Any) -> int:
    async with api.runtime.async_engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table).where(*where)) or 0)


def paid(member_id: str, order_id: str, value: str, key: str) -> dict[str, Any]:
    return {
        "idempotencyKey": key,
        "memberId": member_id,
        "activityType": "stores/OrderPaid",
        "triggerAppId": "stores",
        "orderId": order_id,
        "amount": {"value": value, "currency": "USD"},
    }


async def test_settings_refuse_an_unknown_or_inactive_reward_and_store_nothing(api: Api) -> None:
    good = await reward(api, "Ten off")
    inactive = await reward(api, "Retired", active=False)
    gold = await api.ok('mutation { createTier(tier: {name: "Gold", requiredPoints: 100}) { id } }')
    gold_only = await reward(  # no base config: not every member could be granted it
        api,
        "Gold only",
        configs=[{"tierId": gold["createTier"]["id"], "amount": "5", "costInPoints": 10}],
    )
    before = await revision(api)
    for changes, code, field in (
        ({"referrerRewardId": "no-such-reward"}, "REFERRAL_REWARD_UNKNOWN", "referrerReward"),
        ({"friendRewardId": inactive}, "REFERRAL_REWARD_INACTIVE", "friendReward"),
        ({"friendRewardId": gold_only}, "REFERRAL_REWARD_INACTIVE", "friendReward"),
        ({"friendRewardId": good, "clearFriendReward": True}, "VALIDATION", "friendReward"),
        ({"status": "ACTIVE", "friendRewardId": inactive}, "REFERRAL_REWARD_INACTIVE", None),
    ):
        error = await api.error(UPDATE, {"rev": before, "p": changes})
        assert error["extensions"]["code"] == code, changes
        assert error["extensions"]["field"] == f"{field or 'friendReward'}.rewardId"
    stored = (await api.ok(PROGRAM))["referralProgram"]
    assert stored["revision"] == before and stored["status"] == "DRAFT"
    assert stored["friendReward"] == {"points": 0, "rewardId": None}
    # A coupon alone is a reward: the program may go ACTIVE with it and no points.
    active = await program(api, status="ACTIVE", friendRewardId=good)
    assert active["friendReward"] == {"points": 0, "rewardId": good}
    assert active["referrerReward"] == {"points": 0, "rewardId": None}
    cleared = await api.error(UPDATE, {"rev": active["revision"], "p": {"clearFriendReward": True}})
    assert (cleared["extensions"]["code"], cleared["extensions"]["field"]) == (
        "VALIDATION",
        "status",
    )  # an ACTIVE program rewards someone
    refused = await api.error(
        UPDATE, {"rev": active["revision"], "p": {"referrerRewardId": good}}, member_jwt("ann")
    )
    assert refused["extensions"]["code"] == "FORBIDDEN"


async def test_a_qualifying_order_three_times_and_by_graphql_grants_each_side_once(
    api: Api,
) -> None:
    ten, five = await reward(api, "Ten off", "10"), await reward(api, "Five off", "5")
    await program(
        api,
        status="ACTIVE",
        referrerPoints=500,
        friendPoints=300,
        referrerRewardId=ten,
        friendRewardId=five,
        minimumAmount="20",
    )
    ann = await member(api, "ann")
    await api.ok(RECORD, {"i": {"code": ann, "friendMemberId": "bob"}})
    event = activity_event(
        "bob", "stores/OrderPaid", triggerAppId="stores", orderId="o-1", amount=money("40.00")
    )
    body, headers = standard_request(event)
    for _ in range(3):  # the sender's retries: one webhook-id
        reply = await api.client.post("/webhooks/events", content=body, headers=headers)
        assert reply.status_code == 200, reply.text
    await drain(api.runtime)
    other, other_headers = standard_request(event)  # the same order under another id
    assert (
        await api.client.post("/webhooks/events", content=other, headers=other_headers)
    ).is_success
    await drain(api.runtime)
    await api.ok(ACTIVITY, {"i": paid("bob", "o-1", "40.00", "graphql-o-1")})

    assert await count(api, referrals) == 1
    assert await balance(api, "ann") == 500
    assert await balance(api, "bob") == 300 + 40
    assert await count(api, ledger_entries, ledger_entries.c.business_key.like("referral:%")) == 2
    [ann_coupon], [bob_coupon] = await coupons(api, "ann"), await coupons(api, "bob")
    node = (await api.ok(REFERRAL, {"f": {"friendId": "bob"}}))["referrals"]["edges"][0]["node"]
    assert node["status"] == "REWARDED"
    assert (node["referrerPoints"], node["friendPoints"]) == (500, 300)
    assert (node["referrerRedemptionId"], node["friendRedemptionId"]) == (
        ann_coupon["id"],
        bob_coupon["id"],
    )
    for coupon, reward_id, amount in ((ann_coupon, ten, "10"), (bob_coupon, five, "5")):
        assert coupon["rewardId"] == reward_id and coupon["amount"] == amount
        assert (coupon["costInPoints"], coupon["status"]) == (0, "REDEEMED")
        assert coupon["transactionId"] is None and coupon["referralId"] == node["id"]
        assert len(coupon["couponCode"]) == 14
    # A coupon costs nothing: no REDEEM entry, nothing burned; only the two awards are minted.
    assert await count(api, ledger_entries, ledger_entries.c.type == "REDEEM") == 0
    assert await count(api, chain_requests, chain_requests.c.amount.in_([500, 300])) == 2
    stats = (await api.ok(STATS))["referralStats"]
    assert stats == {"referrals": 1, "rewarded": 1, "pointsAwarded": 800, "couponsGranted": 2}
    # The catalogue keeps what the program gives; an admin may cancel a granted coupon.
    rev = 1
    gone = await api.error(DELETE_REWARD, {"id": ten, "rev": rev})
    assert (gone["extensions"]["code"], gone["extensions"]["field"]) == ("REWARD_IN_USE", "id")
    off = await api.error(UPDATE_REWARD, {"id": five, "rev": rev, "r": {"active": False}})
    assert off["extensions"]["code"] == "REWARD_IN_USE"
    renamed = await api.ok(UPDATE_REWARD, {"id": five, "rev": rev, "r": {"name": "Five!"}})
    assert renamed["updateReward"]["active"] is True
    cancelled = (await api.ok(CANCEL, {"id": bob_coupon["id"]}))["cancelRedemption"]
    assert (cancelled["status"], cancelled["refundTransactionId"]) == ("CANCELLED", None)
    assert await balance(api, "bob") == 340  # nothing given back: it cost nothing
    assert await count(api, ledger_entries, ledger_entries.c.type == "REFUND") == 0
    await program(api, clearFriendReward=True)
    assert (await api.ok(DELETE_REWARD, {"id": five, "rev": rev + 1}))["deleteReward"]


async def test_a_refund_inside_the_hold_grants_no_coupon_ever(api: Api) -> None:
    ten = await reward(api, "Ten off")
    await program(api, status="ACTIVE", referrerRewardId=ten, friendRewardId=ten, holdDays=14)
    ann = await member(api, "ann")
    for friend in ("bob", "cid"):
        await api.ok(RECORD, {"i": {"code": ann, "friendMemberId": friend}})
        await api.ok(ACTIVITY, {"i": paid(friend, f"o-{friend}", "30.00", f"k-{friend}")})
    assert await coupons(api, "ann") == [] and await coupons(api, "bob") == []
    await api.ok(REFUND, {"i": {"idempotencyKey": "r-bob", "orderId": "o-bob", "amount": "30"}})
    later = datetime.now(UTC) + timedelta(days=15)
    for _ in range(2):  # the job twice: each referral's grant once
        await grant_due(uow_for(api.runtime.async_engine), now=later)
    edges = (await api.ok(REFERRAL, {"f": {"friendId": "bob"}}))["referrals"]["edges"]
    assert (edges[0]["node"]["status"], edges[0]["node"]["reason"]) == (
        "REJECTED",
        "ORDER_REFUNDED",
    )
    assert edges[0]["node"]["friendRedemptionId"] is None
    assert await coupons(api, "bob") == []
    assert [c["rewardId"] for c in await coupons(api, "cid")] == [ten]
    assert [c["rewardId"] for c in await coupons(api, "ann")] == [ten]  # for cid only
    assert await count(api, redemptions) == 2


async def test_fifty_concurrent_referrals_of_one_friend_make_one(api: Api) -> None:
    await program(api, status="ACTIVE", referrerPoints=10, friendPoints=5, trigger="SIGN_UP")
    ann = await member(api, "ann")
    replies = await asyncio.gather(
        *(api.gql(RECORD, {"i": {"code": ann, "friendMemberId": "bob"}}) for _ in range(50))
    )
    assert all("errors" not in r for r in replies), [r for r in replies if "errors" in r][:3]
    results = [r["data"]["recordReferral"] for r in replies]
    assert len({r["referral"]["id"] for r in results}) == 1
    assert sorted(r["duplicate"] for r in results) == [False] + [True] * 49
    assert await count(api, referrals) == 1
    assert (await balance(api, "ann"), await balance(api, "bob")) == (10, 5)
    assert await count(api, ledger_entries, ledger_entries.c.business_key.like("referral:%")) == 2
