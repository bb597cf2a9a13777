"""Program lifecycle (issue 14, item 4): program_settings.status (DRAFT | ACTIVE | PAUSED; an
existing program is ACTIVE), the point definition (name, icon URL) and resumed_at (the last
activation after a pause, where the inactivity clock of expiry starts again).

Revision ID: lifecycle_0001
Revises: program_cfgver_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "lifecycle_0001"
down_revision = "program_cfgver_0001"
branch_labels = ("lifecycle",)
depends_on = ("campaigns_0002",)


def upgrade() -> None:
    with op.batch_alter_table("program_settings") as batch:
        batch.add_column(sa.Column("status", sa.String(8), nullable=False, server_default="ACTIVE"))
        batch.add_column(
            sa.Column("point_name", sa.String(50), nullable=False, server_default="Points")
        )
        batch.add_column(sa.Column("point_icon_url", sa.String(2000), nullable=True))
        batch.add_column(sa.Column("resumed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("program_settings") as batch:
        batch.drop_column("resumed_at")
        batch.drop_column("point_icon_url")
        batch.drop_column("point_name")
        batch.drop_column("status")
