"""The minter's tables: batches (what goes on chain, under which batchId) and every transaction
it ever signed (so replacements and re-broadcasts are auditable).

`chain_requests.batch_id` points at `mint_batches.id`. The audit (audit/ledger.py) reads
`mint_batches` and `chain_requests` through these table objects and state constants.
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
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from loyalty.db.outbox import chain_requests
from loyalty.db.tables import BIG_ID, metadata

# Batch status: PENDING (to send, or to send again after a revert or a reorg) → SENT (a signed
# transaction for it is saved, maybe broadcast) → INCLUDED (mined with status 1, block not yet
# final) → FINAL. NETTED: the batch's requests cancel out per address (recipients 0, total 0),
# so it is settled when formed, with no transaction, and never goes on chain; its requests are
# FINAL. REFUSED: the requests of addresses the token refused (an insufficient balance after a
# member moved points away from a linked wallet, an invalid receiver), taken out of their batch
# so the rest could go; never sent again, its requests REFUSED with the decoded reason (see
# minter.refusals and docs/chain.md). FINAL, NETTED and REFUSED are the settled states. Nothing
# is ever deleted.
B_PENDING, B_SENT, B_INCLUDED, B_FINAL, B_NETTED, B_REFUSED = (
    "PENDING",
    "SENT",
    "INCLUDED",
    "FINAL",
    "NETTED",
    "REFUSED",
)
BATCH_STATUSES = (B_PENDING, B_SENT, B_INCLUDED, B_FINAL, B_NETTED, B_REFUSED)
SETTLED_STATUSES = (B_FINAL, B_NETTED, B_REFUSED)

# Transaction state: SIGNED (saved, not yet known to be broadcast) → BROADCAST → MINED (status 1)
# or REVERTED (status 0; the nonce is used) or REPLACED (another signature for the same nonce won)
# or DROPPED (its block was reorged out or the nonce went to another transaction).
T_SIGNED, T_BROADCAST, T_MINED, T_REVERTED, T_REPLACED, T_DROPPED = (
    "SIGNED",
    "BROADCAST",
    "MINED",
    "REVERTED",
    "REPLACED",
    "DROPPED",
)
LIVE_TX_STATES = (T_SIGNED, T_BROADCAST)

_wei = Numeric(78, 0)

mint_batches = Table(
    "mint_batches",
    metadata,
    Column("id", BIG_ID, primary_key=True),
    Column("chain_id", BigInteger, nullable=False),
    Column("token_address", String(42), nullable=False),
    # 0x-hex bytes32; set in the transaction that creates the row (it derives from the row id).
    Column("batch_id", String(66), nullable=True, unique=True),
    Column("kind", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("recipients", Integer, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("nonce", BigInteger, nullable=True),
    Column("tx_hash", String(66), nullable=True),
    Column("block_number", BigInteger, nullable=True),
    Column("block_hash", String(66), nullable=True),
    Column("gas_used", BigInteger, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("reorgs", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=True),
    Column("retry_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("final_at", DateTime(timezone=True), nullable=True),
    # SETTLE batches (issue 17): the ledger root (0x-hex) and the supply committed with them,
    # kept from the first signature so a replacement carries the same commitment.
    Column("root", String(66), nullable=True),
    Column("committed_supply", _wei, nullable=True),
    CheckConstraint("kind IN ('MINT', 'BURN', 'SETTLE')", name="ck_mint_batches_kind"),
    CheckConstraint(
        "status IN ('PENDING', 'SENT', 'INCLUDED', 'FINAL', 'NETTED', 'REFUSED')",
        name="ck_mint_batches_status",
    ),
    Index("ix_mint_batches_status", "status", "id"),
)

minter_txs = Table(
    "minter_txs",
    metadata,
    Column("id", BIG_ID, primary_key=True),
    Column("batch_pk", BIG_ID, ForeignKey("mint_batches.id"), nullable=False),
    Column("chain_id", BigInteger, nullable=False),
    Column("sender", String(42), nullable=False),
    Column("nonce", BigInteger, nullable=False),
    Column("tx_hash", String(66), nullable=False),
    Column("raw_tx", Text, nullable=False),
    Column("gas_limit", BigInteger, nullable=False),
    Column("max_fee_per_gas", _wei, nullable=False),
    Column("max_priority_fee_per_gas", _wei, nullable=False),
    Column("state", String(16), nullable=False),
    Column("broadcast_block", BigInteger, nullable=True),
    Column("block_number", BigInteger, nullable=True),
    Column("block_hash", String(66), nullable=True),
    Column("gas_used", BigInteger, nullable=True),
    Column("effective_gas_price", _wei, nullable=True),
    Column("error", Text, nullable=True),
    Column("process", String(128), nullable=False),  # host:pid that signed it
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("tx_hash", name="uq_minter_txs_hash"),
    Index("ix_minter_txs_batch", "batch_pk"),
    Index("ix_minter_txs_sender_nonce", "chain_id", "sender", "nonce"),
)

# The committed tree (minter.commitment): its nodes by (level, index), its leaves by member, and
# the one row saying which batch it stands at. Nodes of empty subtrees are not stored.
commit_tree_nodes = Table(
    "commit_tree_nodes",
    metadata,
    Column("level", Integer, primary_key=True),
    Column("idx", BigInteger, primary_key=True),
    Column("hash", LargeBinary(32), nullable=False),
    Column("balance", _wei, nullable=False),
)
commit_tree_leaves = Table(
    "commit_tree_leaves",
    metadata,
    Column("member_pk", BigInteger, primary_key=True),
    Column("address", String(42), nullable=True),
    Column("balance", _wei, nullable=False),
)
commit_tree_state = Table(
    "commit_tree_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("position", BigInteger, nullable=False),  # the batch (row id) the tree stands at
    # Requests in batches from here on may still change what they count for (refusals): the
    # next update looks at them again.
    Column("floor", BigInteger, nullable=False),
    Column("top", Integer, nullable=False),  # the highest level whose nodes are stored
    Column("depth", Integer, nullable=False),
    Column("root", String(66), nullable=False),
    Column("supply", _wei, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Defined here because the minter's migration creates it: requests of a batch, for the minter
# and the audit.
Index("ix_chain_requests_batch", chain_requests.c.batch_id)
