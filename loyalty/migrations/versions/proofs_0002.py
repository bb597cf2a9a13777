"""The leaf commitments fixed at an erasure (issue 17 with issue 16's GDPR erasure):
member_commitments, one row per erased member holding H(salt ‖ memberId) as it was before the
erasure. The committed tree keeps using it (minter.commitment), so the roots committed on chain
before an erasure stay reproducible from the books; the live tree uses the new salt and the
pseudonym. A salted hash of an id whose salt is deleted names no one.

Revision ID: proofs_0002
Revises: proofs_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "proofs_0002"
down_revision = "proofs_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pk = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    op.create_table(
        "member_commitments",
        sa.Column("member_pk", pk, sa.ForeignKey("members.id"), primary_key=True),
        sa.Column("commitment", sa.LargeBinary(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("member_commitments")
