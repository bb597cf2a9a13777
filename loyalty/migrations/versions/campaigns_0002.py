"""Limits and budgets of earning rules and campaigns (issue 14): earning_limits (watched by
config_version, so the earning path sees a change at once) and budget_usage (what each budget
period has consumed).

Revision ID: campaigns_0002
Revises: campaigns_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "campaigns_0002"
down_revision = "campaigns_0001"
branch_labels = None
depends_on = None

PG_FUNCTION = "loyalty_bump_config_version"  # created by program_cfgver_0001


def upgrade() -> None:
    op.create_table(
        "earning_limits",
        sa.Column("owner_kind", sa.String(8), primary_key=True),
        sa.Column("owner_id", sa.String(36), primary_key=True),
        sa.Column("member_points", sa.BigInteger, nullable=True),
        sa.Column("member_period", sa.String(16), nullable=True),
        sa.Column("member_days", sa.Integer, nullable=True),
        sa.Column("budget_total", sa.BigInteger, nullable=True),
        sa.Column("budget_per_period", sa.BigInteger, nullable=True),
        sa.Column("budget_period", sa.String(16), nullable=True),
        sa.Column("updated_date", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("owner_kind IN ('RULE', 'CAMPAIGN')", name="ck_earning_limits_owner"),
    )
    op.create_table(
        "budget_usage",
        sa.Column("owner_kind", sa.String(8), primary_key=True),
        sa.Column("owner_id", sa.String(36), primary_key=True),
        sa.Column("period_key", sa.String(16), primary_key=True),
        sa.Column("used", sa.BigInteger, nullable=False),
        sa.CheckConstraint("used >= 0", name="ck_budget_usage_used"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER trg_earning_limits_config_version "
            "AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON earning_limits "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
        )
    else:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER trg_earning_limits_{event.lower()}_config_version "
                f"AFTER {event} ON earning_limits BEGIN "
                "UPDATE config_version SET version = abs(random() % 4503599627370496) "
                "WHERE id = 1; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS trg_earning_limits_config_version ON earning_limits")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_earning_limits_{event}_config_version")
    op.drop_table("budget_usage")
    op.drop_table("earning_limits")
