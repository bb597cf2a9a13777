"""Longest files first, so that under pytest-xdist no worker is left alone with a long file at
the end of a run while the other one idles.

Each run records every test's duration (setup + call + teardown) in pytest's cache
(`.pytest_cache`, key loyalty/durations; a partial run updates only the tests it ran); the next
run orders the test files by their recorded total, longest first, keeping each file's tests
together and in their own order (module-scoped fixtures, such as the browser, are set up once
per file). Without a record (a fresh clone) a file weighs 0.5 s a test, a test with a timeout
mark of 300 s or more (the process-level end-to-end ones) a minute."""

from __future__ import annotations

from collections import defaultdict

import pytest

KEY = "loyalty/durations"
GUESS_S = 0.5
LONG_GUESS_S = 60.0


def _guess(item: pytest.Item) -> float:
    mark = item.get_closest_marker("timeout")
    if mark is not None and mark.args and float(mark.args[0]) >= 300:
        return LONG_GUESS_S
    return GUESS_S


def order_longest_files_first(config: pytest.Config, items: list[pytest.Item]) -> None:
    if getattr(config, "cache", None) is None:
        return
    recorded: dict[str, float] = config.cache.get(KEY, {})
    weight: dict[str, float] = defaultdict(float)
    for item in items:
        weight[item.nodeid.split("::", 1)[0]] += recorded.get(item.nodeid, _guess(item))
    # A stable sort: each file's tests stay together, in their order; ties keep the collection's.
    items.sort(key=lambda item: -weight[item.nodeid.split("::", 1)[0]])


class DurationRecorder:
    """Sums each test's phases as reports arrive (on the xdist controller, or the only process)
    and merges them into the cache at the end."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.seen: dict[str, float] = defaultdict(float)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.seen[report.nodeid] += report.duration

    def pytest_sessionfinish(self) -> None:
        if getattr(self.config, "cache", None) is None or not self.seen:
            return
        recorded: dict[str, float] = self.config.cache.get(KEY, {})
        recorded.update({k: round(v, 3) for k, v in self.seen.items()})
        self.config.cache.set(KEY, recorded)
