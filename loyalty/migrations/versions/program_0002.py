"""Program: members' tiers and redemptions (they reference members and ledger entries).

Revision ID: program_0002
Revises: program_0001
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "program_0002"
down_revision = "program_0001"
branch_labels = None
depends_on = ("ledger_0001",)


def _money() -> sa.types.TypeEngine[Any]:
    return sa.Numeric(30, 6).with_variant(sa.String(48), "sqlite")


def upgrade() -> None:
    pk = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    op.create_table(
        "member_tiers",
        sa.Column("member_pk", pk, sa.ForeignKey("members.id"), primary_key=True),
        sa.Column("tier_id", sa.String(36), nullable=True),
        sa.Column("tier_points", sa.BigInteger, nullable=False),
        sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_member_tiers_next_check", "member_tiers", ["next_check_at"])
    op.create_table(
        "redemptions",
        sa.Column("id", pk, primary_key=True, autoincrement=True),
        sa.Column("member_pk", pk, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("reward_id", sa.String(36), sa.ForeignKey("rewards.id"), nullable=False),
        sa.Column("reward_revision", sa.BigInteger, nullable=False),
        sa.Column("reward_type", sa.String(24), nullable=False),
        sa.Column("tier_id", sa.String(36), nullable=True),
        sa.Column("amount", _money(), nullable=False),
        sa.Column("cost_in_points", sa.BigInteger, nullable=False),
        sa.Column("coupon_code", sa.String(32), nullable=False, unique=True),
        sa.Column("idempotency_key", sa.String(256), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("redeem_entry_id", pk, sa.ForeignKey("ledger_entries.id"), nullable=False),
        sa.Column("refund_entry_id", pk, sa.ForeignKey("ledger_entries.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("member_pk", "idempotency_key", name="uq_redemptions_key"),
        sa.CheckConstraint("status IN ('REDEEMED', 'CANCELLED')", name="ck_redemptions_status"),
    )
    op.create_index("ix_redemptions_member", "redemptions", ["member_pk", "id"])


def downgrade() -> None:
    op.drop_table("redemptions")
    op.drop_table("member_tiers")
