"""Tables of campaigns (issue 14). Migration branch "campaigns" (campaigns_0001).

Conditions are kept as JSON lists (sorted, so that one campaign has one spelling); money and
multipliers as exact decimals; the daily hours as "HH:MM" wall-clock strings; days of the week
as ISO numbers "1,6,7".
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from loyalty.db.rules import ExactDecimal
from loyalty.db.tables import BIG_ID, metadata

# `seq` orders the cursor connection (keyset pagination); `id` is the public UUID.
campaigns = Table(
    "campaigns",
    metadata,
    Column("seq", BIG_ID, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("revision", BigInteger, nullable=False),
    Column("title", String(50), nullable=False),
    # lower-cased title, NULL once deleted: one live campaign per title, so that a
    # double-submitted create cannot make an activity earn the extra twice.
    Column("title_key", String(50), nullable=True),
    Column("description", String(500), nullable=True),
    Column("status", String(16), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=True),
    Column("days_of_week", String(20), nullable=True),
    Column("hours_start", String(5), nullable=True),
    Column("hours_end", String(5), nullable=True),
    Column("activity_types", Text, nullable=False),  # JSON list
    Column("trigger_app_ids", Text, nullable=False),  # JSON list
    Column("tier_ids", Text, nullable=False),  # JSON list
    Column("minimum_amount", ExactDecimal(), nullable=True),
    Column("effect", String(16), nullable=False),
    Column("multiplier", ExactDecimal(), nullable=True),
    Column("bonus_points", BigInteger, nullable=True),
    Column("rate_money_amount", ExactDecimal(), nullable=True),
    Column("rate_points", BigInteger, nullable=True),
    Column("combination", String(16), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False, server_default="0"),
    Column("created_date", DateTime(timezone=True), nullable=False),
    Column("updated_date", DateTime(timezone=True), nullable=False),
    CheckConstraint("status IN ('DRAFT', 'ACTIVE', 'PAUSED', 'ENDED')", name="ck_campaigns_status"),
    CheckConstraint(
        "effect IN ('MULTIPLIER', 'BONUS_POINTS', 'CONVERSION_RATE')", name="ck_campaigns_effect"
    ),
    CheckConstraint(
        "combination IN ('STACK', 'BEST', 'EXCLUSIVE')", name="ck_campaigns_combination"
    ),
    UniqueConstraint("title_key", name="uq_campaigns_title"),
    Index("ix_campaigns_status", "status", "deleted"),
)
