"""The inbox processor's pure parts: its plan for a run of due events (activities together, each
refund alone and after everything received before it) and how it gives way to webhooks."""

import pytest

from loyalty.services.inbox import InboxProcessor, _segments


def test_activities_run_together_and_refunds_alone_in_order() -> None:
    due = [(1, "ACTIVITY"), (2, "ACTIVITY"), (3, "REFUND"), (4, "ACTIVITY"), (5, "REFUND")]
    due += [(6, "REFUND"), (7, "ACTIVITY"), (8, "ACTIVITY")]
    assert _segments(due) == [[1, 2], [3], [4], [5], [6], [7, 8]]


def test_nothing_due_plans_nothing() -> None:
    assert _segments([]) == []


async def test_the_processor_gives_way_only_while_its_process_answers_webhooks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr("loyalty.services.inbox.asyncio.sleep", sleep)
    processor = InboxProcessor(
        lambda: None,  # type: ignore[arg-type,return-value]  (no unit of work: never processes)
        custody=lambda: None,  # type: ignore[arg-type,return-value]
        currency="USD",
        concurrency=2,
    )
    await processor._pace(0.010)
    assert slept == []  # idle API: processing runs flat out
    with processor.answering(), processor.answering():
        await processor._pace(0.010)
    assert slept == [pytest.approx(0.010 * InboxProcessor.YIELD * 2)]
    await processor._pace(0.010)  # the burst is over
    assert len(slept) == 1
