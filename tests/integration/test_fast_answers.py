"""A kept answer (api.response_cache) is sent by api.fast_answers before strawberry sees the
request: byte for byte and header for header what strawberry sent the first time, never to a
caller it was not given, and never from a config_version read that began before the request
(api.response_cache.VersionReads); the token's fixed facts are kept for anyone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from api.config_version import VersionReads
from api.response_cache import ResponseCache
from tests.integration._rules_client import (
    ADMIN_KEY,
    CREATE,
    LIST,
    Api,
    member_jwt,
    running_api,
    stores_rule,
)

TOKEN = "{ token { symbol name decimals } }"


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(database_url, tmp_path) as running:
        yield running


def responses(api: Api) -> ResponseCache:
    transport: Any = api.client._transport
    route = next(r for r in transport.app.routes if getattr(r, "path", None) == "/graphql")
    cache: ResponseCache = route.endpoint.responses
    return cache


async def test_a_hit_is_sent_as_strawberry_sent_the_miss(api: Api) -> None:
    await api.ok(CREATE, {"r": stores_rule("Kept")})
    first = await api.post(LIST, {"first": 20})
    second = await api.post(LIST, {"first": 20})
    assert (responses(api).misses, responses(api).hits) == (1, 1)
    assert second.status_code == first.status_code == 200
    assert second.content == first.content
    assert second.headers["content-type"] == first.headers["content-type"]
    assert second.headers["content-length"] == first.headers["content-length"]
    assert second.headers["x-request-id"]  # the middleware still sees every request
    assert "Kept" in second.text


async def test_the_token_facts_are_kept_for_anyone(api: Api) -> None:
    for token in (None, None, ADMIN_KEY):
        data = await api.ok(TOKEN, token=token)
        assert data == {"token": {"symbol": "LOYAL", "name": data["token"]["name"], "decimals": 0}}
    assert (responses(api).misses, responses(api).hits) == (2, 1)  # anonymous, then the admin
    for _ in range(2):  # read from the index: answered fresh every time
        await api.ok("{ token { symbol holders } }", token=None)
    assert responses(api).hits == 1


async def test_a_bad_credential_is_refused_whatever_is_kept(api: Api) -> None:
    await api.ok(TOKEN, token=None)
    await api.ok(LIST, {"first": 5})
    for query, variables in ((TOKEN, None), (LIST, {"first": 5})):
        for token in ("not-a-key", member_jwt("m-1", secret="x" * 40)):
            error = await api.error(query, variables, token=token)
            assert error["extensions"]["code"] == "UNAUTHENTICATED"
    error = await api.error(LIST, {"first": 5}, token=None)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    # Repeated headers: the first counts, here as in strawberry's own reading.
    reply = await api.client.post(
        "/graphql",
        json={"query": LIST, "variables": {"first": 5}},
        headers=[("authorization", "Bearer not-a-key"), ("authorization", f"Bearer {ADMIN_KEY}")],
    )
    assert reply.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_not_plain_json_goes_to_strawberry(api: Api) -> None:
    """Neither a GET nor a malformed body is answered from the cache, nor wrongly refused."""
    await api.ok(TOKEN, token=None)
    hits = responses(api).hits
    reply = await api.client.get("/graphql", params={"query": TOKEN})
    assert reply.json() == {
        "data": {
            "token": {
                "symbol": "LOYAL",
                "name": reply.json()["data"]["token"]["name"],
                "decimals": 0,
            }
        }
    }
    reply = await api.client.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert reply.status_code == 400
    assert responses(api).hits == hits + 1  # the GET, through strawberry's path


async def test_concurrent_requests_share_version_reads(api: Api) -> None:
    engine = api.runtime.async_engine
    reads = VersionReads(lambda: engine)
    statements: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if "config_version" in statement:
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        values = await asyncio.gather(*(reads.read() for _ in range(16)))
        assert len(set(values)) == 1
        assert len(statements) <= 2  # the first caller's read, and one for all the others
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE config_version SET version = version + 1"))
        assert await reads.read() == values[0] + 1
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)


class _Conn:
    def __init__(self, db: _Db) -> None:
        self._db = db

    async def execution_options(self, **_: Any) -> _Conn:
        return self

    async def scalar(self, _statement: Any) -> int:
        value = self._db.value  # the moment of the read
        self._db.reads += 1
        await self._db.release.wait()
        return value


class _Db:
    def __init__(self) -> None:
        self.value, self.reads, self.release = 1, 0, asyncio.Event()

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[_Conn]:
        yield _Conn(self)


async def test_a_read_under_way_never_answers_a_later_caller() -> None:
    db = _Db()
    reads = VersionReads(lambda: db)  # type: ignore[arg-type, return-value]
    early = asyncio.ensure_future(reads.read())
    for _ in range(3):
        await asyncio.sleep(0)
    assert db.reads == 1  # under way, with the value it saw
    db.value = 2  # a change commits while it runs
    late = [asyncio.ensure_future(reads.read()) for _ in range(5)]
    await asyncio.sleep(0)
    db.release.set()
    assert await early == 1
    assert await asyncio.gather(*late) == [2] * 5
    assert db.reads == 2  # the five later callers shared one read, begun after they asked
