"""Chain access: a connected web3 client for the embedded in-process chain or a JSON-RPC node.

The rest of the code asks `connect(settings)` for a `Chain` and never builds providers itself.
For a JSON-RPC node, connecting asks the chain id over plain HTTP (httpx) and web3 is imported
only when `chain.w3` is first used: `loyalty indexer` and `loyalty audit` talk raw JSON-RPC and
never pay web3's import (~1 s, most of the indexer's start-up before).
The embedded chain (eth-tester + py-evm) keeps its blocks in a SQLite key-value file
(LOYALTY_CHAIN_STATE) so that a contract deployed on first start is still there after a restart.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from loyalty.errors import ChainError, ChainUnreachable, WrongChain
from loyalty.metrics import RPC_ERRORS
from loyalty.settings import Settings

if TYPE_CHECKING:
    from web3 import Web3

    from loyalty.embedded_chain_kv import SqliteKV
    from loyalty.embedded_reader import EmbeddedReader

log = logging.getLogger("loyalty.chain")


@dataclass
class Chain:
    """A connected client. `request` is the raw JSON-RPC path used where web3's formatting costs
    too much (the indexer); `w3` is for everything else (built on first use for a node)."""

    chain_id: int
    embedded: bool
    rpc_url: str = ""
    timeout: float = 10.0
    _kv: SqliteKV | None = None
    _w3: Web3 | None = field(default=None, repr=False)
    _reader: EmbeddedReader | None = field(default=None, repr=False)

    @property
    def w3(self) -> Web3:
        if self._reader is not None:
            raise RuntimeError(
                "a read-only embedded chain has no web3 client (connect(read_only=False))"
            )
        if self._w3 is None:
            # Here, not at the top: web3 takes ~1 s to import, and the raw JSON-RPC users of a
            # node (indexer, audit) never need it.
            from web3 import HTTPProvider, Web3

            kwargs = {"timeout": self.timeout}
            self._w3 = Web3(HTTPProvider(self.rpc_url, request_kwargs=kwargs))
        return self._w3

    @property
    def read_only(self) -> bool:
        return self._reader is not None

    def raw_request(self, method: str, params: list[Any]) -> dict[str, Any]:
        """The JSON-RPC answer (`result` or `error`) from a read-only embedded chain."""
        if self._reader is None:
            raise RuntimeError("raw_request is for a read-only embedded chain")
        return self._reader.make_request(method, params)

    def request(self, method: str, params: list[Any]) -> Any:
        response: Any
        if self._reader is not None:
            response = self._reader.make_request(method, params)
        elif self._w3 is None and not self.embedded:  # a node: plain JSON-RPC, no web3 loaded
            body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
            response = httpx.post(self.rpc_url, json=body, timeout=self.timeout).json()
        else:
            response = self.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        if "error" in response:
            raise RuntimeError(f"{method}: {response['error']}")
        return response["result"]

    def close(self) -> None:
        if self._kv is not None:
            self._kv.close()
            self._kv = None


def connect(settings: Settings, *, timeout: float = 10.0, read_only: bool = False) -> Chain:
    """Connects and checks the chain id against LOYALTY_CHAIN_ID; raises a ChainError subclass.

    `read_only` on the embedded chain with a state file opens the stored blocks with py-evm
    alone (no eth-tester, no web3: a third less start-up) for processes that only read; such a
    chain answers `request` for the read methods and has no `w3`."""
    chain = None
    if settings.embedded_chain and read_only and settings.chain_state:
        chain = _read_only_embedded(settings.chain_state)
    if chain is None and settings.embedded_chain:
        # py-evm and web3 take seconds to import: only processes on the embedded chain pay.
        from eth_tester import EthereumTester
        from web3 import Web3

        from loyalty.embedded_chain import LockedTesterProvider, embedded_backend

        backend, kv = embedded_backend(settings.chain_state)
        w3 = Web3(LockedTesterProvider(EthereumTester(backend)))
        chain = Chain(chain_id=w3.eth.chain_id, embedded=True, _kv=kv, _w3=w3)
    elif chain is None:
        chain_id = _remote_chain_id(settings.rpc_url, timeout=timeout)
        chain = Chain(chain_id=chain_id, embedded=False, rpc_url=settings.rpc_url, timeout=timeout)
    if settings.chain_id is not None and settings.chain_id != chain.chain_id:
        chain.close()
        raise WrongChain(
            f"the node serves chain id {chain.chain_id}, but LOYALTY_CHAIN_ID is "
            f"{settings.chain_id}: point LOYALTY_RPC_URL at the right network or fix the id"
        )
    return chain


def _read_only_embedded(state_path: str) -> Chain | None:
    """None when the file holds no chain yet: the full chain then makes its genesis."""
    # Here, not at the top: py-evm takes most of a second to import; a node never needs it.
    from loyalty.embedded_chain_kv import open_kv
    from loyalty.embedded_reader import EmbeddedReader, NoStoredChain

    kv = open_kv(state_path)
    try:
        reader = EmbeddedReader(kv)
    except NoStoredChain:
        kv.close()
        return None
    return Chain(chain_id=reader.chain_id, embedded=True, _kv=kv, _reader=reader)


def redact_url(url: str) -> str:
    """The URL without credentials, path or query: hosted RPC URLs carry their API key there."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    rest = "/…" if parts.path.strip("/") or parts.query else ""
    return f"{parts.scheme}://{host}{rest}"


