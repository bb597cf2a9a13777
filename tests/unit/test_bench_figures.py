"""The benchmark summary's arithmetic: targets on the value or on the same-run ratio, and the
run file round trip that ./scripts/bench's closing table reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.figures import Figure, load, record
from bench.summary import table


@pytest.mark.parametrize(
    ("figure", "met"),
    [
        (Figure("b", "rate", 450, "req/s", ">= 400"), True),
        (Figure("b", "rate", 399.9, "req/s", ">= 400"), False),
        (Figure("b", "p99", 5.0, "ms", "<= 5"), True),
        (Figure("b", "gas", 27_001, "gas", "<= 27,000"), False),
        (Figure("b", "vs raw", 30_000, "ev/s", ">= 0.75x", "raw", 40_000), True),
        (Figure("b", "vs raw", 29_000, "ev/s", ">= 0.75x", "raw", 40_000), False),
        (Figure("b", "no baseline", 1, "x", ">= 0.5x"), None),
        (Figure("b", "informative", 1, "s"), None),
    ],
)
def test_targets(figure: Figure, met: bool | None) -> None:
    assert figure.met() is met


def test_a_run_round_trips_and_the_table_shows_each_figure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BENCH_RUN", str(tmp_path / "run"))
    record(Figure("cli", "loyalty --help", 0.12, "s", "<= 0.3", "python -c pass", 0.1))
    record(Figure("graphql", "earningRules", 45, "req/s", ">= 400", "token", 393))
    figures = load(tmp_path / "run")
    assert [f.name for f in figures] == ["loyalty --help", "earningRules"]
    text = table(figures)
    assert "| yes" in text.splitlines()[2] and "| NO" in text.splitlines()[3]
    assert "0.11" in text  # 45 / 393, the same-run ratio
