"""Tiers, rewards and redemption through GraphQL: admins manage tiers and rewards, a member
redeems for themself (not for another member), bad input gets a typed error and writes nothing,
the account shows its tier, and an admin cancels a redemption."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.integration._program import earn, written
from tests.integration._rules_client import Api, member_jwt, running_api

NOW = datetime.now(UTC)

CREATE_TIER = (
    """mutation($t: TierInput!) { createTier(tier: $t) { id name requiredPoints revision } }"""
)
CREATE_REWARD = """mutation($r: RewardInput!) { createReward(reward: $r) {
  id name type active revision configsByTier { tierId amount costInPoints } } }"""
REDEEM = """mutation($m: String!, $r: ID!, $k: String!) {
  redeemReward(memberId: $m, rewardId: $r, idempotencyKey: $k) {
    id couponCode costInPoints amount tierId status transactionId } }"""
CANCEL = """mutation($id: ID!) { cancelRedemption(redemptionId: $id) {
  status refundTransactionId } }"""
ACCOUNT = """query($m: String!) { account(memberId: $m) {
  points { balance redeemed } tier { id name } } }"""


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(database_url, tmp_path) as a:
        yield a


async def test_member_redeems_for_themself_at_their_tier_and_admin_cancels(api: Api) -> None:
    gold = (await api.ok(CREATE_TIER, {"t": {"name": "Gold", "requiredPoints": 200}}))[
        "createTier"
    ]["id"]
    reward = (
        await api.ok(
            CREATE_REWARD,
            {
                "r": {
                    "name": "5 off",
                    "type": "DISCOUNT_AMOUNT",
                    "configsByTier": [
                        {"tierId": None, "amount": "5", "costInPoints": 100},
                        {"tierId": gold, "amount": "7.50", "costInPoints": 80},
                    ],
                }
            },
        )
    )["createReward"]
    assert reward["configsByTier"][1] == {"tierId": gold, "amount": "7.5", "costInPoints": 80}
    await earn(api.runtime.async_engine, "ann", 300, now=NOW)
    ann = member_jwt("ann")
    account = (await api.ok(ACCOUNT, {"m": "ann"}, token=ann))["account"]
    assert account["tier"] == {"id": gold, "name": "Gold"}
    redeemed = (await api.ok(REDEEM, {"m": "ann", "r": reward["id"], "k": "k1"}, token=ann))[
        "redeemReward"
    ]
    assert (redeemed["costInPoints"], redeemed["amount"], redeemed["tierId"]) == (80, "7.5", gold)
    assert len(redeemed["couponCode"]) == 14
    account = (await api.ok(ACCOUNT, {"m": "ann"}, token=ann))["account"]
    assert account["points"] == {"balance": 220, "redeemed": 80}

    refused = await api.error(CANCEL, {"id": redeemed["id"]}, token=ann)
    assert refused["extensions"]["code"] == "FORBIDDEN"
    cancelled = (await api.ok(CANCEL, {"id": redeemed["id"]}))["cancelRedemption"]
    assert cancelled["status"] == "CANCELLED" and cancelled["refundTransactionId"]
    account = (await api.ok(ACCOUNT, {"m": "ann"}, token=ann))["account"]
    assert account["points"]["balance"] == 300


async def test_bad_input_gets_a_typed_error_and_writes_nothing(api: Api) -> None:
    engine = api.runtime.async_engine
    await earn(engine, "ann", 50, now=NOW)
    await api.ok(CREATE_TIER, {"t": {"name": "Gold", "requiredPoints": 200}})
    reward_id = (
        await api.ok(
            CREATE_REWARD,
            {
                "r": {
                    "name": "5 off",
                    "type": "COUPON_REWARD",
                    "configsByTier": [{"amount": "5", "costInPoints": 100}],
                }
            },
        )
    )["createReward"]["id"]
    inactive_id = (
        await api.ok(
            CREATE_REWARD,
            {
                "r": {
                    "name": "off",
                    "type": "COUPON_REWARD",
                    "active": False,
                    "configsByTier": [{"amount": "5", "costInPoints": 1}],
                }
            },
        )
    )["createReward"]["id"]
    before = await written(engine)
    ann = member_jwt("ann")
    cases = [
        (REDEEM, {"m": "ann", "r": reward_id, "k": "k"}, ann, "INSUFFICIENT_POINTS"),
        (REDEEM, {"m": "bob", "r": reward_id, "k": "k"}, ann, "FORBIDDEN"),  # foreign member
        (REDEEM, {"m": "ann", "r": reward_id, "k": "k"}, None, "UNAUTHENTICATED"),
        (REDEEM, {"m": "ann", "r": "nope", "k": "k"}, ann, "NOT_FOUND"),
        (REDEEM, {"m": "ann", "r": inactive_id, "k": "k"}, ann, "VALIDATION"),
        (
            CREATE_REWARD,
            {
                "r": {
                    "name": "x",
                    "type": "COUPON_REWARD",
                    "configsByTier": [{"amount": "5", "costInPoints": -3}],
                }
            },
            None,
            "VALIDATION",
        ),
        (
            CREATE_REWARD,
            {
                "r": {
                    "name": "x",
                    "type": "COUPON_REWARD",
                    "configsByTier": [{"tierId": "unknown", "amount": "5", "costInPoints": 3}],
                }
            },
            None,
            "VALIDATION",
        ),
        (CREATE_TIER, {"t": {"name": "Twin", "requiredPoints": 200}}, None, "DUPLICATE"),
        (CREATE_TIER, {"t": {"name": "Neg", "requiredPoints": -1}}, None, "VALIDATION"),
        (CREATE_TIER, {"t": {"name": "Member", "requiredPoints": 5}}, ann, "FORBIDDEN"),
    ]
    for query, variables, token, code in cases:
        kwargs = {"token": token} if token is not None else {}
        if token is None and code == "UNAUTHENTICATED":
            reply = await api.gql(query, variables, token=None)
            error = reply["errors"][0]
        else:
            error = await api.error(query, variables, **kwargs)
        assert error["extensions"]["code"] == code, (variables, error)
    assert await written(engine) == before
    tiers = (await api.ok("{ tiers { name } }"))["tiers"]
    assert tiers == [{"name": "Gold"}]
