"""Deploys the LoyaltyPoints token, grants roles, and records the deployment in the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from sqlalchemy import Engine, insert, select
from web3 import Web3

import contracts
from loyalty.chain import Chain
from loyalty.db.tables import deployments
from loyalty.errors import ChainError, NotDeployed
from loyalty.settings import Settings


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

    @classmethod
    def from_row(cls, row: Any) -> Deployment:
        return cls(
            chain_id=row.chain_id,
            address=Web3.to_checksum_address(row.address),
            deployment_block=row.deployment_block,
            tx_hash=row.tx_hash,
            deployer=Web3.to_checksum_address(row.deployer),
            minter=Web3.to_checksum_address(row.minter),
            name=row.name,
            symbol=row.symbol,
            transferable=row.transferable,
        )


def send_transaction(chain: Chain, key: str, tx: dict[str, Any]) -> Any:
    """Fills nonce, gas and EIP-1559 fees, signs locally, sends, and waits for the receipt.
    Raises ChainError on a revert."""
    w3 = chain.w3
    account = Account.from_key(key)
    tx = dict(tx)
    tx.setdefault("from", account.address)
    tx.setdefault("chainId", chain.chain_id)
    tx.setdefault("nonce", w3.eth.get_transaction_count(account.address, "pending"))
    if "gas" not in tx:
        tx["gas"] = int(w3.eth.estimate_gas(tx) * 1.2)  # type: ignore[arg-type]
    if "maxFeePerGas" not in tx and "gasPrice" not in tx:
        base = w3.eth.get_block("latest").get("baseFeePerGas", 0) or 0
        tip = w3.eth.max_priority_fee if not chain.embedded else 1_000_000_000
        tx["maxPriorityFeePerGas"] = tip
        tx["maxFeePerGas"] = 2 * base + tip
    signed = Account.sign_transaction(tx, key)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)
    if receipt["status"] != 1:
        raise ChainError(f"transaction {tx_hash.hex()} reverted")
    return receipt


def deploy_token(chain: Chain, engine: Engine, settings: Settings) -> Deployment:
    deployer_key = settings.deployer_private_key()
    minter_key = settings.minter_private_key()
    deployer = Account.from_key(deployer_key).address
    minter = Account.from_key(minter_key).address
    w3 = chain.w3
    if w3.eth.get_balance(deployer) == 0:
        raise ChainError(
            f"the deployer {deployer} has no funds on chain {chain.chain_id}: fund it first"
        )
    artifact = contracts.load("LoyaltyPoints")
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    ctor = factory.constructor(
        settings.token_name, settings.token_symbol, deployer, settings.transferable
    )
    receipt = send_transaction(chain, deployer_key, ctor.build_transaction({"from": deployer}))
    address = receipt["contractAddress"]
    token = w3.eth.contract(address=address, abi=artifact.abi)
    for role in ("MINTER_ROLE", "BURNER_ROLE"):
        role_id = token.functions[role]().call()
        call = token.functions.grantRole(role_id, minter)
        send_transaction(chain, deployer_key, call.build_transaction({"from": deployer}))
    # The hot wallet needs gas money; on the embedded dev chain the deployer gives it some.
    if chain.embedded and minter != deployer and w3.eth.get_balance(minter) == 0:
        send_transaction(chain, deployer_key, {"to": minter, "value": 10**21, "gas": 21000})
    deployment = Deployment(
        chain_id=chain.chain_id,
        address=address,
        deployment_block=receipt["blockNumber"],
        tx_hash=receipt["transactionHash"].to_0x_hex(),
        deployer=deployer,
        minter=minter,
        name=settings.token_name,
        symbol=settings.token_symbol,
        transferable=settings.transferable,
    )
    with engine.begin() as conn:
        conn.execute(
            insert(deployments).values(
                chain_id=deployment.chain_id,
                address=deployment.address.lower(),
                deployment_block=deployment.deployment_block,
                tx_hash=deployment.tx_hash,
                deployer=deployer.lower(),
                minter=minter.lower(),
                name=deployment.name,
                symbol=deployment.symbol,
                transferable=deployment.transferable,
                compiler_version=artifact.compiler_version,
                created_at=dt.datetime.now(dt.UTC),
            )
        )
    return deployment


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


def existing_deployment(chain: Chain, engine: Engine) -> Deployment | None:
    """The recorded deployment on this chain if its code is still there (a reset dev chain
    loses it), else None."""
    try:
        deployment = current_deployment(engine, chain.chain_id)
    except NotDeployed:
        return None
    if chain.w3.eth.get_code(Web3.to_checksum_address(deployment.address)) in (b"", None):
        return None
    return deployment


def ensure_deployed(chain: Chain, engine: Engine, settings: Settings) -> Deployment:
    """The recorded deployment if its code is still on chain, else a fresh deployment.
    Used for the embedded chain, where `loyalty serve` deploys on first start."""
    return existing_deployment(chain, engine) or deploy_token(chain, engine, settings)
