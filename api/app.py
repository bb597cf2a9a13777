"""The Starlette application: GraphQL at /graphql, health probes, and (later) webhooks."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult, SubscriptionExecutionResult
from strawberry.types.unset import UnsetType

from api.auth import Authenticator
from api.config import ApiConfig
from api.config_version import VersionReads
from api.console import console_routes
from api.context import Context
from api.dashboard import dashboard_routes
from api.errors import ApiError
from api.export import export_routes
from api.fast_answers import MISSED, FastAnswers
from api.gauges import DatabaseCollector
from api.graphiql import graphiql_routes
from api.graphiql import page as graphiql_page
from api.health import healthz, readyz_endpoint
from api.imports import import_routes
from api.job_runner import job_runner
from api.limits import BodySizeLimit
from api.live import ConnectionGate, LimitedTransportWS
from api.live import authenticate as authenticate_ws
from api.live_events import Hub
from api.observability import ObservabilityMiddleware, metrics_endpoint, observe_cached
from api.read_plan import single_statement
from api.response_cache import Answer, ResponseCache
from api.schema import build_schema
from api.upload_csrf import has_preflight, refuse_without_preflight
from api.verify_page import verify_routes
from api.webhooks.routes import webhook_routes
from loyalty.runtime import Runtime
from loyalty.services.inbox import InboxProcessor
from loyalty.settings import Settings

_CONTEXT = "loyalty.context"  # the HTTP request's Context, in its ASGI scope


class LoyaltyGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = LimitedTransportWS

    def __init__(
        self,
        runtime_getter: Any,
        *,
        config: ApiConfig,
        authenticator: Authenticator,
        responses: ResponseCache,
        versions: VersionReads,
        max_connections: int = 1000,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._runtime = runtime_getter
        self._config = config
        self.authenticator = authenticator
        self._gate = ConnectionGate(max_connections)
        self._events = Hub(lambda: runtime_getter().async_engine)
        self.responses = responses
        self.versions = versions
        self._fast = FastAnswers(responses, versions, authenticator)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._gate(scope, receive, send, super().__call__)
            return
        if not has_preflight(scope):
            await refuse_without_preflight(send)
            return
        if scope["type"] == "http":
            replayed = await self._fast(scope, receive, send)
            if replayed is None:
                return  # answered from the response cache (api.fast_answers)
            receive = replayed
        try:
            await super().__call__(scope, receive, send)
        finally:
            # The read connection goes back to the pool once the answer is sent (the ROLLBACK
            # that ends the snapshot is not the caller's wait).
            context = scope.get(_CONTEXT)
            if isinstance(context, Context):
                await context.aclose()

    async def render_graphql_ide(self, request: Request) -> Response:
        # A browser opening /graphql gets the locally served GraphiQL, never strawberry's page
        # (which loads its scripts from a public CDN).
        return graphiql_page()

    async def execute_operation(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: None,
        sub_response: Response,
    ) -> ExecutionResult | list[ExecutionResult] | SubscriptionExecutionResult:
        """Runs the request's operation(s), or answers from the response cache (a query of
        the configuration only: api.response_cache)."""
        started = time.perf_counter()
        if isinstance(request_data, GraphQLRequestData) and request_data.query:
            context.single_statement = self._single_statement(
                request_data.query, request_data.operation_name
            )
        missed = request.scope.pop(MISSED, None)  # looked up by api.fast_answers already
        if missed is not None:
            key, label = missed
        else:
            lookup = None
            if isinstance(request_data, GraphQLRequestData):
                lookup = self.responses.key(request_data, context)
            if lookup is None:
                return await super().execute_operation(
                    request, request_adapter, request_data, context, root_value, sub_response
                )
            version = await self.versions.read() if lookup.versioned else None
            key, label = (*lookup.key, version), lookup.label
            answer = self.responses.get(key)
            if answer is not None:
                observe_cached(label, started)
                return ExecutionResult(data=answer.data, errors=None)
        result = await super().execute_operation(
            request, request_adapter, request_data, context, root_value, sub_response
        )
        if (
            isinstance(result, ExecutionResult)
            and not result.errors
            and not result.extensions
            and result.data is not None
        ):
            body = self.encode_json({"data": result.data}).encode()
            self.responses.put(key, Answer(result.data, body))
        return result

    def _single_statement(self, query: str, operation_name: str | None) -> bool:
        try:
            document = self.schema.documents.document(query)  # type: ignore[attr-defined]
        except GraphQLError:
            return False  # strawberry reports the syntax error
        return single_statement(document, operation_name)

    def encode_json(self, data: object) -> str:
        # orjson: several times faster than json.dumps on a page of rules. Text, not bytes: a
        # WebSocket sends bytes as binary frames, which GraphQL clients do not read. Integers
        # beyond 64 bits (none today: BigInt is sent as a string) fall back to json.
        try:
            return orjson.dumps(data).decode()
        except TypeError:
            return json.dumps(data, separators=(",", ":"))

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        await authenticate_ws(self.authenticator, context)
        return None  # connection_ack without a payload

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        context = Context(
            request=request,
            response=response,
            runtime=self._runtime(),
            config=self._config,
            events=self._events,
            versions=self.versions,
        )
        if isinstance(request, Request):
            request.scope[_CONTEXT] = context  # closed by __call__ once answered
        try:
            context.principal = await self.authenticator.principal(
                request.headers.get("authorization")
            )
        except ApiError as exc:
            context.auth_error = exc  # raised by api.limits.RefuseBadCredentials
        return context


def create_app(settings: Settings, runtime: Runtime | None = None) -> Starlette:
    """Builds the app. With no runtime given, one is started in the lifespan (and closed after)."""
    config = ApiConfig.from_settings(settings)
    state: dict[str, Runtime] = {}
    if runtime is not None:
        state["runtime"] = runtime

    # Webhooks are stored, answered, then processed here (see loyalty.services.inbox). Without a
    # lifespan (an ASGI test client) nothing processes them until the test calls process_pending.
    processor = InboxProcessor(
        lambda: state["runtime"].unit_of_work(),
        custody=config.custody,
        currency=config.currency,
        concurrency=config.inbox_concurrency,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        owned = "runtime" not in state
        if owned:
            state["runtime"] = Runtime.start(settings)
        if config.inbox_concurrency:
            processor.start()
        # Bulk adjustments and imports a stopped or killed process left unfinished carry on.
        runner = job_runner(state["runtime"], config.custody)
        await runner.resume()
        try:
            yield
        finally:
            await runner.stop()
            await processor.stop()
            if owned:
                await state.pop("runtime").aclose()

    authenticator = Authenticator(
        engine_getter=lambda: state["runtime"].async_engine,
        admin_api_key=config.admin_api_key,
        member_jwt_secret=config.member_jwt_secret,
        member_jwt_max_lifetime=config.member_jwt_max_lifetime,
        member_jwt_audience=config.member_jwt_audience,
        member_jwt_issuer=config.member_jwt_issuer,
    )
    schema = build_schema(config)
    graphql_app = LoyaltyGraphQL(
        lambda: state["runtime"],
        config=config,
        schema=schema,
        responses=ResponseCache(schema.documents),
        versions=VersionReads(lambda: state["runtime"].async_engine),
        graphql_ide="graphiql" if config.graphiql else None,
        # The GraphQL multipart request spec (importMembers' file), behind api.upload_csrf.
        multipart_uploads_enabled=True,
        # Subscriptions: graphql-transport-ws only (the legacy graphql-ws protocol is not served).
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        connection_init_wait_timeout=timedelta(seconds=10),
        max_subscriptions_per_connection=config.ws_max_subscriptions,
        max_connections=config.ws_max_connections,
        authenticator=authenticator,
    )

    app = Starlette(
        routes=[
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql_app),
            Route("/healthz", healthz),
            Route(
                "/readyz", readyz_endpoint(lambda: state["runtime"], max_lag=config.ready_max_lag)
            ),
            Route("/metrics", metrics_endpoint(lambda: _db_collector(state["runtime"]))),
            *dashboard_routes(),
            *verify_routes(),
            *console_routes(),
            *(graphiql_routes() if config.graphiql else []),
            *webhook_routes(config, lambda: state["runtime"], inbox=processor),
            *export_routes(lambda: state["runtime"], lambda: authenticator),
            *import_routes(lambda: state["runtime"], lambda: authenticator, config),
        ],
        middleware=[
            Middleware(ObservabilityMiddleware),
            Middleware(
                BodySizeLimit,
                max_bytes=config.max_body_bytes,
                streamed={"/import": config.import_max_bytes},
                multipart={"/graphql": config.import_max_bytes},
            ),
        ],
        lifespan=lifespan,
    )
    return app


def _db_collector(runtime: Runtime) -> DatabaseCollector:
    # One collector per runtime, so its scrape cache is shared across requests.
    collector = getattr(runtime, "_metrics_collector", None)
    if collector is None:
        collector = DatabaseCollector(runtime.engine)
        runtime._metrics_collector = collector  # type: ignore[attr-defined]
    return collector
