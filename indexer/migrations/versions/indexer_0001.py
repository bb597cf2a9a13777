"""Indexer tables: state, blocks, transfers, balances and their history, supply, batch events.

Revision ID: indexer_0001
Revises: (root of the indexer branch)
"""

import sqlalchemy as sa
from alembic import op

from indexer.tables import Amount

revision = "indexer_0001"
down_revision = None
branch_labels = ("indexer",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "indexer_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("chain_id", sa.BigInteger, nullable=False),
        sa.Column("token", sa.String(42), nullable=False),
        sa.Column("start_block", sa.BigInteger, nullable=False),
        sa.Column("indexed_block", sa.BigInteger, nullable=False),
        sa.Column("indexed_hash", sa.String(66), nullable=True),
        sa.Column("head_block", sa.BigInteger, nullable=True),
        sa.Column("finalized_block", sa.BigInteger, nullable=True),
        sa.Column("total_supply", Amount, nullable=False),
        sa.Column("events", sa.BigInteger, nullable=False),
        sa.Column("reorgs_handled", sa.BigInteger, nullable=False),
        sa.Column("last_reorg_depth", sa.Integer, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "indexer_blocks",
        sa.Column("number", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.String(66), nullable=False),
        sa.Column("parent_hash", sa.String(66), nullable=True),
    )
    op.create_table(
        "indexer_transfers",
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("log_index", sa.Integer, nullable=False),
        sa.Column("block_number", sa.BigInteger, nullable=False),
        sa.Column("from_address", sa.String(42), nullable=False),
        sa.Column("to_address", sa.String(42), nullable=False),
        sa.Column("value", Amount, nullable=False),
        sa.PrimaryKeyConstraint("tx_hash", "log_index", name="pk_indexer_transfers"),
    )
    op.create_index(
        "ix_indexer_transfers_block", "indexer_transfers", ["block_number", "log_index"]
    )
    op.create_index(
        "ix_indexer_transfers_from", "indexer_transfers", ["from_address", "block_number"]
    )
    op.create_index("ix_indexer_transfers_to", "indexer_transfers", ["to_address", "block_number"])
    op.create_table(
        "indexer_balances",
        sa.Column("address", sa.String(42), primary_key=True),
        sa.Column("balance", Amount, nullable=False),
        sa.Column("block_number", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_indexer_balances_balance", "indexer_balances", ["balance"])
    op.create_table(
        "indexer_balance_history",
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("block_number", sa.BigInteger, nullable=False),
        sa.Column("balance", Amount, nullable=False),
        sa.PrimaryKeyConstraint("address", "block_number", name="pk_indexer_balance_history"),
    )
    op.create_index("ix_indexer_balance_history_block", "indexer_balance_history", ["block_number"])
    op.create_table(
        "indexer_supply_history",
        sa.Column("block_number", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("total_supply", Amount, nullable=False),
    )
    op.create_table(
        "indexer_batch_events",
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("log_index", sa.Integer, nullable=False),
        sa.Column("block_number", sa.BigInteger, nullable=False),
        sa.Column("batch_id", sa.String(66), nullable=False),
        sa.Column("kind", sa.String(4), nullable=False),
        sa.Column("count", Amount, nullable=False),
        sa.Column("total", Amount, nullable=False),
        sa.PrimaryKeyConstraint("tx_hash", "log_index", name="pk_indexer_batch_events"),
    )
    op.create_index("ix_indexer_batch_events_batch", "indexer_batch_events", ["batch_id"])
    op.create_index("ix_indexer_batch_events_block", "indexer_batch_events", ["block_number"])


def downgrade() -> None:
    for name in (
        "indexer_batch_events",
        "indexer_supply_history",
        "indexer_balance_history",
        "indexer_balances",
        "indexer_transfers",
        "indexer_blocks",
        "indexer_state",
    ):
        op.drop_table(name)
