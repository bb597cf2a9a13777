"""Retried RPC failures are one WARNING line naming the method and the attempt (no traceback),
counted in loyalty_rpc_errors_total; HTTP client libraries do not log each request."""

from __future__ import annotations

import logging
import threading
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from indexer.errors import RpcUnavailable
from indexer.ranges import AdaptiveRange
from indexer.reader import NodeReader
from loyalty import logs
from loyalty.metrics import RPC_ERRORS
from minter.loop import run_forever
from minter.node import RpcNode, RpcTransient


def _count(component: str, method: str) -> float:
    return RPC_ERRORS.labels(component=component, method=method)._value.get()


def test_client_libraries_do_not_log_every_request() -> None:
    logs.configure("INFO", json_lines=True)
    for name in ("httpx", "httpcore", "urllib3"):
        assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
    assert logging.getLogger("indexer").isEnabledFor(logging.INFO)


class _FlakyTransport:
    def __init__(self, failures: int) -> None:
        self.failures = failures

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        if self.failures:
            self.failures -= 1
            raise RpcUnavailable(f"{calls[0][0]}: ConnectError: connection reset")
        return ["0x10"]

    def call(self, method: str, params: list[Any]) -> Any:
        return self.batch([(method, params)])[0]

    def close(self) -> None:
        pass


def test_indexer_retries_are_warnings_with_method_and_attempt(
    caplog: pytest.LogCaptureFixture,
) -> None:
    reader = NodeReader(
        _FlakyTransport(failures=2),
        "0x" + "11" * 20,
        AdaptiveRange(),
        retries=3,
        retry_delay=0.0,
        sleep=lambda _s: None,
    )
    before = _count("indexer", "eth_blockNumber")
    with caplog.at_level(logging.INFO, logger="indexer"):
        assert reader.call("eth_blockNumber", []) == "0x10"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage().split(":")[0] for r in warnings] == [
        "eth_blockNumber failed (attempt 1)",
        "eth_blockNumber failed (attempt 2)",
    ]
    assert not any(r.exc_info for r in warnings)
    assert _count("indexer", "eth_blockNumber") - before == 2


class _DeadProvider:
    def make_request(self, method: str, params: list[Any]) -> Any:
        raise requests.ConnectionError("connection reset by peer")


def test_minter_transport_failures_name_the_method_and_are_counted() -> None:
    chain = SimpleNamespace(w3=SimpleNamespace(provider=_DeadProvider()), embedded=False)
    node = RpcNode(chain)  # type: ignore[arg-type]
    before = _count("minter", "eth_getTransactionCount")
    with pytest.raises(RpcTransient, match="eth_getTransactionCount: ConnectionError"):
        node.nonce("0x" + "22" * 20)
    assert _count("minter", "eth_getTransactionCount") - before == 1


class _Lock:
    def try_acquire(self) -> bool:
        return True

    def check(self) -> None:
        pass

    def release(self) -> None:
        pass


def test_minter_loop_logs_a_transient_failure_as_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stop = threading.Event()
    steps = 0

    def step() -> None:
        nonlocal steps
        steps += 1
        if steps <= 2:
            raise RpcTransient("eth_getBlockByNumber", requests.ConnectionError("reset"))
        stop.set()

    minter = SimpleNamespace(
        step=step,
        address="0xminter",
        ctx=SimpleNamespace(config=SimpleNamespace(poll_interval=0)),
    )
    with caplog.at_level(logging.INFO, logger="minter"):
        run_forever(minter, stop, lock=_Lock())  # type: ignore[arg-type]
    failures = [r for r in caplog.records if "step failed" in r.getMessage()]
    assert [r.levelno for r in failures] == [logging.WARNING, logging.WARNING]
    assert "attempt 2" in failures[1].getMessage()
    assert "eth_getBlockByNumber" in failures[0].getMessage()
    assert not any(r.exc_info for r in failures)
