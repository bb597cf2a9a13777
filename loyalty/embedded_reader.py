"""A read-only view of the embedded chain's stored state, served as JSON-RPC answers, for the
processes that only read it (`loyalty audit`).

The full embedded chain goes through eth-tester and web3's tester provider, which import
eth_account, eth_keyfile and web3 on top of py-evm: about a third of the audit's start-up, for
a process that sends no transaction. This view opens the same SQLite key-value file with py-evm
alone and answers the few read methods the audit uses (`eth_chainId`, `eth_blockNumber`,
`eth_call`, `eth_getTransactionReceipt`: the committed root is in a settle's log); anything else
is answered as "method not found", so a new reader path fails loudly instead of reading
something wrong. tests/integration/test_embedded_reader.py checks
its answers against the full chain's on the same state.
"""

from __future__ import annotations

from typing import Any

from eth.chains.base import MiningChain
from eth.db.atomic import AtomicDB
from eth.exceptions import TransactionNotFound
from eth.vm.forks.prague import PragueVM
from eth.vm.message import Message
from eth_typing import Address, BlockNumber, Hash32

from loyalty.embedded_chain_kv import SqliteKV

# eth-tester's PyEVMBackend chain: Prague from genesis, its fixed chain id
# (eth_tester/backends/pyevm/main.py, setup_tester_chain). Blocks written by that chain are read
# back by the same VM rules here.
TESTER_CHAIN_ID = 131277322940537
_CALL_GAS = 50_000_000
_ZERO = b"\x00" * 20


class _TesterChain(MiningChain):
    chain_id = TESTER_CHAIN_ID
    vm_configuration = ((BlockNumber(0), PragueVM),)


class NoStoredChain(Exception):
    """The state file holds no chain yet (the full chain makes its genesis on first start)."""


class EmbeddedReader:
    def __init__(self, kv: SqliteKV) -> None:
        self._kv = kv
        try:
            self._chain = _TesterChain(AtomicDB(kv))
        except Exception as exc:  # no canonical head stored: nothing to read
            raise NoStoredChain(str(exc)) from None

    @property
    def chain_id(self) -> int:
        return TESTER_CHAIN_ID

    def make_request(self, method: str, params: list[Any]) -> dict[str, Any]:
        handler = _METHODS.get(method)
        if handler is None:
            return _error(-32601, f"the read-only embedded chain does not serve {method}")
        try:
            return {"jsonrpc": "2.0", "id": 0, "result": handler(self, params)}
        except _CallReverted as exc:
            return {"jsonrpc": "2.0", "id": 0, "error": exc.error}
        except (KeyError, ValueError, TypeError) as exc:
            return _error(-32602, f"{method}: {exc}")

    def _head(self) -> Any:
        return self._chain.get_canonical_head()

    def _header(self, tag: Any) -> Any:
        if tag in (None, "latest", "pending", "safe", "finalized"):
            return self._head()
        if tag == "earliest":
            return self._chain.get_canonical_block_header_by_number(BlockNumber(0))
        return self._chain.get_canonical_block_header_by_number(BlockNumber(int(tag, 16)))

    def _chain_id(self, params: list[Any]) -> str:
        return hex(TESTER_CHAIN_ID)

    def _block_number(self, params: list[Any]) -> str:
        return hex(self._head().block_number)

    def _call(self, params: list[Any]) -> str:
        call = params[0]
        header = self._header(params[1] if len(params) > 1 else "latest")
        state = self._chain.get_vm(at_header=header).state
        to = Address(bytes.fromhex(call["to"].removeprefix("0x")))
        sender = Address(
            bytes.fromhex(call["from"].removeprefix("0x")) if call.get("from") else _ZERO
        )
        data = bytes.fromhex((call.get("data") or call.get("input") or "0x").removeprefix("0x"))
        message = Message(
            gas=int(call["gas"], 16) if call.get("gas") else _CALL_GAS,
            to=to,
            sender=sender,
            value=0,
            data=data,
            code=state.get_code(to),
        )
        context = state.get_transaction_context_class()(gas_price=0, origin=sender)
        snapshot = state.snapshot()
        try:
            computation = state.computation_class.apply_message(state, message, context)
        finally:
            state.revert(snapshot)
        if computation.is_error:
            # A revert is answered as a node does (code 3 and the revert data), so callers
            # handle it the same way on both kinds of chain.
            raise _CallReverted(
                {
                    "code": 3,
                    "message": "execution reverted",
                    "data": "0x" + computation.output.hex(),
                }
            )
        return "0x" + bytes(computation.output).hex()

    def _receipt(self, params: list[Any]) -> dict[str, Any] | None:
        """A transaction's receipt with its logs, in the node's JSON form (the audit reads the
        committed root from its BatchSettled log); None for a transaction not in the chain."""
        tx_hash = Hash32(bytes.fromhex(str(params[0]).removeprefix("0x")))
        try:
            number, index = self._chain.chaindb.get_transaction_index(tx_hash)
        except TransactionNotFound:
            return None
        header = self._chain.get_canonical_block_header_by_number(number)
        builder = self._chain.get_vm(at_header=header).get_receipt_builder()
        receipts = list(self._chain.chaindb.get_receipts(header, builder))
        first = sum(len(r.logs) for r in receipts[:index])
        receipt = receipts[index]
        common = {
            "transactionHash": "0x" + bytes(tx_hash).hex(),
            "blockNumber": hex(number),
            "blockHash": "0x" + header.hash.hex(),
        }
        logs = [
            {
                **common,
                "address": "0x" + bytes(log.address).hex(),
                "topics": ["0x" + t.to_bytes(32, "big").hex() for t in log.topics],
                "data": "0x" + bytes(log.data).hex(),
                "logIndex": hex(first + i),
                "transactionIndex": hex(index),
                "removed": False,
            }
            for i, log in enumerate(receipt.logs)
        ]
        status = "0x1" if receipt.state_root == b"\x01" else "0x0"
        return {**common, "transactionIndex": hex(index), "status": status, "logs": logs}


class _CallReverted(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error["message"])
        self.error = error


def _error(code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": 0, "error": {"code": code, "message": message}}


_METHODS = {
    "eth_chainId": EmbeddedReader._chain_id,
    "eth_blockNumber": EmbeddedReader._block_number,
    "eth_call": EmbeddedReader._call,
    "eth_getTransactionReceipt": EmbeddedReader._receipt,
}
