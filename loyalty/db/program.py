"""Tables of the program area: program settings, members' tiers, rewards and redemptions,
member contacts and the notifications outbox. Migration branch "program"."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from loyalty.db.rules import ExactDecimal
from loyalty.db.tables import BIG_ID, metadata

DEFAULT_EMAIL_SUBJECT = "Thank you, you earned {points} points"
DEFAULT_EMAIL_BODY = (
    "Hello {name},\n\n"
    "thank you! You earned {points} points. Your balance is now {balance} points.\n\n"
    "See you soon."
)

# One row (id = 1): program-wide settings the site owner edits through the API.
program_settings = Table(
    "program_settings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("tiers_window_months", Integer, nullable=False),
    Column("expiration_status", String(16), nullable=False),
    Column("months_of_inactivity", Integer, nullable=False),
    Column("expiring_points_percentage", Integer, nullable=False),
    Column("point_value", ExactDecimal(), nullable=False),  # money per point, for the liability
    Column("email_subject", String(200), nullable=False),
    Column("email_body", Text, nullable=False),
    Column("email_enabled", Boolean, nullable=False),
    Column("webhook_url", String(2000), nullable=True),
    Column("time_zone", String(64), nullable=False, server_default="UTC"),  # IANA name
    # lifecycle_0001: DRAFT | ACTIVE | PAUSED (loyalty.domain.lifecycle)
    Column("status", String(8), nullable=False, server_default="ACTIVE"),
    Column("point_name", String(50), nullable=False, server_default="Points"),
    Column("point_icon_url", String(2000), nullable=True),
    Column("resumed_at", DateTime(timezone=True), nullable=True),
    Column("hold_days", Integer, nullable=False, server_default="0"),  # migration held_0001
    # lifecycle_0002: the tier program (loyalty.domain.tier_program) and expiry reminders
    Column("tier_program_status", String(8), nullable=False, server_default="ACTIVE"),
    Column("tier_downgrade_policy", String(16), nullable=False, server_default="ROLLING_WINDOW"),
    Column("tier_downgrade_notice_days", Integer, nullable=True),
    Column("expiry_reminder_days", Integer, nullable=True),
    Column("revision", BigInteger, nullable=False),
    Column("updated_date", DateTime(timezone=True), nullable=False),
    CheckConstraint("id = 1", name="ck_program_settings_single"),
)

# A member's current tier, recomputed in the transaction of every ledger entry and by the
# periodic job (windows roll past old points without any entry).
member_tiers = Table(
    "member_tiers",
    metadata,
    Column("member_pk", BIG_ID, ForeignKey("members.id"), primary_key=True),
    Column("tier_id", String(36), nullable=True),  # None: the base tier
    Column("tier_points", BigInteger, nullable=False),
    Column("next_check_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # lifecycle_0002: the tier's period start, and the projected downgrade and its notice
    Column("tier_since", DateTime(timezone=True), nullable=True),
    Column("downgrade_at", DateTime(timezone=True), nullable=True),
    Column("downgrade_to", String(36), nullable=True),
    Column("downgrade_notice_at", DateTime(timezone=True), nullable=True),
    Index("ix_member_tiers_next_check", "next_check_at"),
    Index("ix_member_tiers_downgrade_notice", "downgrade_notice_at"),
)

rewards = Table(
    "rewards",
    metadata,
    Column("seq", BIG_ID, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("name", String(50), nullable=False),
    Column("type", String(24), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("deleted", Boolean, nullable=False, server_default="0"),
    Column("revision", BigInteger, nullable=False),
    Column("created_date", DateTime(timezone=True), nullable=False),
    Column("updated_date", DateTime(timezone=True), nullable=False),
    CheckConstraint("type IN ('DISCOUNT_AMOUNT', 'COUPON_REWARD')", name="ck_rewards_type"),
)

reward_configs = Table(
    "reward_configs",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("reward_id", String(36), ForeignKey("rewards.id"), nullable=False),
    Column("tier_id", String(36), ForeignKey("tiers.id"), nullable=True),
    Column("amount", ExactDecimal(), nullable=False),
    Column("cost_in_points", BigInteger, nullable=False),
    CheckConstraint("cost_in_points > 0", name="ck_reward_configs_cost"),
    Index("ix_reward_configs_reward", "reward_id"),
)

redemptions = Table(
    "redemptions",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("member_pk", BIG_ID, ForeignKey("members.id"), nullable=False),
    Column("reward_id", String(36), ForeignKey("rewards.id"), nullable=False),
    Column("reward_revision", BigInteger, nullable=False),
    Column("reward_type", String(24), nullable=False),
    Column("tier_id", String(36), nullable=True),  # the config's tier (None: base)
    Column("amount", ExactDecimal(), nullable=False),
    Column("cost_in_points", BigInteger, nullable=False),
    Column("coupon_code", String(32), nullable=False, unique=True),
    Column("idempotency_key", String(256), nullable=False),
    Column("status", String(16), nullable=False),
    # The REDEEM entry that paid for it; None for a reward granted at no cost (a referral's),
    # which names its referral instead (refcoupons_0001).
    Column("redeem_entry_id", BIG_ID, ForeignKey("ledger_entries.id"), nullable=True),
    Column("refund_entry_id", BIG_ID, ForeignKey("ledger_entries.id"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("cancelled_at", DateTime(timezone=True), nullable=True),
    Column("referral_id", BIG_ID, ForeignKey("referrals.id"), nullable=True),
    UniqueConstraint("member_pk", "idempotency_key", name="uq_redemptions_key"),
    CheckConstraint("status IN ('REDEEMED', 'CANCELLED')", name="ck_redemptions_status"),
    CheckConstraint(
        "redeem_entry_id IS NOT NULL OR referral_id IS NOT NULL", name="ck_redemptions_paid"
    ),
    Index("ix_redemptions_member", "member_pk", "id"),
    Index("ix_redemptions_referral", "referral_id"),
)

# Who to thank by e-mail. Keyed by the external member id so that a contact can be set before
# the member's first activity.
member_contacts = Table(
    "member_contacts",
    metadata,
    Column("member_id", String(256), primary_key=True),
    Column("email", String(254), nullable=True),
    Column("name", String(100), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("birthday", Date, nullable=True),  # birthdays_0001; the daily job's (month, day)
)

# The notifications outbox: one row per (event, channel), written in the ledger's transaction;
# delivered afterwards, with retries, by the notification loop. A failure stays here.
notifications = Table(
    "notifications",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False),  # stable id sent to the receiver
    Column("channel", String(8), nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("member_id", String(256), nullable=True),  # None: a configuration change
    Column("payload", Text, nullable=False),  # JSON
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("event_id", "channel", name="uq_notifications_event_channel"),
    CheckConstraint("channel IN ('WEBHOOK', 'EMAIL')", name="ck_notifications_channel"),
    CheckConstraint("status IN ('PENDING', 'DELIVERED', 'FAILED')", name="ck_notifications_status"),
    Index("ix_notifications_due", "status", "next_attempt_at"),
)
