"""The recorded token deployment, read from the database: what the indexer, the audit and the
API need of it. No web3 here: a process that only reads the deployment (`loyalty indexer`,
`loyalty audit`) should not pay web3's ~1 s import; deploying and adopting live in deploy.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from loyalty.db.tables import deployments
from loyalty.errors import NotDeployed
from loyalty.keccak import to_checksum_address

ADOPTED = "adopted"  # compiler_version of a token this service did not deploy


@dataclass(frozen=True)
class Deployment:
    chain_id: int
    address: str  # checksummed
    deployment_block: int
    tx_hash: str
    deployer: str
    minter: str
    name: str
    symbol: str
    transferable: bool
    adopted: bool = False  # recorded by `loyalty deploy --adopt`: another issuer's token

    @classmethod
    def from_row(cls, row: Any) -> Deployment:
        return cls(
            chain_id=row.chain_id,
            address=to_checksum_address(row.address),
            deployment_block=row.deployment_block,
            tx_hash=row.tx_hash,
            deployer=to_checksum_address(row.deployer),
            minter=to_checksum_address(row.minter),
            name=row.name,
            symbol=row.symbol,
            transferable=row.transferable,
            adopted=getattr(row, "compiler_version", "") == ADOPTED,
        )


def current_deployment(engine: Engine, chain_id: int) -> Deployment:
    """The latest recorded deployment on this chain; NotDeployed if there is none."""
    with engine.connect() as conn:
        row = conn.execute(
            select(deployments)
            .where(deployments.c.chain_id == chain_id)
            .order_by(deployments.c.id.desc())
            .limit(1)
        ).first()
    if row is None:
        raise NotDeployed(f"no token is deployed on chain {chain_id}: run `loyalty deploy`")
    return Deployment.from_row(row)
