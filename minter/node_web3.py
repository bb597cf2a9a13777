"""The minter's node on the embedded chain (eth-tester), through web3's formatted API, and
`node_for`, which picks the node for a chain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from web3 import Web3

from loyalty.chain import Chain
from minter.node import (
    BatchLog,
    Block,
    Receipt,
    Reverted,
    RpcNode,
    SendOutcome,
    _h,
    _log_total,
    classify_send_error,
)


class Web3Node(RpcNode):
    """The embedded chain (eth-tester) answers raw requests in its own shapes, so there the
    minter goes through web3's formatted API instead; refusals arrive as exceptions."""

    def _w3(self) -> Any:
        return self._chain.w3

    def block(self, tag: str | int) -> Block | None:
        try:
            raw = self._w3().eth.get_block(tag)
        except Exception:
            return None
        return Block(
            number=int(raw["number"]),
            hash=_h(raw["hash"]),
            base_fee=int(raw.get("baseFeePerGas") or 0),
        )

    def nonce(self, address: str, tag: str = "latest") -> int:
        w3 = self._w3()
        return int(w3.eth.get_transaction_count(w3.to_checksum_address(address), tag))

    def receipt(self, tx_hash: str) -> Receipt | None:
        try:
            raw = self._w3().eth.get_transaction_receipt(tx_hash)
        except Exception:
            return None
        return Receipt(
            tx_hash=_h(raw["transactionHash"]),
            status=int(raw["status"]),
            block_number=int(raw["blockNumber"]),
            block_hash=_h(raw["blockHash"]),
            gas_used=int(raw["gasUsed"]),
            effective_gas_price=int(raw.get("effectiveGasPrice") or 0),
        )

    def receipts_for(self, tx_hashes: Sequence[str]) -> dict[str, Receipt | None]:
        return {h: self.receipt(h) for h in tx_hashes}

    def knows(self, tx_hash: str) -> bool:
        try:
            return self._w3().eth.get_transaction(tx_hash) is not None
        except Exception:
            return False

    def send_raw(self, raw_tx: str) -> tuple[SendOutcome, str]:
        try:
            self._w3().eth.send_raw_transaction(raw_tx)
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}"
            return classify_send_error(message), message
        return SendOutcome.ACCEPTED, ""

    def estimate_gas(self, tx: dict[str, Any], block: str | None = None) -> int:
        try:
            return int(self._w3().eth.estimate_gas(_checksummed(tx), block))
        except Exception as exc:
            raise Reverted(f"{type(exc).__name__}: {exc}", _revert_data(exc)) from None

    def call(self, tx: dict[str, Any], block: str | int) -> str | None:
        try:
            self._w3().eth.call(_checksummed(tx), block)
        except Exception as exc:
            return _revert_data(exc) or str(exc)
        return None

    def suggested_tip(self) -> int:
        return 1_000_000_000

    def batch_logs(self, token: str, topic0: str, batch_id: str, from_block: int) -> list[BatchLog]:
        raw = self._w3().eth.get_logs(
            {
                "address": self._w3().to_checksum_address(token),
                "topics": [topic0, batch_id],
                "fromBlock": from_block,
                "toBlock": "latest",
            }
        )
        out = []
        for log in raw:
            data = bytes(log["data"])
            out.append(
                BatchLog(
                    tx_hash=_h(log["transactionHash"]),
                    block_number=int(log["blockNumber"]),
                    block_hash=_h(log["blockHash"]),
                    count=int.from_bytes(data[:32], "big"),
                    total=_log_total(data),
                )
            )
        return out


def _checksummed(tx: dict[str, Any]) -> Any:
    return {k: Web3.to_checksum_address(v) if k in ("from", "to") else v for k, v in tx.items()}


def _revert_data(exc: BaseException) -> str | None:
    data = getattr(exc, "data", None)
    return data if isinstance(data, str) and data.startswith("0x") else None


def node_for(chain: Chain) -> RpcNode:
    return Web3Node(chain) if chain.embedded else RpcNode(chain)
