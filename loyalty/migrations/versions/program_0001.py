"""Program: settings, rewards, member contacts, notifications (program_0002 adds the tables
that reference the ledger: a revision depending on both rules and ledger trips Alembic).

Revision ID: program_0001
Revises: core_0001
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "program_0001"
down_revision = "core_0001"
branch_labels = ("program",)
depends_on = ("rules_0001",)

# Frozen copies of loyalty.db.program's defaults: a migration must not change when the code does.
_SUBJECT = "Thank you, you earned {points} points"
_BODY = (
    "Hello {name},\n\n"
    "thank you! You earned {points} points. Your balance is now {balance} points.\n\n"
    "See you soon."
)


def _money() -> sa.types.TypeEngine[Any]:
    return sa.Numeric(30, 6).with_variant(sa.String(48), "sqlite")


def upgrade() -> None:
    pk = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    settings = op.create_table(
        "program_settings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tiers_window_months", sa.Integer, nullable=False),
        sa.Column("expiration_status", sa.String(16), nullable=False),
        sa.Column("months_of_inactivity", sa.Integer, nullable=False),
        sa.Column("expiring_points_percentage", sa.Integer, nullable=False),
        sa.Column("point_value", _money(), nullable=False),
        sa.Column("email_subject", sa.String(200), nullable=False),
        sa.Column("email_body", sa.Text, nullable=False),
        sa.Column("email_enabled", sa.Boolean, nullable=False),
        sa.Column("webhook_url", sa.String(2000), nullable=True),
        sa.Column("revision", sa.BigInteger, nullable=False),
        sa.Column("updated_date", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_program_settings_single"),
    )
    op.create_table(
        "rewards",
        sa.Column("seq", pk, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("type", sa.String(24), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("revision", sa.BigInteger, nullable=False),
        sa.Column("created_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_date", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("type IN ('DISCOUNT_AMOUNT', 'COUPON_REWARD')", name="ck_rewards_type"),
    )
    op.create_table(
        "reward_configs",
        sa.Column("id", pk, primary_key=True, autoincrement=True),
        sa.Column("reward_id", sa.String(36), sa.ForeignKey("rewards.id"), nullable=False),
        sa.Column("tier_id", sa.String(36), sa.ForeignKey("tiers.id"), nullable=True),
        sa.Column("amount", _money(), nullable=False),
        sa.Column("cost_in_points", sa.BigInteger, nullable=False),
        sa.CheckConstraint("cost_in_points > 0", name="ck_reward_configs_cost"),
    )
    op.create_index("ix_reward_configs_reward", "reward_configs", ["reward_id"])
    op.create_table(
        "member_contacts",
        sa.Column("member_id", sa.String(256), primary_key=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("name", sa.String(100), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "notifications",
        sa.Column("id", pk, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("member_id", sa.String(256), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("event_id", "channel", name="uq_notifications_event_channel"),
        sa.CheckConstraint("channel IN ('WEBHOOK', 'EMAIL')", name="ck_notifications_channel"),
        sa.CheckConstraint(
            "status IN ('PENDING', 'DELIVERED', 'FAILED')", name="ck_notifications_status"
        ),
    )
    op.create_index("ix_notifications_due", "notifications", ["status", "next_attempt_at"])

    op.bulk_insert(
        settings,
        [
            {
                "id": 1,
                "tiers_window_months": 12,
                "expiration_status": "DISABLED",
                "months_of_inactivity": 12,
                "expiring_points_percentage": 100,
                "point_value": "0.01"
                if op.get_bind().dialect.name == "sqlite"
                else Decimal("0.01"),
                "email_subject": _SUBJECT,
                "email_body": _BODY,
                "email_enabled": False,
                "webhook_url": None,
                "revision": 1,
                "updated_date": datetime.now(UTC),
            }
        ],
    )


def downgrade() -> None:
    for table in (
        "notifications",
        "member_contacts",
        "reward_configs",
        "rewards",
        "program_settings",
    ):
        op.drop_table(table)
