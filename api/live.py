"""The WebSocket side of GraphQL subscriptions (graphql-transport-ws): who is connecting, the
limits on connections (per API process) and on operations per connection, and a connection's
credential re-checked for as long as it stays open.

A connection is authenticated at `connection_init`; its credential is then verified again (API
keys looked up afresh, not from the cache) at every `subscribe`, and while the connection is open:
it is closed with 4401 when its member token expires and with 4403 when its API key is revoked
(checked every `recheck_seconds`). Running subscriptions end with it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, ClassVar

from graphql import GraphQLError
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)

from api.auth import ANONYMOUS, Authenticator, Principal
from api.context import Context
from api.errors import ApiError, CredentialExpired

log = logging.getLogger(__name__)

# Close codes in the application range (4000-4999), as graphql-transport-ws uses.
CLOSE_UNAUTHORIZED = 4401  # the credential expired: sign in again, then reconnect
CLOSE_FORBIDDEN = 4403  # the credential does not verify (any more): revoked, unknown, tampered
CLOSE_TOO_MANY_CONNECTIONS = 4429
LIMIT_CODE = "LIMIT_EXCEEDED"
RECHECK_SECONDS = 30.0  # as the HTTP side: a revoked key stops working within 30 s


def credential_of(context: Context) -> Any:
    """The connection's credential: the `connection_init` payload's Authorization wins over the
    handshake's header (browsers cannot set headers on a WebSocket)."""
    params = context.connection_params or {}
    given = params.get("Authorization", params.get("authorization"))
    if given is not None:
        return given
    return context.request.headers.get("authorization")


class LimitedTransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    """Refuses a subscription beyond the per-connection limit with a typed error (the
    connection and its other subscriptions stay open); re-checks the connection's credential
    at each subscribe and while the connection is open (see the module's docstring)."""

    recheck_seconds: ClassVar[float] = RECHECK_SECONDS

    _credential: str | None = None
    _guard: asyncio.Task[None] | None = None

    @property
    def _authenticator(self) -> Authenticator:
        authenticator: Authenticator = self.view.authenticator  # type: ignore[attr-defined]
        return authenticator

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        if not self.connection_acknowledged or self._guard is not None:
            return
        credential = credential_of(self.context)
        self._credential = credential if isinstance(credential, str) else None
        if self.context.principal is not ANONYMOUS:
            self._guard = asyncio.create_task(self._watch(self.context.principal))

    async def _recheck(self) -> Principal | None:
        """The credential verified afresh, or None once the connection has been closed."""
        try:
            principal = await self._authenticator.principal(self._credential, fresh=True)
        except CredentialExpired as exc:
            await self._close(CLOSE_UNAUTHORIZED, str(exc))
            return None
        except ApiError as exc:
            await self._close(CLOSE_FORBIDDEN, str(exc))
            return None
        self.context.principal = principal
        return principal

    async def _watch(self, principal: Principal) -> None:
        """Closes the connection when its member token expires or its API key is revoked."""
        try:
            while True:
                wait = self.recheck_seconds
                if principal.expires_at is not None:
                    wait = min(wait, max(principal.expires_at - time.time(), 0.0))
                await asyncio.sleep(wait)
                if principal.expires_at is not None and time.time() >= principal.expires_at:
                    await self._close(CLOSE_UNAUTHORIZED, "the member token has expired")
                    return
                if principal.key_id is not None:  # a stored key may be revoked meanwhile
                    checked = await self._recheck()
                    if checked is None:
                        return
                    principal = checked
        except asyncio.CancelledError:
            raise
        except Exception:  # pragma: no cover - a database outage: keep the connection
            log.exception("re-checking a WebSocket's credential failed")

    async def _close(self, code: int, reason: str) -> None:
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        # A close reason holds at most 123 bytes.
        with contextlib.suppress(Exception):
            await self.websocket.close(
                code=code, reason=reason.encode()[:123].decode(errors="ignore")
            )

    async def shutdown(self) -> None:
        if self._guard is not None and self._guard is not asyncio.current_task():
            self._guard.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._guard
        await super().shutdown()

    async def handle_subscribe(self, message: Any) -> None:
        if (
            self.connection_acknowledged
            and self.context.principal is not ANONYMOUS
            and await self._recheck() is None
        ):
            return  # closed: the credential no longer verifies
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
