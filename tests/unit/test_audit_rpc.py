"""The audit's retried node calls on a scripted transport: only the calls that failed are asked
again, a refusal that is no passing fault ends at once, retries are bounded; and a progress
line is logged once, not twice, when the job ends right after it was printed."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from typing import Any

import pytest

from audit.rpc import AuditRpcFailed, RetryPolicy, call_all, call_one
from indexer.errors import RpcError, RpcTimeout, RpcUnavailable
from indexer.progress import Progress
from indexer.rpc import Call


class Scripted:
    """Answers each batch from a script: a list per batch of answers (an RpcError instance is a
    failed item) or an exception raised for the whole batch."""

    def __init__(self, script: list[Any]) -> None:
        self.script = script
        self.sent: list[list[Call]] = []

    def call(self, method: str, params: list[Any]) -> Any:
        raise AssertionError("the audit batches its calls")

    def batch(self, calls: Sequence[Call]) -> list[Any]:
        self.sent.append(list(calls))
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        assert len(step) == len(calls)
        return list(step)

    def close(self) -> None:
        pass


def _calls(n: int) -> list[Call]:
    return [("eth_call", [{"data": f"0x{i:02x}"}, "0x10"]) for i in range(n)]


def _policy(waits: list[float], attempts: int = 5) -> RetryPolicy:
    return RetryPolicy(attempts=attempts, first_delay=0.2, max_delay=0.5, sleep=waits.append)


def test_only_the_failed_calls_of_a_batch_are_asked_again() -> None:
    rpc = Scripted(
        [
            ["0x1", RpcUnavailable("eth_call: missing from the batch reply"), "0x3"],
            RpcTimeout("eth_call: no answer from the node"),
            [RpcError("eth_call: busy", code=-32005)],
            ["0x2"],
        ]
    )
    waits: list[float] = []
    calls = _calls(3)
    got = call_all(rpc, calls, what="eth_call balanceOf", block=16, policy=_policy(waits))
    assert got == ["0x1", "0x2", "0x3"]
    assert rpc.sent == [calls, [calls[1]], [calls[1]], [calls[1]]]
    assert waits == [0.2, 0.4, 0.5]


def test_a_refusal_that_is_no_passing_fault_ends_at_once() -> None:
    rpc = Scripted([["0x1", RpcError("eth_call: invalid argument 0", code=-32602)]])
    waits: list[float] = []
    with pytest.raises(AuditRpcFailed) as failed:
        call_all(rpc, _calls(2), what="eth_call balanceOf", block=16, policy=_policy(waits))
    assert waits == [] and len(rpc.sent) == 1
    assert "refused eth_call balanceOf" in str(failed.value)
    assert "invalid argument 0" in str(failed.value)


def test_retries_are_bounded_and_the_error_is_one_line() -> None:
    rpc = Scripted([RpcUnavailable("eth_call: HTTP 502\nBad Gateway")] * 3)
    waits: list[float] = []
    with pytest.raises(AuditRpcFailed) as failed:
        call_one(
            rpc, "eth_call", [{}, "0x10"], what="eth_call totalSupply", block=16,
            policy=_policy(waits, attempts=3),
        )  # fmt: skip
    assert len(rpc.sent) == 3 and waits == [0.2, 0.4]
    message = str(failed.value)
    assert "\n" not in message
    assert "block 16" in message and "eth_call totalSupply 3 times" in message
    assert "HTTP 502 Bad Gateway" in message


def test_a_policy_needs_one_attempt() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)


def test_a_progress_line_printed_by_the_last_update_is_not_printed_again(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [10_000.0]
    monkeypatch.setattr("indexer.progress.time.monotonic", lambda: now[0])
    progress = Progress(0, label="audit balanceOf", stream=io.StringIO(), interval=5.0)
    with caplog.at_level(logging.INFO, logger="indexer"):
        progress.update(12, 12, 12)  # the first update prints at once
        progress.finish()
        assert len(caplog.records) == 1, [r.getMessage() for r in caplog.records]
        # Progress since the last line: finish prints the final figures, once.
        now[0] += 1
        progress.update(20, 30, 8)  # within the interval: not printed
        progress.update(30, 30, 10)
        progress.finish()
        progress.finish()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2 and "30/30" in lines[-1], lines
