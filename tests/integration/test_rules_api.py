"""Earning rules over GraphQL on SQLite and PostgreSQL: every operation, every error code, and
the bad inputs the issue lists. Each refusal is checked to have changed nothing."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.domain.rules import PRE_INSTALLED_RULES
from tests.integration._rules_client import (
    BULK,
    CREATE,
    DELETE,
    GET,
    LIST,
    PREVIEW,
    UPDATE,
    Api,
    running_api,
    stores_rule,
)


@pytest.fixture
async def api(database_url: str, tmp_path) -> Any:
    async with running_api(database_url, tmp_path) as running:
        yield running


async def all_rules(api: Api) -> list[dict[str, Any]]:
    data = await api.ok(LIST, {"first": 100})
    return [edge["node"] for edge in data["earningRules"]["edges"]]


async def test_pre_installed_rules_are_listed_active_and_undeletable(api: Api) -> None:
    rules = {r["id"]: r for r in await all_rules(api)}
    assert set(rules) == {r.id for r in PRE_INSTALLED_RULES}
    for rule in rules.values():
        assert rule["status"] == "ACTIVE"
        assert rule["metadata"] == {"canBeDeleted": False}
        assert rule["kind"] == "AUTOMATED_PRE_INSTALLED"
        assert rule["conversionRate"]["configs"] == [
            {"tierId": None, "moneyAmount": "1", "points": 1}
        ]

    seeded = PRE_INSTALLED_RULES[2].id
    error = await api.error(DELETE, {"id": seeded, "rev": 1})
    assert error["extensions"]["code"] == "VALIDATION"
    assert "only be paused" in error["message"]
    paused = await api.ok(UPDATE, {"id": seeded, "rev": 1, "u": {"status": "PAUSED"}})
    assert paused["updateEarningRule"]["status"] == "PAUSED"
    assert paused["updateEarningRule"]["revision"] == 2


async def test_create_get_update_delete(api: Api) -> None:
    gold = await api.add_tier(1000)
    rule = stores_rule(
        conversionRate={
            "configs": [
                {"tierId": None, "moneyAmount": "10.50", "points": 2},
                {"tierId": gold, "moneyAmount": "0.000001", "points": 9_999_999},
            ]
        }
    )
    created = (await api.ok(CREATE, {"r": rule}))["createEarningRule"]
    assert created["revision"] == 1
    assert created["sourceAppId"] == "loyalty" and created["kind"] == "NON_AUTOMATED"
    assert created["metadata"] == {"canBeDeleted": True}
    assert created["fixedAmount"] is None
    configs = created["conversionRate"]["configs"]
    assert [(c["tierId"], c["moneyAmount"], c["points"]) for c in configs] == [
        (None, "10.5", 2),
        (gold, "0.000001", 9_999_999),
    ]
    fetched = (await api.ok(GET, {"id": created["id"]}))["earningRule"]
    assert {k: v for k, v in fetched.items() if k != "conversionRate"} == {
        k: v for k, v in created.items() if k != "conversionRate"
    }
    # Exactly the same decimals back from the database (no float on the way).
    from decimal import Decimal

    assert [Decimal(c["moneyAmount"]) for c in fetched["conversionRate"]["configs"]] == [
        Decimal("10.50"),
        Decimal("0.000001"),
    ]

    updated = (
        await api.ok(
            UPDATE,
            {
                "id": created["id"],
                "rev": 1,
                "u": {"title": "Renamed", "fixedAmount": {"configs": [{"points": 25}]}},
            },
        )
    )["updateEarningRule"]
    assert updated["revision"] == 2 and updated["title"] == "Renamed"
    assert updated["conversionRate"] is None
    assert updated["fixedAmount"] == {"configs": [{"tierId": None, "points": 25}]}
    assert updated["triggerActivityType"] == "stores/OrderPaid"  # untouched by a partial update

    deleted = await api.ok(DELETE, {"id": created["id"], "rev": 2})
    assert deleted["deleteEarningRule"]["id"] == created["id"]
    error = await api.error(GET, {"id": created["id"]})
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert created["id"] not in {r["id"] for r in await all_rules(api)}


BAD_CREATES = [
    ("51-char title", {"title": "x" * 51}, "title"),
    ("empty triggerActivityType", {"triggerActivityType": ""}, "triggerActivityType"),
    (
        "both methods",
        {"fixedAmount": {"configs": [{"points": 1}]}},
        "fixedAmount",
    ),
    ("neither method", {"conversionRate": None}, "fixedAmount"),
    (
        "zero points",
        {"conversionRate": {"configs": [{"moneyAmount": "1", "points": 0}]}},
        "conversionRate.configs.points",
    ),
    (
        "negative points",
        {"conversionRate": {"configs": [{"moneyAmount": "1", "points": -3}]}},
        "conversionRate.configs.points",
    ),
    (
        "zero moneyAmount",
        {"conversionRate": {"configs": [{"moneyAmount": "0", "points": 1}]}},
        "conversionRate.configs.moneyAmount",
    ),
    (
        "negative moneyAmount",
        {"conversionRate": {"configs": [{"moneyAmount": "-10", "points": 1}]}},
        "conversionRate.configs.moneyAmount",
    ),
    (
        "unknown tier",
        {
            "conversionRate": {
                "configs": [{"tierId": "no-such-tier", "moneyAmount": "1", "points": 1}]
            }
        },
        "tierId",
    ),
    (
        "point method the activity type does not support",
        {
            "triggerActivityType": "bookings/BookingConfirmed",
        },
        "conversionRate",
    ),
]


async def test_bad_creates_are_validation_errors_and_change_nothing(api: Api) -> None:
    before = await all_rules(api)
    for case, changes, field in BAD_CREATES:
        error = await api.error(CREATE, {"r": stores_rule(**changes)})
        assert error["extensions"]["code"] == "VALIDATION", (case, error)
        assert error["extensions"].get("field") == field, (case, error)
    assert await all_rules(api) == before


async def test_non_numeric_money_is_a_validation_error(api: Api) -> None:
    before = await all_rules(api)
    for money in ("abc", "1e", "", "NaN", 1.5, True):
        rule = stores_rule(conversionRate={"configs": [{"moneyAmount": money, "points": 1}]})
        error = await api.error(CREATE, {"r": rule})
        assert error["extensions"]["code"] == "VALIDATION", (money, error)
    # The same inline in the document rather than as a variable.
    inline = (
        'mutation { createEarningRule(earningRule: {title: "t", triggerAppId: "stores", '
        'triggerActivityType: "stores/OrderPaid", conversionRate: {configs: '
        '[{moneyAmount: "abc", points: 1}]}}) { id } }'
    )
    error = await api.error(inline)
    assert error["extensions"]["code"] == "VALIDATION", error
    assert await all_rules(api) == before


async def test_same_title_twice_is_a_duplicate(api: Api) -> None:
    await api.ok(CREATE, {"r": stores_rule("Spend and earn")})
    error = await api.error(CREATE, {"r": stores_rule("spend and EARN")})
    assert error["extensions"]["code"] == "DUPLICATE"
    # Another trigger may reuse the title.
    await api.ok(CREATE, {"r": stores_rule("Spend and earn", triggerAppId="stores-2")})


async def test_wrong_revision_and_unknown_id(api: Api) -> None:
    created = (await api.ok(CREATE, {"r": stores_rule()}))["createEarningRule"]
    for rev in (0, 2, -1):
        error = await api.error(UPDATE, {"id": created["id"], "rev": rev, "u": {"title": "x"}})
        assert error["extensions"]["code"] == "INVALID_REVISION"
        error = await api.error(DELETE, {"id": created["id"], "rev": rev})
        assert error["extensions"]["code"] == "INVALID_REVISION"
    assert (await api.ok(GET, {"id": created["id"]}))["earningRule"] == created

    unknown = "00000000-0000-4000-8000-000000000000"
    for query, variables in (
        (GET, {"id": unknown}),
        (UPDATE, {"id": unknown, "rev": 1, "u": {"title": "x"}}),
        (DELETE, {"id": unknown, "rev": 1}),
        (GET, {"id": "z" * 5000}),
    ):
        error = await api.error(query, variables)
        assert error["extensions"]["code"] == "NOT_FOUND", error


async def test_update_refusals_change_nothing(api: Api) -> None:
    created = (await api.ok(CREATE, {"r": stores_rule()}))["createEarningRule"]
    for update in (
        {"title": "y" * 51},
        {"fixedAmount": {"configs": [{"points": 1}]}, "conversionRate": {"configs": []}},
        {"conversionRate": {"configs": [{"moneyAmount": "0", "points": 1}]}},
        {
            "triggerActivityType": "restaurants-order-is-pending",
            "fixedAmount": {"configs": [{"points": 1}]},
        },
        {},
    ):
        error = await api.error(UPDATE, {"id": created["id"], "rev": 1, "u": update})
        assert error["extensions"]["code"] == "VALIDATION", (update, error)
    assert (await api.ok(GET, {"id": created["id"]}))["earningRule"] == created


async def test_pages_filters_bad_cursor_and_page_size(api: Api) -> None:
    outcome = await api.ok(BULK, {"rs": [stores_rule(f"rule {i:02}") for i in range(12)]})
    assert outcome["bulkCreateEarningRules"]["bulkActionMetadata"] == {
        "totalSuccesses": 12,
        "totalFailures": 0,
    }
    titles: list[str] = []
    after = None
    while True:
        page = (await api.ok(LIST, {"f": {"triggerAppId": "stores"}, "first": 5, "after": after}))[
            "earningRules"
        ]
        titles += [edge["node"]["title"] for edge in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert titles == [f"rule {i:02}" for i in range(12)]

    default = (await api.ok(LIST))["earningRules"]
    assert len(default["edges"]) == 15  # 12 + 3 pre-installed, under the default 50

    paused = (await api.ok(LIST, {"f": {"status": "PAUSED"}}))["earningRules"]["edges"]
    assert paused == []
    by_type = (await api.ok(LIST, {"f": {"triggerActivityType": "restaurants-order-is-pending"}}))[
        "earningRules"
    ]["edges"]
    assert [e["node"]["id"] for e in by_type] == [PRE_INSTALLED_RULES[2].id]

    for first in (10_000, 101, 0, -1):
        error = await api.error(LIST, {"first": first})
        assert error["extensions"]["code"] == "VALIDATION"
        assert "1 to 100" in error["message"]
    for cursor in ("nonsense", "", "cnVsZTpY", "=" * 10, "a" * 5000):
        error = await api.error(LIST, {"after": cursor})
        assert error["extensions"]["code"] == "VALIDATION", cursor
        assert error["extensions"]["field"] == "after"


async def test_bulk_create_reports_each_item(api: Api) -> None:
    result = (
        await api.ok(
            BULK,
            {
                "rs": [
                    stores_rule("good"),
                    stores_rule("x" * 51),
                    stores_rule("good"),
                    stores_rule("fine"),
                ]
            },
        )
    )["bulkCreateEarningRules"]
    meta = [r["itemMetadata"] for r in result["results"]]
    assert [m["success"] for m in meta] == [True, False, False, True]
    assert [m["originalIndex"] for m in meta] == [0, 1, 2, 3]
    assert meta[1]["error"]["code"] == "VALIDATION" and meta[1]["error"]["field"] == "title"
    assert meta[2]["error"]["code"] == "DUPLICATE"
    assert result["results"][1]["item"] is None
    assert result["bulkActionMetadata"] == {"totalSuccesses": 2, "totalFailures": 2}
    titles = {r["title"] for r in await all_rules(api)}
    assert {"good", "fine"} <= titles

    error = await api.error(BULK, {"rs": [stores_rule(f"r{i}") for i in range(101)]})
    assert error["extensions"]["code"] == "VALIDATION"


async def test_preview_explains_each_matching_rule_and_writes_nothing(api: Api) -> None:
    gold = await api.add_tier(500)
    await api.ok(CREATE, {"r": stores_rule("Two per dollar")})
    await api.ok(
        CREATE,
        {
            "r": stores_rule(
                "Flat bonus",
                conversionRate=None,
                fixedAmount={"configs": [{"points": 10}, {"tierId": gold, "points": 50}]},
            )
        },
    )
    await api.ok(CREATE, {"r": stores_rule("Paused one", status="PAUSED")})
    before = await all_rules(api)
    activity = {
        "activityType": "stores/OrderPaid",
        "triggerAppId": "stores",
        "amount": {"value": "99.99", "currency": "USD"},
    }
    preview = (await api.ok(PREVIEW, {"a": activity}))["previewEarning"]
    assert preview["currency"] == "USD"
    assert [(a["rule"]["title"], a["points"]) for a in preview["awards"]] == [
        ("Two per dollar", "199"),
        ("Flat bonus", "10"),
    ]
    assert preview["totalPoints"] == "209"
    assert "floor(99.99 USD / 1 * 2) = 199" in preview["awards"][0]["reason"]

    at_gold = (await api.ok(PREVIEW, {"a": {**activity, "tierId": gold}}))["previewEarning"]
    assert [a["points"] for a in at_gold["awards"]] == ["199", "50"]
    assert at_gold["awards"][1]["tierId"] == gold

    no_amount = (await api.ok(PREVIEW, {"a": {**activity, "amount": None}}))["previewEarning"]
    assert [a["points"] for a in no_amount["awards"]] == ["0", "10"]
    assert "needs an amount" in no_amount["awards"][0]["reason"]

    for bad, field in (
        ({**activity, "amount": {"value": "10", "currency": "EUR"}}, "amount.currency"),
        ({**activity, "amount": {"value": "-1", "currency": "USD"}}, "amount.value"),
        ({**activity, "tierId": "unknown-tier"}, "tierId"),
        ({**activity, "activityType": ""}, "activityType"),
    ):
        error = await api.error(PREVIEW, {"a": bad})
        assert error["extensions"]["code"] == "VALIDATION", (bad, error)
        assert error["extensions"]["field"] == field
    assert await all_rules(api) == before


async def test_currency_setting_is_the_programs_currency(database_url: str, tmp_path) -> None:
    async with running_api(database_url, tmp_path, currency="EUR") as api:
        activity = {
            "activityType": "restaurants-order-is-pending",
            "triggerAppId": "restaurants",
            "amount": {"value": "12.34", "currency": "EUR"},
        }
        preview = (await api.ok(PREVIEW, {"a": activity}))["previewEarning"]
        assert (preview["currency"], preview["totalPoints"]) == ("EUR", "12")
        activity["amount"] = {"value": "12.34", "currency": "USD"}
        error = await api.error(PREVIEW, {"a": activity})
        assert error["extensions"]["code"] == "VALIDATION" and "EUR" in error["message"]
