"""`python -m bench.summary [RUN_DIR]`: one table of every figure of a `./scripts/bench` run (the
newest under bench/results/ by default): measured, target, same-run baseline, ratio, met."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from bench.figures import RESULTS, Figure, load


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def table(figures: list[Figure]) -> str:
    header = ("bench", "figure", "measured", "target", "baseline (same run)", "ratio", "met")
    rows = [header]
    for f in figures:
        met = f.met()
        rows.append(
            (
                f.bench,
                f.name,
                f"{_number(f.value)} {f.unit}",
                f.target or "",
                f"{f.baseline_name} {_number(f.baseline_value)}"
                if f.baseline_name and f.baseline_value is not None
                else "",
                f"{f.ratio:.2f}" if f.ratio is not None else "",
                "" if met is None else ("yes" if met else "NO"),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        run = Path(args[0])
    else:
        runs = sorted(p for p in RESULTS.glob("*") if (p / "figures.jsonl").exists())
        if not runs:
            print("no benchmark figures recorded yet: run ./scripts/bench", file=sys.stderr)
            return 2
        run = runs[-1]
    figures = load(run)
    print(f"\nsummary of {run} ({len(figures)} figures)\n{table(figures)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
