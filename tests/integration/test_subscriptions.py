"""GraphQL subscriptions against a real uvicorn server with a real WebSocket client
(graphql-transport-ws): the member's account and the address's transfers arrive once the mint is
indexed; a member cannot subscribe to another member; bad credentials are refused; the limits on
subscriptions per connection and on connections hold.

The server runs as `loyalty serve` does (API, minter thread, embedded chain), except that the test
runs the indexer itself, so that it knows when the mint was indexed."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

import contracts
from api.app import create_app
from cli.indexer import build_indexer
from cli.minter import start_in_serve
from loyalty.runtime import Runtime
from loyalty.settings import Settings
from tests.integration._rules_client import ADMIN_KEY, JWT_SECRET, member_jwt

PROTOCOL = "graphql-transport-ws"
ACCOUNT = """subscription($m: String!) {
  accountUpdated(memberId: $m) { memberId points { balance onchain } } }"""
TRANSFERS = "subscription($a: String!) { transfers(address: $a) { toAddress value blockNumber } }"
MAX_SUBSCRIPTIONS = 2
MAX_CONNECTIONS = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base: str
    ws: str
    runtime: Runtime

    async def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.base, timeout=30) as client:
            reply = await client.post(
                "/graphql",
                json={"query": query, "variables": variables or {}},
                headers={"Authorization": f"Bearer {ADMIN_KEY}"},
            )
        body: dict[str, Any] = reply.json()
        assert "errors" not in body, body
        return body["data"]  # type: ignore[no-any-return]


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    settings = Settings(
        database_url=database_url,
        chain_state=str(tmp_path / "chain.state"),
        admin_api_key=ADMIN_KEY,
        member_jwt_secret=JWT_SECRET,
        minter_poll_interval=Decimal("0.05"),
        minter_batch_age=Decimal(0),
        ws_max_subscriptions=MAX_SUBSCRIPTIONS,
        ws_max_connections=MAX_CONNECTIONS,
    )
    runtime = Runtime.start(settings)
    port = _free_port()
    uv = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, runtime), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    stop_minter = start_in_serve(runtime)
    deadline = time.monotonic() + 30
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert uv.started
    try:
        yield Server(f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/graphql", runtime)
    finally:
        uv.should_exit = True
        thread.join(10)
        if stop_minter is not None:
            stop_minter()
        runtime.close()


class Ws:
    """One graphql-transport-ws connection."""

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn

    async def init(self, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        await self.conn.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
        return await self.receive()

    async def subscribe(self, id_: str, query: str, variables: dict[str, Any]) -> None:
        message = {
            "id": id_,
            "type": "subscribe",
            "payload": {"query": query, "variables": variables},
        }
        await self.conn.send(json.dumps(message))

    async def receive(self, timeout: float = 10) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(self.conn.recv(), timeout))
        return message

    async def next_for(self, id_: str, timeout: float) -> dict[str, Any]:
        """The next message of operation `id_` (others are dropped), within `timeout`."""

        async def wait() -> dict[str, Any]:
            while True:
                message = await self.receive(timeout)
                if message.get("id") == id_:
                    return message

        return await asyncio.wait_for(wait(), timeout)


@asynccontextmanager
async def ws(server: Server, payload: dict[str, Any] | None = None) -> AsyncIterator[Ws]:
    async with connect(server.ws, subprotocols=[PROTOCOL]) as conn:  # type: ignore[list-item]
        w = Ws(conn)
        ack = await w.init(payload)
        assert ack["type"] == "connection_ack", ack
        yield w


def bearer(token: str) -> dict[str, Any]:
    return {"Authorization": f"Bearer {token}"}


def error_codes(message: dict[str, Any]) -> list[str]:
    """Codes of an `error` message, or of a `next` whose payload carries errors."""
    if message["type"] == "error":
        errors = message["payload"]
    else:
        assert message["type"] == "next", message
        errors = message["payload"].get("errors") or []
    return [e.get("extensions", {}).get("code") for e in errors]


async def _wait(predicate: Any, what: str, timeout: float = 60) -> None:
    """A ceiling for a stuck pipeline, not a speed assertion."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


