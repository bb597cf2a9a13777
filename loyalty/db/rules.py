"""Tables of the rules area: tiers (shape only; issue 7 adds their API), earning rules with their
per-tier configs, and hashed API keys. Migration branch "rules"."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

from loyalty.db.tables import BIG_ID, metadata
from loyalty.domain.rules import plain_decimal


class ExactDecimal(TypeDecorator[Decimal]):
    """Decimal that round-trips exactly: NUMERIC on PostgreSQL, a decimal string on SQLite
    (whose NUMERIC affinity would turn it into a float)."""

    impl = Numeric(30, 6)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(48))
        return dialect.type_descriptor(Numeric(30, 6, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return format(value, "f")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return plain_decimal(value if isinstance(value, Decimal) else Decimal(str(value)))


tiers = Table(
    "tiers",
    metadata,
    Column("id", String(36), primary_key=True),  # UUID string
    Column("name", String(50), nullable=False),
    Column("description", String(500), nullable=True),
    Column("required_points", BigInteger, nullable=False, unique=True),
    Column("revision", BigInteger, nullable=False, server_default="1"),
    Column("created_date", DateTime(timezone=True), nullable=False),
    Column("updated_date", DateTime(timezone=True), nullable=False),
    CheckConstraint(
        "required_points >= 0 AND required_points <= 9999999", name="ck_tiers_required_points"
    ),
)

# `seq` orders the cursor connection (keyset pagination); `id` is the public UUID.
earning_rules = Table(
    "earning_rules",
    metadata,
    Column("seq", BIG_ID, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("revision", BigInteger, nullable=False),
    Column("title", String(50), nullable=False),
    # lower-cased title, NULL once deleted: one live rule per trigger and title, so that a
    # double-submitted create cannot make an activity earn twice.
    Column("title_key", String(50), nullable=True),
    Column("source_app_id", String(80), nullable=False),
    Column("trigger_app_id", String(80), nullable=False),
    Column("trigger_activity_type", String(80), nullable=False),
    Column("status", String(16), nullable=False),
    Column("method", String(16), nullable=False),
    Column("pre_installed", Boolean, nullable=False),
    Column("deleted", Boolean, nullable=False, server_default="0"),
    Column("created_date", DateTime(timezone=True), nullable=False),
    Column("updated_date", DateTime(timezone=True), nullable=False),
    # Days the rule's awards are held (NULL: the program's holdDays). Migration held_0001.
    Column("hold_days", Integer, nullable=True),
    CheckConstraint("status IN ('ACTIVE', 'PAUSED')", name="ck_earning_rules_status"),
    CheckConstraint(
        "method IN ('FIXED_AMOUNT', 'CONVERSION_RATE')", name="ck_earning_rules_method"
    ),
    UniqueConstraint(
        "trigger_app_id", "trigger_activity_type", "title_key", name="uq_earning_rules_title"
    ),
    Index("ix_earning_rules_trigger", "trigger_app_id", "trigger_activity_type", "status"),
)

earning_rule_configs = Table(
    "earning_rule_configs",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column(
        "rule_id", String(36), ForeignKey("earning_rules.id", ondelete="CASCADE"), nullable=False
    ),
    Column("tier_id", String(36), ForeignKey("tiers.id"), nullable=True),
    Column("points", BigInteger, nullable=False),
    Column("money_amount", ExactDecimal(), nullable=True),  # conversion rate only
    CheckConstraint("points > 0", name="ck_earning_rule_configs_points"),
    Index("ix_earning_rule_configs_rule", "rule_id"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),  # public part of the key, shown in logs
    Column("name", String(100), nullable=False),
    Column("role", String(16), nullable=False),
    Column("secret_hash", String(64), nullable=False),  # sha256 hex of the whole key
    Column("created_date", DateTime(timezone=True), nullable=False),
    Column("revoked_date", DateTime(timezone=True), nullable=True),
    CheckConstraint("role IN ('admin', 'auditor')", name="ck_api_keys_role"),
)
