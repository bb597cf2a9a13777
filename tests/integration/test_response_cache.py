"""Answers to configuration-only queries are kept per process by config_version
(api.response_cache): a repeated read is answered from memory, and any change of rules, tiers
or program settings, made through another API process sharing the database or by hand in SQL,
makes the very next read fresh everywhere. Who may read what is unchanged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType
from sqlalchemy import text

from api.config import ApiConfig
from api.response_cache import CONFIG_FIELDS, ResponseCache
from api.schema import build_schema
from loyalty.settings import Settings
from tests.integration._rules_client import (
    ADMIN_KEY,
    CREATE,
    LIST,
    UPDATE,
    Api,
    member_jwt,
    running_api,
    stores_rule,
)

TIERS = "{ tiers { id name requiredPoints } }"
PROGRAM = "{ loyaltyProgram { revision tiersRollingWindowMonths timeZone status } }"
UPDATE_PROGRAM = """mutation($rev: Long!, $p: LoyaltyProgramUpdate!) {
  updateLoyaltyProgram(revision: $rev, program: $p) { revision } }"""


@pytest.fixture
async def two(database_url: str, tmp_path) -> AsyncIterator[tuple[Api, Api]]:
    """Two API apps, each with its own runtime, pool and caches, on one database."""
    async with (
        running_api(database_url, tmp_path) as first,
        running_api(database_url, tmp_path) as second,
    ):
        yield first, second


def responses(api: Api) -> ResponseCache:
    transport: Any = api.client._transport
    route = next(r for r in transport.app.routes if getattr(r, "path", None) == "/graphql")
    cache: ResponseCache = route.endpoint.responses
    return cache


async def titles(api: Api) -> list[str]:
    """The titles of the rules made here (not the pre-installed ones)."""
    data = await api.ok(LIST, {"first": 20})
    nodes = [e["node"] for e in data["earningRules"]["edges"]]
    return [n["title"] for n in nodes if n["metadata"]["canBeDeleted"]]


async def test_a_change_in_another_process_is_read_at_once(two: tuple[Api, Api]) -> None:
    a, b = two
    rule = (await b.ok(CREATE, {"r": stores_rule("First")}))["createEarningRule"]
    assert await titles(a) == ["First"]
    assert await titles(a) == ["First"]
    assert (responses(a).misses, responses(a).hits) == (1, 1)

    await b.ok(UPDATE, {"id": rule["id"], "rev": rule["revision"], "u": {"title": "Renamed"}})
    assert await titles(a) == ["Renamed"]  # the very next read, no time-to-live
    await b.ok(CREATE, {"r": stores_rule("Second")})
    assert await titles(a) == ["Renamed", "Second"]
    assert responses(a).hits == 1

    # By hand, outside the API: the trigger changes the version all the same.
    async with a.runtime.async_engine.begin() as conn:
        await conn.execute(
            text("UPDATE earning_rules SET title = 'By hand' WHERE id = :i"), {"i": rule["id"]}
        )
    assert await titles(a) == ["By hand", "Second"]
    assert await titles(a) == ["By hand", "Second"]
    assert responses(a).hits == 2


async def test_tiers_and_program_settings_too(two: tuple[Api, Api]) -> None:
    a, b = two
    assert (await a.ok(TIERS))["tiers"] == []
    await b.ok('mutation { createTier(tier: {name: "Gold", requiredPoints: 50}) { id } }')
    assert [t["name"] for t in (await a.ok(TIERS))["tiers"]] == ["Gold"]

    before = (await a.ok(PROGRAM))["loyaltyProgram"]
    assert (await a.ok(PROGRAM))["loyaltyProgram"] == before
    hits = responses(a).hits
    await b.ok(
        UPDATE_PROGRAM,
        {"rev": before["revision"], "p": {"tiersRollingWindowMonths": 6}},
    )
    after = (await a.ok(PROGRAM))["loyaltyProgram"]
    assert after["revision"] != before["revision"]
    assert after["tiersRollingWindowMonths"] == 6
    assert responses(a).hits == hits


async def test_callers_never_share_answers(two: tuple[Api, Api]) -> None:
    a, _ = two
    await a.ok(CREATE, {"r": stores_rule("Visible")})
    assert await titles(a) == ["Visible"]
    for _ in range(2):  # the admin's answer is kept: still not for anyone else
        error = await a.error(LIST, {"first": 20}, token=None)
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
        error = await a.error(LIST, {"first": 20}, token="not-a-key")
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
    member = member_jwt("m-1")
    data = await a.ok(LIST, {"first": 20}, token=member)  # members read rules: their own entry
    assert "Visible" in [e["node"]["title"] for e in data["earningRules"]["edges"]]
    assert (await a.ok(PROGRAM))["loyaltyProgram"]["revision"] >= 1
    error = await a.error(PROGRAM, token=member)  # admin only, cached for the admin or not
    assert error["extensions"]["code"] == "FORBIDDEN"
    error = await a.error(PROGRAM, token=member)
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_only_configuration_queries_are_kept(two: tuple[Api, Api]) -> None:
    a, _ = two
    await a.ok(CREATE, {"r": stores_rule("Kept")})
    mixed = "{ tiers { id } token { holders } }"  # holders reads the index: not watched
    for query in (
        mixed,
        "{ token { symbol totalSupply } }",  # the supply reads the index (tokens: fast_answers)
        "query Q { tiers { id } } query R { tiers { name } }",
    ):
        await a.gql(query)
        await a.gql(query)
    assert responses(a).hits == 0
    named = "query Q { tiers { id } } query R { tiers { name } }"
    for _ in range(2):
        reply = await a.client.post(
            "/graphql",
            json={"query": named, "operationName": "R"},
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        )
        assert reply.json() == {"data": {"tiers": []}}
    assert responses(a).hits == 1


def _named(t: Any) -> Any:
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    return t


def test_every_field_under_a_cached_root_reads_watched_tables() -> None:
    """Adding a field under a cached root field: check that it reads only earning rules, their
    configs, tiers or program settings (tables whose changes move config_version), then list
    it here; otherwise take its root out of CONFIG_FIELDS."""
    schema = build_schema(ApiConfig.from_settings(Settings(admin_api_key="k" * 40)))._schema
    query = schema.query_type
    assert query is not None
    reachable: set[str] = set()
    todo = [_named(query.fields[name].type) for name in CONFIG_FIELDS]
    seen: set[str] = set()
    while todo:
        t = todo.pop()
        if not isinstance(t, GraphQLObjectType) or t.name in seen:
            continue
        seen.add(t.name)
        for name, field in t.fields.items():
            reachable.add(f"{t.name}.{name}")
            todo.append(_named(field.type))
    assert sorted(reachable) == sorted(REVIEWED)


# Every field under CONFIG_FIELDS, each read from earning_rules, earning_rule_configs, tiers or
# program_settings (or computed from the request's arguments: the page's cursors).
REVIEWED = set(
    [
        "ConversionRate.configs",
        "ConversionRateConfig.moneyAmount",
        "ConversionRateConfig.points",
        "ConversionRateConfig.tierId",
        "EarningRule.conversionRate",
        "EarningRule.createdDate",
        "EarningRule.fixedAmount",
        "EarningRule.holdDays",
        "EarningRule.id",
        "EarningRule.kind",
        "EarningRule.metadata",
        "EarningRule.revision",
        "EarningRule.sourceAppId",
        "EarningRule.status",
        "EarningRule.title",
        "EarningRule.triggerActivityType",
        "EarningRule.triggerAppId",
        "EarningRule.updatedDate",
        "EarningRuleConnection.edges",
        "EarningRuleConnection.nodes",
        "EarningRuleConnection.pageInfo",
        "EarningRuleEdge.cursor",
        "EarningRuleEdge.node",
        "EarningRuleMetadata.canBeDeleted",
        "EmailTemplate.body",
        "EmailTemplate.subject",
        "FixedAmount.configs",
        "FixedAmountConfig.points",
        "FixedAmountConfig.tierId",
        # currency and locale come from the process's settings (LOYALTY_CURRENCY,
        # LOYALTY_LOCALE), fixed while it runs, and each process has its own cache.
        "LoyaltyProgram.currency",
        "LoyaltyProgram.locale",
        "LoyaltyProgram.emailEnabled",
        "LoyaltyProgram.emailTemplate",
        "LoyaltyProgram.holdDays",
        "LoyaltyProgram.pointDefinition",
        "LoyaltyProgram.pointValue",
        "LoyaltyProgram.pointsExpiration",
        "LoyaltyProgram.revision",
        "LoyaltyProgram.status",
        "LoyaltyProgram.tiersRollingWindowMonths",
        "LoyaltyProgram.timeZone",
        "LoyaltyProgram.updatedDate",
        "LoyaltyProgram.webhookUrl",
        "PageInfo.endCursor",
        "PageInfo.hasNextPage",
        "PageInfo.hasPreviousPage",
        "PageInfo.startCursor",
        "PointDefinition.iconUrl",
        "PointDefinition.name",
        "PointsExpirationSettings.expiringPointsPercentage",
        "PointsExpirationSettings.monthsOfInactivity",
        "PointsExpirationSettings.reminderDays",
        "PointsExpirationSettings.status",
        "Tier.createdDate",
        "Tier.description",
        "Tier.id",
        "Tier.name",
        "Tier.requiredPoints",
        "Tier.revision",
        "Tier.updatedDate",
    ]
)
