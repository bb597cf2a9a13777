"""`accounts(filter, orderBy, first, after)` over HTTP on SQLite and PostgreSQL: every filter,
every ordering both ways walked page by page through ties (the id breaks them), search by
member id, e-mail and address prefix, cursors refused when malformed or from another ordering
or filter, page sizes, and who may read."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from loyalty.db.ledger import members
from loyalty.db.program import member_contacts, member_tiers
from loyalty.services.api_keys import create_key
from tests.integration._rules_client import Api, member_jwt, running_api

LIST = """query($f: AccountFilter, $o: AccountOrder, $first: Int, $after: String) {
  accounts(filter: $f, orderBy: $o, first: $first, after: $after) {
    edges { cursor node { memberId walletAddress points { balance earned } lastActivityDate
                          createdDate tier { id } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""

T0 = datetime(2026, 1, 1, tzinfo=UTC)

# member id, earned, redeemed, last activity (days after T0; None: never), created (days)
SEED: list[tuple[str, int, int, int | None, int]] = [
    ("alice", 100, 0, 5, 0),
    ("bob", 100, 50, 5, 1),  # balance 50
    ("carol", 50, 0, None, 2),  # never active: sorts at creation by LAST_ACTIVITY
    ("dave", 300, 0, 1, 2),  # created together with carol
    ("Erin_x", 50, 0, 7, 3),
    ("frank", 0, 0, 9, 4),
    ("gina", 100, 0, 2, 5),
]
WALLET = {"dave": "0xabcdef" + "0" * 34}
EMAIL = {"alice": "Alice@Example.com", "gina": "g.alice@example.org"}


def day(n: int | None) -> datetime | None:
    return None if n is None else T0 + timedelta(days=n)


@pytest.fixture
async def api(database_url: str, tmp_path: Any) -> Any:
    async with running_api(database_url, tmp_path) as running:
        gold = await running.add_tier(100)
        async with running.runtime.async_engine.begin() as conn:
            for i, (mid, earned, redeemed, active, created) in enumerate(SEED, start=1):
                await conn.execute(
                    members.insert().values(
                        id=i,
                        member_id=mid,
                        custodial_address=f"0x{i:040x}",
                        wallet_address=WALLET.get(mid),
                        earned=earned,
                        redeemed=redeemed,
                        last_activity_at=day(active),
                        created_at=day(created),
                        updated_at=day(created),
                    )
                )
                if earned >= 100:
                    await conn.execute(
                        member_tiers.insert().values(
                            member_pk=i, tier_id=gold, tier_points=earned, updated_at=T0
                        )
                    )
            for mid, email in EMAIL.items():
                await conn.execute(
                    member_contacts.insert().values(member_id=mid, email=email, updated_at=T0)
                )
        running.gold = gold  # type: ignore[attr-defined]
        yield running


async def walk(api: Api, order: dict[str, str] | None, f: dict[str, Any] | None, size: int):
    """Every page of the list; the member ids in order."""
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = (await api.ok(LIST, {"f": f, "o": order, "first": size, "after": after}))["accounts"]
        seen += [e["node"]["memberId"] for e in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        pages += 1
        assert pages < 20
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        after = page["pageInfo"]["endCursor"]


EXPECTED = {
    # ties broken by the row id (creation order of the seed) in the ordering's direction
    ("BALANCE", "ASC"): ["frank", "bob", "carol", "Erin_x", "alice", "gina", "dave"],
    ("BALANCE", "DESC"): ["dave", "gina", "alice", "Erin_x", "carol", "bob", "frank"],
    ("EARNED", "ASC"): ["frank", "carol", "Erin_x", "alice", "bob", "gina", "dave"],
    ("EARNED", "DESC"): ["dave", "gina", "bob", "alice", "Erin_x", "carol", "frank"],
    # carol never active: at her creation (day 2), tied with gina's activity on day 2
    ("LAST_ACTIVITY", "ASC"): ["dave", "carol", "gina", "alice", "bob", "Erin_x", "frank"],
    ("LAST_ACTIVITY", "DESC"): ["frank", "Erin_x", "bob", "alice", "gina", "carol", "dave"],
    ("CREATED", "ASC"): ["alice", "bob", "carol", "dave", "Erin_x", "frank", "gina"],
    ("CREATED", "DESC"): ["gina", "frank", "Erin_x", "dave", "carol", "bob", "alice"],
}


@pytest.mark.parametrize(("field", "direction"), sorted(EXPECTED))
async def test_every_ordering_walks_through_ties(api: Api, field: str, direction: str) -> None:
    order = {"field": field, "direction": direction}
    for size in (1, 2, 3, 100):
        assert await walk(api, order, None, size) == EXPECTED[(field, direction)], size


async def test_default_ordering_is_newest_first(api: Api) -> None:
    assert await walk(api, None, None, 3) == EXPECTED[("CREATED", "DESC")]


async def test_filters(api: Api) -> None:
    by_balance = {"field": "BALANCE", "direction": "DESC"}

    async def ids(f: dict[str, Any]) -> list[str]:
        return await walk(api, by_balance, f, 2)

    gold = api.gold  # type: ignore[attr-defined]
    assert await ids({"tierId": gold}) == ["dave", "gina", "alice", "bob"]
    assert await ids({"minBalance": 50}) == ["dave", "gina", "alice", "Erin_x", "carol", "bob"]
    assert await ids({"maxBalance": 50}) == ["Erin_x", "carol", "bob", "frank"]
    assert await ids({"minBalance": 50, "maxBalance": 50}) == ["Erin_x", "carol", "bob"]
    assert await ids({"minBalance": 51, "tierId": gold}) == ["dave", "gina", "alice"]
    assert await ids({"lastActivityFrom": day(5).isoformat()}) == [  # type: ignore[union-attr]
        "alice",
        "Erin_x",
        "bob",
        "frank",
    ]
    assert await ids(
        {"lastActivityFrom": day(2).isoformat(), "lastActivityTo": day(7).isoformat()}  # type: ignore[union-attr]
    ) == ["gina", "alice", "bob"]
    assert await ids({"lastActivityTo": day(2).isoformat()}) == ["dave"]  # type: ignore[union-attr]


async def test_search_by_member_id_email_and_address_prefix(api: Api) -> None:
    async def ids(q: str) -> list[str]:
        return sorted(await walk(api, None, {"search": q}, 100))

    assert await ids("ali") == ["alice"]  # her id and her e-mail; gina's e-mail has it later
    assert await ids("ALICE@") == ["alice"]  # case-insensitive e-mail
    assert await ids("g.alice") == ["gina"]
    assert await ids("erin_") == ["Erin_x"]  # case-insensitive id; `_` is no wildcard
    assert await ids("e_in") == []
    assert await ids("%") == []
    assert await ids("0xABCDEF") == ["dave"]  # wallet address
    assert await ids(f"0x{3:040x}") == ["carol"]  # custodial address
    assert await ids("lice") == []  # a prefix, not a substring
    assert await ids("  bob ") == ["bob"]
    # search, other filters and ordering combine
    assert await walk(
        api, {"field": "BALANCE", "direction": "ASC"}, {"search": "a", "minBalance": 1}, 1
    ) == ["alice"]


def forged(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


async def test_bad_cursors_are_refused(api: Api) -> None:
    balance = {"field": "BALANCE", "direction": "DESC"}
    first = (await api.ok(LIST, {"o": balance, "first": 2}))["accounts"]
    cursor = first["pageInfo"]["endCursor"]
    raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    bad = [
        "nope",
        "!!!!",
        "",
        "x" * 2000,
        forged({"o": raw["o"]}),
        forged({**raw, "k": "50"}),
        forged({**raw, "i": "3"}),
        forged([1, 2]),  # type: ignore[arg-type]
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ]
    for after in bad:
        error = await api.error(LIST, {"o": balance, "first": 2, "after": after})
        assert error["extensions"] == {"code": "VALIDATION", "field": "after"}, after
    # from another ordering, direction or filter
    for order, f in [
        ({"field": "EARNED", "direction": "DESC"}, None),
        ({"field": "BALANCE", "direction": "ASC"}, None),
        (balance, {"minBalance": 1}),
    ]:
        error = await api.error(LIST, {"o": order, "f": f, "first": 2, "after": cursor})
        assert error["extensions"] == {"code": "VALIDATION", "field": "after"}
    # a datetime ordering's cursor carries a time, refused elsewhere
    created = (await api.ok(LIST, {"first": 1}))["accounts"]["pageInfo"]["endCursor"]
    error = await api.error(LIST, {"o": balance, "first": 1, "after": created})
    assert error["extensions"]["field"] == "after"
    # the genuine cursor still works
    second = (await api.ok(LIST, {"o": balance, "first": 2, "after": cursor}))["accounts"]
    assert [e["node"]["memberId"] for e in second["edges"]] == ["alice", "Erin_x"]


async def test_bad_input(api: Api) -> None:
    for size in (0, 101, -1):
        error = await api.error(LIST, {"first": size})
        assert error["extensions"] == {"code": "VALIDATION", "field": "first"}, size
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"minBalance": 10, "maxBalance": 5}, "VALIDATION", "minBalance"),
        (
            {"lastActivityFrom": day(3).isoformat(), "lastActivityTo": day(3).isoformat()},  # type: ignore[union-attr]
            "VALIDATION",
            "lastActivityFrom",
        ),
        ({"search": "   "}, "VALIDATION", "search"),
        ({"search": "x" * 257}, "VALIDATION", "search"),
        ({"tierId": "no-such-tier"}, "NOT_FOUND", "tierId"),
    ]
    for f, code, field in cases:
        error = await api.error(LIST, {"f": f})
        assert error["extensions"]["code"] == code, f
        assert error["extensions"]["field"] == field, f
    # unknown filter fields and enum values: GraphQL refuses them before anything runs
    body = await api.gql(LIST, {"f": {"balanceOver": 3}})
    assert "balanceOver" in body["errors"][0]["message"] and body.get("data") is None
    body = await api.gql(LIST, {"o": {"field": "NAME"}})
    assert body.get("data") is None and body["errors"]
    body = await api.gql(LIST, {"f": {"lastActivityFrom": "2026-01-01T00:00:00"}})
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"


async def test_who_may_list(api: Api) -> None:
    with api.runtime.engine.begin() as conn:
        auditor_key, _ = create_key(conn, role="auditor", name="audit")
    page = (await api.ok(LIST, {"first": 100}, token=auditor_key))["accounts"]
    assert len(page["edges"]) == len(SEED)
    error = await api.error(LIST, {}, token=member_jwt("alice"))
    assert error["extensions"]["code"] == "FORBIDDEN"
    error = await api.error(LIST, {}, token=None)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_nodes_are_whole_accounts(api: Api) -> None:
    query = """{ accounts(first: 1, orderBy: {field: BALANCE, direction: DESC}) {
      nodes { memberId walletAddress points { balance earned pending }
              tier { id } transactions(first: 1) { nodes { id } } } } }"""
    (node,) = (await api.ok(query))["accounts"]["nodes"]
    assert node["memberId"] == "dave" and node["walletAddress"] == WALLET["dave"]
    assert node["points"] == {"balance": 300, "earned": 300, "pending": 0}
    assert node["transactions"]["nodes"] == []
