"""Safe defaults: document limits, operation batches, the body-size cap (all routes),
introspection and GraphiQL switches, and masked unexpected errors (details only in the log)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text

from api.limits import MAX_ALIASES, MAX_BATCH, MAX_DEPTH, MAX_TOKENS
from tests.integration._rules_client import ADMIN_KEY, LIST, Api, running_api

AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture
async def api(database_url: str, tmp_path) -> AsyncIterator[Api]:
    async with running_api(database_url, tmp_path, max_body_bytes=20_000) as running:
        yield running


def messages(body: dict[str, Any]) -> str:
    return " | ".join(e["message"] for e in body.get("errors", []))


async def test_document_limits(api: Api) -> None:
    deep = "{ token " + "{ a " * (MAX_DEPTH + 2) + "}" * (MAX_DEPTH + 3)
    body = await api.gql(deep)
    assert "exceeds maximum operation depth" in messages(body)
    assert body.get("data") is None

    aliases = "{ " + " ".join(f"a{i}: token {{ symbol }}" for i in range(MAX_ALIASES + 1)) + " }"
    body = await api.gql(aliases)
    assert "aliases" in messages(body).lower()
    ok = "{ " + " ".join(f"a{i}: token {{ symbol }}" for i in range(MAX_ALIASES)) + " }"
    assert len(await api.ok(ok)) == MAX_ALIASES

    many_tokens = "{ token { " + "symbol " * MAX_TOKENS + "} }"
    body = await api.gql(many_tokens)
    assert "tokens" in messages(body)
    for error in body["errors"]:
        assert error["extensions"]["code"] == "VALIDATION"


async def test_operation_batches_are_capped(api: Api) -> None:
    op = {"query": "{ token { symbol } }"}
    reply = await api.client.post("/graphql", json=[op] * MAX_BATCH, headers=AUTH)
    assert reply.status_code == 200
    assert [r["data"]["token"]["symbol"] for r in reply.json()] == ["LOYAL"] * MAX_BATCH
    reply = await api.client.post("/graphql", json=[op] * (MAX_BATCH + 1), headers=AUTH)
    assert reply.status_code == 400 and "Too many operations" in reply.text


async def test_body_size_cap_applies_to_every_route(api: Api) -> None:
    big = {"query": "{ token { symbol } }", "variables": {"pad": "x" * 25_000}}
    reply = await api.client.post("/graphql", json=big, headers=AUTH)
    assert reply.status_code == 413
    assert reply.json()["errors"][0]["extensions"]["code"] == "VALIDATION"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it streams
        yield b'{"query": "{ token { symbol } }", "pad": "'
        for _ in range(30):
            yield b"x" * 1000
        yield b'"}'

    reply = await api.client.post(
        "/graphql", content=chunks(), headers={**AUTH, "content-type": "application/json"}
    )
    assert reply.status_code == 413
    # Routes added later (webhooks) are behind the same cap.
    reply = await api.client.post("/webhooks/anything", content=b"x" * 25_000)
    assert reply.status_code == 413
    # Under the cap, streamed or not, requests go through whole.
    reply = await api.client.post("/graphql", json={"query": "{ token { symbol } }"}, headers=AUTH)
    assert reply.json()["data"]["token"]["symbol"] == "LOYAL"


async def test_mutations_are_refused_over_get(api: Api) -> None:
    reply = await api.client.get(
        "/graphql",
        params={"query": 'mutation { deleteEarningRule(id: "x", revision: 1) { id } }'},
        headers=AUTH,
    )
    assert reply.status_code in (400, 405)


async def test_introspection_and_graphiql_on_by_default(api: Api) -> None:
    data = await api.ok("{ __schema { queryType { name } mutationType { name } } }")
    assert data["__schema"] == {
        "queryType": {"name": "Query"},
        "mutationType": {"name": "Mutation"},
    }
    page = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


async def test_introspection_and_graphiql_can_be_switched_off(database_url: str, tmp_path) -> None:
    async with running_api(database_url, tmp_path, introspection=False, graphiql=False) as api:
        body = await api.gql("{ __schema { queryType { name } } }")
        assert body.get("data") is None and "introspection" in messages(body).lower()
        page = await api.client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 404
        assert (await api.ok("{ token { symbol } }"))["token"]["symbol"] == "LOYAL"


async def test_unexpected_errors_are_masked_with_details_in_the_log(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    async with api.runtime.async_engine.begin() as conn:
        await conn.execute(text("DROP TABLE earning_rule_configs"))
        await conn.execute(text("DROP TABLE earning_rules"))
    with caplog.at_level(logging.ERROR):
        body = await api.gql(LIST)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL"}
    assert "earning_rules" not in str(body)
    assert "earning_rules" in caplog.text  # the operator sees what went wrong
