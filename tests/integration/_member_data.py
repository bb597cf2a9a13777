"""A small program made through the real mutations, for the member-data tests (program totals,
GDPR, exports): a rule, a reward, purchases, a redemption, a refund that leaves a debt netted
by a later purchase, adjustments both ways, a contact, and a webhook receiver so that each
entry queues a notification naming its member."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.ledger import ledger_entries
from tests.integration._rules_client import CREATE, Api, stores_rule

ACTIVITY = """mutation($i: RecordActivityInput!) { recordActivity(input: $i) {
  awards { transactionId } } }"""
REFUND = """mutation($i: RecordRefundInput!) { recordRefund(input: $i) { pointsReversed } }"""
ADJUST = """mutation($i: AdjustPointsInput!) { adjustPoints(input: $i) { transactionId } }"""
REWARD = """mutation($r: RewardInput!) { createReward(reward: $r) { id } }"""
REDEEM = """mutation($m: String!, $r: ID!, $k: String!) {
  redeemReward(memberId: $m, rewardId: $r, idempotencyKey: $k) { id } }"""
CONTACT = """mutation($m: String!, $e: String, $n: String) {
  setMemberContact(memberId: $m, email: $e, name: $n) { memberId } }"""
PROGRAM = """{ loyaltyProgram { revision } }"""
SET_PROGRAM = """mutation($rev: Long!, $p: LoyaltyProgramUpdate!) {
  updateLoyaltyProgram(revision: $rev, program: $p) { revision } }"""

# The member to erase: an id, e-mail and name found nowhere else, so a scan for them is exact.
SUBJECT = "gdpr-subject-7f3a"
SUBJECT_EMAIL = "Erin.Qzx@Example.org"
SUBJECT_NAME = "Erin Qzxwv"
OTHER = "bystander-b0b"


async def buy(api: Api, member: str, order: str, amount: str) -> None:
    await api.ok(
        ACTIVITY,
        {
            "i": {
                "idempotencyKey": f"buy-{member}-{order}",
                "memberId": member,
                "activityType": "stores/OrderPaid",
                "triggerAppId": "stores",
                "orderId": order,
                "amount": {"value": amount, "currency": "USD"},
            }
        },
    )


async def seed(api: Api, *, webhook_url: str | None = "http://127.0.0.1:9/hook") -> dict[str, Any]:
    """SUBJECT: +200 (o-1), -50 redeemed, o-1 refunded in full (-200: 150 taken, 50 debt),
    +20 (o-3, settles 20 of the debt). OTHER: +60 (o-2), -10 and +5 adjusted."""
    if webhook_url is not None:
        revision = (await api.ok(PROGRAM))["loyaltyProgram"]["revision"]
        await api.ok(SET_PROGRAM, {"rev": revision, "p": {"webhookUrl": webhook_url}})
    rule = (await api.ok(CREATE, {"r": stores_rule()}))["createEarningRule"]["id"]
    reward = (
        await api.ok(
            REWARD,
            {
                "r": {
                    "name": "5 off",
                    "type": "DISCOUNT_AMOUNT",
                    "configsByTier": [{"tierId": None, "amount": "5", "costInPoints": 50}],
                }
            },
        )
    )["createReward"]["id"]
    await buy(api, SUBJECT, "o-1", "100")
    await api.ok(CONTACT, {"m": SUBJECT, "e": SUBJECT_EMAIL, "n": SUBJECT_NAME})
    await api.ok(
        'mutation($m: String!) { setMemberBirthday(memberId: $m, birthday: "1990-06-15") '
        "{ birthday } }",
        {"m": SUBJECT},
    )
    await buy(api, OTHER, "o-2", "30")
    await api.ok(REDEEM, {"m": SUBJECT, "r": reward, "k": f"redeem-{SUBJECT}"})
    await api.ok(REFUND, {"i": {"idempotencyKey": "refund-o-1", "orderId": "o-1", "amount": "100"}})
    await buy(api, SUBJECT, "o-3", "10")
    for key, amount in (("adj-1", -10), ("adj-2", 5)):
        adjust = {"memberId": OTHER, "idempotencyKey": key, "reason": "goodwill", "amount": amount}
        await api.ok(ADJUST, {"i": adjust})
    return {"rule": rule, "reward": reward}


async def ledger_sums(conn: AsyncConnection) -> dict[str, int]:
    """The program's totals recomputed from the ledger entries alone."""
    e = ledger_entries.c

    async def total(column: Any, *types: str) -> int:
        query = select(func.coalesce(func.sum(column), 0))
        if types:
            query = query.where(e.type.in_(types))
        return int(await conn.scalar(query) or 0)

    settled = -await total(e.debt_change, "EARN")  # debt netted against earnings counts reversed
    return {
        "members": int(await conn.scalar(select(func.count(func.distinct(e.member_pk)))) or 0),
        "balance": await total(e.delta),
        "earned": await total(e.points, "EARN"),
        "adjusted": await total(e.delta, "ADJUST", "TRANSFER_IN", "TRANSFER_OUT"),
        "redeemed": -await total(e.points, "REDEEM", "REFUND"),
        "expired": -await total(e.delta, "EXPIRE"),
        "reversed": -await total(e.delta, "REVERSE") + settled,
        "debt": await total(e.debt_change),
    }
