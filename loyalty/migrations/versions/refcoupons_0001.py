"""Referral rewards from the catalogue (issue 15): the referral program may give each side a
reward of the rewards catalogue, granted as a redemption that cost no points. Such a redemption
has no REDEEM entry (redeem_entry_id becomes nullable) and names its referral instead; a CHECK
keeps every redemption either paid or granted.

referral_program gets its two columns in place (ADD COLUMN, no copy: on SQLite a copy would drop
its config_version triggers); redemptions is copied on SQLite (batch mode) to change the column
and add the CHECK. Downgrading is refused while a granted redemption exists: no earlier revision
can hold one.

Revision ID: refcoupons_0001
Revises: referrals_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "refcoupons_0001"
down_revision = "referrals_0001"
branch_labels = ("referral_coupons",)
depends_on = None


def upgrade() -> None:
    pk = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    for side in ("referrer", "friend"):
        op.add_column(
            "referral_program", sa.Column(f"{side}_reward_id", sa.String(36), nullable=True)
        )
    with op.batch_alter_table("redemptions") as batch:
        batch.alter_column("redeem_entry_id", existing_type=pk, nullable=True)
        batch.add_column(
            sa.Column(
                "referral_id",
                pk,
                sa.ForeignKey("referrals.id", name="fk_redemptions_referral"),
                nullable=True,
            )
        )
        batch.create_check_constraint(
            "ck_redemptions_paid", sa.text("redeem_entry_id IS NOT NULL OR referral_id IS NOT NULL")
        )
    op.create_index("ix_redemptions_referral", "redemptions", ["referral_id"])


def downgrade() -> None:
    bind = op.get_bind()
    granted = bind.execute(
        sa.text("SELECT count(*) FROM redemptions WHERE redeem_entry_id IS NULL")
    ).scalar_one()
    if granted:
        raise RuntimeError(
            "cannot downgrade refcoupons_0001: redemptions granted by referrals exist (no "
            "earlier revision can hold a redemption without its REDEEM entry)"
        )
    pk = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    op.drop_index("ix_redemptions_referral", "redemptions")
    with op.batch_alter_table("redemptions") as batch:
        batch.drop_constraint("ck_redemptions_paid", type_="check")
        batch.drop_column("referral_id")  # and its foreign key
        batch.alter_column("redeem_entry_id", existing_type=pk, nullable=False)
    for side in ("referrer", "friend"):
        # SQLite 3.35+ drops a plain column in place (keeping the triggers).
        op.execute(f"ALTER TABLE referral_program DROP COLUMN {side}_reward_id")
