"""What a small read costs the database, in statements: `balance(address)` alone is one
statement with no transaction around it (api.read_plan), anything more reads in one snapshot
as before, and a previewEarning that involves no member, tier or limit reads only the shared
config_version (its rules and campaigns come from the cached configuration)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration._rules_client import CREATE, PREVIEW, Api, running_api, stores_rule

A = "0x" + "ab" * 20
B = "0x" + "cd" * 20


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(database_url, tmp_path) as running:
        yield running


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine.sync_engine, "before_cursor_execute", on_statement)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", on_statement)


def transaction(seen: list[str]) -> list[str]:
    return [s for s in seen if s.split()[0].upper() in ("BEGIN", "ROLLBACK", "COMMIT")]


async def test_a_balance_alone_is_one_statement(api: Api) -> None:
    query = "query($a: String!) { balance(address: $a) }"
    await api.ok(query, {"a": A})  # warm: the document is parsed and validated once
    with statements(api.runtime.async_engine) as seen:
        assert await api.ok(query, {"a": A}) == {"balance": "0"}
    assert len(seen) == 1, seen
    assert "indexer_balances" in seen[0]


async def test_two_reads_still_share_one_snapshot(api: Api) -> None:
    query = "query($a: String!, $b: String!) { x: balance(address: $a) y: balance(address: $b) }"
    with statements(api.runtime.async_engine) as seen:
        assert await api.ok(query, {"a": A, "b": B}) == {"x": "0", "y": "0"}
    assert transaction(seen)[0].startswith("BEGIN"), seen
    assert transaction(seen)[-1] == "ROLLBACK", seen
    with statements(api.runtime.async_engine) as seen:
        await api.gql("query($a: String!) { balance(address: $a, block: 0) }", {"a": A})
    assert transaction(seen)[0].startswith("BEGIN"), seen  # checks the block, then reads


async def test_a_plain_preview_reads_only_the_config_version(api: Api) -> None:
    await api.ok(CREATE, {"r": stores_rule("Two per unit")})
    activity = {
        "activityType": "stores/OrderPaid",
        "triggerAppId": "stores",
        "amount": {"value": "10", "currency": "USD"},
    }
    first = await api.ok(PREVIEW, {"a": activity})  # loads the configuration
    with statements(api.runtime.async_engine) as seen:
        again = await api.ok(PREVIEW, {"a": activity})
    assert again == first
    assert again["previewEarning"]["totalPoints"] == "20"
    assert again["previewEarning"]["awards"][0]["rule"]["title"] == "Two per unit"
    assert len(seen) == 1 and "config_version" in seen[0], seen
