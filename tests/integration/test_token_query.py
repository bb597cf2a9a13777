"""The service answers the public token query on the embedded default, on both databases."""

from __future__ import annotations

import httpx
import pytest

from api.app import create_app
from loyalty.runtime import Runtime
from loyalty.settings import Settings

QUERY = "{ token { address chainId symbol decimals deploymentBlock transferable } }"


@pytest.fixture
def runtime(database_url: str, tmp_path):
    settings = Settings(database_url=database_url, chain_state=str(tmp_path / "chain.state"))
    rt = Runtime.start(settings)
    yield rt
    rt.close()


async def test_token_query_answers_from_the_recorded_deployment(runtime: Runtime) -> None:
    app = create_app(runtime.settings, runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        reply = await client.post("/graphql", json={"query": QUERY})
    token = reply.json()["data"]["token"]
    assert token["address"] == runtime.deployment.address
    assert token["chainId"] == runtime.chain.chain_id
    assert token["decimals"] == 0
    assert token["symbol"] == "LOYAL"
    code = runtime.chain.w3.eth.get_code(token["address"])
    assert len(code) > 0


def test_embedded_chain_remembers_the_token_across_restarts(database_url: str, tmp_path) -> None:
    settings = Settings(database_url=database_url, chain_state=str(tmp_path / "chain.state"))
    first = Runtime.start(settings)
    address = first.deployment.address
    first.close()
    second = Runtime.start(settings)
    try:
        assert second.deployment.address == address
        assert second.chain.w3.eth.get_code(address)
    finally:
        second.close()
