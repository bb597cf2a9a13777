"""The admin audit log (issue 16, item 7): hash-chained entries and their head row.

Revision ID: books_0002
Revises: books_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "books_0002"
down_revision = "books_0001"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    pk = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    op.create_table(
        "audit_log",
        sa.Column("seq", pk, primary_key=True, autoincrement=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_key_id", sa.String(64), nullable=True),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(256), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("before", sa.Text, nullable=True),
        sa.Column("after", sa.Text, nullable=True),
        sa.Column("diff", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_log_entity", "audit_log", ["kind", "entity_id", "seq"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor_key_id", "seq"])
    op.create_index("ix_audit_log_at", "audit_log", ["at", "seq"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])


def downgrade() -> None:
    op.drop_table("audit_head")
    for name in ("at", "actor", "entity"):
        op.drop_index(f"ix_audit_log_{name}", "audit_log")
    op.drop_table("audit_log")
