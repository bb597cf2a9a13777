"""Tables of the ledger area: members, wallet challenges and links, inbound events (activities,
refunds, adjustments as received), orders, and the append-only ledger. Migration branch "ledger".

Dedupe is enforced by unique constraints, so it holds under concurrency and not only through
pre-checks: (source, event_key) for redeliveries, ledger_entries.business_key for one award per
order and rule, wallet_links.challenge_id for single-use nonces.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from loyalty.db.rules import ExactDecimal
from loyalty.db.tables import BIG_ID, metadata

# Running totals live on the member row (updated under its row lock in the same transaction as
# the entries), so reading an account is one row and "never negative" is a CHECK.
members = Table(
    "members",
    metadata,
    # Also the custody index: custodial address = derive(m/44'/60'/0'/0/id). Never reused.
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("member_id", String(256), nullable=False, unique=True),
    Column("custodial_address", String(42), nullable=True),
    Column("wallet_address", String(42), nullable=True, unique=True),
    Column("wallet_linked_at", DateTime(timezone=True), nullable=True),
    Column("earned", BigInteger, nullable=False, server_default="0"),
    Column("adjusted", BigInteger, nullable=False, server_default="0"),
    Column("redeemed", BigInteger, nullable=False, server_default="0"),
    Column("expired", BigInteger, nullable=False, server_default="0"),
    Column("reversed", BigInteger, nullable=False, server_default="0"),
    Column("debt", BigInteger, nullable=False, server_default="0"),
    Column("revision", BigInteger, nullable=False, server_default="1"),
    Column("last_activity_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(
        "earned + adjusted - redeemed - expired - reversed >= 0", name="ck_members_balance"
    ),
    CheckConstraint("debt >= 0", name="ck_members_debt"),
)

wallet_challenges = Table(
    "wallet_challenges",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("member_pk", BIG_ID, ForeignKey("members.id"), nullable=False),
    Column("nonce", String(64), nullable=False, unique=True),
    Column("message", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Index("ix_wallet_challenges_member", "member_pk", "id"),
)

wallet_links = Table(
    "wallet_links",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("member_pk", BIG_ID, ForeignKey("members.id"), nullable=False),
    Column("challenge_id", BIG_ID, ForeignKey("wallet_challenges.id"), nullable=False, unique=True),
    Column("from_address", String(42), nullable=False),
    Column("to_address", String(42), nullable=False),
    Column("amount", BigInteger, nullable=False),  # points moved (burn + mint)
    Column("linked_at", DateTime(timezone=True), nullable=False),
)

# Everything that came in, once: webhook events, recordActivity / recordRefund / adjustPoints
# calls. `response` is the first answer, returned again to a redelivery.
# inbound_events.state: webhooks are stored PENDING and applied after (services.inbox);
# everything else is applied in the transaction that claims it (DONE).
IN_PENDING, IN_DONE, IN_FAILED = "PENDING", "DONE", "FAILED"

inbound_events = Table(
    "inbound_events",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("source", String(16), nullable=False),  # wix, events, api, refund, adjust
    Column("event_key", String(256), nullable=False),  # event id or idempotency key
    Column("request_hash", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # ACTIVITY, REFUND, ADJUST, IGNORED
    Column("member_pk", BIG_ID, ForeignKey("members.id"), nullable=True),
    Column("activity_type", String(80), nullable=True),
    Column("trigger_app_id", String(80), nullable=True),
    Column("order_key", String(256), nullable=True),
    Column("amount", ExactDecimal(), nullable=True),
    Column("currency", String(8), nullable=True),
    Column("occurred_at", DateTime(timezone=True), nullable=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("details", Text, nullable=True),  # JSON: referral, Wix event type, why ignored …
    Column("response", Text, nullable=True),  # JSON
    Column("state", String(12), nullable=False, server_default=IN_DONE),
    Column("payload", Text, nullable=True),  # JSON: the parsed input, while PENDING
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("error", Text, nullable=True),  # JSON {code, message}: why it FAILED or was retried
    Column("process_after", DateTime(timezone=True), nullable=True),  # retry back-off
    Column("processed_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("source", "event_key", name="uq_inbound_events_key"),
    Index("ix_inbound_events_member", "member_pk", "id"),
    # Small partial indexes: the processor's queue and the operators' list of failures.
    Index(
        "ix_inbound_events_pending",
        "id",
        postgresql_where=text("state = 'PENDING'"),
        sqlite_where=text("state = 'PENDING'"),
    ),
    Index(
        "ix_inbound_events_failed",
        "id",
        postgresql_where=text("state = 'FAILED'"),
        sqlite_where=text("state = 'FAILED'"),
    ),
)

# An order as far as points go: its amount (for proportional reversal) and what was refunded.
orders = Table(
    "orders",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("order_key", String(256), nullable=False, unique=True),
    # Wix: orders are keyed by their checkout id (both event types carry it); the Wix order id is
    # kept here so that a refund can name either.
    Column("external_id", String(256), nullable=True, unique=True),
    Column("member_pk", BIG_ID, ForeignKey("members.id"), nullable=False),
    Column("amount", ExactDecimal(), nullable=False),
    Column("currency", String(8), nullable=False),
    Column("refunded", ExactDecimal(), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

ENTRY_TYPES = (
    "EARN",
    "ADJUST",
    "REDEEM",
    "REFUND",
    "REVERSE",
    "EXPIRE",
    "TRANSFER_OUT",
    "TRANSFER_IN",
    "IMPORT",
    "ACTIVATE",
)
ENTRY_TYPES_CHECK = "type IN (" + ", ".join(f"'{t}'" for t in ENTRY_TYPES) + ")"

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("member_pk", BIG_ID, ForeignKey("members.id"), nullable=False),
    Column("type", String(16), nullable=False),
    Column("points", BigInteger, nullable=False),  # as asked, signed
    Column("delta", BigInteger, nullable=False),  # change of balance and tokens
    Column("debt_change", BigInteger, nullable=False, server_default="0"),
    Column("balance_after", BigInteger, nullable=False),
    # The rule and the revision that produced the entry: a later rule change never re-values it.
    Column("rule_id", String(36), nullable=True),
    Column("rule_revision", BigInteger, nullable=True),
    # An EARN entry of a campaign's extra points names the campaign (rule_id: NULL).
    Column("campaign_id", String(36), nullable=True),
    Column("campaign_revision", BigInteger, nullable=True),
    Column("inbound_event_id", BIG_ID, ForeignKey("inbound_events.id"), nullable=True),
    Column("order_pk", BIG_ID, ForeignKey("orders.id"), nullable=True),
    Column("reverses_entry_id", BIG_ID, ForeignKey("ledger_entries.id"), nullable=True),
    # One award per (order, rule); one entry per idempotent command. NULL: no business key.
    Column("business_key", String(400), nullable=True, unique=True),
    Column("description", String(200), nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(ENTRY_TYPES_CHECK, name="ck_ledger_entries_type"),
    CheckConstraint("balance_after >= 0", name="ck_ledger_entries_balance"),
    Index("ix_ledger_entries_member", "member_pk", "id"),
    Index("ix_ledger_entries_order", "order_pk"),
    Index("ix_ledger_entries_reverses", "reverses_entry_id"),
)


# Where the ledger stands with the chain's transfers (loyalty.services.transfers): every final
# block ≤ through_block has had its transfers of members' addresses posted. One row (id 1).
transfer_feed = Table(
    "ledger_transfer_feed",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("through_block", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


def dialect_insert(dialect: str, table: Table) -> Any:
    """The INSERT of `table` that has `on_conflict_do_*` (PostgreSQL's or SQLite's)."""
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


def insert_or_skip(dialect: str, table: Table, conflict_on: list[str]) -> Any:
    """INSERT … ON CONFLICT (conflict_on) DO NOTHING, for PostgreSQL and SQLite.

    On PostgreSQL a conflicting row still being written by another transaction makes this wait
    for it, so the loser of a race sees the winner's committed row afterwards.
    """
    return dialect_insert(dialect, table).on_conflict_do_nothing(index_elements=conflict_on)
