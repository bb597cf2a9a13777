"""The bisectable digest of the index (issue 17, item 5), pure: one SHA-256 per block that
changed a balance, chained, so that two indexers of the same token can find the first block on
which they disagree by comparing O(log blocks) digests (The Graph's Proof of Indexing, here).

    seed = sha256("loyalty-indexer-digest/1\\n{chainId}\\n{token}")
    d_N  = d_{N-1}                                   if no Transfer of block N touched an address
    d_N  = sha256("{d_{N-1}}\\n{N}\\n{a1}:{b1}\\n{a2}:{b2}…")   otherwise

Hex digests are lower case; `token` and the addresses a_i are lower-case 0x-hex; (a_i, b_i) are
the addresses (never the zero address) that a Transfer of block N sent from or to, with their
balance at the end of block N in decimal, sorted by address, joined by "\\n", no trailing
newline. An address a zero-value or self transfer touched counts, unchanged. "d at block N"
is defined for every N: a block without changes (or before the token existed) repeats the digest
before it, so a bisection can probe any block number. docs/indexer.md says the same for users.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

VERSION = "loyalty-indexer-digest/1"

DigestRow = tuple[int, str, int]  # (block, digest after it, how many changes it had)


def seed(chain_id: int, token: str) -> str:
    """The digest before the first block: binds the chain and the token."""
    return hashlib.sha256(f"{VERSION}\n{chain_id}\n{token.lower()}".encode()).hexdigest()


def block_digest(previous: str, block: int, changes: Iterable[tuple[str, int]]) -> str:
    """d_N from d_{N-1} and block N's (address, balance after the block) changes."""
    lines = "\n".join(f"{a}:{b}" for a, b in sorted(changes))
    return hashlib.sha256(f"{previous}\n{block}\n{lines}".encode()).hexdigest()


def chain_digests(previous: str, history: Mapping[tuple[str, int], int]) -> list[DigestRow]:
    """The digest rows of a range of blocks from its balance history ((address, block) ->
    balance at the end of the block, what the fold writes), chained from `previous`, the digest
    before the range; blocks in increasing order. Same digests as `block_digest`, built faster
    for the backfill (~100,000 transfers a range): the lines are made once and sorted as
    strings, which is address order since every address is 42 characters followed by ":"."""
    by_block: dict[int, list[str]] = {}
    for (address, block), balance in history.items():
        line = f"{address}:{balance}"
        found = by_block.get(block)
        if found is None:
            by_block[block] = [line]
        else:
            found.append(line)
    rows: list[DigestRow] = []
    sha256 = hashlib.sha256
    for block in sorted(by_block):
        lines = by_block[block]
        lines.sort()
        body = "\n".join(lines)
        previous = sha256(f"{previous}\n{block}\n{body}".encode()).hexdigest()
        rows.append((block, previous, len(lines)))
    return rows
