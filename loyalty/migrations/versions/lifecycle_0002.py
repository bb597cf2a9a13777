"""Tier program and reminders (issue 14, items 5 and 6): the tier program's status, downgrade
policy and notice days, and the points-expiry reminder's days, on program_settings (an existing
program: ACTIVE, ROLLING_WINDOW, no notices, no reminders); on member_tiers, when the member's
tier period started (tier_since) and the projected downgrade with its notice time.

Revision ID: lifecycle_0002
Revises: lifecycle_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "lifecycle_0002"
down_revision = "lifecycle_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ts = sa.DateTime(timezone=True)
    with op.batch_alter_table("program_settings") as batch:
        batch.add_column(
            sa.Column("tier_program_status", sa.String(8), nullable=False, server_default="ACTIVE")
        )
        batch.add_column(
            sa.Column(
                "tier_downgrade_policy",
                sa.String(16),
                nullable=False,
                server_default="ROLLING_WINDOW",
            )
        )
        batch.add_column(sa.Column("tier_downgrade_notice_days", sa.Integer, nullable=True))
        batch.add_column(sa.Column("expiry_reminder_days", sa.Integer, nullable=True))
    with op.batch_alter_table("member_tiers") as batch:
        batch.add_column(sa.Column("tier_since", ts, nullable=True))
        batch.add_column(sa.Column("downgrade_at", ts, nullable=True))
        batch.add_column(sa.Column("downgrade_to", sa.String(36), nullable=True))
        batch.add_column(sa.Column("downgrade_notice_at", ts, nullable=True))
        batch.create_index("ix_member_tiers_downgrade_notice", ["downgrade_notice_at"])


def downgrade() -> None:
    with op.batch_alter_table("member_tiers") as batch:
        batch.drop_index("ix_member_tiers_downgrade_notice")
        batch.drop_column("downgrade_notice_at")
        batch.drop_column("downgrade_to")
        batch.drop_column("downgrade_at")
        batch.drop_column("tier_since")
    with op.batch_alter_table("program_settings") as batch:
        batch.drop_column("expiry_reminder_days")
        batch.drop_column("tier_downgrade_notice_days")
        batch.drop_column("tier_downgrade_policy")
        batch.drop_column("tier_program_status")
