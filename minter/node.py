"""The minter's view of the chain: the few JSON-RPC calls it makes, behind a small Protocol.

`RpcNode` speaks raw JSON-RPC through the connected provider (the embedded chain or a node), so
the minter sees the node's own error messages and classifies them (see `classify_send_error`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from loyalty.chain import Chain
from loyalty.errors import ChainError
from loyalty.metrics import RPC_ERRORS


class SendOutcome(Enum):
    ACCEPTED = "accepted"
    ALREADY_KNOWN = "already_known"  # the node has it: look for the receipt
    NONCE_TOO_LOW = "nonce_too_low"  # the nonce is used: look for the receipt, never re-sign
    UNDERPRICED = "underpriced"  # a replacement whose fees are not high enough
    REJECTED = "rejected"  # anything else (insufficient funds, fee cap, …)


# Messages of geth/bor, erigon, nethermind, besu and anvil for the same situations.
_PATTERNS: tuple[tuple[SendOutcome, re.Pattern[str]], ...] = (
    (
        SendOutcome.ALREADY_KNOWN,
        re.compile(r"already known|already imported|known transaction|alreadyknown|already exists"),
    ),
    (
        SendOutcome.NONCE_TOO_LOW,
        re.compile(
            r"nonce too low|nonce is too low|oldnonce|nonce has already been used"
            r"|invalid transaction nonce"  # py-evm (the embedded chain)
        ),
    ),
    (
        SendOutcome.UNDERPRICED,
        re.compile(r"underpriced|fee too low|feetoolow|less than block base fee|fee cap too low"),
    ),
)


def classify_send_error(message: str) -> SendOutcome:
    text = message.lower()
    for outcome, pattern in _PATTERNS:
        if pattern.search(text):
            return outcome
    return SendOutcome.REJECTED


@dataclass(frozen=True)
class Block:
    number: int
    hash: str
    base_fee: int


@dataclass(frozen=True)
class Receipt:
    tx_hash: str
    status: int
    block_number: int
    block_hash: str
    gas_used: int
    effective_gas_price: int


@dataclass(frozen=True)
class BatchLog:
    """A BatchMinted/BatchBurned event: where a batch id actually landed."""

    tx_hash: str
    block_number: int
    block_hash: str
    count: int
    total: int


class Reverted(ChainError):
    """A simulation (gas estimate or call) reverted; `data` is the revert data (0x-hex)."""

    def __init__(self, message: str, data: str | None) -> None:
        super().__init__(message)
        self.data = data


class RpcTransient(ChainError):
    """A call that got no usable answer (connection dropped, timeout, reply cut short): the
    minter's step is retried, nothing is decided on it."""

    def __init__(self, method: str, cause: BaseException) -> None:
        super().__init__(f"{method}: {type(cause).__name__}: {str(cause)[:200]}")
        self.method = method


class Node(Protocol):
    def block(self, tag: str | int) -> Block | None: ...
    def nonce(self, address: str, tag: str = "latest") -> int: ...
    def receipt(self, tx_hash: str) -> Receipt | None: ...
    def receipts_for(self, tx_hashes: Sequence[str]) -> dict[str, Receipt | None]: ...
    def knows(self, tx_hash: str) -> bool: ...
    def send_raw(self, raw_tx: str) -> tuple[SendOutcome, str]: ...
    def estimate_gas(self, tx: dict[str, Any], block: str | None = None) -> int: ...
    def call(self, tx: dict[str, Any], block: str | int) -> str | None: ...
    def suggested_tip(self) -> int: ...
    def batch_logs(
        self, token: str, topic0: str, batch_id: str, from_block: int
    ) -> list[BatchLog]: ...


def _hex(value: str | int) -> str:
    return value if isinstance(value, str) else hex(value)


