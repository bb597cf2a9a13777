"""Liveness (/healthz: the process answers) and readiness (/readyz: it can do its job).

Readiness runs each check with a short timeout and reports every one, so an operator sees which
dependency is missing rather than a bare 503."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy import select, text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from indexer.tables import indexer_state
from loyalty.runtime import Runtime

Check = Callable[[Runtime], Awaitable[str | None]]  # None when healthy, else what is wrong
CHECK_TIMEOUT_S = 2.0


async def database_check(runtime: Runtime) -> str | None:
    async with runtime.async_engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return None


async def chain_check(runtime: Runtime) -> str | None:
    await asyncio.to_thread(runtime.chain.request, "eth_blockNumber", [])
    return None


def indexer_check(max_lag: int) -> Check:
    """Caught up means within `max_lag` (LOYALTY_READY_MAX_LAG) blocks of the node's head,
    measured against the node itself so that a dead indexer process cannot look healthy from a
    stale record."""

    async def check(runtime: Runtime) -> str | None:
        # The thread beside the API died: lag alone may not show it.
        if "indexer" in runtime.problems:
            return runtime.problems["indexer"]
        async with runtime.async_engine.connect() as conn:
            indexed = (await conn.execute(select(indexer_state.c.indexed_block))).scalar()
        if indexed is None:
            return "nothing indexed yet"
        raw = await asyncio.to_thread(runtime.chain.request, "eth_blockNumber", [])
        head = raw if isinstance(raw, int) else int(raw, 16)  # the embedded chain answers ints
        lag = head - int(indexed)
        if lag > max_lag:
            return f"indexer is {lag} blocks behind the head (allowed {max_lag})"
        return None

    return check


async def minter_check(runtime: Runtime) -> str | None:
    """The minter thread of `loyalty serve` reports when its steps keep failing."""
    return runtime.problems.get("minter")


def checks_for(max_lag: int) -> dict[str, Check]:
    """The API's readiness checks; `max_lag` is LOYALTY_READY_MAX_LAG."""
    return {
        "database": database_check,
        "chain": chain_check,
        "indexer": indexer_check(max_lag),
        "minter": minter_check,
    }


async def readiness(runtime: Runtime, checks: dict[str, Check]) -> dict[str, str]:
    async def run(check: Check) -> str:
        try:
            problem = await asyncio.wait_for(check(runtime), CHECK_TIMEOUT_S)
        except TimeoutError:
            return f"no answer within {CHECK_TIMEOUT_S} s"
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"[:200]
        return problem or "ok"

    results = await asyncio.gather(*(run(c) for c in checks.values()))
    return dict(zip(checks, results, strict=True))


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def readyz_endpoint(
    runtime_getter: Callable[[], Runtime], *, max_lag: int
) -> Callable[[Request], Awaitable[Response]]:
    checks = checks_for(max_lag)

    async def readyz(_request: Request) -> Response:
        results = await readiness(runtime_getter(), checks)
        ready = all(v == "ok" for v in results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": results},
            status_code=200 if ready else 503,
        )

    return readyz
