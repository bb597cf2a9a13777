"""Birthdays (issue 15, item 5): a member's birthday on their contact, for the daily job that
awards it once a year.

Revision ID: birthdays_0001
Revises: lifecycle_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "birthdays_0001"
down_revision = "lifecycle_0002"
branch_labels = ("birthdays",)
depends_on = None


def upgrade() -> None:
    op.add_column("member_contacts", sa.Column("birthday", sa.Date, nullable=True))


def downgrade() -> None:
    # In place on both databases (SQLite 3.35+ drops a plain column).
    op.execute("ALTER TABLE member_contacts DROP COLUMN birthday")
