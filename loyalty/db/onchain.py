"""What the chain says an address holds, as the indexer stores it (indexer/ writes these rows,
the core only reads them: a linked wallet's spendable points are capped by them, see
loyalty.services.spendable). Defined here, below both, so that the core needs no import of the
indexer.

Token amounts are uint256 and may exceed BIGINT, so they are stored exactly with `Amount`:
NUMERIC(78, 0) on PostgreSQL; on SQLite (which has no exact type that wide) a 78-digit
zero-padded decimal string, whose text order is its numeric order, so `ORDER BY balance` and
comparisons still work. Values are Python ints on both sides of the type.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Numeric, String, Table
from sqlalchemy.types import TypeDecorator

from loyalty.db.tables import metadata

AMOUNT_DIGITS = 78  # 2**256 - 1 has 78 decimal digits


class Amount(TypeDecorator[int]):
    """A non-negative uint256, exact on both databases."""

    impl = Numeric(AMOUNT_DIGITS, 0)
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(AMOUNT_DIGITS))
        return dialect.type_descriptor(Numeric(AMOUNT_DIGITS, 0))

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        number = int(value)
        if number < 0 or number >= 10**AMOUNT_DIGITS:
            raise ValueError(f"token amount out of range: {number}")
        if dialect.name == "sqlite":
            return f"{number:0{AMOUNT_DIGITS}d}"
        return Decimal(number)

    def process_result_value(self, value: Any, dialect: Any) -> int | None:
        return None if value is None else int(value)


def amount_literal(value: int, dialect_name: str) -> str | int:
    """The stored form of an amount, for raw COPY/executemany paths that bypass the type."""
    return f"{value:0{AMOUNT_DIGITS}d}" if dialect_name == "sqlite" else value


# An address's balance at the last indexed block (the chain's head as far as the indexer got,
# final or not).
balances = Table(
    "indexer_balances",
    metadata,
    Column("address", String(42), primary_key=True),
    Column("balance", Amount, nullable=False),
    Column("block_number", BigInteger, nullable=False),  # last block that changed it
    Index("ix_indexer_balances_balance", "balance"),
)
