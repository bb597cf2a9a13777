"""Chain access: a connected web3 client for the embedded in-process chain or a JSON-RPC node.

The rest of the code asks `connect(settings)` for a `Chain` and never builds providers itself.
The embedded chain (eth-tester + py-evm) keeps its blocks in a SQLite key-value file
(LOYALTY_CHAIN_STATE) so that a contract deployed on first start is still there after a restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from web3 import HTTPProvider, Web3
from web3.exceptions import Web3RPCError

from loyalty.errors import ChainError, ChainUnreachable, WrongChain
from loyalty.settings import Settings

if TYPE_CHECKING:
    from loyalty.embedded_chain import SqliteKV


@dataclass
class Chain:
    """A connected client. `request` is the raw JSON-RPC path used where web3's formatting costs
    too much (the indexer); `w3` is for everything else."""

    w3: Web3
    chain_id: int
    embedded: bool
    _kv: SqliteKV | None = None

    def request(self, method: str, params: list[Any]) -> Any:
        response = self.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        if "error" in response:
            raise RuntimeError(f"{method}: {response['error']}")
        return response["result"]

    def close(self) -> None:
        if self._kv is not None:
            self._kv.close()
            self._kv = None


def connect(settings: Settings, *, timeout: float = 10.0) -> Chain:
    """Connects and checks the chain id against LOYALTY_CHAIN_ID; raises a ChainError subclass."""
    if settings.embedded_chain:
        # py-evm takes a second to import: only processes on the embedded chain pay for it.
        from eth_tester import EthereumTester

        from loyalty.embedded_chain import LockedTesterProvider, embedded_backend

        backend, kv = embedded_backend(settings.chain_state)
        w3 = Web3(LockedTesterProvider(EthereumTester(backend)))
        chain = Chain(w3=w3, chain_id=w3.eth.chain_id, embedded=True, _kv=kv)
    else:
        w3 = Web3(HTTPProvider(settings.rpc_url, request_kwargs={"timeout": timeout}))
        chain = Chain(w3=w3, chain_id=_remote_chain_id(w3, settings.rpc_url), embedded=False)
    if settings.chain_id is not None and settings.chain_id != chain.chain_id:
        chain.close()
        raise WrongChain(
            f"the node serves chain id {chain.chain_id}, but LOYALTY_CHAIN_ID is "
            f"{settings.chain_id}: point LOYALTY_RPC_URL at the right network or fix the id"
        )
    return chain


def redact_url(url: str) -> str:
    """The URL without credentials, path or query: hosted RPC URLs carry their API key there."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    rest = "/…" if parts.path.strip("/") or parts.query else ""
    return f"{parts.scheme}://{host}{rest}"


def _remote_chain_id(w3: Web3, url: str) -> int:
    """The node's chain id, or a ChainError that says which of the usual mistakes it is."""
    import requests

    where = redact_url(url)
    try:
        return int(w3.eth.chain_id)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise ChainUnreachable(
            f"cannot reach the node at {where} ({type(exc).__name__}): check LOYALTY_RPC_URL "
            "and that the node is running"
        ) from None
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise ChainError(
            f"the server at {where} answered HTTP {status} instead of JSON-RPC: check that "
            "LOYALTY_RPC_URL is the node's JSON-RPC endpoint (and its API key, if any)"
        ) from None
    except (ValueError, Web3RPCError) as exc:  # HTML, not JSON; or JSON-RPC without eth_chainId
        reason = "its reply is not JSON" if isinstance(exc, ValueError) else "eth_chainId failed"
        raise ChainError(
            f"the server at {where} is not an EVM JSON-RPC node ({reason}): check LOYALTY_RPC_URL"
        ) from None
