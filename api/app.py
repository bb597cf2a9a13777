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

from api.auth import Authenticator
from api.context import Context
from api.dashboard import dashboard_routes
from api.errors import ApiError
from api.health import healthz, readyz_endpoint
from api.limits import BodySizeLimit
from api.observability import ObservabilityMiddleware, metrics_endpoint
from api.schema import build_schema
from api.webhooks.routes import webhook_routes
from loyalty.runtime import Runtime
from loyalty.settings import Settings


class LoyaltyGraphQL(GraphQL[Context, None]):
    def __init__(self, runtime_getter: Any, *, authenticator: Authenticator, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._runtime = runtime_getter
        self._authenticator = authenticator

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        context = Context(request=request, response=response, runtime=self._runtime())
        try:
            context.principal = await self._authenticator.principal(
                request.headers.get("authorization")
            )
        except ApiError as exc:
            context.auth_error = exc  # raised by api.limits.RefuseBadCredentials
        return context


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
        authenticator=Authenticator(
            engine_getter=lambda: state["runtime"].async_engine,
            admin_api_key=settings.admin_api_key,
            member_jwt_secret=settings.member_jwt_secret,
        ),
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
        middleware=[
            Middleware(ObservabilityMiddleware),
            Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes),
        ],
        lifespan=lifespan,
    )
    return app
