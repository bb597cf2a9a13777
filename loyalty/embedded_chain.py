"""The embedded in-process chain (eth-tester + py-evm), kept in a SQLite key-value file.

Imported only when LOYALTY_RPC_URL is empty: py-evm is slow to import and a process talking to a
real node has no use for it.
"""

from __future__ import annotations

import ast
import threading
from typing import Any

from eth.db.atomic import AtomicDB
from eth.vm.spoof import SpoofTransaction
from eth_abi.abi import encode
from eth_tester import PyEVMBackend
from eth_tester.backends.pyevm.main import (
    generate_genesis_state_for_keys,
    get_default_account_keys,
    get_default_genesis_params,
)
from eth_tester.exceptions import TransactionFailed
from web3.providers.eth_tester import EthereumTesterProvider

from loyalty.embedded_chain_kv import SqliteKV, open_kv

# py-evm's estimate is "the least gas limit that works, give or take this": its default
# estimator's tolerance, kept.
GAS_TOLERANCE = 21_000


def estimate_gas(state: Any, transaction: Any) -> int:
    """The chain's eth_estimateGas. py-evm's default is a binary search from the intrinsic gas
    up to the block's gas limit: about 12 runs of the transaction, three quarters of the time of
    a deploy on this chain. Here one run at the block limit says what the transaction consumes,
    a second checks a limit 1/63 above it (EIP-150 holds back 1/64 of the gas at each call), and
    the search runs only within the bracket that leaves. The answer is within the same tolerance
    of the least limit that works, and a transaction that fails at the block limit raises its
    error, as before."""

    def run(gas: int, **changes: Any) -> Any:
        snapshot = state.snapshot()
        try:
            return state.apply_transaction(SpoofTransaction(transaction, gas=gas, **changes))
        finally:
            state.revert(snapshot)

    intrinsic = transaction.intrinsic_gas
    at_limit = run(state.gas_limit, gas_price=0)
    if at_limit.is_error:
        raise at_limit.error
    used = intrinsic + at_limit.get_gas_used()
    if used <= intrinsic:
        return int(intrinsic)
    # A limit below what the transaction consumes runs out of gas.
    failing, working = used - 1, min(state.gas_limit, used + used // 63 + 1)
    if run(working).is_error:
        failing, working = working, state.gas_limit
    while working - failing > GAS_TOLERANCE:
        middle = (working + failing) // 2
        if run(middle).is_error:
            failing = middle
        else:
            working = middle
    return int(working)


def embedded_backend(state_path: str) -> tuple[Any, SqliteKV | None]:
    backend = PyEVMBackend()
    chain_class = type(backend.chain)  # built for this backend: the setting stays local
    # The class's for the chains made later (resumed, reverted); the first one copied its own.
    chain_class.gas_estimator = staticmethod(estimate_gas)
    backend.chain.gas_estimator = estimate_gas
    if not state_path:
        return backend, None
    kv = open_kv(state_path)
    db = AtomicDB(kv)
    try:
        backend.chain = chain_class(db)  # resumes from the stored head
    except Exception:
        keys = get_default_account_keys(quantity=10)
        backend.chain = chain_class.from_genesis(
            db, get_default_genesis_params(), generate_genesis_state_for_keys(keys)
        )
    return backend, kv


class LockedTesterProvider(EthereumTesterProvider):
    """py-evm is not thread-safe; API, minter and indexer threads share one embedded chain."""

    def __init__(self, tester: Any) -> None:
        super().__init__(tester)
        self._chain_lock = threading.RLock()

    def make_request(self, method: Any, params: Any) -> Any:
        with self._chain_lock:
            try:
                return super().make_request(method, params)
            except TransactionFailed as exc:
                # Answer a revert the way a JSON-RPC node does (code 3, revert data in hex), so
                # web3 raises ContractCustomError with `.data` on both kinds of chain.
                return {
                    "jsonrpc": "2.0",
                    "id": 0,
                    "error": {"code": 3, "message": "execution reverted", "data": _revert_hex(exc)},
                }


def _revert_hex(exc: BaseException) -> str:
    """The revert data of an eth-tester failure. eth-tester keeps it only as text: the repr of
    the raw bytes (`b'\\xe2Q}?...'`) for custom errors and panics, the decoded reason for
    `Error(string)`, which is encoded back here."""
    inner: BaseException = exc
    while inner.__context__ is not None and isinstance(inner.__context__, type(exc)):
        inner = inner.__context__
    arg = inner.args[0] if inner.args else ""
    if isinstance(arg, BaseException):
        arg = arg.args[0] if arg.args else ""
    if isinstance(arg, bytes):
        return "0x" + arg.hex()
    text = str(arg)
    if text.startswith(("b'", 'b"')):
        try:
            raw = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raw = None
        if isinstance(raw, bytes):
            return "0x" + raw.hex()
    if text.startswith("execution reverted: "):
        text = text.removeprefix("execution reverted: ")
    return "0x08c379a0" + encode(["string"], [text]).hex()
