"""Webhook inbox: an accepted webhook is stored PENDING and processed after the answer.

Revision ID: ledger_0002
Revises: ledger_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "ledger_0002"
down_revision = "ledger_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ts = sa.DateTime(timezone=True)
    with op.batch_alter_table("inbound_events") as batch:
        batch.add_column(sa.Column("state", sa.String(12), nullable=False, server_default="DONE"))
        batch.add_column(sa.Column("payload", sa.Text, nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("error", sa.Text, nullable=True))
        batch.add_column(sa.Column("process_after", ts, nullable=True))
        batch.add_column(sa.Column("processed_at", ts, nullable=True))
    for state in ("PENDING", "FAILED"):
        op.create_index(
            f"ix_inbound_events_{state.lower()}",
            "inbound_events",
            ["id"],
            postgresql_where=sa.text(f"state = '{state}'"),
            sqlite_where=sa.text(f"state = '{state}'"),
        )


def downgrade() -> None:
    op.drop_index("ix_inbound_events_failed", table_name="inbound_events")
    op.drop_index("ix_inbound_events_pending", table_name="inbound_events")
    with op.batch_alter_table("inbound_events") as batch:
        for name in ("processed_at", "process_after", "error", "attempts", "payload", "state"):
            batch.drop_column(name)
