"""Outbound webhooks for configuration changes (issue 16): a notification may be about no member
(a rule, campaign, tier, reward or the program changed), so notifications.member_id may be
NULL.

Revision ID: confighooks_0001
Revises: program_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "confighooks_0001"
down_revision = "program_0002"
branch_labels = ("confighooks",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.alter_column("member_id", existing_type=sa.String(256), nullable=True)


def downgrade() -> None:
    # Configuration notifications name no member: they go (delivered or not) before the column
    # is NOT NULL again.
    op.execute("DELETE FROM notifications WHERE member_id IS NULL")
    with op.batch_alter_table("notifications") as batch:
        batch.alter_column("member_id", existing_type=sa.String(256), nullable=False)
