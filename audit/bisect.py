"""`loyalty audit bisect`: the first block at which two indexers of the same token disagree,
found by comparing their bisectable digests (indexer/digest.py) in O(log blocks) queries.

A digest at block N commits to every balance change up to N, so two honest indexers agree at
every block and, once they differ at block k, differ at every block after it: a binary search
between "agree" (before the first block: the seed) and "differ" (the last block both indexed)
ends on k. Each side is a `DigestSource`: this deployment's database, another deployment's
GraphQL URL (its public `indexerDigest(block)`), or the chain itself (audit/digest.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from sqlalchemy import Engine, select

from audit.digest import Recomputed
from indexer.digest_reads import changes_of, digest_before
from indexer.errors import IndexerError, NotIndexedYet
from indexer.tables import indexer_state


class BisectFailed(IndexerError):
    """A side could not be read or is not an index of the same token: nothing was concluded."""


class DigestSource(Protocol):
    name: str

    def identity(self) -> tuple[int, str]:
        """(chain id, lower-case token address)."""

    def indexed_block(self) -> int:
        """The last block this side has indexed."""

    def digest(self, block: int) -> str:
        """The digest at the end of `block` (≤ indexed_block)."""

    def changes(self, block: int) -> list[tuple[str, int]]:
        """The balance changes of `block`, by address."""


@dataclass
class LocalDigests:
    """This deployment's index, read from its database."""

    engine: Engine
    name: str = "this index"
    _identity: tuple[int, str] | None = field(default=None, init=False)

    def _state(self) -> Any:
        with self.engine.connect() as conn:
            row = conn.execute(select(indexer_state).where(indexer_state.c.id == 1)).first()
        if row is None:
            raise NotIndexedYet("nothing is indexed yet: run `loyalty indexer` first")
        return row

    def identity(self) -> tuple[int, str]:
        if self._identity is None:
            row = self._state()
            self._identity = int(row.chain_id), str(row.token).lower()
        return self._identity

    def indexed_block(self) -> int:
        return int(self._state().indexed_block)

    def digest(self, block: int) -> str:
        chain_id, token = self.identity()
        with self.engine.connect() as conn:
            return digest_before(conn, block, chain_id, token)

    def changes(self, block: int) -> list[tuple[str, int]]:
        with self.engine.connect() as conn:
            return changes_of(conn, block)


@dataclass
class RemoteDigests:
    """Another deployment's index, through its GraphQL URL (public fields only)."""

    url: str
    timeout: float = 30.0
    name: str = ""
    _client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.name = self.name or self.url
        self._client = httpx.Client(timeout=self.timeout)

    def close(self) -> None:
        self._client.close()

    def _query(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            reply = self._client.post(self.url, json={"query": query, "variables": variables or {}})
            body = reply.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise BisectFailed(f"{self.url} did not answer GraphQL: {exc}") from None
        if not isinstance(body, dict) or body.get("errors") or not body.get("data"):
            errors = body.get("errors") if isinstance(body, dict) else body
            raise BisectFailed(f"{self.url} answered with an error: {str(errors)[:300]}")
        data: dict[str, Any] = body["data"]
        return data

    def identity(self) -> tuple[int, str]:
        token = self._query("{ token { address chainId } }")["token"]
        return int(token["chainId"]), str(token["address"]).lower()

    def indexed_block(self) -> int:
        status = self._query("{ indexerStatus { indexedBlock } }")["indexerStatus"]
        if status["indexedBlock"] is None:
            raise BisectFailed(f"{self.url} has indexed nothing yet")
        return int(status["indexedBlock"])

    def digest(self, block: int) -> str:
        q = "query($b: Long!) { indexerDigest(block: $b) { digest } }"
        return str(self._query(q, {"b": block})["indexerDigest"]["digest"])

    def changes(self, block: int) -> list[tuple[str, int]]:
        q = "query($b: Long!) { indexerDigest(block: $b) { changes { address balance } } }"
        found = self._query(q, {"b": block})["indexerDigest"]["changes"]
        return [(str(c["address"]), int(c["balance"])) for c in found]


@dataclass
class ChainDigests:
    """The digests the chain's logs make (audit/digest.py's recompute)."""

    recomputed: Recomputed
    name: str = "the chain (eth_getLogs)"

    def identity(self) -> tuple[int, str]:
        return self.recomputed.chain_id, self.recomputed.token

    def indexed_block(self) -> int:
        return self.recomputed.through

    def digest(self, block: int) -> str:
        return self.recomputed.digest(block)

    def changes(self, block: int) -> list[tuple[str, int]]:
        return self.recomputed.changes.get(block, [])


@dataclass
class BisectResult:
    through: int  # the last block both sides have indexed
    divergent: int | None  # the first block where the digests differ (None: they agree)
    queries: int  # digest queries asked of each side
    ours: str = ""  # the digests at `divergent` (or at `through` when they agree)
    theirs: str = ""
    # At the divergent block: address -> (our balance, theirs) where they differ (None: absent).
    differences: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "through": self.through,
            "agree": self.divergent is None,
            "divergentBlock": self.divergent,
            "queries": self.queries,
            "ours": self.ours,
            "theirs": self.theirs,
            "differences": [
                {
                    "address": a,
                    "ours": None if o is None else str(o),
                    "theirs": None if t is None else str(t),
                }
                for a, (o, t) in sorted(self.differences.items())
            ],
        }


def bisect(ours: DigestSource, theirs: DigestSource, through: int | None = None) -> BisectResult:
    """The first block ≤ `through` (default: the last block both indexed) where the two sides'
    digests differ."""
    mine_id, their_id = ours.identity(), theirs.identity()
    if mine_id != their_id:
        raise BisectFailed(
            f"{ours.name} indexes token {mine_id[1]} on chain {mine_id[0]}, "
            f"{theirs.name} token {their_id[1]} on chain {their_id[0]}: not the same index"
        )
    last = min(ours.indexed_block(), theirs.indexed_block())
    if through is not None:
        if through > last:
            raise BisectFailed(f"block {through} is not indexed by both (they share up to {last})")
        last = through
    if last < 0:
        raise BisectFailed("neither side has indexed a block")
    queries = 1
    a, b = ours.digest(last), theirs.digest(last)
    if a == b:
        return BisectResult(last, None, queries, a, b)
    # Block -1 stands for the seed, which the identity check above makes common to both.
    agree, differ = -1, last
    while differ - agree > 1:
        mid = (agree + differ) // 2
        queries += 1
        x, y = ours.digest(mid), theirs.digest(mid)
        if x == y:
            agree = mid
        else:
            differ, a, b = mid, x, y
    mine, other = dict(ours.changes(differ)), dict(theirs.changes(differ))
    differences = {
        address: (mine.get(address), other.get(address))
        for address in sorted(set(mine) | set(other))
        if mine.get(address) != other.get(address)
    }
    return BisectResult(last, differ, queries, a, b, differences)
