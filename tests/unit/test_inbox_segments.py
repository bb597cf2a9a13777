"""The processor's plan for a run of due events: activities together, each refund alone and
after everything received before it."""

from loyalty.services.inbox import _segments


def test_activities_run_together_and_refunds_alone_in_order() -> None:
    due = [(1, "ACTIVITY"), (2, "ACTIVITY"), (3, "REFUND"), (4, "ACTIVITY"), (5, "REFUND")]
    due += [(6, "REFUND"), (7, "ACTIVITY"), (8, "ACTIVITY")]
    assert _segments(due) == [[1, 2], [3], [4], [5], [6], [7, 8]]


def test_nothing_due_plans_nothing() -> None:
    assert _segments([]) == []
