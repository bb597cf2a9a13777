"""Ledger: members, wallet challenges and links, inbound events, orders, ledger entries.

Revision ID: ledger_0001
Revises: core_0001
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "ledger_0001"
down_revision = "core_0001"
branch_labels = ("ledger",)
depends_on = ("outbox_0001",)


def _money() -> sa.types.TypeEngine[Any]:
    # Exact decimals: NUMERIC on PostgreSQL, a decimal string on SQLite (see ExactDecimal).
    return sa.Numeric(30, 6).with_variant(sa.String(48), "sqlite")


def upgrade() -> None:
    pk = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "members",
        sa.Column("id", pk, primary_key=True, autoincrement=True),
        sa.Column("member_id", sa.String(256), nullable=False, unique=True),
        sa.Column("custodial_address", sa.String(42), nullable=True),
        sa.Column("wallet_address", sa.String(42), nullable=True, unique=True),
        sa.Column("wallet_linked_at", ts, nullable=True),
        sa.Column("earned", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("adjusted", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("redeemed", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("expired", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("reversed", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("debt", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("revision", sa.BigInteger, nullable=False, server_default="1"),
        sa.Column("last_activity_at", ts, nullable=True),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        sa.CheckConstraint(
            "earned + adjusted - redeemed - expired - reversed >= 0", name="ck_members_balance"
        ),
        sa.CheckConstraint("debt >= 0", name="ck_members_debt"),
    )
    op.create_table(
        "wallet_challenges",
        sa.Column("id", pk, primary_key=True, autoincrement=True),
        sa.Column("member_pk", pk, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False, unique=True),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("expires_at", ts, nullable=False),
        sa.Column("used_at", ts, nullable=True),
    )
    op.create_index("ix_wallet_challenges_member", "wallet_challenges", ["member_pk", "id"])
    op.create_table(
        "wallet_links",
        sa.Column("id", pk, primary_key=True, autoincrement=True),
        sa.Column("member_pk", pk, sa.ForeignKey("members.id"), nullable=False),
        sa.Column(
            "challenge_id", pk, sa.ForeignKey("wallet_challenges.id"), nullable=False, unique=True
        ),
        sa.Column("from_address", sa.String(42), nullable=False),
        sa.Column("to_address", sa.String(42), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("linked_at", ts, nullable=False),
    )
    op.create_table(
        "inbound_events",
        sa.Column("id", pk, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("event_key", sa.String(256), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("member_pk", pk, sa.ForeignKey("members.id"), nullable=True),
        sa.Column("activity_type", sa.String(80), nullable=True),
        sa.Column("trigger_app_id", sa.String(80), nullable=True),
        sa.Column("order_key", sa.String(256), nullable=True),
        sa.Column("amount", _money(), nullable=True),
        sa.Column("currency", sa.String(8), nullable=True),
        sa.Column("occurred_at", ts, nullable=True),
        sa.Column("received_at", ts, nullable=False),
        sa.Column("details", sa.Text, nullable=True),
        sa.Column("response", sa.Text, nullable=True),
        sa.UniqueConstraint("source", "event_key", name="uq_inbound_events_key"),
    )
    op.create_index("ix_inbound_events_member", "inbound_events", ["member_pk", "id"])
    op.create_table(
        "orders",
        sa.Column("id", pk, primary_key=True, autoincrement=True),
        sa.Column("order_key", sa.String(256), nullable=False, unique=True),
        sa.Column("external_id", sa.String(256), nullable=True, unique=True),
        sa.Column("member_pk", pk, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("amount", _money(), nullable=False),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("refunded", _money(), nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", pk, primary_key=True, autoincrement=True),
        sa.Column("member_pk", pk, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("type", sa.String(8), nullable=False),
        sa.Column("points", sa.BigInteger, nullable=False),
        sa.Column("delta", sa.BigInteger, nullable=False),
        sa.Column("debt_change", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("balance_after", sa.BigInteger, nullable=False),
        sa.Column("rule_id", sa.String(36), nullable=True),
        sa.Column("rule_revision", sa.BigInteger, nullable=True),
        sa.Column("inbound_event_id", pk, sa.ForeignKey("inbound_events.id"), nullable=True),
        sa.Column("order_pk", pk, sa.ForeignKey("orders.id"), nullable=True),
        sa.Column("reverses_entry_id", pk, sa.ForeignKey("ledger_entries.id"), nullable=True),
        sa.Column("business_key", sa.String(400), nullable=True, unique=True),
        sa.Column("description", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", ts, nullable=False),
        sa.CheckConstraint(
            "type IN ('EARN', 'ADJUST', 'REDEEM', 'REFUND', 'REVERSE', 'EXPIRE')",
            name="ck_ledger_entries_type",
        ),
        sa.CheckConstraint("balance_after >= 0", name="ck_ledger_entries_balance"),
    )
    op.create_index("ix_ledger_entries_member", "ledger_entries", ["member_pk", "id"])
    op.create_index("ix_ledger_entries_order", "ledger_entries", ["order_pk"])
    op.create_index("ix_ledger_entries_reverses", "ledger_entries", ["reverses_entry_id"])


def downgrade() -> None:
    for table in (
        "ledger_entries",
        "orders",
        "inbound_events",
        "wallet_links",
        "wallet_challenges",
        "members",
    ):
        op.drop_table(table)
