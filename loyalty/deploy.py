"""Deploys the LoyaltyPoints token, grants roles, and records the deployment in the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from sqlalchemy import Engine, insert, select
from web3 import Web3
from web3.exceptions import ContractLogicError, TimeExhausted, TransactionNotFound, Web3RPCError

import contracts
from loyalty.chain import Chain
from loyalty.db.tables import deployments
from loyalty.errors import ChainError, ChainUnreachable, ConfigError, NotDeployed, StateMismatch
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


@contextmanager
def chain_errors(what: str) -> Iterator[None]:
    """Turns what the node or web3 raise while doing `what` into a one-line ChainError."""
    import requests

    try:
        yield
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise ChainUnreachable(
            f"{what}: lost the node ({type(exc).__name__}): check that it is running"
        ) from None
    except Web3RPCError as exc:  # e.g. "insufficient funds for gas * price + value"
        error = exc.rpc_response.get("error") if exc.rpc_response else None
        message = error.get("message") if isinstance(error, dict) else error
        raise ChainError(f"{what}: the node refused it: {message or exc}") from None
    except ContractLogicError as exc:
        raise ChainError(f"{what}: the contract refused it ({exc.data or exc})") from None
    except TimeExhausted:
        raise ChainError(
            f"{what}: not mined in time: check the node and the account's pending transactions"
        ) from None


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
        raise ChainError(f"transaction {tx_hash.to_0x_hex()} reverted")
    return receipt


def deploy_keys(settings: Settings) -> tuple[str, str]:
    """The deployer's and the minter's private keys; ConfigError if missing, malformed or the
    same (the admin can grant every role, so it must not sit in the hot wallet)."""
    deployer_key = settings.deployer_private_key()
    minter_key = settings.minter_private_key()
    if deployer_key == minter_key:
        raise ConfigError(
            "LOYALTY_MINTER_KEY is the same key as LOYALTY_DEPLOYER_KEY: give the minter its own "
            "key, so that the hot wallet never holds the admin role"
        )
    return deployer_key, minter_key


def deploy_token(chain: Chain, engine: Engine, settings: Settings) -> Deployment:
    deployer_key, minter_key = deploy_keys(settings)
    deployer = Account.from_key(deployer_key).address
    minter = Account.from_key(minter_key).address
    w3 = chain.w3
    with chain_errors("checking the deployer's funds"):
        funds = w3.eth.get_balance(deployer)
    if funds == 0:
        raise ChainError(
            f"the deployer {deployer} has no funds on chain {chain.chain_id}: fund it first"
        )
    artifact = contracts.load("LoyaltyPoints")
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    ctor = factory.constructor(
        settings.token_name, settings.token_symbol, deployer, settings.transferable
    )
    with chain_errors(f"deploying the token from {deployer}"):
        receipt = send_transaction(chain, deployer_key, ctor.build_transaction({"from": deployer}))
    address = receipt["contractAddress"]
    token = w3.eth.contract(address=address, abi=artifact.abi)
    for role in ("MINTER_ROLE", "BURNER_ROLE"):
        with chain_errors(f"granting {role} to {minter} on the token at {address}"):
            role_id = token.functions[role]().call()
            call = token.functions.grantRole(role_id, minter)
            send_transaction(chain, deployer_key, call.build_transaction({"from": deployer}))
    # The hot wallet needs gas money; on the embedded dev chain the deployer gives it some.
    if chain.embedded and w3.eth.get_balance(minter) == 0:
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
    """The recorded deployment, or a fresh one when none is recorded. Used for the embedded
    chain, where `loyalty serve` deploys on first start. A recorded deployment the chain does
    not have means the database and the chain state file are not from the same history (one
    was deleted or restored alone): serving would strand every balance, so it is refused."""
    try:
        deployment = current_deployment(engine, chain.chain_id)
    except NotDeployed:
        return deploy_token(chain, engine, settings)
    if not _on_chain(chain, deployment):
        state = settings.chain_state or "(in memory)"
        raise StateMismatch(
            f"the database records the token at {deployment.address} (block "
            f"{deployment.deployment_block}), but the chain state {state} does not have it: "
            "the two files go together; restore both from one backup, or move "
            "both away to start over (see docs/operating.md)"
        )
    return deployment


def _on_chain(chain: Chain, deployment: Deployment) -> bool:
    """Whether the chain holds the recorded deployment: its transaction created the contract
    at the recorded address in the recorded block, and the code is there."""
    w3 = chain.w3
    try:
        receipt = w3.eth.get_transaction_receipt(deployment.tx_hash)  # type: ignore[arg-type]
    except TransactionNotFound:  # a node that cannot answer raises, not a false "mismatch"
        return False
    if receipt is None or receipt.get("blockNumber") != deployment.deployment_block:
        return False
    created = receipt.get("contractAddress")
    if created is None or created.lower() != deployment.address.lower():
        return False
    return w3.eth.get_code(Web3.to_checksum_address(deployment.address)) not in (b"", None)
