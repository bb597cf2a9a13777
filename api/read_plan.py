"""Which operations read with a single statement, decided from the document before it runs.

A request's reads share one snapshot (api.context.Reads): `BEGIN ISOLATION LEVEL REPEATABLE READ
READ ONLY` before the first statement and `ROLLBACK` after the answer. For an operation that
reads with exactly one statement that transaction adds two round trips and nothing else: the
statement's own snapshot is already one moment. On a busy machine each round trip is a wake-up
of PostgreSQL's backend and of this process; `balance(address)` went from three statements to
one. Only root fields listed here qualify, alone in the operation (besides __typename) and
without the arguments that make them read more."""

from __future__ import annotations

from graphql import DocumentNode, FieldNode, OperationDefinitionNode, OperationType

# Root field -> the arguments that add a statement (balance at a `block` first checks that the
# block is indexed: api.schema.chain).
ONE_STATEMENT_FIELDS: dict[str, frozenset[str]] = {"balance": frozenset({"block"})}


def single_statement(document: DocumentNode, operation_name: str | None) -> bool:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return False
    selections = operations[0].selection_set.selections
    if not all(isinstance(s, FieldNode) and not s.directives for s in selections):
        return False  # fragments could hold more fields; directives are not worth reading
    fields = [s for s in selections if isinstance(s, FieldNode) and s.name.value != "__typename"]
    if len(fields) != 1 or fields[0].name.value not in ONE_STATEMENT_FIELDS:
        return False
    more = ONE_STATEMENT_FIELDS[fields[0].name.value]
    return not any(a.name.value in more for a in fields[0].arguments or ())
