"""Held points (loyalty.domain.holds): one row per EARN entry awarded with a hold. Migration
branch "held".

`remaining` is what is still held (refunds inside the window take their share out of it);
`status` HELD until the activation job posts the ACTIVATE entry (`activation_entry_id`) or
refunds cancel every point (CANCELLED). The job's queue is the partial index on HELD rows by
`available_at`; an account's held points are the HELD rows of its member.
"""

from __future__ import annotations

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
    text,
)

from loyalty.db.tables import BIG_ID, metadata

H_HELD, H_ACTIVE, H_CANCELLED = "HELD", "ACTIVE", "CANCELLED"

held_points = Table(
    "held_points",
    metadata,
    Column("entry_id", BIG_ID, ForeignKey("ledger_entries.id"), primary_key=True),
    Column("member_pk", BIG_ID, ForeignKey("members.id"), nullable=False),
    Column("points", BigInteger, nullable=False),  # as awarded
    Column("remaining", BigInteger, nullable=False),  # still held
    Column("hold_days", Integer, nullable=False),
    Column("available_at", DateTime(timezone=True), nullable=False),
    Column("status", String(12), nullable=False),
    Column("activation_entry_id", BIG_ID, ForeignKey("ledger_entries.id"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("points > 0", name="ck_held_points_points"),
    CheckConstraint("remaining >= 0 AND remaining <= points", name="ck_held_points_remaining"),
    CheckConstraint("status IN ('HELD', 'ACTIVE', 'CANCELLED')", name="ck_held_points_status"),
    Index("ix_held_points_member", "member_pk", "status"),
    Index(
        "ix_held_points_due",
        "available_at",
        "entry_id",
        postgresql_where=text("status = 'HELD'"),
        sqlite_where=text("status = 'HELD'"),
    ),
    Index("ix_held_points_activation", "activation_entry_id"),
)
