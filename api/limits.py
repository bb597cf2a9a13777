"""Safe defaults: a request body cap for every route, GraphQL document limits, and refusing a
request whose credential did not verify."""

from __future__ import annotations

import contextlib
import json
import re
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    ValidationContext,
    ValidationRule,
    parse,
    visit,
)
from graphql.language import Visitor
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as create_alias_validator
from strawberry.extensions.query_depth_limiter import IgnoreContext
from strawberry.extensions.query_depth_limiter import create_validator as create_depth_validator
from strawberry.schema.config import BatchingConfig
from strawberry.schema.schema import validate_document

MAX_DEPTH = 10
MAX_TOKENS = 2_000
MAX_ALIASES = 30
MAX_BATCH = 10  # operations in one batched HTTP request
CLOSE_MESSAGE_TOO_BIG = 1009  # RFC 6455


class _TooLarge(Exception):
    """A streamed body passed its cap (BodySizeLimit.streamed)."""


class BodySizeLimit:
    """Refuses (413) a request body over `max_bytes`, whether announced by Content-Length or
    streamed in chunks, and closes a WebSocket whose message is over it. The body is read here,
    up to the cap, and replayed to the app, so that no route (GraphQL, webhooks) ever holds
    more than the cap."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        streamed: dict[str, int] | None = None,
        multipart: dict[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Paths whose body is streamed to the app (an import's upload, to a temporary file)
        # under a cap of their own: counted as it arrives, never held here.
        self.streamed = streamed or {}
        # Paths streamed so only for a multipart/form-data body (/graphql's file uploads): a
        # JSON operation there keeps the small cap.
        self.multipart = multipart or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        cap = self.streamed.get(path)
        if cap is None and path in self.multipart:
            kind = dict(scope.get("headers") or []).get(b"content-type", b"")
            if kind.lower().startswith(b"multipart/form-data"):
                cap = self.multipart[path]
        if cap is not None:
            await self._streamed(scope, receive, send, cap)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                if int(declared) > self.max_bytes:
                    await self._refuse(send)
                    return
            except ValueError:
                await self._refuse(send, status=400, message="malformed Content-Length")
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._refuse(send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replay = iter([{"type": "http.request", "body": b"".join(chunks), "more_body": False}])

        async def replayed() -> Message:
            message = next(replay, None)
            return message if message is not None else await receive()

        await self.app(scope, replayed, send)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, cap: int) -> None:
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            await self._refuse(send, message=f"upload too large: at most {cap} bytes")
            return
        seen, started = 0, False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise _TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if not started:
                await self._refuse(send, message=f"upload too large: at most {cap} bytes")

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A WebSocket message over the cap closes the connection (1009, "message too big")
        before the app sees it; the app is told the client went away, and whatever it still
        sends is dropped."""
        closed = False

        async def limited_receive() -> Message:
            nonlocal closed
            message = await receive()
            if message["type"] == "websocket.receive" and self._too_big(message):
                closed = True
                await send(
                    {
                        "type": "websocket.close",
                        "code": CLOSE_MESSAGE_TOO_BIG,
                        "reason": f"message too large: at most {self.max_bytes} bytes",
                    }
                )
                return {"type": "websocket.disconnect", "code": CLOSE_MESSAGE_TOO_BIG}
            return message

        async def guarded_send(message: Message) -> None:
            if not closed:
                await send(message)

        await self.app(scope, limited_receive, guarded_send)

    def _too_big(self, message: Message) -> bool:
        text, data = message.get("text"), message.get("bytes")
        if text is not None:
            # A character is at least one byte: most messages are decided without encoding.
            return len(text) > self.max_bytes or (
                len(text) * 4 > self.max_bytes and len(text.encode()) > self.max_bytes
            )
        return data is not None and len(data) > self.max_bytes

    async def _refuse(self, send: Send, *, status: int = 413, message: str = "") -> None:
        text = message or f"request body too large: at most {self.max_bytes} bytes"
        body = json.dumps(
            {"errors": [{"message": text, "extensions": {"code": "VALIDATION"}}]}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _is_introspection(ignore: IgnoreContext) -> bool:
    # GraphiQL's introspection query is deeper than any real query; it has its own switch.
    return ignore.field_name.startswith("__")


class _Spreads(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_args: Any) -> None:
        self.names.add(node.name.value)


def _spreads_unknown_fragment(document: Any) -> bool:
    defined = {d.name.value for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    spreads = _Spreads()
    visit(document, spreads)
    return not spreads.names <= defined


_CountedDepth = create_depth_validator(MAX_DEPTH, _is_introspection)


class DepthLimitRule(_CountedDepth):  # type: ignore[misc, valid-type]
    """strawberry's query depth rule, except that a document spreading a fragment it does not
    define (`{ ...Nope }`) is left to GraphQL's own rule ("Unknown fragment", VALIDATION)
    instead of failing inside the depth count with a bare KeyError."""

    def __init__(self, context: ValidationContext) -> None:
        if _spreads_unknown_fragment(context.document):
            ValidationRule.__init__(self, context)  # no count: invalid anyway
        else:
            super().__init__(context)


# The rule classes are made once: a class made per request would be a new validation key each
# time (the depth and alias limiters of strawberry make theirs in each extension instance).
AliasLimitRule = create_alias_validator(MAX_ALIASES)
LIMIT_RULES: tuple[type[ASTValidationRule], ...] = (DepthLimitRule, AliasLimitRule)


class DocumentCache:
    """Each distinct document text is parsed once and validated once per set of rules, for one
    schema (shops send the same few documents over and over). Bounded (LRU): unique texts from
    a caller cannot grow it. A document that fails to parse is not kept (it is parsed again
    by strawberry, which reports the syntax error)."""

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._documents: OrderedDict[str, DocumentNode] = OrderedDict()
        self._errors: OrderedDict[
            tuple[str, tuple[type[ASTValidationRule], ...]], list[GraphQLError]
        ] = OrderedDict()

    def document(self, query: str) -> DocumentNode:
        found = self._documents.get(query)
        if found is None:
            found = parse(query, max_tokens=MAX_TOKENS)
            self._remember(self._documents, query, found)
        else:
            self._documents.move_to_end(query)
        return found

    def errors(
        self,
        schema: GraphQLSchema,
        query: str,
        document: DocumentNode,
        rules: tuple[type[ASTValidationRule], ...],
    ) -> list[GraphQLError]:
        key = (query, rules)
        found = self._errors.get(key)
        if found is None:
            found = validate_document(schema, document, rules)
            self._remember(self._errors, key, found)
        else:
            self._errors.move_to_end(key)
        return list(found)  # the caller's list: an extension may replace or extend it

    def _remember(self, cache: OrderedDict[Any, Any], key: Any, value: Any) -> None:
        cache[key] = value
        if len(cache) > self.maxsize:
            cache.popitem(last=False)


class CheckedDocuments(SchemaExtension):
    """The document limits (depth, aliases, tokens) and GraphQL's validation, through one
    DocumentCache per schema: a document seen before is neither parsed nor validated again.
    Listed before any extension that adds rules in on_validate or reads the errors."""

    def __init__(self, cache: DocumentCache) -> None:
        super().__init__()
        self._cache = cache

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = context.validation_rules + LIMIT_RULES
        context.parse_options["max_tokens"] = MAX_TOKENS
        yield

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            with contextlib.suppress(GraphQLError):  # strawberry parses it again and says why
                context.graphql_document = self._cache.document(context.query)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.query and context.validation_rules:
            context.pre_execution_errors = self._cache.errors(
                context.schema._schema, context.query, document, context.validation_rules
            )
        yield


_SUGGESTION = re.compile(
    r" Did you mean (?:the enum value )?'[^']*'(?:, '[^']*')*,?(?: or '[^']*')?\?"
)


def without_suggestions(message: str) -> str:
    """GraphQL's "Did you mean 'x'?" hints name fields, arguments, types and enum values: with
    introspection off they would hand out the schema one typo at a time."""
    return _SUGGESTION.sub("", message)


class HideSuggestions(SchemaExtension):
    """Strips "Did you mean …" from every error (on when introspection is off)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        for error in getattr(result, "errors", None) or ():
            error.message = without_suggestions(error.message)


class RefuseBadCredentials(SchemaExtension):
    """A credential that did not verify fails the whole operation with UNAUTHENTICATED, public
    fields included: it is never silently treated as anonymous."""

    def on_operation(self) -> Iterator[None]:
        error = getattr(self.execution_context.context, "auth_error", None)
        if error is not None:
            raise error
        yield


MASKED_MESSAGE = "Unexpected error."


class ErrorCodes(SchemaExtension):
    """Every error leaves with a stable `extensions.code`: GraphQL's own (syntax, unknown
    field, a limit) become VALIDATION, masked ones INTERNAL. Listed before MaskErrors, so it
    sees the errors after masking."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        for error in getattr(result, "errors", None) or ():
            if "code" not in (error.extensions or {}):
                code = "INTERNAL" if error.message == MASKED_MESSAGE else "VALIDATION"
                error.extensions = {**(error.extensions or {}), "code": code}


def graphql_limits(documents: DocumentCache) -> list[Any]:
    return [RefuseBadCredentials, lambda: CheckedDocuments(documents)]


def batching_config() -> BatchingConfig:
    return {"max_operations": MAX_BATCH}


__all__ = [
    "BodySizeLimit",
    "CheckedDocuments",
    "DocumentCache",
    "ErrorCodes",
    "HideSuggestions",
    "batching_config",
    "graphql_limits",
]
