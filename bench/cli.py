"""`python -m bench.cli`: how long `loyalty --help` takes from spawn to exit (median of 15 runs),
beside `python -c pass` (the interpreter's own start-up) measured in the same run."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.figures import Figure, record

LOYALTY = Path(sys.executable).with_name("loyalty")
RUNS = 15


def _median_s(command: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    base = _median_s([sys.executable, "-c", "pass"])
    help_s = _median_s([str(LOYALTY), "--help"])
    print(f"loyalty --help: median {help_s * 1000:.0f} ms of {RUNS} runs")
    print(f"python -c pass: median {base * 1000:.0f} ms (the interpreter alone, same run)")
    figure = record(Figure("cli", "loyalty --help", help_s, "s", "<= 0.3", "python -c pass", base))
    return 0 if figure.met() else 1


if __name__ == "__main__":
    sys.exit(main())
