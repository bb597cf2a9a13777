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

# Limits and budgets of an earning rule or a campaign (owner_kind RULE or CAMPAIGN): at most
# `member_points` per member per period, `budget_per_period` per period over all members,
# `budget_total` in all. Migration campaigns_0002.
earning_limits = Table(
    "earning_limits",
    metadata,
    Column("owner_kind", String(8), primary_key=True),
    Column("owner_id", String(36), primary_key=True),
    Column("member_points", BigInteger, nullable=True),
    Column("member_period", String(16), nullable=True),
    Column("member_days", Integer, nullable=True),
    Column("budget_total", BigInteger, nullable=True),
    Column("budget_per_period", BigInteger, nullable=True),
    Column("budget_period", String(16), nullable=True),
    Column("updated_date", DateTime(timezone=True), nullable=False),
    CheckConstraint("owner_kind IN ('RULE', 'CAMPAIGN')", name="ck_earning_limits_owner"),
)

# Budget consumed, per owner and period ("total" for the whole life; else the period's key in
# the program's time zone, e.g. "2026-12-03", "2026-W49", "2026-12", "2026"). A row is locked
# (FOR UPDATE; on SQLite the write lock) while an award takes from it, so concurrent awards
# never pass the budget.
budget_usage = Table(
    "budget_usage",
    metadata,
    Column("owner_kind", String(8), primary_key=True),
    Column("owner_id", String(36), primary_key=True),
    Column("period_key", String(16), primary_key=True),
    Column("used", BigInteger, nullable=False),
    CheckConstraint("used >= 0", name="ck_budget_usage_used"),
)
