"""The transactional outbox between the ledger and the minter.

A ledger entry that changes tokens inserts its chain request in the same database transaction;
the minter is the only reader that moves a request past PENDING.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    String,
    Table,
    Text,
)

from loyalty.db.tables import BIG_ID, metadata

# Status of a request: PENDING (waiting for a batch) → BATCHED (in a batch whose transaction may
# be in flight) → FINAL (its block is final). A reorged or reverted batch puts its requests back
# to PENDING. REFUSED: the token refused it for its address (`last_error` says why); the minter
# took it out of its batch and never sends it again (docs/chain.md). FINAL and REFUSED are
# settled: neither is pending. Nothing is ever deleted.
PENDING, BATCHED, FINAL, REFUSED = "PENDING", "BATCHED", "FINAL", "REFUSED"
SETTLED = (FINAL, REFUSED)
MINT, BURN = "MINT", "BURN"

chain_requests = Table(
    "chain_requests",
    metadata,
    Column("id", BIG_ID, primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("address", String(42), nullable=False),  # lower-case 0x-hex
    Column("amount", BigInteger, nullable=False),
    Column("member_id", String(256), nullable=True),
    Column("ledger_entry_id", BigInteger, nullable=True),
    Column("status", String(16), nullable=False, server_default=PENDING),
    Column("batch_id", BigInteger, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("amount > 0", name="ck_chain_requests_amount_positive"),
    CheckConstraint("kind IN ('MINT', 'BURN')", name="ck_chain_requests_kind"),
    Index("ix_chain_requests_status_id", "status", "id"),
    Index("ix_chain_requests_member", "member_id"),
)
