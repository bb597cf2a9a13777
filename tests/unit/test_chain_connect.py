"""`connect` against a node whose first replies are dropped or cut short: a transient fault at
start-up is retried, while a server that is plainly not a JSON-RPC node fails at once."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from loyalty import chain as chain_module
from loyalty.chain import connect
from loyalty.errors import ChainError, ChainUnreachable
from loyalty.metrics import RPC_ERRORS
from loyalty.settings import Settings


class _Node(BaseHTTPRequestHandler):
    faults: list[str] = []  # what the next requests get, in order; then proper answers
    html = False

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        fault = self.faults.pop(0) if self.faults else None
        if fault == "drop":
            self.close_connection = True
            self.connection.shutdown(2)  # no status line at all
            return
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "result": "0x7a69"}).encode()
        if self.html:
            body = b"<html>hello</html>"
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if fault == "truncate" else body)
        if fault == "truncate":
            self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def node() -> Iterator[tuple[str, type[_Node]]]:
    handler = type("Node", (_Node,), {"faults": [], "html": False})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chain_module, "CONNECT_FIRST_DELAY_S", 0.01)


def _errors() -> float:
    return RPC_ERRORS.labels(component="connect", method="eth_chainId")._value.get()


@pytest.mark.parametrize("faults", [["drop"], ["truncate"], ["drop", "truncate", "drop"]])
def test_dropped_or_truncated_first_replies_are_retried(
    node: tuple[str, type[_Node]], faults: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    url, handler = node
    handler.faults = list(faults)
    before = _errors()
    chain = connect(Settings.from_env({"LOYALTY_RPC_URL": url}), timeout=5)
    try:
        assert chain.chain_id == 31337
    finally:
        chain.close()
    assert _errors() - before == len(faults)
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1  # one line for the recovery, not one per attempt
    assert f"eth_chainId to {url} answered on attempt {len(faults) + 1}" in warnings[0].message
    assert not warnings[0].exc_info


def test_a_node_that_never_answers_is_unreachable_after_the_retries(
    node: tuple[str, type[_Node]],
) -> None:
    url, handler = node
    handler.faults = ["drop"] * 100
    with pytest.raises(ChainUnreachable, match=r"cannot reach the node .*6 attempts.*RPC_URL"):
        connect(Settings.from_env({"LOYALTY_RPC_URL": url}), timeout=5)


def test_a_server_answering_html_is_the_wrong_url_at_once(
    node: tuple[str, type[_Node]],
) -> None:
    url, handler = node
    handler.html = True
    before = _errors()
    with pytest.raises(ChainError, match="not an EVM JSON-RPC node"):
        connect(Settings.from_env({"LOYALTY_RPC_URL": url}), timeout=5)
    assert _errors() == before
