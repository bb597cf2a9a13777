"""A small HTTP server for worker processes (minter, indexer): /healthz, /readyz and /metrics,
so every process of the topology can be probed and scraped like the API."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.observability import metrics_endpoint

Readiness = Callable[[], dict[str, str]]  # check name -> "ok" or what is wrong


def ops_app(readiness: Readiness, *collectors: object) -> Starlette:
    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        checks = readiness()
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks},
            status_code=200 if ready else 503,
        )

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint(*(lambda c=c: c for c in collectors))),
        ]
    )


class OpsServer:
    """Runs the ops app in a daemon thread; `stop()` shuts it down."""

    def __init__(self, host: str, port: int, readiness: Readiness, *collectors: object) -> None:
        app = ops_app(readiness, *collectors)
        config = uvicorn.Config(app, host=host, port=port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="ops-http", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)


def add_metrics_port(parser: Any) -> None:
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        help="serve /healthz, /readyz and /metrics on this port (0.0.0.0)",
    )


def start_ops_server(
    args: Any, settings: Any, engine: Any, chain: Any, problems: dict[str, str] | None = None
) -> OpsServer | None:
    """Starts the ops server of a worker process when --metrics-port is given. Ready means the
    database and the chain answer and the worker reports no problem in `problems` (e.g. the
    minter's steps keep failing); the gauges come from the database (see api.gauges)."""
    port = getattr(args, "metrics_port", None)
    if port is None:
        return None
    from sqlalchemy import text

    from api.gauges import DatabaseCollector

    def readiness() -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"{type(exc).__name__}"
        try:
            chain.request("eth_blockNumber", [])
            checks["chain"] = "ok"
        except Exception as exc:
            checks["chain"] = f"{type(exc).__name__}"
        checks.update(problems or {})
        return checks

    server = OpsServer("0.0.0.0", port, readiness, DatabaseCollector(engine))
    server.start()
    return server
