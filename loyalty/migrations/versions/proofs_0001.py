"""The salts of the ledger's Merkle-sum tree (issue 17): member_salts, one random 32-byte salt
per member (loyalty.db.proofs). Existing members get theirs here; a new member gets one the first
time the tree is built after they joined.

Revision ID: proofs_0001
Revises: core_0001
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "proofs_0001"
down_revision = "core_0001"
branch_labels = ("proofs",)
depends_on = ("ledger_0001",)

SALT_BYTES = 32


def upgrade() -> None:
    pk = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    salts = op.create_table(
        "member_salts",
        sa.Column("member_pk", pk, sa.ForeignKey("members.id"), primary_key=True),
        sa.Column("salt", sa.LargeBinary(SALT_BYTES), nullable=False),
    )
    ids = [row[0] for row in op.get_bind().execute(sa.text("SELECT id FROM members"))]
    if ids:
        op.bulk_insert(
            salts, [{"member_pk": i, "salt": secrets.token_bytes(SALT_BYTES)} for i in ids]
        )


def downgrade() -> None:
    op.drop_table("member_salts")
