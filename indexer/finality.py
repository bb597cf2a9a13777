"""Which block counts as final: the node's `finalized` tag when it has one, else a depth."""

from __future__ import annotations

from typing import Any

from indexer.errors import RpcError

FINALIZED_CALL = ("eth_getBlockByNumber", ["finalized", False])


class Finality:
    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.tag_supported: bool | None = None  # learned from the first answer

    def calls(self) -> list[tuple[str, list[Any]]]:
        return [] if self.tag_supported is False else [FINALIZED_CALL]

    def finalized(self, head: int, answer: Any = None) -> int:
        """The finalized block given the head and the answer to `calls()` (if any)."""
        if self.tag_supported is not False:
            if isinstance(answer, dict) and answer.get("number"):
                self.tag_supported = True
                return min(head, int(answer["number"], 16))
            if isinstance(answer, RpcError) or answer is None:
                # Nodes without the tag answer an error or null: fall back to the depth for good.
                self.tag_supported = False
        return max(-1, head - self.depth)
