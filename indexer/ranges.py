"""Adaptive eth_getLogs block ranges: grow on success, shrink on refusals and timeouts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class AdaptiveRange:
    size: int = 1_000
    minimum: int = 1
    maximum: int = 100_000
    max_logs: int = 10_000  # a reply larger than this shrinks the next range (memory, latency)

    def span(self, first: int, limit: int) -> int:
        """The last block of the next range starting at `first`, not beyond `limit`."""
        return min(limit, first + self.size - 1)

    def succeeded(self, blocks: int, logs: int) -> None:
        if logs > self.max_logs:
            self.size = max(self.minimum, blocks // 2)
        elif 2 * logs <= self.max_logs and blocks >= self.size:
            # Doubling should still fit under max_logs. Fewer, fuller ranges matter: each
            # range rewrites the balance of every address it touches.
            self.size = min(self.maximum, self.size * 2)

    def refused(self, blocks: int, hint: tuple[int, int] | None = None) -> bool:
        """Shrinks after a "too many results"/timeout; False if it cannot shrink any more."""
        if blocks <= self.minimum:
            return False
        if hint is not None and hint[1] >= hint[0]:
            self.size = max(self.minimum, min(blocks - 1, hint[1] - hint[0] + 1))
        else:
            self.size = max(self.minimum, blocks // 2)
        return True
