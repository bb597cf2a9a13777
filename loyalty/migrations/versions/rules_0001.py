"""Rules: tiers, earning rules and their per-tier configs (with the three pre-installed rules),
API keys.

Revision ID: rules_0001
Revises: core_0001
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "rules_0001"
down_revision = "core_0001"
branch_labels = ("rules",)
depends_on = None

# A frozen copy of loyalty.domain.rules.PRE_INSTALLED_RULES (a test keeps them equal): a
# migration must not change when the code does. (id, title, trigger app, activity type).
_PRE_INSTALLED = (
    (
        "5f3c2b1a-0001-4000-8000-00000000a001",
        "Order a plan",
        "pricing-plans",
        "wix_pricing_plans-plan_purchased",
    ),
    (
        "5f3c2b1a-0002-4000-8000-00000000a002",
        "Place a restaurant order (legacy Restaurants)",
        "restaurants-legacy",
        "wix_restaurants_orders-order_submitted",
    ),
    (
        "5f3c2b1a-0003-4000-8000-00000000a003",
        "Place a restaurant order",
        "restaurants",
        "restaurants-order-is-pending",
    ),
)


def _money() -> sa.types.TypeEngine[Any]:
    # Exact decimals: NUMERIC on PostgreSQL, a decimal string on SQLite (see ExactDecimal).
    return sa.Numeric(30, 6).with_variant(sa.String(48), "sqlite")


def upgrade() -> None:
    pk = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    op.create_table(
        "tiers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.Column("required_points", sa.BigInteger, nullable=False, unique=True),
        sa.Column("revision", sa.BigInteger, nullable=False, server_default="1"),
        sa.Column("created_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_date", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "required_points >= 0 AND required_points <= 9999999",
            name="ck_tiers_required_points",
        ),
    )
    rules = op.create_table(
        "earning_rules",
        sa.Column("seq", pk, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("revision", sa.BigInteger, nullable=False),
        sa.Column("title", sa.String(50), nullable=False),
        sa.Column("title_key", sa.String(50), nullable=True),
        sa.Column("source_app_id", sa.String(80), nullable=False),
        sa.Column("trigger_app_id", sa.String(80), nullable=False),
        sa.Column("trigger_activity_type", sa.String(80), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("pre_installed", sa.Boolean, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_date", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('ACTIVE', 'PAUSED')", name="ck_earning_rules_status"),
        sa.CheckConstraint(
            "method IN ('FIXED_AMOUNT', 'CONVERSION_RATE')", name="ck_earning_rules_method"
        ),
        sa.UniqueConstraint(
            "trigger_app_id", "trigger_activity_type", "title_key", name="uq_earning_rules_title"
        ),
    )
    op.create_index(
        "ix_earning_rules_trigger",
        "earning_rules",
        ["trigger_app_id", "trigger_activity_type", "status"],
    )
    configs = op.create_table(
        "earning_rule_configs",
        sa.Column("id", pk, primary_key=True, autoincrement=True),
        sa.Column(
            "rule_id",
            sa.String(36),
            sa.ForeignKey("earning_rules.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("tier_id", sa.String(36), sa.ForeignKey("tiers.id"), nullable=True),
        sa.Column("points", sa.BigInteger, nullable=False),
        sa.Column("money_amount", _money(), nullable=True),
        sa.CheckConstraint("points > 0", name="ck_earning_rule_configs_points"),
    )
    op.create_index("ix_earning_rule_configs_rule", "earning_rule_configs", ["rule_id"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_date", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('admin', 'auditor')", name="ck_api_keys_role"),
    )

    now = datetime.now(UTC)
    op.bulk_insert(
        rules,
        [
            {
                "id": rule_id,
                "revision": 1,
                "title": title,
                "title_key": title.lower(),
                "source_app_id": "automations",
                "trigger_app_id": app_id,
                "trigger_activity_type": activity_type,
                "status": "ACTIVE",
                "method": "CONVERSION_RATE",
                "pre_installed": True,
                "deleted": False,
                "created_date": now,
                "updated_date": now,
            }
            for rule_id, title, app_id, activity_type in _PRE_INSTALLED
        ],
    )
    # 1 point per 1 unit of the base currency: the only method all three support.
    one = "1" if op.get_bind().dialect.name == "sqlite" else Decimal(1)
    op.bulk_insert(
        configs,
        [
            {"rule_id": rule_id, "tier_id": None, "points": 1, "money_amount": one}
            for rule_id, _title, _app, _type in _PRE_INSTALLED
        ],
    )


def downgrade() -> None:
    op.drop_table("api_keys")
    op.drop_table("earning_rule_configs")
    op.drop_table("earning_rules")
    op.drop_table("tiers")
