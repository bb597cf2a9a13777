"""Answers from api.response_cache sent straight from the ASGI request, before strawberry sees
it: a repeated configuration or token query costs the body's JSON parse, the credential check
(cached per key), the shared config_version read and one write of bytes encoded once.

Through strawberry, a hit still paid for its HTTP view (body parsing, the per-request Context,
content negotiation, the result's processing and encoding, a Starlette Response): most of the
~0.5 ms a `{ token { symbol } }` cost, against ~0.1 ms for /healthz. Anything this module does
not recognise as a plain JSON POST of a cacheable query goes on to strawberry unchanged, the
body read here replayed, so authorization, limits, error codes and masking are strawberry's as
before; a credential that does not verify always goes on (strawberry refuses it)."""

from __future__ import annotations

import time
from collections.abc import Hashable
from typing import Any

import orjson
from starlette.types import Message, Receive, Scope, Send

from api.auth import Authenticator
from api.config_version import VersionReads
from api.errors import ApiError
from api.observability import observe_cached
from api.response_cache import ResponseCache

# A miss's full key, left in the scope for LoyaltyGraphQL.execute_operation, so the request is
# neither looked up nor counted twice.
MISSED = "loyalty.cache_miss"


class FastAnswers:
    def __init__(
        self, responses: ResponseCache, versions: VersionReads, authenticator: Authenticator
    ) -> None:
        self.responses = responses
        self.versions = versions
        self.authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        """None if answered here; else the `receive` to hand on (it replays what was read)."""
        if scope.get("method") != "POST":
            return receive
        headers: dict[bytes, bytes] = {}
        for name, value in scope.get("headers") or ():
            headers.setdefault(name, value)  # the first of repeated headers, as Starlette reads
        if not headers.get(b"content-type", b"").startswith(b"application/json"):
            return receive
        accept = headers.get(b"accept", b"")
        if b"text/event-stream" in accept or b"multipart" in accept:
            return receive  # a streaming answer was asked for: strawberry decides
        started = time.perf_counter()
        body, replay = await _read_body(receive)
        if body is None:
            return replay
        request = _request(body)
        if request is None:
            return replay
        query, operation_name, variables = request
        authorization = headers.get(b"authorization")
        try:
            principal = await self.authenticator.principal(
                None if authorization is None else authorization.decode("latin-1")
            )
        except ApiError:
            return replay  # refused by strawberry (api.limits.RefuseBadCredentials)
        lookup = self.responses.lookup(query, operation_name, variables, principal)
        if lookup is None:
            return replay
        version: int | None = None
        if lookup.versioned:
            try:
                version = await self.versions.read()
            except Exception:
                return replay  # the database's error is strawberry's to report
        key: tuple[Hashable, ...] = (*lookup.key, version)
        answer = self.responses.get(key)
        if answer is None:
            scope[MISSED] = (key, lookup.label)
            return replay
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                # As a Starlette Response(media_type="application/json") sends them.
                "headers": [
                    (b"content-length", str(len(answer.body)).encode()),
                    (b"content-type", b"application/json"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": answer.body})
        observe_cached(lookup.label, started)
        return None


async def _read_body(receive: Receive) -> tuple[bytes | None, Receive]:
    """The whole body (None if the client left), and a receive that replays it first."""
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    pending = iter(messages)

    async def replayed() -> Message:
        message = next(pending, None)
        return message if message is not None else await receive()

    if messages[-1]["type"] != "http.request":
        return None, replayed
    return b"".join(chunks), replayed


def _request(body: bytes) -> tuple[str, str | None, dict[str, Any] | None] | None:
    """(query, operationName, variables) of a single plain operation, else None."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict) or data.get("extensions") is not None:
        return None
    query, operation_name, variables = (
        data.get("query"),
        data.get("operationName"),
        data.get("variables"),
    )
    if not isinstance(query, str) or not isinstance(operation_name, str | None):
        return None
    if not isinstance(variables, dict | None):
        return None
    return query, operation_name, variables
