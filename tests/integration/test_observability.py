"""Operators rely on /metrics, /healthz, /readyz and request ids to run the service."""

from __future__ import annotations

import httpx
import pytest

from api.app import create_app
from loyalty.runtime import Runtime
from loyalty.settings import Settings


@pytest.fixture
def runtime(sqlite_url: str, tmp_path):
    rt = Runtime.start(Settings(database_url=sqlite_url, chain_state=str(tmp_path / "c.state")))
    yield rt
    rt.close()


def client(runtime: Runtime) -> httpx.AsyncClient:
    app = create_app(runtime.settings, runtime)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_metrics_count_requests_by_route_and_graphql_root_field(runtime: Runtime) -> None:
    async with client(runtime) as c:
        for _ in range(3):
            await c.post("/graphql", json={"query": "{ token { symbol } }"})
        text = (await c.get("/metrics")).text
    line = next(
        ln
        for ln in text.splitlines()
        if ln.startswith("loyalty_http_requests_total{")
        and 'route="/graphql"' in ln
        and 'status="200"' in ln
    )
    assert float(line.rsplit(" ", 1)[1]) >= 3
    assert 'loyalty_graphql_operation_seconds_count{operation="token",outcome="ok"}' in text


async def test_invalid_documents_do_not_create_series_named_by_the_client(runtime: Runtime) -> None:
    async with client(runtime) as c:
        await c.post("/graphql", json={"query": "{ attackerChosenName1234 }"})
        text = (await c.get("/metrics")).text
    assert "attackerChosenName1234" not in text
    assert 'operation="rejected"' in text


async def test_request_id_is_echoed_or_generated(runtime: Runtime) -> None:
    async with client(runtime) as c:
        kept = await c.get("/healthz", headers={"x-request-id": "abc-123"})
        made = await c.get("/healthz", headers={"x-request-id": "bad id with spaces"})
    assert kept.headers["x-request-id"] == "abc-123"
    assert made.headers["x-request-id"] not in ("", "bad id with spaces")


async def test_readyz_reports_each_dependency(runtime: Runtime) -> None:
    async with client(runtime) as c:
        ok = await c.get("/readyz")
    assert ok.status_code == 200
    assert ok.json()["checks"]["database"] == "ok"
    assert ok.json()["checks"]["chain"] == "ok"


async def test_readyz_is_503_with_the_reason_when_the_database_is_gone(
    runtime: Runtime, tmp_path
) -> None:
    from loyalty.db.engine import make_async_engine

    runtime.async_engine = make_async_engine(f"sqlite:///{tmp_path}/missing/dir/x.db")
    async with client(runtime) as c:
        reply = await c.get("/readyz")
    assert reply.status_code == 503
    assert reply.json()["checks"]["database"] != "ok"
    assert reply.json()["checks"]["chain"] == "ok"
