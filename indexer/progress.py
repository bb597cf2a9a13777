"""Progress of long jobs (backfill, audit): a bar on a terminal, plain log lines otherwise."""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

log = logging.getLogger("indexer")


def _duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}"


class Progress:
    """Counts blocks and events towards a target block; `update` is cheap to call often."""

    def __init__(
        self,
        start_block: int,
        *,
        label: str = "indexing",
        stream: TextIO | None = None,
        interval: float = 5.0,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.label = label
        self.start_block = start_block
        self.block = start_block
        self.target = start_block
        self.events = 0
        self.interval = 0.2 if self.tty else interval
        self._clock = time.monotonic
        self._t0 = self._clock()
        self._last_print = 0.0
        self._open = False
        self._shown: tuple[int, int, int] | None = None  # (block, target, events) last printed

    def rates(self) -> tuple[float, float, float | None]:
        """(blocks/s, events/s, ETA seconds or None)."""
        elapsed = max(self._clock() - self._t0, 1e-9)
        bps = (self.block - self.start_block) / elapsed
        eps = self.events / elapsed
        remaining = self.target - self.block
        eta = remaining / bps if bps > 0 else None
        return bps, eps, eta

    def line(self) -> str:
        bps, eps, eta = self.rates()
        span = max(self.target - self.start_block, 1)
        pct = min(100.0, 100.0 * (self.block - self.start_block) / span)
        eta_s = _duration(eta) if eta is not None else "?"
        return (
            f"{self.label} block {self.block:,}/{self.target:,} ({pct:5.1f}%)  "
            f"{bps:,.0f} blocks/s  {eps:,.0f} events/s  {self.events:,} events  ETA {eta_s}"
        )

    def update(self, block: int, target: int, events: int) -> None:
        self.block, self.target = block, max(target, block)
        self.events += events
        now = self._clock()
        if now - self._last_print < self.interval:
            return
        self._last_print = now
        self._emit()

    def _emit(self) -> None:
        self._shown = (self.block, self.target, self.events)
        if self.tty:
            span = max(self.target - self.start_block, 1)
            filled = int(24 * (self.block - self.start_block) / span)
            bar = "#" * filled + "." * (24 - filled)
            self.stream.write(f"\r[{bar}] {self.line()}\x1b[K")
            self.stream.flush()
            self._open = True
        else:
            log.info("%s", self.line())

    def finish(self) -> None:
        """Prints the final figures once (a no-op until there is something new, and when the
        last update already printed them: a short job would otherwise log its line twice)."""
        if self.block == self.start_block and not self._open:
            return
        if self._shown != (self.block, self.target, self.events):
            self._emit()
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
        self._open = False
        self.start_block = self.block
        self.events = 0
        self._shown = None
        self._t0 = self._clock()
