"""Tables of the core. Addresses are stored as lower-case 0x-hex strings; points as integers."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

metadata = MetaData()

# BIGINT on PostgreSQL; INTEGER on SQLite, where only INTEGER PRIMARY KEY autoincrements.
BIG_ID = BigInteger().with_variant(Integer, "sqlite")

deployments = Table(
    "deployments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chain_id", BigInteger, nullable=False),
    Column("address", String(42), nullable=False),
    Column("deployment_block", BigInteger, nullable=False),
    Column("tx_hash", String(66), nullable=False),
    Column("deployer", String(42), nullable=False),
    Column("minter", String(42), nullable=False),
    Column("name", String(100), nullable=False),
    Column("symbol", String(20), nullable=False),
    Column("transferable", Boolean, nullable=False),
    Column("compiler_version", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("chain_id", "address", name="uq_deployments_chain_address"),
)
