"""eth_getLogs over HTTP is parsed straight into RawLog structs (msgspec): the logs come out as
with any other transport, a log that is not one is NodeInconsistent (the range is refused), and
a reply that is no JSON-RPC answer is RpcUnavailable (retried like a broken transport)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from indexer.decode import TRANSFER, RawLog, decode_logs
from indexer.errors import NodeInconsistent, RpcError, RpcUnavailable
from indexer.rpc import HttpRpc

TOKEN = "0x" + "aa" * 20
LOG = {
    "address": TOKEN,
    "topics": [TRANSFER, "0x" + "0" * 24 + "01" * 20, "0x" + "0" * 24 + "02" * 20],
    "data": "0x" + f"{5:064x}",
    "blockNumber": "0x7",
    "blockHash": "0x" + "11" * 32,
    "blockTimestamp": "0x5f5e100",  # a field the index does not need: skipped
    "transactionHash": "0x" + "CC" * 32,
    "transactionIndex": "0x0",
    "logIndex": "0x3",
    "removed": False,
}


class _Node(BaseHTTPRequestHandler):
    body = b""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def node() -> Iterator[tuple[HttpRpc, type[_Node]]]:
    handler = type("Node", (_Node,), {"body": b""})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    rpc = HttpRpc(f"http://127.0.0.1:{server.server_address[1]}", timeout=5)
    yield rpc, handler
    rpc.close()
    server.shutdown()
    server.server_close()


def _answer(result: object) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": 1, "result": result}).encode()


def test_logs_are_parsed_typed_and_decode_as_from_dicts(node) -> None:
    rpc, handler = node
    handler.body = _answer([LOG])
    logs = rpc.get_logs([{}])
    assert logs == [RawLog(**{
        "address": TOKEN, "topics": LOG["topics"], "data": LOG["data"], "block_number": "0x7",
        "block_hash": LOG["blockHash"], "transaction_hash": LOG["transactionHash"],
        "log_index": "0x3", "removed": False,
    })]  # fmt: skip
    assert decode_logs(logs, TOKEN, 1, 9) == decode_logs([LOG], TOKEN, 1, 9)
    t = decode_logs(logs, TOKEN, 1, 9).transfers[0]
    assert (t.block_number, t.log_index, t.value, t.tx_hash) == (7, 3, 5, "0x" + "cc" * 32)


@pytest.mark.parametrize(
    "log",
    [
        {k: v for k, v in LOG.items() if k != "data"},
        {**LOG, "topics": "0xdd"},
        {**LOG, "logIndex": 3},
        "a log",
    ],
    ids=["missing-field", "topics-not-a-list", "index-not-hex-string", "not-an-object"],
)
def test_a_malformed_log_is_the_node_contradicting_the_protocol(node, log) -> None:
    rpc, handler = node
    handler.body = _answer([LOG, log])
    with pytest.raises(NodeInconsistent, match="malformed log"):
        rpc.get_logs([{}])


@pytest.mark.parametrize(
    "body",
    [b"<html>busy</html>", b"[]", b'{"jsonrpc": "2.0", "id": 1}'],
    ids=["not-json", "a-batch", "no-result"],
)
def test_a_reply_that_is_no_answer_is_unavailable(node, body) -> None:
    rpc, handler = node
    handler.body = body
    with pytest.raises(RpcUnavailable):
        rpc.get_logs([{}])


def test_a_result_that_is_not_a_list_of_logs_is_inconsistent(node) -> None:
    rpc, handler = node
    handler.body = _answer(5)
    with pytest.raises(NodeInconsistent):
        rpc.get_logs([{}])


def test_an_error_reply_is_the_typed_error(node) -> None:
    rpc, handler = node
    handler.body = json.dumps({"id": 1, "error": {"code": -32000, "message": "boom"}}).encode()
    with pytest.raises(RpcError, match="boom"):
        rpc.get_logs([{}])
