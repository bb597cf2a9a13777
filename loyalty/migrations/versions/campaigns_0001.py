"""Campaigns (issue 14): the campaigns table (watched by config_version, so the earning path's
cached configuration sees a change at once), the program's IANA time zone
(program_settings.time_zone, default UTC) and, on ledger entries, the campaign an EARN entry's
extra points came from (campaign_id, campaign_revision).

Revision ID: campaigns_0001
Revises: program_cfgver_0001
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "campaigns_0001"
down_revision = "program_cfgver_0001"
branch_labels = ("campaigns",)
depends_on = ("ledger_0002",)

PG_FUNCTION = "loyalty_bump_config_version"  # created by program_cfgver_0001


def _money() -> sa.types.TypeEngine[Any]:
    return sa.Numeric(30, 6).with_variant(sa.String(48), "sqlite")


def upgrade() -> None:
    pk = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "campaigns",
        sa.Column("seq", pk, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("revision", sa.BigInteger, nullable=False),
        sa.Column("title", sa.String(50), nullable=False),
        sa.Column("title_key", sa.String(50), nullable=True),
        sa.Column("description", sa.String(500), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("starts_at", ts, nullable=False),
        sa.Column("ends_at", ts, nullable=True),
        sa.Column("days_of_week", sa.String(20), nullable=True),
        sa.Column("hours_start", sa.String(5), nullable=True),
        sa.Column("hours_end", sa.String(5), nullable=True),
        sa.Column("activity_types", sa.Text, nullable=False),
        sa.Column("trigger_app_ids", sa.Text, nullable=False),
        sa.Column("tier_ids", sa.Text, nullable=False),
        sa.Column("minimum_amount", _money(), nullable=True),
        sa.Column("effect", sa.String(16), nullable=False),
        sa.Column("multiplier", _money(), nullable=True),
        sa.Column("bonus_points", sa.BigInteger, nullable=True),
        sa.Column("rate_money_amount", _money(), nullable=True),
        sa.Column("rate_points", sa.BigInteger, nullable=True),
        sa.Column("combination", sa.String(16), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_date", ts, nullable=False),
        sa.Column("updated_date", ts, nullable=False),
        sa.CheckConstraint(
            "status IN ('DRAFT', 'ACTIVE', 'PAUSED', 'ENDED')", name="ck_campaigns_status"
        ),
        sa.CheckConstraint(
            "effect IN ('MULTIPLIER', 'BONUS_POINTS', 'CONVERSION_RATE')",
            name="ck_campaigns_effect",
        ),
        sa.CheckConstraint(
            "combination IN ('STACK', 'BEST', 'EXCLUSIVE')", name="ck_campaigns_combination"
        ),
        sa.UniqueConstraint("title_key", name="uq_campaigns_title"),
    )
    op.create_index("ix_campaigns_status", "campaigns", ["status", "deleted"])
    with op.batch_alter_table("program_settings") as batch:
        batch.add_column(
            sa.Column("time_zone", sa.String(64), nullable=False, server_default="UTC")
        )
    with op.batch_alter_table("ledger_entries") as batch:
        batch.add_column(sa.Column("campaign_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("campaign_revision", sa.BigInteger, nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER trg_campaigns_config_version "
            "AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON campaigns "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
        )
    else:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER trg_campaigns_{event.lower()}_config_version "
                f"AFTER {event} ON campaigns BEGIN "
                "UPDATE config_version SET version = abs(random() % 4503599627370496) "
                "WHERE id = 1; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS trg_campaigns_config_version ON campaigns")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_campaigns_{event}_config_version")
    with op.batch_alter_table("ledger_entries") as batch:
        batch.drop_column("campaign_revision")
        batch.drop_column("campaign_id")
    with op.batch_alter_table("program_settings") as batch:
        batch.drop_column("time_zone")
    op.drop_index("ix_campaigns_status", "campaigns")
    op.drop_table("campaigns")
