"""Raw JSON-RPC for the indexer: batched requests, orjson parsing, no web3 formatters.

web3.py's result formatters cost ~0.75 ms per log, which caps an indexer near 1,000 events/s;
the indexer reads the node's JSON as it is (hex strings) and decodes what it needs by hand.

`RpcTransport` is the boundary: `HttpRpc` talks to a node over HTTP, `ChainRpc` goes through
`loyalty.chain.Chain.request` (the embedded eth-tester chain has no HTTP endpoint), and tests use
their own in-memory implementation.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any, Protocol

import httpx
import msgspec
import orjson

from indexer.decode import RawLog
from indexer.errors import NodeInconsistent, RpcError, RpcTimeout, RpcUnavailable, TooManyResults
from loyalty.metrics import RPC_ERRORS

Call = tuple[str, list[Any]]

# How common nodes say "this eth_getLogs range is too big": geth ("query returned more than
# 10000 results"), Alchemy/Infura ("Log response size exceeded", "[0x.., 0x..]" hints), erigon
# ("too many logs"), QuickNode/Polygon ("block range is too wide", "limit exceeded").
_TOO_MANY = re.compile(
    r"too many|more than \d+ results|response size|limit exceeded|range (is )?too (wide|large)|"
    r"exceed|query timeout|timed out|block range",
    re.IGNORECASE,
)
_HINT = re.compile(r"\[(0x[0-9a-fA-F]+),\s*(0x[0-9a-fA-F]+)\]")


def error_from_reply(method: str, error: Any) -> RpcError:
    """The typed error for a JSON-RPC error object."""
    if not isinstance(error, dict):
        return RpcUnavailable(f"{method}: malformed error {error!r}")
    message = str(error.get("message", ""))
    code = error.get("code")
    if method == "eth_getLogs" and (_TOO_MANY.search(message) or code == -32005):
        hint = None
        found = _HINT.search(message + " " + str(error.get("data", "")))
        if found:
            hint = (int(found.group(1), 16), int(found.group(2), 16))
        return TooManyResults(f"{method}: {message}", hint=hint)
    return RpcError(f"{method}: {message} (code {code})", code=code, data=error.get("data"))


log = logging.getLogger("indexer")


def log_retry(method: str, attempt: int, error: Exception, detail: str = "") -> None:
    """A failed call that will be tried again: one WARNING line naming the method and the
    attempt (no traceback: it is expected), counted in loyalty_rpc_errors_total."""
    RPC_ERRORS.labels(component="indexer", method=method).inc()
    where = f" {detail}" if detail else ""
    log.warning("%s%s failed (attempt %d): %s; retrying", method, where, attempt, error)


def quantity(answer: Any, what: str) -> int:
    """A JSON-RPC quantity (0x-hex) from a batch answer: an RpcError item is raised, anything
    that is not hex is the node contradicting the protocol (NodeInconsistent)."""
    if isinstance(answer, RpcError):
        raise answer
    try:
        return int(answer, 16)
    except (TypeError, ValueError):
        raise NodeInconsistent(f"{what} answered {answer!r}") from None


class RpcTransport(Protocol):
    def call(self, method: str, params: list[Any]) -> Any:
        """The result, or raises RpcError (RpcTimeout, RpcUnavailable, TooManyResults)."""

    def batch(self, calls: Sequence[Call]) -> list[Any]:
        """Results in call order; an item that failed is an RpcError instance (not raised).
        A transport failure of the whole batch raises."""

    def close(self) -> None: ...


class _LogsReply(msgspec.Struct, gc=False):
    result: list[RawLog] | None = None
    error: Any = None


_LOGS_REPLY = msgspec.json.Decoder(_LogsReply)


class HttpRpc:
    """JSON-RPC over HTTP with one keep-alive connection. eth_getLogs replies are parsed typed
    (`get_logs`, msgspec), everything else with orjson."""

    def __init__(self, url: str, *, timeout: float = 30.0, max_batch: int = 500) -> None:
        self.url = url
        self.timeout = timeout
        self.max_batch = max_batch
        self._client = httpx.Client(timeout=timeout, headers={"content-type": "application/json"})
        self._id = 0

    def _post_raw(self, body: Any, method: str) -> bytes:
        try:
            reply = self._client.post(self.url, content=orjson.dumps(body))
        except httpx.TimeoutException as exc:
            raise RpcTimeout(f"{method}: no answer from the node ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise RpcUnavailable(f"{method}: {type(exc).__name__}: {exc}") from None
        if reply.status_code >= 400 and not reply.content.startswith((b"{", b"[")):
            raise RpcUnavailable(f"{method}: HTTP {reply.status_code}")
        return reply.content

    def _post(self, body: Any, method: str) -> Any:
        try:
            return orjson.loads(self._post_raw(body, method))
        except orjson.JSONDecodeError:
            raise RpcUnavailable(f"{method}: the node sent a reply that is not JSON") from None

    def get_logs(self, params: list[Any]) -> list[RawLog]:
        """One eth_getLogs, its reply parsed into RawLog structs. A log that is not one is the
        node contradicting the protocol (NodeInconsistent); a reply that is not a JSON-RPC
        answer at all is RpcUnavailable, like any broken transport."""
        self._id += 1
        body = {"jsonrpc": "2.0", "id": self._id, "method": "eth_getLogs", "params": params}
        content = self._post_raw(body, "eth_getLogs")
        try:
            reply = _LOGS_REPLY.decode(content)
        except msgspec.ValidationError as exc:
            if "$.result" in str(exc):
                raise NodeInconsistent(f"malformed log from the node: {exc}") from None
            raise RpcUnavailable(f"eth_getLogs: unexpected reply {content[:100]!r}") from None
        except msgspec.DecodeError:
            raise RpcUnavailable("eth_getLogs: the node sent a reply that is not JSON") from None
        if reply.error is not None:
            raise error_from_reply("eth_getLogs", reply.error)
        if reply.result is None:
            raise RpcUnavailable("eth_getLogs: reply without a result")
        return reply.result

    def call(self, method: str, params: list[Any]) -> Any:
        self._id += 1
        reply = self._post(
            {"jsonrpc": "2.0", "id": self._id, "method": method, "params": params}, method
        )
        if not isinstance(reply, dict):
            raise RpcUnavailable(f"{method}: unexpected reply {str(reply)[:100]}")
        if "error" in reply:
            raise error_from_reply(method, reply["error"])
        if "result" not in reply:
            raise RpcUnavailable(f"{method}: reply without a result")
        return reply["result"]

    def batch(self, calls: Sequence[Call]) -> list[Any]:
        results: list[Any] = []
        for start in range(0, len(calls), self.max_batch):
            results.extend(self._batch(calls[start : start + self.max_batch]))
        return results

    def _batch(self, calls: Sequence[Call]) -> list[Any]:
        if not calls:
            return []
        first = self._id + 1
        body = [
            {"jsonrpc": "2.0", "id": first + i, "method": m, "params": p}
            for i, (m, p) in enumerate(calls)
        ]
        self._id += len(calls)
        reply = self._post(body, calls[0][0])
        if isinstance(reply, dict) and "error" in reply:  # the node refused the whole batch
            raise error_from_reply(calls[0][0], reply["error"])
        if not isinstance(reply, list):
            raise RpcUnavailable(f"{calls[0][0]}: batch answered with {str(reply)[:100]}")
        by_id = {item.get("id"): item for item in reply if isinstance(item, dict)}
        results: list[Any] = []
        for i, (method, _params) in enumerate(calls):
            item = by_id.get(first + i)
            if item is None:
                results.append(RpcUnavailable(f"{method}: missing from the batch reply"))
            elif "error" in item:
                results.append(error_from_reply(method, item["error"]))
            else:
                results.append(item.get("result"))
        return results

    def close(self) -> None:
        self._client.close()


class ChainRpc:
    """Calls through a connected `Chain` (the embedded chain has no HTTP endpoint). eth-tester
    takes parameters in web3's Python form, so the few methods the indexer uses go through
    `w3.eth` and come back normalised to the node's JSON form (hex strings). The embedded chain
    is small; its speed does not matter."""

    def __init__(self, chain: Any) -> None:
        self._chain = chain

    def call(self, method: str, params: list[Any]) -> Any:
        if getattr(self._chain, "read_only", False):
            # The read-only embedded chain answers in the node's JSON form already.
            reply = self._chain.raw_request(method, params)
            if "error" in reply:
                raise error_from_reply(method, reply["error"])
            return reply.get("result")
        from web3 import Web3  # here: the fetch worker process imports this module, not web3

        eth = self._chain.w3.eth
        try:
            if method == "eth_blockNumber":
                return hex(eth.block_number)
            if method == "eth_getBlockByNumber":
                tag = params[0]
                ident = int(tag, 16) if tag.startswith("0x") else tag
                try:
                    return _plain(dict(eth.get_block(ident)))
                except Exception as exc:
                    if type(exc).__name__ == "BlockNotFound":
                        return None
                    raise
            if method == "eth_getLogs":
                query = dict(params[0])
                for key in ("fromBlock", "toBlock"):
                    if key in query:
                        query[key] = int(query[key], 16)
                query["address"] = Web3.to_checksum_address(query["address"])
                return [_plain(dict(entry)) for entry in eth.get_logs(query)]
            if method == "eth_getTransactionReceipt":
                # The provider's raw answer has eth-tester's own keys (no logIndex).
                try:
                    receipt = eth.get_transaction_receipt(params[0])
                except Exception as exc:
                    if type(exc).__name__ == "TransactionNotFound":
                        return None
                    raise
                found = dict(receipt)
                found["logs"] = [dict(entry) for entry in receipt["logs"]]
                return _plain(found)
            if method == "eth_call":
                tx, tag = params
                tx = {**tx, "to": Web3.to_checksum_address(tx["to"])}
                block = int(tag, 16) if tag.startswith("0x") else tag
                return _plain(bytes(eth.call(tx, block)))
        except RpcError:
            raise
        except Exception as exc:
            raise RpcError(f"{method}: {type(exc).__name__}: {exc}") from None
        response = self._chain.w3.provider.make_request(method, params)
        if "error" in response:
            raise error_from_reply(method, response["error"])
        return _plain(response.get("result"))

    def batch(self, calls: Sequence[Call]) -> list[Any]:
        results: list[Any] = []
        for method, params in calls:
            try:
                results.append(self.call(method, params))
            except RpcError as exc:
                results.append(exc)
        return results

    def close(self) -> None:
        pass


def _plain(value: Any) -> Any:
    """eth-tester answers with bytes and ints where a node sends hex strings; normalise."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return hex(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, str) and len(value) == 42 and value.startswith("0x"):
        return value.lower()  # checksummed addresses
    return value


class HasRpcUrl(Protocol):
    """Settings or an IndexerConfig: anything that names the node (empty: embedded chain)."""

    @property
    def rpc_url(self) -> str: ...


def rpc_for(settings: HasRpcUrl, chain: Any = None) -> RpcTransport:
    """HttpRpc for a node URL; ChainRpc over the given chain for the embedded default."""
    if settings.rpc_url:
        return HttpRpc(settings.rpc_url)
    if chain is None:
        raise ValueError("the embedded chain needs a connected Chain")
    return ChainRpc(chain)
