"""Request ids, per-route metrics and the /metrics endpoint; a GraphQL extension that times
each operation by name."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from graphql import FieldNode, OperationDefinitionNode
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from loyalty import logs
from loyalty.metrics import GRAPHQL_OPERATIONS, HTTP_LATENCY, HTTP_REQUESTS, exposition

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class ObservabilityMiddleware:
    """Gives every request an id (a sane incoming X-Request-ID is kept, so ids follow a request
    across services), echoes it back, and counts requests by route template, not by raw path,
    so that ids in paths cannot blow up the metric's cardinality."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex[:16]
        token = logs.request_id.set(rid)
        route = _route_of(scope)
        status = 500
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            HTTP_LATENCY.labels(route).observe(time.perf_counter() - started)
            HTTP_REQUESTS.labels(route, scope["method"], str(status)).inc()
            logs.request_id.reset(token)


def _route_of(scope: Scope) -> str:
    app = scope.get("app")
    router = getattr(app, "router", None)
    for route in getattr(router, "routes", []):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return str(getattr(route, "path", "?"))
    return "unmatched"


def metrics_endpoint(*collectors: Callable[[], object]) -> Callable[[Request], Awaitable[Response]]:
    """/metrics: the process registry plus collectors built lazily (they need the runtime's
    database, which exists only once the app has started)."""

    async def endpoint(_request: Request) -> Response:
        extra = [make() for make in collectors]
        body = await asyncio.to_thread(exposition, *extra)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return endpoint


class OperationMetrics(SchemaExtension):
    """Labels by the operation's root fields, not its client-chosen name: the schema bounds the
    label set, so a client cannot create unbounded time series."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        ctx: Any = self.execution_context
        result = ctx.result
        outcome = "error" if result is not None and result.errors else "ok"
        # With no data the document may not have validated: its field names are untrusted.
        fields = _root_fields(ctx) if result is not None and result.data is not None else "rejected"
        GRAPHQL_OPERATIONS.labels(fields, outcome).observe(time.perf_counter() - started)


def _root_fields(ctx: Any) -> str:
    document = getattr(ctx, "graphql_document", None)
    if document is None:
        return "unparsed"
    return root_fields_label(document, ctx.operation_name)


def root_fields_label(document: Any, operation_name: str | None) -> str:
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if operation_name and (definition.name is None or definition.name.value != operation_name):
            continue
        names = sorted(
            {
                sel.name.value
                for sel in definition.selection_set.selections
                if isinstance(sel, FieldNode)
            }
        )
        return ",".join(names[:4]) or "none"
    return "none"


def observe_cached(label: str, started: float) -> None:
    """An operation answered from api.response_cache, labelled as OperationMetrics labels it."""
    GRAPHQL_OPERATIONS.labels(label, "ok").observe(time.perf_counter() - started)
