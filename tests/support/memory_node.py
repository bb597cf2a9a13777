"""An in-memory chain behind the minter's `Node` protocol, for tests of the watcher's decisions
that a real dev node cannot stage (anvil evicts an underpriced transaction instead of keeping it
pending, and never lets a foreign transaction take a nonce on demand).

It is not an EVM: a pool, blocks mined on demand with a settable base fee, nonces, and the
token's two rules the minter relies on (a batch id is used once; a paused token refuses). It reads
mintBatch, burnBatch and settle calls alike (the batch id, then the accounts' and the amounts'
offsets); a settle's supply check is not modelled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_abi.abi import encode
from eth_account import Account
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from eth_utils.crypto import keccak
from hexbytes import HexBytes

from minter.context import BATCH_BURNED_TOPIC, BATCH_MINTED_TOPIC, BATCH_SETTLED_TOPIC
from minter.loop import STATEMENT_SIGNER
from minter.node import BatchLog, Block, Receipt, Reverted, SendOutcome

ENFORCED_PAUSE = "0x" + keccak(text="EnforcedPause()")[:4].hex()
_MINT_SELECTOR = keccak(text="mintBatch(bytes32,address[],uint256[])")[:4]


def _already_processed(batch_id: bytes) -> str:
    selector = keccak(text="BatchAlreadyProcessed(bytes32)")[:4]
    return "0x" + (selector + encode(["bytes32"], [batch_id])).hex()


@dataclass
class PoolTx:
    hash: str
    sender: str
    nonce: int
    max_fee: int
    tip: int
    data: bytes


@dataclass
class MemoryNode:
    base_fee: int = 10**9
    paused: bool = False
    blocks: list[Block] = field(default_factory=list)
    pool: dict[str, PoolTx] = field(default_factory=dict)
    receipts: dict[str, Receipt] = field(default_factory=dict)
    nonces: dict[str, int] = field(default_factory=dict)
    used: dict[bytes, BatchLog] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)  # every raw transaction received

    def __post_init__(self) -> None:
        self._new_block()

    def _new_block(self) -> Block:
        number = len(self.blocks)
        block = Block(number, "0x" + keccak(number.to_bytes(8, "big")).hex(), self.base_fee)
        self.blocks.append(block)
        return block

    # --- driving it ------------------------------------------------------------------------

    def mine(self, count: int = 1) -> None:
        for _ in range(count):
            block = self._new_block()
            for tx in sorted(self.pool.values(), key=lambda t: (t.sender, t.nonce, -t.tip)):
                if tx.hash not in self.pool or tx.max_fee < block.base_fee:
                    continue
                if tx.nonce != self.nonces.get(tx.sender, 0):
                    continue
                self._execute(tx, block)

    def _execute(self, tx: PoolTx, block: Block) -> None:
        self.nonces[tx.sender] = tx.nonce + 1
        for other in [
            t for t in self.pool.values() if (t.sender, t.nonce) == (tx.sender, tx.nonce)
        ]:
            del self.pool[other.hash]
        batch_id = tx.data[4:36]
        ok = not self.paused and batch_id not in self.used
        if ok:
            accounts_at = 4 + int.from_bytes(tx.data[36:68], "big")
            count = int.from_bytes(tx.data[accounts_at : accounts_at + 32], "big")
            amounts_at = 4 + int.from_bytes(tx.data[68:100], "big")
            amounts = [
                int.from_bytes(
                    tx.data[amounts_at + 32 * (i + 1) : amounts_at + 32 * (i + 2)], "big"
                )
                for i in range(count)
            ]
            self.used[batch_id] = BatchLog(tx.hash, block.number, block.hash, count, sum(amounts))
        self.receipts[tx.hash] = Receipt(
            tx.hash, 1 if ok else 0, block.number, block.hash, 50_000, block.base_fee + tx.tip
        )

    def take_nonce(self, sender: str) -> None:
        """Another transaction from the same wallet (not the minter's) uses the next nonce."""
        key = sender.lower()
        self.nonces[key] = self.nonces.get(key, 0) + 1
        self.pool = {h: t for h, t in self.pool.items() if t.nonce >= self.nonces[key]}
        self._new_block()

    # --- the Node protocol -----------------------------------------------------------------

    def block(self, tag: str | int) -> Block | None:
        if tag == "latest":
            return self.blocks[-1]
        if isinstance(tag, int):
            return self.blocks[tag] if tag < len(self.blocks) else None
        return None  # no "finalized" tag: the configured depth applies

    def nonce(self, address: str, tag: str = "latest") -> int:
        return self.nonces.get(address.lower(), 0)

    def receipts_for(self, tx_hashes: Sequence[str]) -> dict[str, Receipt | None]:
        return {h: self.receipt(h) for h in tx_hashes}

    def receipt(self, tx_hash: str) -> Receipt | None:
        return self.receipts.get(tx_hash)

    def knows(self, tx_hash: str) -> bool:
        return tx_hash in self.pool or tx_hash in self.receipts

    def send_raw(self, raw_tx: str) -> tuple[SendOutcome, str]:
        self.sent.append(raw_tx)
        raw = HexBytes(raw_tx)
        fields: dict[str, Any] = TypedTransaction.from_bytes(raw).as_dict()
        tx = PoolTx(
            hash="0x" + keccak(raw).hex(),
            sender=Account.recover_transaction(raw).lower(),
            nonce=fields["nonce"],
            max_fee=fields["maxFeePerGas"],
            tip=fields["maxPriorityFeePerGas"],
            data=bytes(fields["data"]),
        )
        if tx.hash in self.pool or tx.hash in self.receipts:
            return SendOutcome.ALREADY_KNOWN, "already known"
        if tx.nonce < self.nonces.get(tx.sender, 0):
            return SendOutcome.NONCE_TOO_LOW, "nonce too low"
        for other in self.pool.values():
            if (other.sender, other.nonce) == (tx.sender, tx.nonce) and (
                tx.max_fee * 10 < other.max_fee * 11 or tx.tip * 10 < other.tip * 11
            ):
                return SendOutcome.UNDERPRICED, "replacement transaction underpriced"
        self.pool = {
            h: t for h, t in self.pool.items() if (t.sender, t.nonce) != (tx.sender, tx.nonce)
        }
        self.pool[tx.hash] = tx
        return SendOutcome.ACCEPTED, ""

    def _simulate(self, tx: dict[str, Any]) -> str | None:
        data = bytes.fromhex(str(tx["data"])[2:])
        if self.paused:
            return ENFORCED_PAUSE
        if data[4:36] in self.used:
            return _already_processed(data[4:36])
        return None

    def estimate_gas(self, tx: dict[str, Any], block: str | None = None) -> int:
        revert = self._simulate(tx)
        if revert is not None:
            raise Reverted("execution reverted", revert)
        return 100_000

    def call(self, tx: dict[str, Any], block: str | int) -> str | None:
        if str(tx["data"]) == STATEMENT_SIGNER:
            return None  # a view of the token (the minter's check that it has settle)
        return self._simulate(tx)

    def suggested_tip(self) -> int:
        return 0

    def batch_logs(self, token: str, topic0: str, batch_id: str, from_block: int) -> list[BatchLog]:
        assert topic0 in (BATCH_MINTED_TOPIC, BATCH_BURNED_TOPIC, BATCH_SETTLED_TOPIC)
        found = self.used.get(bytes.fromhex(batch_id[2:]))
        return [found] if found is not None else []
