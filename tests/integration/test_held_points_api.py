"""Held points over GraphQL, on SQLite and PostgreSQL: holdDays on rules and the program (bad
values refused with VALIDATION, nothing changed), the account's `points { held }` and
`heldPoints`, the hold of each ledger entry, previewEarning saying "held N days", a refund's
`pointsCancelled`, a redemption refused with POINTS_HELD, and programTotals.held."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from loyalty.domain.clock import FixedClock
from loyalty.services.holds import activate_held
from tests.integration._program import written
from tests.integration._rules_client import CREATE, Api, member_jwt, running_api, stores_rule

T0 = datetime(2026, 6, 1, 8, tzinfo=UTC)
DAY = timedelta(days=1)

RULE = """mutation($r: EarningRuleInput!) { createEarningRule(earningRule: $r) {
  id revision holdDays } }"""
UPDATE_RULE = """mutation($id: ID!, $rev: Long!, $u: EarningRuleUpdate!) {
  updateEarningRule(id: $id, revision: $rev, earningRule: $u) { revision holdDays title } }"""
PROGRAM = "{ loyaltyProgram { revision holdDays } }"
UPDATE_PROGRAM = """mutation($rev: Long!, $p: LoyaltyProgramUpdate!) {
  updateLoyaltyProgram(revision: $rev, program: $p) { revision holdDays } }"""
RECORD = """mutation($i: RecordActivityInput!) { recordActivity(input: $i) {
  awards { points balanceChange hold { state availableAt holdDays } }
  account { points { balance held pending } } } }"""
ACCOUNT = """query($m: String!) { account(memberId: $m) {
  points { balance held pending onchain spendable }
  heldPoints { points availableAt holdDays awarded transactionId }
  transactions(first: 10) { nodes { id transactionType amount balanceChange
    hold { state points awarded holdDays availableAt heldTransactionId
           activationTransactionId } } } } }"""
LEDGER = """query($t: [TransactionType!]) { transactions(filter: {types: $t}) {
  nodes { id transactionType amount balanceChange chain { kind amount }
          hold { state heldTransactionId activationTransactionId } } } }"""
PREVIEW = """query($a: ActivityInput!) { previewEarning(activity: $a) {
  totalPoints awards { points reason holdDays availableAt rule { title } } } }"""
REFUND = """mutation($i: RecordRefundInput!) { recordRefund(input: $i) {
  pointsReversed pointsTaken pointsCancelled account { points { balance held } } } }"""
CREATE_REWARD = """mutation($r: RewardInput!) { createReward(reward: $r) { id } }"""
REDEEM = """mutation($r: ID!, $k: String!) {
  redeemReward(memberId: "ann", rewardId: $r, idempotencyKey: $k) { costInPoints } }"""
TOTALS = "{ programTotals { balance held pending } }"


def order(key: str, value: str, member: str = "ann") -> dict[str, Any]:
    return {
        "idempotencyKey": key,
        "memberId": member,
        "activityType": "stores/OrderPaid",
        "triggerAppId": "stores",
        "orderId": key,
        "amount": {"value": value, "currency": "USD"},
    }


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(database_url, tmp_path) as running:
        running.runtime.clock = FixedClock(T0)
        yield running


def rate_rule(title: str, hold_days: int | None) -> dict[str, Any]:
    rule = stores_rule(title, conversionRate={"configs": [{"moneyAmount": "1", "points": 1}]})
    if hold_days is not None:
        rule["holdDays"] = hold_days
    return rule


async def test_hold_days_are_set_on_rules_and_the_program_and_bad_values_change_nothing(
    api: Api,
) -> None:
    rule = (await api.ok(RULE, {"r": rate_rule("Held", 14)}))["createEarningRule"]
    assert rule["holdDays"] == 14
    inherits = (await api.ok(RULE, {"r": rate_rule("Inherits", None)}))["createEarningRule"]
    assert inherits["holdDays"] is None
    renamed = await api.ok(UPDATE_RULE, {"id": rule["id"], "rev": 1, "u": {"title": "Held still"}})
    assert renamed["updateEarningRule"]["holdDays"] == 14  # omitted: unchanged
    back = await api.ok(UPDATE_RULE, {"id": rule["id"], "rev": 2, "u": {"holdDays": None}})
    assert back["updateEarningRule"]["holdDays"] is None  # explicit null: the program's
    program = (await api.ok(PROGRAM))["loyaltyProgram"]
    assert program["holdDays"] == 0
    done = await api.ok(UPDATE_PROGRAM, {"rev": program["revision"], "p": {"holdDays": 30}})
    assert done["updateLoyaltyProgram"]["holdDays"] == 30
    before = await written(api.runtime.async_engine)
    for query, variables in (
        (RULE, {"r": rate_rule("Too long", 366)}),
        (UPDATE_RULE, {"id": rule["id"], "rev": 3, "u": {"holdDays": -1}}),
        (UPDATE_PROGRAM, {"rev": program["revision"] + 1, "p": {"holdDays": 400}}),
    ):
        error = await api.error(query, variables)
        assert error["extensions"] == {"code": "VALIDATION", "field": "holdDays"}, error
    assert await written(api.runtime.async_engine) == before
    assert (await api.ok(PROGRAM))["loyaltyProgram"]["holdDays"] == 30


async def test_the_account_shows_held_points_apart_and_the_ledger_shows_each_hold(
    api: Api,
) -> None:
    await api.ok(RULE, {"r": rate_rule("Held", 14)})
    await api.ok(RULE, {"r": rate_rule("Unheld", 0)})
    data = (await api.ok(RECORD, {"i": order("o1", "40")}))["recordActivity"]
    assert sorted(a["balanceChange"] for a in data["awards"]) == [0, 40]
    holds = sorted((a["balanceChange"], a["hold"]) for a in data["awards"])
    assert holds[1] == (40, None)
    assert (holds[0][1]["state"], holds[0][1]["holdDays"]) == ("HELD", 14)
    assert datetime.fromisoformat(holds[0][1]["availableAt"]) == T0 + 14 * DAY
    assert data["account"]["points"] == {"balance": 40, "held": 40, "pending": 40}
    account = (await api.ok(ACCOUNT, {"m": "ann"}))["account"]
    assert account["points"]["held"] == 40 and account["points"]["spendable"] == 40
    [held] = account["heldPoints"]
    available = (T0 + 14 * DAY).isoformat()
    assert (held["points"], held["holdDays"], held["awarded"]) == (40, 14, 40)
    assert datetime.fromisoformat(held["availableAt"]) == T0 + 14 * DAY
    earns = {n["id"]: n for n in account["transactions"]["nodes"]}
    held_entry = earns[held["transactionId"]]
    assert held_entry["hold"]["state"] == "HELD" and held_entry["balanceChange"] == 0
    assert [n["hold"] for n in earns.values() if n["id"] != held["transactionId"]] == [None]
    # After the window: the job activates; the EARN's hold is ACTIVE and names the ACTIVATE.
    await activate_held(api.runtime.unit_of_work(), now=T0 + 14 * DAY)
    account = (await api.ok(ACCOUNT, {"m": "ann"}))["account"]
    assert account["points"]["balance"] == 80 and account["points"]["held"] == 0
    assert account["heldPoints"] == []
    nodes = account["transactions"]["nodes"]
    activate = nodes[0]
    assert (activate["transactionType"], activate["amount"], activate["balanceChange"]) == (
        "ACTIVATE",
        40,
        40,
    )
    assert activate["hold"]["state"] == "ACTIVE"
    assert activate["hold"]["heldTransactionId"] == held["transactionId"]
    assert activate["hold"]["activationTransactionId"] == activate["id"]
    assert activate["hold"]["availableAt"].startswith(available[:10])
    listed = (await api.ok(LEDGER, {"t": ["ACTIVATE"]}))["transactions"]["nodes"]
    assert [(n["id"], n["chain"]["kind"], n["chain"]["amount"]) for n in listed] == [
        (activate["id"], "MINT", 40)
    ]
    [earn] = [
        n
        for n in (await api.ok(LEDGER, {"t": ["EARN"]}))["transactions"]["nodes"]
        if n["id"] == held["transactionId"]
    ]
    assert earn["chain"] is None and earn["hold"]["state"] == "ACTIVE"


async def test_preview_says_held_n_days_for_each_rule_that_would_award(api: Api) -> None:
    await api.ok(RULE, {"r": rate_rule("Held", 14)})
    await api.ok(RULE, {"r": rate_rule("Unheld", 0)})
    preview = (
        await api.ok(
            PREVIEW,
            {
                "a": {
                    "activityType": "stores/OrderPaid",
                    "triggerAppId": "stores",
                    "amount": {"value": "10", "currency": "USD"},
                    "occurredAt": T0.isoformat(),
                }
            },
        )
    )["previewEarning"]
    by_title = {a["rule"]["title"]: a for a in preview["awards"]}
    assert by_title["Held"]["reason"].endswith("; held 14 days")
    assert by_title["Held"]["holdDays"] == 14
    assert datetime.fromisoformat(by_title["Held"]["availableAt"]) == T0 + 14 * DAY
    assert "held" not in by_title["Unheld"]["reason"]
    assert (by_title["Unheld"]["holdDays"], by_title["Unheld"]["availableAt"]) == (0, None)
    assert preview["totalPoints"] == "20"  # BigInt: a string


async def test_a_refund_inside_the_window_cancels_and_a_redemption_cannot_spend_held(
    api: Api,
) -> None:
    await api.ok(RULE, {"r": rate_rule("Held", 14)})
    await api.ok(RECORD, {"i": order("o1", "100")})
    refund = (
        await api.ok(REFUND, {"i": {"idempotencyKey": "r1", "orderId": "o1", "amount": "40"}})
    )["recordRefund"]
    assert (refund["pointsReversed"], refund["pointsCancelled"], refund["pointsTaken"]) == (
        40,
        40,
        0,
    )
    assert refund["account"]["points"] == {"balance": 0, "held": 60}
    assert (await api.ok(TOTALS))["programTotals"] == {"balance": 0, "held": 60, "pending": 0}
    reward = (
        await api.ok(
            CREATE_REWARD,
            {
                "r": {
                    "name": "5 off",
                    "type": "DISCOUNT_AMOUNT",
                    "configsByTier": [{"tierId": None, "amount": "5", "costInPoints": 50}],
                }
            },
        )
    )["createReward"]["id"]
    before = await written(api.runtime.async_engine)
    error = await api.error(REDEEM, {"r": reward, "k": "k1"}, token=member_jwt("ann"))
    assert error["extensions"]["code"] == "POINTS_HELD", error
    assert "held" in error["message"]
    assert await written(api.runtime.async_engine) == before
    await activate_held(api.runtime.unit_of_work(), now=T0 + 14 * DAY)
    api.runtime.clock = FixedClock(T0 + 15 * DAY)
    redeemed = await api.ok(REDEEM, {"r": reward, "k": "k2"}, token=member_jwt("ann"))
    assert redeemed["redeemReward"]["costInPoints"] == 50


async def test_a_stores_rule_without_hold_days_behaves_as_before(api: Api) -> None:
    await api.ok(CREATE, {"r": stores_rule()})  # no holdDays anywhere: nothing is held
    data = (await api.ok(RECORD, {"i": order("o1", "10")}))["recordActivity"]
    assert data["account"]["points"] == {"balance": 20, "held": 0, "pending": 20}
    assert [(a["balanceChange"], a["hold"]) for a in data["awards"]] == [(20, None)]
