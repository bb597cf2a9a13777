"""Whole answers to queries that read only the program's configuration (earning rules, tiers,
program settings), kept per process and keyed by `config_version`; and answers to queries of
the token's fixed facts, kept for the life of the process.

A trigger gives `config_version` a fresh random value whenever a watched table changes
(migration program_cfgver_0001 and the campaigns migrations; loyalty.services.earning_config),
so an answer is reused only while the database still holds exactly the configuration it was
read from: a change, made by any process or by hand in SQL, makes the next read fresh in
every process. Each cacheable request reads the version (one small statement, through
VersionReads, which lets concurrent requests share a read that began after they arrived); a
hit answers from memory, a miss runs the operation as usual in a snapshot taken after that
read, so its data are at least as new as the version they are kept under: the worst case is a
needless miss later, never a stale hit.

What is cacheable: a query (never a mutation or subscription) whose root fields are all in
CONFIG_FIELDS, or that asks only for STATIC_TOKEN_FIELDS of `token` (the deployment the process
runs against: no version), answered without any error. The key holds the document text, the
operation name, the variables and who asks (role and member id), so an answer is never shown
to a caller who was not given it. A root field belongs in CONFIG_FIELDS only if everything
under it is read from watched tables (tests/integration/test_response_cache.py lists the
fields reachable from them, so adding one means checking it). api.fast_answers sends a hit's
encoded body without going through strawberry at all."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, FieldNode, GraphQLError, OperationDefinitionNode, OperationType
from strawberry.http import GraphQLRequestData

from api.auth import Principal, Role
from api.context import Context
from api.limits import DocumentCache
from api.observability import root_fields_label


@dataclass(frozen=True)
class Lookup:
    key: tuple[Hashable, ...]  # the version is added once read (versioned answers)
    label: str  # the operation's metrics label (api.observability)
    versioned: bool = True  # False: the answer cannot change while the process runs


# Root fields whose answers depend only on the watched tables and on who asks.
CONFIG_FIELDS = frozenset({"earningRule", "earningRules", "tiers", "tier", "loyaltyProgram"})
# Fields of `token` read from the deployment the process started with (api.schema.token); its
# totalSupply and holders are read from the index, so a query naming them is not kept.
STATIC_TOKEN_FIELDS = frozenset(
    {"address", "chainId", "name", "symbol", "decimals", "transferable", "deploymentBlock"}
)


def _operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return None  # no such operation, or an ambiguous one: left to GraphQL to refuse
    return operations[0]


def _plain_fields(selections: Any) -> list[FieldNode] | None:
    """The selections if all are fields without directives (no fragments), else None."""
    fields = [s for s in selections if isinstance(s, FieldNode) and not s.directives]
    return fields if fields and len(fields) == len(selections) else None


def config_only(document: DocumentNode, operation_name: str | None) -> bool:
    """Whether the operation run from `document` is a query of CONFIG_FIELDS only."""
    operation = _operation(document, operation_name)
    fields = None if operation is None else _plain_fields(operation.selection_set.selections)
    return fields is not None and all(
        f.name.value in CONFIG_FIELDS or f.name.value == "__typename" for f in fields
    )


def static_only(document: DocumentNode, operation_name: str | None) -> bool:
    """Whether the operation asks only for STATIC_TOKEN_FIELDS of `token` (and __typename)."""
    operation = _operation(document, operation_name)
    fields = None if operation is None else _plain_fields(operation.selection_set.selections)
    if fields is None:
        return False
    for root in fields:
        if root.name.value == "__typename":
            continue
        if root.name.value != "token" or root.arguments or root.selection_set is None:
            return False
        inner = _plain_fields(root.selection_set.selections)
        if inner is None or any(
            f.name.value not in STATIC_TOKEN_FIELDS and f.name.value != "__typename" for f in inner
        ):
            return False
    return True


@dataclass(frozen=True)
class Answer:
    data: dict[str, Any]
    body: bytes  # the HTTP answer as sent, {"data": …} encoded once (api.fast_answers)


class ResponseCache:
    """Bounded (LRU) answers by (request, caller, config version); see the module."""

    def __init__(self, documents: DocumentCache, maxsize: int = 256) -> None:
        self._documents = documents
        self.maxsize = maxsize
        self._kinds: OrderedDict[tuple[str, str | None], tuple[str, bool] | None] = OrderedDict()
        self._answers: OrderedDict[Hashable, Answer] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def key(self, request: GraphQLRequestData, context: Context) -> Lookup | None:
        """The part of the key that does not need the database; None: not cacheable."""
        if request.extensions or context.auth_error is not None:
            return None
        return self.lookup(
            request.query, request.operation_name, request.variables, context.principal
        )

    def lookup(
        self,
        query: str | None,
        operation_name: str | None,
        variables: dict[str, Any] | None,
        principal: Principal,
    ) -> Lookup | None:
        """As `key`, for a request whose credential verified as `principal`."""
        if not query:
            return None
        kind = self._kind(query, operation_name)
        if kind is None:
            return None
        label, versioned = kind
        if versioned and principal.role is Role.ANONYMOUS:
            return None  # refused anyway; nothing worth keeping
        try:
            canonical = json.dumps(variables or {}, sort_keys=True)
        except (TypeError, ValueError):
            return None
        return Lookup(
            (query, operation_name, canonical, principal.role, principal.member_id),
            label,
            versioned,
        )

    def _kind(self, query: str, operation_name: str | None) -> tuple[str, bool] | None:
        """(metrics label, versioned) if the operation is cacheable, else None (remembered)."""
        kind_key = (query, operation_name)
        if kind_key not in self._kinds:
            try:
                document = self._documents.document(query)
            except GraphQLError:  # a syntax error: strawberry reports it
                return None
            kind = None
            if config_only(document, operation_name):
                kind = (root_fields_label(document, operation_name), True)
            elif static_only(document, operation_name):
                kind = (root_fields_label(document, operation_name), False)
            _remember(self._kinds, kind_key, kind, self.maxsize)
        return self._kinds[kind_key]

    def get(self, key: Hashable) -> Answer | None:
        found = self._answers.get(key)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
            self._answers.move_to_end(key)
        return found

    def put(self, key: Hashable, answer: Answer) -> None:
        _remember(self._answers, key, answer, self.maxsize)


def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any, maxsize: int) -> None:
    cache[key] = value
    if len(cache) > maxsize:
        cache.popitem(last=False)
