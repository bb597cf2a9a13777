"""What every part of the minter shares: the store, the node, the key, the token, the policy."""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eth_abi.abi import encode
from eth_account import Account
from eth_utils.crypto import keccak

import contracts
from contracts.revert import ErrorDecoder
from minter.batching import MINT, SETTLE, settle_order
from minter.commitment import Commitment, move_to
from minter.config import MinterConfig
from minter.fees import FeePolicy
from minter.node import BatchLog, Node
from minter.store import MinterStore

log = logging.getLogger("minter")

BATCH_MINTED_TOPIC = "0x" + keccak(text="BatchMinted(bytes32,uint256,uint256)").hex()
BATCH_BURNED_TOPIC = "0x" + keccak(text="BatchBurned(bytes32,uint256,uint256)").hex()
BATCH_SETTLED_TOPIC = (
    "0x" + keccak(text="BatchSettled(bytes32,uint256,uint256,uint256,bytes32,uint256)").hex()
)
SUPPLY_MISMATCH = "CommittedSupplyMismatch"
MAX_BACKOFF = dt.timedelta(minutes=5)
_MINT_SELECTOR = keccak(text="mintBatch(bytes32,address[],uint256[])")[:4]
_BURN_SELECTOR = keccak(text="burnBatch(bytes32,address[],uint256[])")[:4]
_SETTLE_SELECTOR = keccak(text="settle(bytes32,address[],uint256[],uint256,bytes32,uint256)")[:4]


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class MinterContext:
    store: MinterStore
    node: Node
    token_address: str  # checksummed
    deployment_block: int
    config: MinterConfig
    clock: Callable[[], dt.datetime]
    process: str = field(default_factory=process_name)

    def __post_init__(self) -> None:
        self.sender = Account.from_key(self.key).address
        abi = contracts.load("LoyaltyPoints").abi
        self.decoder = ErrorDecoder(abi)
        self.policy = FeePolicy.from_gwei(
            self.config.max_fee_gwei, self.config.min_priority_fee_gwei
        )

    @property
    def key(self) -> str:
        return self.config.key

    def fault(self, point: str) -> None:
        """Test-only crash injection (LOYALTY_MINTER_FAULT): dies here as a power cut would."""
        if self.config.fault == point:
            log.warning("LOYALTY_MINTER_FAULT=%s: killing the minter process now", point)
            logging.shutdown()
            os.kill(os.getpid(), signal.SIGKILL)

    def calldata(
        self,
        kind: str,
        batch_id: str,
        entries: list[tuple[str, int]],
        root: str | None = None,
        supply: int | None = None,
    ) -> str:
        # eth_abi directly: web3's encode_abi spends ~0.2 s on a 200-recipient batch.
        if kind == SETTLE:
            if root is None or supply is None:
                raise ValueError("a SETTLE batch needs its root and committed supply")
            accounts, amounts, mints = settle_order(entries)
            args = encode(
                ["bytes32", "address[]", "uint256[]", "uint256", "bytes32", "uint256"],
                [
                    bytes.fromhex(batch_id[2:]),
                    accounts,
                    amounts,
                    mints,
                    bytes.fromhex(root[2:]),
                    supply,
                ],
            )
            return "0x" + (_SETTLE_SELECTOR + args).hex()
        selector = _MINT_SELECTOR if kind == MINT else _BURN_SELECTOR
        args = encode(
            ["bytes32", "address[]", "uint256[]"],
            [bytes.fromhex(batch_id[2:]), [a for a, _ in entries], [n for _, n in entries]],
        )
        return "0x" + (selector + args).hex()

    def reason(self, data: str | None, fallback: str = "") -> str:
        """A revert's reason as `Name(args)`, or the node's message when the data is unknown."""
        decoded = self.decoder.decode(data)
        if decoded is not None:
            return str(decoded)
        return fallback or (data or "reverted without a reason")

    def is_already_processed(self, data: str | None) -> bool:
        decoded = self.decoder.decode(data)
        return decoded is not None and decoded.name == "BatchAlreadyProcessed"

    def landed(self, batch: Any) -> BatchLog | None:
        """Where the batch id was used on chain, if it was: the contract's event says so,
        whichever transaction (ours, replaced, re-broadcast) carried it."""
        topic = {MINT: BATCH_MINTED_TOPIC, SETTLE: BATCH_SETTLED_TOPIC}.get(
            batch.kind, BATCH_BURNED_TOPIC
        )
        logs = self.node.batch_logs(
            self.token_address, topic, batch.batch_id, self.deployment_block
        )
        if not logs:
            return None
        found = logs[0]
        if (found.count, found.total) != (batch.recipients, int(batch.total)):
            # The same id with other contents: a restored or foreign database. Never mark
            # these requests as minted on the strength of someone else's batch.
            raise BatchIdCollision(
                f"batch id {batch.batch_id} was used on chain for {found.count} recipients / "
                f"{found.total} points, but batch {batch.id} holds {batch.recipients} / "
                f"{batch.total}: the database does not match the chain"
            )
        return found

    def record_landed(self, batch: Any, found: BatchLog, now: dt.datetime) -> None:
        """Marks the batch included where its id landed, by a transaction not known as the
        winner (another signature of ours, or an earlier inclusion)."""
        self.store.record_included(
            batch.id,
            now,
            tx_hash=found.tx_hash,
            block_number=found.block_number,
            block_hash=found.block_hash,
            gas_used=None,
            winner_tx=None,
        )

    def commit(self, batch: Any) -> Commitment:
        """Moves the committed tree to `batch` and records its root and supply on the batch."""
        now = self.clock()
        found = move_to(
            self.store.engine,
            int(batch.id),
            now,
            token=self.token_address,
            chain_id=self.store.chain_id,
        )
        self.store.set_batch(batch.id, now, root=found.root_hex, committed_supply=found.supply)
        return found

    def backoff(self, attempts: int) -> dt.timedelta:
        wait: dt.timedelta = min(self.config.retry * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)
        return wait


class BatchIdCollision(Exception):
    pass
