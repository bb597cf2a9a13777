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


def index_to_head(runtime: Runtime) -> None:
    from cli.indexer import build_indexer

    indexer = build_indexer(runtime)
    try:
        indexer.run_until_caught_up()
    finally:
        indexer.rpc.close()


async def test_readyz_waits_for_the_indexer_then_reports_each_dependency(
    runtime: Runtime,
) -> None:
    async with client(runtime) as c:
        before = await c.get("/readyz")
        index_to_head(runtime)
        after = await c.get("/readyz")
    assert before.status_code == 503
    assert before.json()["checks"]["indexer"] == "nothing indexed yet"
    assert after.status_code == 200
    assert after.json()["checks"] == {
        "database": "ok",
        "chain": "ok",
        "indexer": "ok",
        "minter": "ok",
    }


async def test_readyz_is_503_while_the_indexer_lags_behind_the_head(runtime: Runtime) -> None:
    index_to_head(runtime)
    w3 = runtime.chain.w3
    lag = runtime.settings.ready_max_lag + 1
    for _ in range(lag):  # blocks the indexer has not seen
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    async with client(runtime) as c:
        reply = await c.get("/readyz")
    assert reply.status_code == 503
    assert f"{lag} blocks behind" in reply.json()["checks"]["indexer"]


async def test_metrics_report_outbox_and_indexer_gauges_from_the_database(
    runtime: Runtime,
) -> None:
    import datetime as dt

    from sqlalchemy import insert

    from loyalty.db.outbox import chain_requests

    now = dt.datetime.now(dt.UTC)
    with runtime.engine.begin() as conn:
        for amount in (5, 7, 9):
            conn.execute(
                insert(chain_requests).values(
                    kind="MINT",
                    address="0x" + "ab" * 20,
                    amount=amount,
                    status="PENDING",
                    created_at=now,
                    updated_at=now,
                )
            )
    index_to_head(runtime)
    async with client(runtime) as c:
        text = (await c.get("/metrics")).text
    assert 'loyalty_outbox_depth{status="PENDING"} 3.0' in text
    raw = runtime.chain.request("eth_blockNumber", [])
    head = raw if isinstance(raw, int) else int(raw, 16)
    assert f'loyalty_indexer_block{{kind="indexed"}} {float(head)}' in text
    assert "loyalty_indexer_lag_blocks 0.0" in text


async def test_outbox_depth_reads_zero_when_the_outbox_is_empty(runtime: Runtime) -> None:
    async with client(runtime) as c:
        text = (await c.get("/metrics")).text
    assert 'loyalty_outbox_depth{status="PENDING"} 0.0' in text
    assert 'loyalty_outbox_depth{status="BATCHED"} 0.0' in text


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


async def test_metrics_show_the_last_audits_mismatch_count(runtime: Runtime) -> None:
    from sqlalchemy import insert

    from audit.check import run_audit
    from indexer.rpc import rpc_for
    from indexer.tables import balance_history

    index_to_head(runtime)
    # A corrupted index: a holder the chain has never heard of.
    with runtime.engine.begin() as conn:
        conn.execute(
            insert(balance_history).values(address="0x" + "cd" * 20, block_number=1, balance=7)
        )
    rpc = rpc_for(runtime.settings, runtime.chain)
    try:
        raw = runtime.chain.request("eth_blockNumber", [])
        head = raw if isinstance(raw, int) else int(raw, 16)
        report = run_audit(runtime.engine, rpc, head)
    finally:
        rpc.close()
    async with client(runtime) as c:
        text = (await c.get("/metrics")).text
    assert len(report.findings) >= 1
    assert f"loyalty_audit_mismatches {float(len(report.findings))}" in text


async def test_readyz_is_503_once_the_indexer_thread_has_stopped(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cli.indexer import start_in_serve
    from indexer.errors import DeepReorg
    from indexer.sync import Indexer

    index_to_head(runtime)  # caught up: lag alone would call it ready

    def deep_reorg(self: Indexer, stop: object) -> None:
        raise DeepReorg("reorg deeper than finality at block 3")

    monkeypatch.setattr(Indexer, "run_forever", deep_reorg)
    stop = start_in_serve(runtime)
    stop()  # joins the thread, which has died
    async with client(runtime) as c:
        reply = await c.get("/readyz")
    assert reply.status_code == 503
    assert reply.json()["checks"]["indexer"] == (
        "stopped: DeepReorg: reorg deeper than finality at block 3"
    )


async def test_readyz_is_503_while_the_minter_steps_keep_failing(runtime: Runtime) -> None:
    import threading

    from minter.loop import STUCK_AFTER_FAILURES, run_forever

    stop = threading.Event()
    steps = 0

    class _Lock:
        def try_acquire(self) -> bool:
            return True

        def check(self) -> None:
            pass

        def release(self) -> None:
            pass

    class _Stuck:
        address = "0xminter"
        ctx = type("Ctx", (), {"config": type("C", (), {"poll_interval": 0})})

        def step(self) -> None:
            nonlocal steps
            steps += 1
            if steps == STUCK_AFTER_FAILURES:
                stop.set()
            raise RuntimeError("nonce too low, again")

    run_forever(_Stuck(), stop, lock=_Lock(), problems=runtime.problems)  # type: ignore[arg-type]
    async with client(runtime) as c:
        stuck = await c.get("/readyz")
    assert stuck.status_code == 503
    assert stuck.json()["checks"]["minter"] == (
        f"{STUCK_AFTER_FAILURES} steps in a row failed, last: nonce too low, again"
    )


def test_minter_process_readyz_reports_a_stuck_minter(runtime: Runtime) -> None:
    import time
    from types import SimpleNamespace

    from cli.ops import start_ops_server
    from tests.support.anvil import free_port

    port = free_port()
    problems: dict[str, str] = {}
    ops = start_ops_server(
        SimpleNamespace(metrics_port=port),
        runtime.settings,
        runtime.engine,
        runtime.chain,
        problems,
    )
    assert ops is not None
    try:
        url = f"http://127.0.0.1:{port}/readyz"
        for _ in range(100):  # the server thread starts
            try:
                ready = httpx.get(url)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert ready.status_code == 200, ready.text
        problems["minter"] = "5 steps in a row failed, last: boom"
        stuck = httpx.get(url)
    finally:
        ops.stop()
    assert stuck.status_code == 503
    assert stuck.json()["checks"]["minter"] == "5 steps in a row failed, last: boom"
