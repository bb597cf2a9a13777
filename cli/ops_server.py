"""The HTTP server of a worker process's --metrics-port: /healthz, /readyz and /metrics (uvicorn
and Starlette, imported only by a worker that serves them)."""

from __future__ import annotations

import threading
from collections.abc import Callable

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
