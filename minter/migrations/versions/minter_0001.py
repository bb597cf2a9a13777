"""Minter: batches and every signed transaction.

Revision ID: minter_0001
Revises: core_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "minter_0001"
down_revision = "core_0001"
branch_labels = ("minter",)
depends_on = ("outbox_0001",)

_id = sa.BigInteger().with_variant(sa.Integer, "sqlite")
_wei = sa.Numeric(78, 0)


def upgrade() -> None:
    op.create_table(
        "mint_batches",
        sa.Column("id", _id, primary_key=True),
        sa.Column("chain_id", sa.BigInteger, nullable=False),
        sa.Column("token_address", sa.String(42), nullable=False),
        sa.Column("batch_id", sa.String(66), nullable=True, unique=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("recipients", sa.Integer, nullable=False),
        sa.Column("total", sa.BigInteger, nullable=False),
        sa.Column("nonce", sa.BigInteger, nullable=True),
        sa.Column("tx_hash", sa.String(66), nullable=True),
        sa.Column("block_number", sa.BigInteger, nullable=True),
        sa.Column("block_hash", sa.String(66), nullable=True),
        sa.Column("gas_used", sa.BigInteger, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reorgs", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("final_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('MINT', 'BURN')", name="ck_mint_batches_kind"),
        sa.CheckConstraint(
            "status IN ('PENDING', 'SENT', 'INCLUDED', 'FINAL')", name="ck_mint_batches_status"
        ),
    )
    op.create_index("ix_mint_batches_status", "mint_batches", ["status", "id"])
    op.create_table(
        "minter_txs",
        sa.Column("id", _id, primary_key=True),
        sa.Column("batch_pk", _id, sa.ForeignKey("mint_batches.id"), nullable=False),
        sa.Column("chain_id", sa.BigInteger, nullable=False),
        sa.Column("sender", sa.String(42), nullable=False),
        sa.Column("nonce", sa.BigInteger, nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("raw_tx", sa.Text, nullable=False),
        sa.Column("gas_limit", sa.BigInteger, nullable=False),
        sa.Column("max_fee_per_gas", _wei, nullable=False),
        sa.Column("max_priority_fee_per_gas", _wei, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("broadcast_block", sa.BigInteger, nullable=True),
        sa.Column("block_number", sa.BigInteger, nullable=True),
        sa.Column("block_hash", sa.String(66), nullable=True),
        sa.Column("gas_used", sa.BigInteger, nullable=True),
        sa.Column("effective_gas_price", _wei, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("process", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("tx_hash", name="uq_minter_txs_hash"),
    )
    op.create_index("ix_minter_txs_batch", "minter_txs", ["batch_pk"])
    op.create_index("ix_minter_txs_sender_nonce", "minter_txs", ["chain_id", "sender", "nonce"])
    # Requests point at their batch; the index serves "requests of batch N" and the audit.
    op.create_index("ix_chain_requests_batch", "chain_requests", ["batch_id"])


def downgrade() -> None:
    op.drop_index("ix_chain_requests_batch", table_name="chain_requests")
    op.drop_table("minter_txs")
    op.drop_table("mint_batches")
