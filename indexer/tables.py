"""Tables of the indexer: chain facts only (it knows nothing of the loyalty domain).

Token amounts are uint256, stored exactly with `Amount` (loyalty.db.onchain, with the table of
current balances, which the core reads too).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
)

from loyalty.db.onchain import AMOUNT_DIGITS, Amount, amount_literal, balances
from loyalty.db.tables import metadata

# One row: where the index stands. Checkpoint and data always commit in one transaction.
indexer_state = Table(
    "indexer_state",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1
    Column("chain_id", BigInteger, nullable=False),
    Column("token", String(42), nullable=False),
    Column("start_block", BigInteger, nullable=False),
    Column("indexed_block", BigInteger, nullable=False),  # every block ≤ this one is indexed
    Column("indexed_hash", String(66), nullable=True),
    Column("head_block", BigInteger, nullable=True),
    Column("finalized_block", BigInteger, nullable=True),
    Column("total_supply", Amount, nullable=False),
    Column("events", BigInteger, nullable=False),
    Column("reorgs_handled", BigInteger, nullable=False),
    Column("last_reorg_depth", Integer, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Indexed blocks above finality (and the finalized anchor), to find a reorg's common ancestor.
indexer_blocks = Table(
    "indexer_blocks",
    metadata,
    Column("number", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", String(66), nullable=False),
    Column("parent_hash", String(66), nullable=True),
)

transfers = Table(
    "indexer_transfers",
    metadata,
    Column("tx_hash", String(66), nullable=False),
    Column("log_index", Integer, nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("from_address", String(42), nullable=False),
    Column("to_address", String(42), nullable=False),
    Column("value", Amount, nullable=False),
    PrimaryKeyConstraint("tx_hash", "log_index", name="pk_indexer_transfers"),
    Index("ix_indexer_transfers_block", "block_number", "log_index"),
    Index("ix_indexer_transfers_from", "from_address", "block_number"),
    Index("ix_indexer_transfers_to", "to_address", "block_number"),
)

# `balances` (an address's balance at the last indexed block) is in loyalty.db.onchain: the
# core reads it too.

# The balance of an address after each block that changed it: "balance of X at block N" is the
# row with the greatest block_number ≤ N.
balance_history = Table(
    "indexer_balance_history",
    metadata,
    Column("address", String(42), nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("balance", Amount, nullable=False),
    PrimaryKeyConstraint("address", "block_number", name="pk_indexer_balance_history"),
    Index("ix_indexer_balance_history_block", "block_number"),
)

supply_history = Table(
    "indexer_supply_history",
    metadata,
    Column("block_number", BigInteger, primary_key=True, autoincrement=False),
    Column("total_supply", Amount, nullable=False),
)

batch_events = Table(
    "indexer_batch_events",
    metadata,
    Column("tx_hash", String(66), nullable=False),
    Column("log_index", Integer, nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("batch_id", String(66), nullable=False),
    Column("kind", String(4), nullable=False),
    Column("count", Amount, nullable=False),
    Column("total", Amount, nullable=False),
    PrimaryKeyConstraint("tx_hash", "log_index", name="pk_indexer_batch_events"),
    Index("ix_indexer_batch_events_batch", "batch_id"),
    Index("ix_indexer_batch_events_block", "block_number"),
)

# The bisectable digest (indexer/digest.py) after each block that changed a balance: a block
# without a row has the digest of the newest row below it (the seed if none).
digests = Table(
    "indexer_digests",
    metadata,
    Column("block_number", BigInteger, primary_key=True, autoincrement=False),
    Column("digest", String(64), nullable=False),
    Column("changes", Integer, nullable=False),
)

__all__ = ["ALL", "AMOUNT_DIGITS", "Amount", "amount_literal", "balances"]

ALL = (
    indexer_state,
    indexer_blocks,
    transfers,
    balances,
    balance_history,
    supply_history,
    batch_events,
    digests,
)
