"""The figures of one `./scripts/bench` run: each benchmark records what it measured, with its
target and the baseline it measured in the same run, into `bench/results/<run>/figures.jsonl`
(git-ignored), so that `python -m bench.summary` can print one table at the end and runs can be
compared later. Outside `./scripts/bench` (BENCH_RUN unset) a run folder is made per process."""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Figure:
    bench: str
    name: str
    value: float
    unit: str
    # ">= 400" or "<= 2": what the issue or the docs ask for; None when it is informative only.
    target: str | None = None
    baseline_name: str | None = None
    baseline_value: float | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline_value in (None, 0):
            return None
        return self.value / self.baseline_value  # type: ignore[operator]

    def met(self, *, of_baseline: bool = False) -> bool | None:
        """Whether the target holds (a target with `x` compares the ratio to the baseline)."""
        if self.target is None:
            return None
        op, _, bound = self.target.partition(" ")
        measured = self.value
        if bound.endswith("x"):
            if self.ratio is None:
                return None
            measured, bound = self.ratio, bound[:-1]
        limit = float(bound.replace(",", ""))
        return measured >= limit if op == ">=" else measured <= limit


def run_dir() -> Path:
    named = os.environ.get("BENCH_RUN")
    path = Path(named) if named else RESULTS / time.strftime(f"%Y%m%dT%H%M%S-{os.getpid()}")
    path.mkdir(parents=True, exist_ok=True)
    return path


def record(figure: Figure) -> Figure:
    with (run_dir() / "figures.jsonl").open("a") as out:
        out.write(json.dumps({**asdict(figure), "at": time.time()}) + "\n")
    return figure


def load(path: Path) -> list[Figure]:
    rows = [json.loads(line) for line in (path / "figures.jsonl").read_text().splitlines() if line]
    return [Figure(**{k: v for k, v in r.items() if k != "at"}) for r in rows]
