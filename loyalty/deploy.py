"""Deploys the LoyaltyPoints token, grants roles, and records the deployment in the database; adopts
a token deployed elsewhere. Reading the recorded deployment is loyalty.deployment's (no web3),
re-exported here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from eth_abi.abi import decode
from eth_account import Account
from sqlalchemy import Engine, insert, select
from web3 import Web3
from web3.exceptions import ContractLogicError, TimeExhausted, TransactionNotFound, Web3RPCError

import contracts
from loyalty.chain import Chain
from loyalty.db.tables import deployments
from loyalty.deployment import ADOPTED, Deployment, current_deployment
from loyalty.errors import ChainError, ChainUnreachable, ConfigError, NotDeployed, StateMismatch
from loyalty.settings import Settings


@contextmanager
def chain_errors(what: str) -> Iterator[None]:
    """Turns what the node or web3 raise while doing `what` into a one-line ChainError."""
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
    statement_key = statement_key_or_none(settings)
    if statement_key is not None:
        set_statement_signer(chain, address, deployer_key, Account.from_key(statement_key).address)
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


def statement_key_or_none(settings: Settings) -> str | None:
    """The statement key (a development one on the embedded chain); None when a node deployment
    has none configured (statements are then refused until it is set)."""
    try:
        return settings.statement_private_key()
    except ConfigError:
        if settings.statement_key:
            raise  # set but malformed: say so
        return None


def statement_signer(chain: Chain, token: str) -> str:
    """The address the token records as `statementSigner()` (the zero address: none)."""
    with chain_errors(f"reading statementSigner() of the token at {token}"):
        return Web3.to_checksum_address(_call(chain, token, "statementSigner()", "address"))


def set_statement_signer(chain: Chain, token: str, admin_key: str, signer: str) -> None:
    """Records `signer` on the token (`setStatementSigner`, the admin role's)."""
    artifact = contracts.load("LoyaltyPoints")
    contract = chain.w3.eth.contract(address=Web3.to_checksum_address(token), abi=artifact.abi)
    admin = Account.from_key(admin_key).address
    call = contract.functions.setStatementSigner(Web3.to_checksum_address(signer))
    with chain_errors(f"recording the statement signer {signer} on the token at {token}"):
        send_transaction(chain, admin_key, dict(call.build_transaction({"from": admin})))


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


ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


def _call(chain: Chain, address: str, signature: str, kind: str) -> Any:
    """One eth_call of an argument-less `signature` on `address`; its decoded return value."""
    selector = bytes(Web3.keccak(text=signature)[:4])
    raw = chain.w3.eth.call({"to": Web3.to_checksum_address(address), "data": selector})
    return decode([kind], bytes(raw))[0]


def adopt_token(
    chain: Chain, engine: Engine, settings: Settings, address: str, block: int
) -> Deployment:
    """Records an ERC-20 this service did not deploy, created in `block`, so that the indexer
    and the audit follow it from there. Nothing is sent to the chain. The block must be the
    token's creation block: a later one would miss the transfers before it, and the audit
    could never agree with `balanceOf`."""
    if not Web3.is_address(address):
        raise ConfigError(f"--adopt {address!r} is not an address (0x and 40 hex digits)")
    if block < 0:
        raise ConfigError(f"--block must be 0 or more, not {block}")
    checksum = Web3.to_checksum_address(address)
    w3 = chain.w3
    with chain_errors(f"reading the code at {checksum}"):
        head = w3.eth.block_number
        if block > head:
            raise ConfigError(f"--block {block} is after the chain's head ({head})")
        code_then = w3.eth.get_code(checksum, block)
        code_before = w3.eth.get_code(checksum, block - 1) if block > 0 else b""
    if not code_then:
        raise ConfigError(f"no contract at {checksum} in block {block}")
    if code_before:
        raise ConfigError(
            f"the contract at {checksum} already existed in block {block - 1}: give its "
            "creation block, or the transfers before --block would never be indexed"
        )
    try:
        name = str(_call(chain, checksum, "name()", "string"))[:100]
        symbol = str(_call(chain, checksum, "symbol()", "string"))[:20]
        _call(chain, checksum, "totalSupply()", "uint256")
    except Exception as exc:
        raise ConfigError(
            f"{checksum} does not answer name(), symbol() and totalSupply() "
            f"({type(exc).__name__}): it is not an ERC-20 token"
        ) from None
    try:
        transferable = bool(_call(chain, checksum, "transferable()", "bool"))
    except Exception:
        transferable = True  # a plain ERC-20 moves freely
    minter = (
        Account.from_key(settings.minter_private_key()).address.lower()
        if settings.minter_key
        else ZERO_ADDRESS
    )
    with engine.begin() as conn:
        rows = conn.execute(
            select(deployments).where(deployments.c.chain_id == chain.chain_id)
        ).all()
        for row in rows:
            if row.address.lower() == checksum.lower():
                if row.deployment_block != block:
                    raise ConfigError(
                        f"{checksum} is already recorded with deployment block "
                        f"{row.deployment_block}, not {block}"
                    )
                return Deployment.from_row(row)
        if rows:
            raise ConfigError(
                f"a token is already recorded on chain {chain.chain_id} "
                f"({Web3.to_checksum_address(rows[-1].address)}): one database follows one "
                "token; adopt into a fresh database"
            )
        conn.execute(
            insert(deployments).values(
                chain_id=chain.chain_id,
                address=checksum.lower(),
                deployment_block=block,
                tx_hash="",
                deployer=ZERO_ADDRESS,
                minter=minter,
                name=name,
                symbol=symbol,
                transferable=transferable,
                compiler_version=ADOPTED,
                created_at=dt.datetime.now(dt.UTC),
            )
        )
    return current_deployment(engine, chain.chain_id)


def minting_refusal(chain: Chain, deployment: Deployment, minter: str) -> str | None:
    """Why the minter cannot send its batches to this token (None when it can): the token must
    have LoyaltyPoints' mintBatch/burnBatch and grant the minter both roles."""
    artifact = contracts.load("LoyaltyPoints")
    token = chain.w3.eth.contract(
        address=Web3.to_checksum_address(deployment.address), abi=artifact.abi
    )
    where = f"{deployment.symbol} at {deployment.address}"
    with chain_errors(f"reading the code of {where}"):
        code = bytes(chain.w3.eth.get_code(Web3.to_checksum_address(deployment.address)))
    for fn in ("mintBatch", "burnBatch"):
        selector = bytes(Web3.keccak(text=token.get_function_by_name(fn).signature)[:4])
        if selector not in code:
            return (
                f"the token {where} has no {fn}(): the minter sends LoyaltyPoints batches only "
                "(the indexer and the audit can still follow it)"
            )
    for role in ("MINTER_ROLE", "BURNER_ROLE"):
        try:
            role_id = token.functions[role]().call()
            granted = token.functions.hasRole(role_id, Web3.to_checksum_address(minter)).call()
        except Exception as exc:
            return f"the token {where} does not answer {role}/hasRole ({type(exc).__name__})"
        if not granted:
            return (
                f"the minter {minter} has no {role} on the token {where}: grant it "
                "(grantRole from the token's admin) before starting the minter"
            )
    return None


__all__ = [  # Deployment and current_deployment live in loyalty.deployment (no web3)
    "ADOPTED",
    "Deployment",
    "adopt_token",
    "chain_errors",
    "current_deployment",
    "deploy_keys",
    "deploy_token",
    "ensure_deployed",
    "existing_deployment",
    "minting_refusal",
    "send_transaction",
]