class RpcNode:
    def __init__(self, chain: Chain) -> None:
        self._chain = chain

    def _rpc(self, method: str, params: list[Any]) -> Any:
        try:
            response = self._chain.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        except Exception as exc:
            if not self._chain.embedded:
                # Transport failures: the step fails and is tried again (see minter.loop).
                RPC_ERRORS.labels(component="minter", method=method).inc()
                raise RpcTransient(method, exc) from exc
            # The embedded chain raises its refusals instead of answering them.
            raise _RpcError(f"{type(exc).__name__}: {exc}", None) from None
        error = response.get("error")
        if error is not None:
            if isinstance(error, dict):
                raise _RpcError(str(error.get("message", "")), error.get("data"))
            raise _RpcError(str(error), None)
        return response.get("result")

    def block(self, tag: str | int) -> Block | None:
        try:
            raw = self._rpc("eth_getBlockByNumber", [_hex(tag), False])
        except _RpcError:
            if isinstance(tag, str):
                return None  # the node has no such tag ("finalized" on an old node)
            raise
        if not raw:
            return None
        return Block(
            number=_int(raw["number"]),
            hash=_h(raw["hash"]),
            base_fee=_int(raw.get("baseFeePerGas") or 0),
        )

    def nonce(self, address: str, tag: str = "latest") -> int:
        return _int(self._rpc("eth_getTransactionCount", [address, tag]))

    def receipt(self, tx_hash: str) -> Receipt | None:
        return _receipt(self._rpc("eth_getTransactionReceipt", [tx_hash]))

    def receipts_for(self, tx_hashes: Sequence[str]) -> dict[str, Receipt | None]:
        """Every transaction's receipt (None: not mined) in one JSON-RPC batch request: the
        watcher asks for all its transactions in flight at once, not one round trip each."""
        if len(tx_hashes) <= 1:
            return {h: self.receipt(h) for h in tx_hashes}
        calls = [("eth_getTransactionReceipt", [h]) for h in tx_hashes]
        try:
            answers = self._chain.w3.provider.make_batch_request(calls)  # type: ignore[attr-defined]
        except Exception as exc:
            RPC_ERRORS.labels(component="minter", method="eth_getTransactionReceipt").inc()
            raise RpcTransient("eth_getTransactionReceipt", exc) from exc
        if not isinstance(answers, list) or len(answers) != len(tx_hashes):
            raise RpcTransient("eth_getTransactionReceipt", ValueError(f"{answers!r}"[:200]))
        found: dict[str, Receipt | None] = {}
        for tx_hash, answer in zip(tx_hashes, answers, strict=True):
            error = answer.get("error")
            if error is not None:
                raise _RpcError(str(error.get("message", error)), None)
            found[tx_hash] = _receipt(answer.get("result"))
        return found

    def knows(self, tx_hash: str) -> bool:
        try:
            return self._rpc("eth_getTransactionByHash", [tx_hash]) is not None
        except _RpcError:
            return False

    def send_raw(self, raw_tx: str) -> tuple[SendOutcome, str]:
        try:
            self._rpc("eth_sendRawTransaction", [raw_tx])
        except _RpcError as exc:
            return classify_send_error(str(exc)), str(exc)
        return SendOutcome.ACCEPTED, ""

    def estimate_gas(self, tx: dict[str, Any], block: str | None = None) -> int:
        """Gas for `tx` at `block` (the node's default when None; "pending": on top of the
        transactions in its pool, the minter's own not mined yet)."""
        params: list[Any] = [_json_tx(tx)] + ([block] if block is not None else [])
        try:
            return _int(self._rpc("eth_estimateGas", params))
        except _RpcError as exc:
            raise Reverted(str(exc), exc.data) from None

    def call(self, tx: dict[str, Any], block: str | int) -> str | None:
        """The revert data of `tx` simulated at `block`; None when it would succeed."""
        try:
            self._rpc("eth_call", [_json_tx(tx), _hex(block)])
        except _RpcError as exc:
            return exc.data or str(exc)
        return None

    def suggested_tip(self) -> int:
        try:
            return _int(self._rpc("eth_maxPriorityFeePerGas", []))
        except (_RpcError, ValueError, TypeError):
            return 0  # the minimum tip setting applies

    def batch_logs(self, token: str, topic0: str, batch_id: str, from_block: int) -> list[BatchLog]:
        raw = self._rpc(
            "eth_getLogs",
            [
                {
                    "address": token,
                    "topics": [topic0, batch_id],
                    "fromBlock": hex(from_block),
                    "toBlock": "latest",
                }
            ],
        )
        logs = []
        for log in raw or []:
            data = bytes.fromhex(_h(log["data"])[2:])
            logs.append(
                BatchLog(
                    tx_hash=_h(log["transactionHash"]),
                    block_number=_int(log["blockNumber"]),
                    block_hash=_h(log["blockHash"]),
                    count=int.from_bytes(data[:32], "big"),
                    total=_log_total(data),
                )
            )
        return logs


def _log_total(data: bytes) -> int:
    """The points a batch event moved: `total` of BatchMinted/BatchBurned(count, total); of
    BatchSettled(count, minted, burned, root, supply), minted plus burned."""
    if len(data) >= 160:
        return int.from_bytes(data[32:64], "big") + int.from_bytes(data[64:96], "big")
    return int.from_bytes(data[32:64], "big")


class _RpcError(Exception):
    def __init__(self, message: str, data: Any) -> None:
        super().__init__(message)
        self.data = data if isinstance(data, str) and data.startswith("0x") else None


def _int(value: Any) -> int:
    if isinstance(value, int):
        return value
    return int(str(value), 16)


def _h(value: Any) -> str:
    """A hash or data as lower-case 0x-hex, whatever the provider returned (str or bytes)."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    text = str(value).lower()
    return text if text.startswith("0x") else "0x" + text


def _receipt(raw: Any) -> Receipt | None:
    """A raw eth_getTransactionReceipt answer (None or no block yet: not mined)."""
    if not raw or raw.get("blockNumber") is None:
        return None
    return Receipt(
        tx_hash=_h(raw["transactionHash"]),
        status=_int(raw["status"]),
        block_number=_int(raw["blockNumber"]),
        block_hash=_h(raw["blockHash"]),
        gas_used=_int(raw["gasUsed"]),
        effective_gas_price=_int(raw.get("effectiveGasPrice") or 0),
    )


def _json_tx(tx: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in tx.items():
        out[key] = hex(value) if isinstance(value, int) else value
    return out
