"""Whole answers to queries that read only the program's configuration (earning rules, tiers,
program settings), kept per process and keyed by `config_version`.

A trigger gives `config_version` a fresh random value whenever a watched table changes
(migration program_cfgver_0001 and the campaigns migrations; loyalty.services.earning_config),
so an answer is reused only while the database still holds exactly the configuration it was
read from: a change, made by any process or by hand in SQL, makes the next read fresh in
every process. Each cacheable request reads the version (one small statement, on the
request's own connection, before its snapshot begins); a hit answers from memory, a miss runs
the operation as usual in a snapshot taken after that read, so its data are at least as new as
the version they are kept under: the worst case is a needless miss later, never a stale hit.

What is cacheable: a query (never a mutation or subscription) whose root fields are all in
CONFIG_FIELDS, answered without any error. The key holds the document text, the operation
name, the variables and who asks (role and member id), so an answer is never shown to a caller
who was not given it. A root field belongs in CONFIG_FIELDS only if everything under it is read
from watched tables (tests/integration/test_response_cache.py lists the fields reachable from
them, so adding one means checking it)."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, FieldNode, GraphQLError, OperationDefinitionNode, OperationType
from sqlalchemy import select
from strawberry.http import GraphQLRequestData

from api.auth import Role
from api.context import Context
from api.limits import DocumentCache
from api.observability import root_fields_label
from loyalty.services.earning_config import config_version


@dataclass(frozen=True)
class Lookup:
    key: tuple[Hashable, ...]  # the version is added once read
    label: str  # the operation's metrics label (api.observability)


# Root fields whose answers depend only on the watched tables and on who asks.
CONFIG_FIELDS = frozenset({"earningRule", "earningRules", "tiers", "tier", "loyaltyProgram"})
_VERSION = select(config_version.c.version).where(config_version.c.id == 1)


def config_only(document: DocumentNode, operation_name: str | None) -> bool:
    """Whether the operation run from `document` is a query of CONFIG_FIELDS only."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return False  # no such operation, or an ambiguous one: left to GraphQL to refuse
    selections = operations[0].selection_set.selections
    return bool(selections) and all(
        isinstance(s, FieldNode)
        and not s.directives
        and (s.name.value in CONFIG_FIELDS or s.name.value == "__typename")
        for s in selections
    )


class ResponseCache:
    """Bounded (LRU) answers by (request, caller, config version); see the module."""

    def __init__(self, documents: DocumentCache, maxsize: int = 256) -> None:
        self._documents = documents
        self.maxsize = maxsize
        self._kinds: OrderedDict[tuple[str, str | None], str | None] = OrderedDict()
        self._answers: OrderedDict[Hashable, dict[str, Any]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def key(self, request: GraphQLRequestData, context: Context) -> Lookup | None:
        """The part of the key that does not need the database; None: not cacheable."""
        query = request.query
        if not query or request.extensions or context.auth_error is not None:
            return None
        label = self._label(query, request.operation_name)
        if label is None:
            return None
        try:
            variables = json.dumps(request.variables or {}, sort_keys=True)
        except (TypeError, ValueError):
            return None
        principal = context.principal
        if principal.role is Role.ANONYMOUS:
            return None  # refused anyway; nothing worth keeping
        return Lookup(
            (query, request.operation_name, variables, principal.role, principal.member_id), label
        )

    def _label(self, query: str, operation_name: str | None) -> str | None:
        """The operation's metrics label if it is cacheable, else None (remembered)."""
        kind_key = (query, operation_name)
        if kind_key not in self._kinds:
            try:
                document = self._documents.document(query)
            except GraphQLError:  # a syntax error: strawberry reports it
                return None
            label = (
                root_fields_label(document, operation_name)
                if config_only(document, operation_name)
                else None
            )
            _remember(self._kinds, kind_key, label, self.maxsize)
        return self._kinds[kind_key]

    async def version(self, context: Context) -> int:
        async with context.reads.before_snapshot() as conn:
            return int(await conn.scalar(_VERSION) or 0)

    def get(self, key: Hashable) -> dict[str, Any] | None:
        found = self._answers.get(key)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
            self._answers.move_to_end(key)
        return found

    def put(self, key: Hashable, data: dict[str, Any]) -> None:
        _remember(self._answers, key, data, self.maxsize)


def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any, maxsize: int) -> None:
    cache[key] = value
    if len(cache) > maxsize:
        cache.popitem(last=False)