async def test_a_member_sees_their_account_and_transfers_once_the_mint_is_indexed(
    server: Server,
) -> None:
    create = "mutation($m: String!) { createMember(memberId: $m) { receivingAddress } }"
    address = (await server.gql(create, {"m": "ann"}))["createMember"]["receivingAddress"]
    indexer = build_indexer(server.runtime)
    await asyncio.to_thread(indexer.run_until_caught_up)

    async with ws(server, bearer(member_jwt("ann"))) as w:
        await w.subscribe("acct", ACCOUNT, {"m": "ann"})
        await w.subscribe("xfer", TRANSFERS, {"a": address})
        await asyncio.sleep(0.3)  # both registered before anything changes
        adjust = """mutation($i: AdjustPointsInput!) { adjustPoints(input: $i) { duplicate } }"""
        await server.gql(
            adjust,
            {"i": {"memberId": "ann", "idempotencyKey": "k1", "reason": "gift", "amount": 25}},
        )
        # The ledger change comes first (the mint is not on chain yet).
        first = await w.next_for("acct", timeout=10)
        assert first["type"] == "next", first
        assert first["payload"]["data"]["accountUpdated"]["points"]["balance"] == 25

        token = server.runtime.chain.w3.eth.contract(
            address=server.runtime.chain.w3.to_checksum_address(server.runtime.deployment.address),
            abi=contracts.load("LoyaltyPoints").abi,
        )
        owner = server.runtime.chain.w3.to_checksum_address(address)

        async def minted() -> bool:
            return bool(await asyncio.to_thread(token.functions.balanceOf(owner).call) == 25)

        await _wait(minted, "the minter to mint the 25 points")
        await asyncio.to_thread(indexer.run_until_caught_up)
        # Indexed now: both subscriptions hear of it (the generous timeouts only end a broken
        # run; they measure nothing: a loaded machine once took over 1 s).
        transfer = await w.next_for("xfer", timeout=30.0)
        assert transfer["payload"]["data"]["transfers"]["toAddress"].lower() == address.lower()
        assert transfer["payload"]["data"]["transfers"]["value"] == "25"

        async def onchain() -> dict[str, Any]:
            while True:
                update = await w.next_for("acct", timeout=30.0)
                points: dict[str, Any] = update["payload"]["data"]["accountUpdated"]["points"]
                if points["onchain"] == 25:
                    return points

        assert await asyncio.wait_for(onchain(), 60.0) == {"balance": 25, "onchain": 25}
    indexer.rpc.close()


async def test_members_only_for_themselves_and_bad_credentials_refused(server: Server) -> None:
    async with ws(server, bearer(member_jwt("bob"))) as w:
        await w.subscribe("1", ACCOUNT, {"m": "ann"})
        assert error_codes(await w.next_for("1", timeout=10)) == ["FORBIDDEN"]
    async with ws(server) as w:  # anonymous
        await w.subscribe("1", ACCOUNT, {"m": "ann"})
        assert error_codes(await w.next_for("1", timeout=10)) == ["UNAUTHENTICATED"]
        await w.subscribe("2", TRANSFERS, {"a": "not an address"})
        assert error_codes(await w.next_for("2", timeout=10)) == ["VALIDATION"]
    async with ws(server, bearer(ADMIN_KEY)) as w:  # an admin may watch anyone
        await w.subscribe("1", ACCOUNT, {"m": "ann"})
        with pytest.raises(TimeoutError):
            await w.next_for("1", timeout=0.5)  # accepted, and nothing changed
    for payload in (bearer("wrong-key"), bearer(member_jwt("ann", secret="x" * 40))):
        async with connect(server.ws, subprotocols=[PROTOCOL]) as conn:  # type: ignore[list-item]
            await conn.send(json.dumps({"type": "connection_init", "payload": payload}))
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(conn.recv(), 10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_limits_on_subscriptions_per_connection_and_on_connections(server: Server) -> None:
    async with ws(server, bearer(ADMIN_KEY)) as w:
        for n in range(MAX_SUBSCRIPTIONS):
            await w.subscribe(str(n), ACCOUNT, {"m": f"m{n}"})
        await w.subscribe("over", ACCOUNT, {"m": "m-over"})
        refused = await w.next_for("over", timeout=10)
        assert refused["type"] == "error" and error_codes(refused) == ["LIMIT_EXCEEDED"]
        assert str(MAX_SUBSCRIPTIONS) in refused["payload"][0]["message"]
        # Completing one frees its place.
        await w.conn.send(json.dumps({"id": "0", "type": "complete"}))
        # The server frees the place once it has read the complete: on a loaded machine that
        # may take a while, so ask again (each try under its own id) until one is running.
        for attempt in range(40):
            await w.subscribe(f"again{attempt}", ACCOUNT, {"m": "m-again"})
            try:
                answer = await w.next_for(f"again{attempt}", timeout=0.5)
            except TimeoutError:
                break  # running, not refused
            assert error_codes(answer) == ["LIMIT_EXCEEDED"], answer
        else:
            pytest.fail("completing a subscription never freed its place")

    async with ws(server) as a, ws(server) as b, ws(server) as c:
        async with connect(server.ws, subprotocols=[PROTOCOL]) as over:  # type: ignore[list-item]
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(over.recv(), 10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4429
            assert "too many connections" in closed.value.rcvd.reason
        for w in (a, b, c):  # the open ones still work
            await w.conn.send(json.dumps({"type": "ping"}))
            assert (await w.receive())["type"] == "pong"
    async with ws(server):  # places are given back on close
        pass


async def test_a_nul_or_a_control_character_in_a_subscription_argument_is_validation(
    server: Server,
) -> None:
    """The argument check of issue 13 applies over WebSocket too (PostgreSQL refused the NUL
    with an internal error)."""
    async with ws(server, bearer(ADMIN_KEY)) as w:
        for id_, member in (("1", "ann\x00"), ("2", "ann\x01")):
            await w.subscribe(id_, ACCOUNT, {"m": member})
            message = await w.next_for(id_, timeout=10)
            assert error_codes(message) == ["VALIDATION"], message
            errors = (
                message["payload"] if message["type"] == "error" else message["payload"]["errors"]
            )
            assert errors[0]["extensions"]["field"] == "memberId", message
