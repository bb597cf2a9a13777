"""Outbox: chain requests written with ledger entries, consumed by the minter.

Revision ID: outbox_0001
Revises: core_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "outbox_0001"
down_revision = "core_0001"
branch_labels = ("outbox",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chain_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("member_id", sa.String(256), nullable=True),
        sa.Column("ledger_entry_id", sa.BigInteger, nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="PENDING"),
        sa.Column("batch_id", sa.BigInteger, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name="ck_chain_requests_amount_positive"),
        sa.CheckConstraint("kind IN ('MINT', 'BURN')", name="ck_chain_requests_kind"),
    )
    op.create_index("ix_chain_requests_status_id", "chain_requests", ["status", "id"])
    op.create_index("ix_chain_requests_member", "chain_requests", ["member_id"])


def downgrade() -> None:
    op.drop_table("chain_requests")
