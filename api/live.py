"""The WebSocket side of GraphQL subscriptions (graphql-transport-ws): who is connecting, and
the limits on connections (per API process) and on operations per connection."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)

from api.auth import Authenticator
from api.context import Context
from api.errors import ApiError

# Close codes in the application range (4000-4999), as graphql-transport-ws uses.
CLOSE_TOO_MANY_CONNECTIONS = 4429
LIMIT_CODE = "LIMIT_EXCEEDED"


class LimitedTransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    """Refuses a subscription beyond the per-connection limit with a typed error (the
    connection and its other subscriptions stay open)."""

    async def handle_subscribe(self, message: Any) -> None:
        limit = self.max_subscriptions_per_connection
        if (
            self.connection_acknowledged
            and limit is not None
            and message.get("id") not in self.operations
            and len(self.operations) >= limit
        ):
            error = GraphQLError(
                f"at most {limit} subscriptions per connection (LOYALTY_WS_MAX_SUBSCRIPTIONS): "
                "complete one, or open another connection",
                extensions={"code": LIMIT_CODE},
            )
            await self.send_message(
                {"id": message["id"], "type": "error", "payload": [error.formatted]}
            )
            return
        await super().handle_subscribe(message)


class ConnectionGate:
    """Counts open GraphQL WebSockets in this process; one over the limit is accepted only to
    be closed at once with 4429 and a reason (a refused handshake tells a client nothing)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send, app: Any) -> None:
        if self.open >= self.limit:
            ws = WebSocket(scope, receive, send)
            offered = scope.get("subprotocols") or []
            await ws.accept(
                subprotocol=GRAPHQL_TRANSPORT_WS_PROTOCOL
                if GRAPHQL_TRANSPORT_WS_PROTOCOL in offered
                else None
            )
            await ws.close(
                code=CLOSE_TOO_MANY_CONNECTIONS,
                reason=f"too many connections: this server allows {self.limit} "
                "(LOYALTY_WS_MAX_CONNECTIONS); try again later",
            )
            return
        self.open += 1
        try:
            await app(scope, receive, send)
        finally:
            self.open -= 1


async def authenticate(authenticator: Authenticator, context: Context) -> None:
    """`connection_init` payload `{"Authorization": "Bearer …"}` wins over the handshake's
    header (browsers cannot set headers on a WebSocket). A credential that does not verify
    closes the connection (4403) rather than leaving it anonymous."""
    params = context.connection_params or {}
    given = params.get("Authorization", params.get("authorization"))
    if given is not None:
        if not isinstance(given, str):
            raise ConnectionRejectionError({"message": "Authorization must be a string"})
        try:
            context.principal = await authenticator.principal(given)
        except ApiError as exc:
            raise ConnectionRejectionError({"message": str(exc)}) from None
        context.auth_error = None
    elif context.auth_error is not None:
        raise ConnectionRejectionError({"message": str(context.auth_error)})
