"""Analytics through GraphQL on both databases: the figures equal sums the test keeps itself from
what each mutation and service reported while it created the data (activities, refunds,
adjustments, redemptions, an expiry run), over three days; non-admins and bad ranges refused."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from loyalty.runtime import Runtime
from loyalty.services.expiry import run_expiry
from tests.integration._rules_client import CREATE, Api, member_jwt, running_api, stores_rule

TODAY = datetime.now(UTC).date()
D0, D1 = TODAY - timedelta(40), TODAY - timedelta(39)

ACTIVITY = """mutation($i: RecordActivityInput!) { recordActivity(input: $i) {
  awards { earningRuleId points balanceChange } } }"""
REFUND = """mutation($i: RecordRefundInput!) { recordRefund(input: $i) {
  pointsReversed pointsTaken } }"""
ADJUST = """mutation($i: AdjustPointsInput!) { adjustPoints(input: $i) { duplicate } }"""
CREATE_MEMBER = """mutation($m: String!) { createMember(memberId: $m) { memberId } }"""
CREATE_TIER = """mutation($t: TierInput!) { createTier(tier: $t) { id } }"""
CREATE_REWARD = """mutation($r: RewardInput!) { createReward(reward: $r) { id } }"""
REDEEM = """mutation($m: String!, $r: ID!, $k: String!) {
  redeemReward(memberId: $m, rewardId: $r, idempotencyKey: $k) { id costInPoints } }"""
CANCEL = """mutation($id: ID!) { cancelRedemption(redemptionId: $id) { status } }"""
PROGRAM = """{ loyaltyProgram { revision } }"""
UPDATE_PROGRAM = """mutation($rev: Long!, $p: LoyaltyProgramUpdate!) {
  updateLoyaltyProgram(revision: $rev, program: $p) { revision } }"""
ANALYTICS = """query($from: Date, $to: Date) { analytics(from: $from, to: $to) {
  from to
  pointsIssuedPerDay { day issued adjusted redeemed refunded reversed expired netChange }
  pointsPerRule { ruleId title awards issued reversed }
  purchaseAmountPerDay { day orders amount currency }
  membersPerTier { tierId tierName requiredPoints members }
  byBalance: topMembers(first: 3) { memberId balance earned tierId }
  byEarned: topMembers(first: 2, orderBy: EARNED) { memberId earned }
  liability { pointsOutstanding pointValue amount currency } } }"""

FIGURES = ("issued", "adjusted", "redeemed", "refunded", "reversed", "expired", "netChange")


class Clock:
    """Stands in for the API's clock (the runtime's, which every unit of work reads) so that
    entries land on chosen days; `at = None` is the real clock again."""

    def __init__(self, runtime: Runtime) -> None:
        self.at: datetime | None = None
        runtime.clock = self

    def now(self) -> datetime:
        return self.at or datetime.now(UTC)

    def day(self, day: date) -> None:
        self.at = datetime.combine(day, time(12, 30), UTC)


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(database_url, tmp_path) as a:
        yield a


class Books:
    """What the test itself counted while it created the data."""

    def __init__(self) -> None:
        self.days: dict[date, Counter[str]] = defaultdict(Counter)
        self.rules: dict[str, Counter[str]] = defaultdict(Counter)
        self.orders: dict[date, list[Decimal]] = defaultdict(list)
        self.balance: Counter[str] = Counter()
        self.earned: Counter[str] = Counter()
        self.tier_points: Counter[str] = Counter()  # earned + adjusted - reversed

    async def buy(
        self, api: Api, day: date, member: str, order: str | None, amount: str | None, **kw: Any
    ) -> None:
        activity: dict[str, Any] = {
            "idempotencyKey": f"act-{member}-{order or kw.get('activityType')}-{day}",
            "memberId": member,
            "activityType": kw.get("activityType", "stores/OrderPaid"),
            "triggerAppId": kw.get("triggerAppId", "stores"),
            "orderId": order,
        }
        if amount is not None:
            activity["amount"] = {"value": amount, "currency": "USD"}
            self.orders[day].append(Decimal(amount))
        awards = (await api.ok(ACTIVITY, {"i": activity}))["recordActivity"]["awards"]
        assert awards, activity
        for a in awards:
            self.days[day]["issued"] += a["points"]
            self.days[day]["netChange"] += a["balanceChange"]
            self.rules[a["earningRuleId"]]["issued"] += a["points"]
            self.rules[a["earningRuleId"]]["awards"] += 1
            self.balance[member] += a["balanceChange"]
            self.earned[member] += a["points"]
            self.tier_points[member] += a["points"]

    async def refund(
        self, api: Api, day: date, member: str, order: str, amount: str, rule: str
    ) -> None:
        r = (
            await api.ok(
                REFUND,
                {"i": {"idempotencyKey": f"ref-{order}", "orderId": order, "amount": amount}},
            )
        )["recordRefund"]
        assert r["pointsReversed"] > 0
        self.days[day]["reversed"] += r["pointsReversed"]
        self.days[day]["netChange"] -= r["pointsTaken"]
        self.rules[rule]["reversed"] += r["pointsReversed"]
        self.balance[member] -= r["pointsTaken"]
        self.tier_points[member] -= r["pointsReversed"]

    async def adjust(self, api: Api, day: date, member: str, amount: int) -> None:
        await api.ok(
            ADJUST,
            {
                "i": {
                    "memberId": member,
                    "idempotencyKey": f"adj-{member}-{day}",
                    "reason": "gift",
                    "amount": amount,
                }
            },
        )
        self.days[day]["adjusted"] += amount
        self.days[day]["netChange"] += amount
        self.balance[member] += amount
        self.tier_points[member] += amount


async def _seed(api: Api, clock: Clock, books: Books) -> dict[str, Any]:
    silver = (await api.ok(CREATE_TIER, {"t": {"name": "Silver", "requiredPoints": 100}}))[
        "createTier"
    ]["id"]
    gold = (await api.ok(CREATE_TIER, {"t": {"name": "Gold", "requiredPoints": 1000}}))[
        "createTier"
    ]["id"]
    buy = (await api.ok(CREATE, {"r": stores_rule("Buy")}))["createEarningRule"]["id"]
    review_rule = {
        "title": "Review",
        "triggerAppId": "reviews",
        "triggerActivityType": "reviews/ReviewPosted",
        "fixedAmount": {"configs": [{"points": 15}]},
    }
    review = (await api.ok(CREATE, {"r": review_rule}))["createEarningRule"]["id"]
    reviewing = {"activityType": "reviews/ReviewPosted", "triggerAppId": "reviews"}

    clock.day(D0)
    await books.buy(api, D0, "ann", "o-1", "19.99")
    await books.buy(api, D0, "bob", "o-2", "505.01")
    await books.buy(api, D0, "ann", None, None, **reviewing)
    clock.day(D1)
    await books.buy(api, D1, "cat", "o-3", "100.5")
    await books.refund(api, D1, "ann", "o-1", "10", buy)
    await books.buy(api, D1, "bob", None, None, **reviewing)
    for member in ("dan", "eve"):
        await api.ok(CREATE_MEMBER, {"m": member})
    await books.adjust(api, D1, "dan", 50)

    clock.at = None  # today, the real clock
    revision = (await api.ok(PROGRAM))["loyaltyProgram"]["revision"]
    await api.ok(
        UPDATE_PROGRAM,
        {
            "rev": revision,
            "p": {
                "pointValue": "0.015",
                "pointsExpiration": {
                    "status": "ENABLED",
                    "monthsOfInactivity": 1,
                    "expiringPointsPercentage": 50,
                },
            },
        },
    )
    run = await run_expiry(api.runtime.unit_of_work())
    assert run.total > 0
    for e in run.expirations:
        books.days[TODAY]["expired"] += e.expiring_points
        books.days[TODAY]["netChange"] -= e.expiring_points
        books.balance[e.member_id] -= e.expiring_points
    await books.buy(api, TODAY, "cat", "o-4", "3.49")
    await books.adjust(api, TODAY, "ann", 40)
    reward = (
        await api.ok(
            CREATE_REWARD,
            {
                "r": {
                    "name": "5 off",
                    "type": "DISCOUNT_AMOUNT",
                    "configsByTier": [{"tierId": None, "amount": "5", "costInPoints": 7}],
                }
            },
        )
    )["createReward"]["id"]
    spent = []
    for key in ("r1", "r2"):
        r = (await api.ok(REDEEM, {"m": "bob", "r": reward, "k": key}))["redeemReward"]
        spent.append(r)
        books.days[TODAY]["redeemed"] += r["costInPoints"]
        books.days[TODAY]["netChange"] -= r["costInPoints"]
        books.balance["bob"] -= r["costInPoints"]
    await api.ok(CANCEL, {"id": spent[0]["id"]})
    books.days[TODAY]["refunded"] += spent[0]["costInPoints"]
    books.days[TODAY]["netChange"] += spent[0]["costInPoints"]
    books.balance["bob"] += spent[0]["costInPoints"]
    return {
        "tiers": [(None, 0), (silver, 100), (gold, 1000)],
        "rules": {buy: "Buy", review: "Review"},
    }


async def test_figures_equal_the_tests_own_sums(api: Api) -> None:
    clock, books = Clock(api.runtime), Books()
    seeded = await _seed(api, clock, books)

    got = (await api.ok(ANALYTICS, {"from": str(D0), "to": str(TODAY)}))["analytics"]
    assert (got["from"], got["to"]) == (str(D0), str(TODAY))

    days = [D0 + timedelta(n) for n in range((TODAY - D0).days + 1)]
    assert [d["day"] for d in got["pointsIssuedPerDay"]] == [str(d) for d in days]
    for row in got["pointsIssuedPerDay"]:
        expected = books.days.get(date.fromisoformat(row["day"]), Counter())
        assert {f: row[f] for f in FIGURES} == {f: expected[f] for f in FIGURES}, row["day"]
    # Every kind of entry happened, so no column is trivially zero.
    assert all(sum(r[f] for r in got["pointsIssuedPerDay"]) for f in FIGURES)

    assert {r["ruleId"]: r for r in got["pointsPerRule"]} == {
        rule: {
            "ruleId": rule,
            "title": title,
            "awards": books.rules[rule]["awards"],
            "issued": books.rules[rule]["issued"],
            "reversed": books.rules[rule]["reversed"],
        }
        for rule, title in seeded["rules"].items()
    }

    purchases = {r["day"]: r for r in got["purchaseAmountPerDay"]}
    assert list(purchases) == [str(d) for d in days]
    for d in days:
        amounts = books.orders.get(d, [])
        row = purchases[str(d)]
        assert (row["orders"], Decimal(row["amount"]), row["currency"]) == (
            len(amounts),
            sum(amounts, Decimal(0)),
            "USD",
        )
    assert purchases[str(D0)]["amount"] == "525"  # 19.99 + 505.01, exact (no float residue)

    def tier_of(points: int) -> str | None:
        tier: str | None = max((t for t in seeded["tiers"] if t[1] <= points), key=lambda t: t[1])[
            0
        ]
        return tier

    everyone = {"ann", "bob", "cat", "dan", "eve"}
    in_tier = Counter(tier_of(books.tier_points[m]) for m in everyone)
    assert [(r["tierId"], r["requiredPoints"], r["members"]) for r in got["membersPerTier"]] == [
        (t, points, in_tier[t]) for t, points in seeded["tiers"]
    ]
    assert [r["tierName"] for r in got["membersPerTier"]] == [None, "Silver", "Gold"]

    ranked = sorted(everyone, key=lambda m: (-books.balance[m], m))
    assert got["byBalance"] == [
        {
            "memberId": m,
            "balance": books.balance[m],
            "earned": books.earned[m],
            "tierId": tier_of(books.tier_points[m]),
        }
        for m in ranked[:3]
    ]
    by_earned = sorted(everyone, key=lambda m: (-books.earned[m], m))[:2]
    assert got["byEarned"] == [{"memberId": m, "earned": books.earned[m]} for m in by_earned]

    outstanding = sum(books.balance.values())
    liability = got["liability"]
    assert Decimal(liability.pop("amount")) == Decimal("0.015") * outstanding
    assert liability == {"pointsOutstanding": outstanding, "pointValue": "0.015", "currency": "USD"}

    # A range that ends before today leaves today's entries out.
    only_d1 = (await api.ok(ANALYTICS, {"from": str(D1), "to": str(D1)}))["analytics"]
    assert [r["issued"] for r in only_d1["pointsIssuedPerDay"]] == [books.days[D1]["issued"]]


async def test_non_admins_and_bad_ranges_are_refused(api: Api) -> None:
    query = "{ analytics { liability { pointsOutstanding } } }"
    assert (await api.error(query, token=member_jwt("ann")))["extensions"]["code"] == "FORBIDDEN"
    assert (await api.error(query, token=None))["extensions"]["code"] == "UNAUTHENTICATED"

    default = (await api.ok("{ analytics { from to } }"))["analytics"]
    assert date.fromisoformat(default["to"]) - date.fromisoformat(default["from"]) == timedelta(29)

    bad = [
        {"from": "2025-03-02", "to": "2025-03-01"},  # backwards
        {"from": "2024-01-01", "to": "2025-01-01"},  # 367 days
        {"from": "1999-12-31"},  # before the earliest date
    ]
    for variables in bad:
        error = await api.error(
            "query($from: Date, $to: Date) { analytics(from: $from, to: $to) { from } }", variables
        )
        assert error["extensions"]["code"] == "VALIDATION", (variables, error)
    for first in (0, 101):
        error = await api.error(f"{{ analytics {{ topMembers(first: {first}) {{ memberId }} }} }}")
        assert error["extensions"]["code"] == "VALIDATION", first
    # A full leap year is allowed.
    year = await api.ok('{ analytics(from: "2024-01-01", to: "2024-12-31") { from to } }')
    assert year["analytics"] == {"from": "2024-01-01", "to": "2024-12-31"}