# A node that is restarting, or a proxy that drops one reply, is not a wrong URL: the first
# eth_chainId is retried with back-off (about 6 s in all) before the process gives up.
CONNECT_ATTEMPTS = 6
CONNECT_FIRST_DELAY_S = 0.2


class _Transient(Exception):
    """A failure worth another attempt; its text ends up in the final message."""


def _remote_chain_id(
    url: str, *, sleep: Callable[[float], None] = time.sleep, timeout: float = 10.0
) -> int:
    """The node's chain id, or a ChainError that says which of the usual mistakes it is.
    Refusals that prove a wrong URL (HTML, HTTP 4xx, JSON-RPC without eth_chainId) fail at once;
    dropped, truncated or 5xx replies and refused connections are tried again first."""
    where = redact_url(url)
    delay = CONNECT_FIRST_DELAY_S
    reason = ""
    for attempt in range(1, CONNECT_ATTEMPTS + 1):
        try:
            chain_id = _chain_id_once(url, where, timeout)
        except _Transient as exc:
            reason = str(exc)
            RPC_ERRORS.labels(component="connect", method="eth_chainId").inc()
            if attempt == CONNECT_ATTEMPTS:
                break
            sleep(delay)
            delay *= 2
            continue
        if attempt > 1:
            # One line when it worked out; when it does not, the error below says it all.
            log.warning(
                "eth_chainId to %s answered on attempt %d (before: %s)", where, attempt, reason
            )
        return chain_id
    raise ChainUnreachable(
        f"cannot reach the node at {where} ({reason}, {CONNECT_ATTEMPTS} attempts): check "
        "LOYALTY_RPC_URL and that the node is running"
    )


def _chain_id_once(url: str, where: str, timeout: float) -> int:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
    try:
        reply = httpx.post(url, json=body, timeout=timeout)
        content = reply.content
    except (httpx.ConnectError, httpx.TimeoutException) as exc:
        raise _Transient(type(exc).__name__) from None
    except httpx.TransportError as exc:  # a reply cut short or dropped (RemoteProtocolError, …)
        raise _Transient(f"incomplete reply: {type(exc).__name__}") from None
    if reply.status_code == 429 or reply.status_code >= 500:
        raise _Transient(f"HTTP {reply.status_code}")
    if reply.status_code >= 400:
        raise ChainError(
            f"the server at {where} answered HTTP {reply.status_code} instead of JSON-RPC: check "
            "that LOYALTY_RPC_URL is the node's JSON-RPC endpoint (and its API key, if any)"
        )
    try:
        answer = json.loads(content)
    except ValueError:
        if not content.strip() or content.lstrip().startswith((b"{", b"[")):
            raise _Transient("empty or truncated reply") from None
        raise ChainError(
            f"the server at {where} is not an EVM JSON-RPC node (its reply is not JSON): "
            "check LOYALTY_RPC_URL"
        ) from None
    result = answer.get("result") if isinstance(answer, dict) else None
    try:
        return int(result, 16) if isinstance(result, str) else int(result)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ChainError(
            f"the server at {where} is not an EVM JSON-RPC node (eth_chainId failed): check "
            "LOYALTY_RPC_URL"
        ) from None
