"""Every argument of an operation is checked against loyalty.domain.values before anything runs:
no NUL or lone surrogate in any string, no control character in an identifier; money (Decimal),
Long and DateTime within their limits (a DateTime with a time zone). A bad value fails the
whole operation with VALIDATION and the field's path in `extensions.field` (e.g. `memberId`,
`amount.currency`, `earningRules[1].title`), before a resolver or the database sees it,
identically on SQLite and PostgreSQL.

The scalars (api.schema.scalars) apply the same rules again when graphql-core coerces the values;
this pass runs first because it knows which field a value belongs to."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    ValueNode,
    Visitor,
    visit,
)
from graphql.pyutils import Undefined
from graphql.utilities import value_from_ast_untyped
from strawberry.extensions import SchemaExtension

from loyalty.domain import values
from loyalty.domain.errors import DomainError, InvalidInput

_CHECKED_SCALARS = {"String", "ID", "Decimal", "Long", "DateTime"}


def check_scalar(type_name: str, value: Any, field: str) -> None:
    """One scalar value (already JSON-decoded); values of the wrong kind are left to the
    scalar's own coercion, which refuses them with GraphQL's message."""
    if type_name in ("String", "ID") and isinstance(value, str):
        values.check_text(field, value)
        if type_name == "ID" or values.is_identifier_field(field):
            bad = values.bad_identifier_char(value)
            if bad is not None:
                raise InvalidInput(
                    f"{field} must not contain control characters (found {bad})", field=field
                )
    elif type_name == "Decimal":
        values.parse_money(field, value)
    elif type_name == "Long":
        values.parse_long(field, value)
    elif type_name == "DateTime":
        values.parse_instant(field, value)


def check_value(type_: GraphQLInputType, value: Any, field: str) -> None:
    if value is None or value is Undefined:
        return
    if isinstance(type_, GraphQLNonNull):
        check_value(type_.of_type, value, field)
    elif isinstance(type_, GraphQLList):
        if isinstance(value, list):
            for index, item in enumerate(value):
                check_value(type_.of_type, item, f"{field}[{index}]")
        else:  # GraphQL takes one item for a list
            check_value(type_.of_type, value, field)
    elif isinstance(type_, GraphQLInputObjectType):
        if isinstance(value, dict):
            for name, input_field in type_.fields.items():
                if name in value:
                    check_value(input_field.type, value[name], f"{field}.{name}" if field else name)
    elif isinstance(type_, GraphQLScalarType) and type_.name in _CHECKED_SCALARS:
        check_scalar(type_.name, value, field)


def _argument_field(name: str, type_: GraphQLInputType) -> str:
    """An input object argument (`input:`, `earningRule:`) is named by its fields alone, as the
    domain's errors name them (`memberId`, `amount.value`)."""
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    return "" if isinstance(inner, GraphQLInputObjectType) else name


def _holds_checked(type_: GraphQLInputType, seen: set[str] | None = None) -> bool:
    """Whether a value of this type can hold a checked scalar (an Int or an enum cannot)."""
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    if isinstance(type_, GraphQLScalarType):
        return type_.name in _CHECKED_SCALARS
    if isinstance(type_, GraphQLInputObjectType):
        seen = seen if seen is not None else set()
        if type_.name in seen:
            return False  # recursion: the fields are looked at where the type first appears
        seen.add(type_.name)
        return any(_holds_checked(f.type, seen) for f in type_.fields.values())
    return False


Arguments = tuple[tuple[GraphQLInputType, ValueNode, str], ...]


def document_arguments(schema: GraphQLSchema, document: DocumentNode) -> Arguments:
    """Every argument of the document that can hold a checked value: its type, its value (a
    literal, a variable or a literal holding variables) and the field it is named by."""
    type_info = TypeInfo(schema)
    found: list[tuple[GraphQLInputType, ValueNode, str]] = []

    class Collect(Visitor):
        def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
            argument = type_info.get_argument()
            if argument is None:
                return  # unknown argument: validation refuses it
            if _holds_checked(argument.type):
                field = _argument_field(node.name.value, argument.type)
                found.append((argument.type, node.value, field))

    visit(document, TypeInfoVisitor(type_info, Collect()))
    return tuple(found)


_CACHE_MAX = 256
_cache: OrderedDict[tuple[int, str], Arguments] = OrderedDict()


def _arguments_of(schema: GraphQLSchema, document: DocumentNode, query: str | None) -> Arguments:
    """document_arguments, remembered per document text (shops send the same few documents
    over and over; walking one with the schema's types costs a few tenths of a millisecond)."""
    if query is None:
        return document_arguments(schema, document)
    key = (id(schema), query)
    cached = _cache.get(key)
    if cached is None:
        cached = _cache[key] = document_arguments(schema, document)
        if len(_cache) > _CACHE_MAX:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    return cached


def check_document(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: dict[str, Any] | None,
    query: str | None = None,
) -> None:
    """Raises InvalidInput for the first bad argument value (literal or variable)."""
    given = variables or {}
    for type_, node, field in _arguments_of(schema, document, query):
        check_value(type_, value_from_ast_untyped(node, given), field)


class CheckInputs(SchemaExtension):
    """Runs with validation (listed after CheckedDocuments): a bad value replaces GraphQL's own
    errors, so a literal is named by its field too (the scalars' parse_literal would refuse it
    without a field)."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            try:
                check_document(context.schema._schema, document, context.variables, context.query)
            except DomainError as exc:
                context.pre_execution_errors = [GraphQLError(str(exc), original_error=exc)]
        yield
