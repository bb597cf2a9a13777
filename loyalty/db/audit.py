"""The admin audit log's tables (migration books_0002): the hash-chained entries, and the head
(one row: the last position and hash), which every append updates under its row lock, so
appends are serialized and the chain has no fork."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, String, Table, Text

from loyalty.db.tables import BIG_ID, metadata

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BIG_ID, primary_key=True, autoincrement=False),  # chain position, 1, 2, …
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor_key_id", String(64), nullable=True),
    Column("actor_name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("entity_id", String(256), nullable=False),
    Column("action", String(16), nullable=False),
    Column("before", Text, nullable=True),  # canonical JSON
    Column("after", Text, nullable=True),
    Column("diff", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_entity", "kind", "entity_id", "seq"),
    Index("ix_audit_log_actor", "actor_key_id", "seq"),
    Index("ix_audit_log_at", "at", "seq"),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)
