"""The Starlette application: GraphQL at /graphql, health probes, and (later) webhooks."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from api.context import Context
from api.dashboard import dashboard_routes
from api.health import healthz, readyz_endpoint
from api.observability import ObservabilityMiddleware, metrics_endpoint
from api.schema import build_schema
from api.webhooks.routes import webhook_routes
from loyalty.runtime import Runtime
from loyalty.settings import Settings


class LoyaltyGraphQL(GraphQL[Context, None]):
    def __init__(self, runtime_getter: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._runtime = runtime_getter

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        return Context(request=request, response=response, runtime=self._runtime())


def create_app(settings: Settings, runtime: Runtime | None = None) -> Starlette:
    """Builds the app. With no runtime given, one is started in the lifespan (and closed after)."""
    state: dict[str, Runtime] = {}
    if runtime is not None:
        state["runtime"] = runtime

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        owned = "runtime" not in state
        if owned:
            state["runtime"] = Runtime.start(settings)
        try:
            yield
        finally:
            if owned:
                await state.pop("runtime").aclose()

    graphql_app = LoyaltyGraphQL(
        lambda: state["runtime"],
        schema=build_schema(settings),
        graphql_ide="graphiql" if settings.graphiql else None,
    )

    app = Starlette(
        routes=[
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz_endpoint(lambda: state["runtime"])),
            Route("/metrics", metrics_endpoint),
            *dashboard_routes(),
            *webhook_routes(settings, lambda: state["runtime"]),
        ],
        middleware=[Middleware(ObservabilityMiddleware)],
        lifespan=lifespan,
    )
    return app
