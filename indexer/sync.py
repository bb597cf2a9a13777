"""The sync loop, a thin coordinator: backfill from the deployment block in adaptive ranges
(historical.py), then follow the head, walking back to the common ancestor on a reorg
(realtime.py).

One step (`sync_once`) reads where the node stands, chooses its stage, and commits one range
(or one undo) with its checkpoint in a single transaction. `run_forever(stop)` repeats steps
under the writer lock; tests drive `sync_once` deterministically.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from indexer import store
from indexer.config import IndexerConfig
from indexer.decode import gc_paused
from indexer.errors import ConcurrentWriter, DeepReorg, IndexerError, NodeInconsistent, RpcError
from indexer.finality import Finality
from indexer.historical import BalanceCache, Historical
from indexer.lock import WriterLock
from indexer.progress import Progress
from indexer.queries import State, load_state
from indexer.ranges import AdaptiveRange
from indexer.reader import NodeReader
from indexer.realtime import Realtime, tip_replaced
from indexer.rpc import RpcTransport, quantity
from indexer.store import RangeData

log = logging.getLogger("indexer")


class Stage(enum.Enum):
    CAUGHT_UP = "caught up"  # nothing above the checkpoint yet
    REALTIME = "realtime"  # the next block is above finality: follow the head (realtime.py)
    HISTORICAL = "historical"  # the next block is final: a backfill range (historical.py)


def choose_stage(first: int, head: int, finalized: int) -> Stage:
    """What a step does with `first`, the block after the checkpoint (finalized ≤ head)."""
    if first > head:
        return Stage.CAUGHT_UP
    if first > finalized:
        return Stage.REALTIME
    return Stage.HISTORICAL


@dataclass
class Step:
    """What a step did."""

    first: int = 0
    last: int = 0
    events: int = 0
    reorg_depth: int | None = None
    caught_up: bool = False
    head: int = 0
    finalized: int = 0


@dataclass
class Indexer:
    engine: Engine
    rpc: RpcTransport
    chain_id: int
    token: str
    start_block: int
    config: IndexerConfig = field(default_factory=IndexerConfig)
    progress: Progress | None = None
    sleep: Callable[[float], None] = time.sleep
    # If set, the params of every eth_getLogs call (the benchmark replays them).
    logs_calls: list[list[Any]] | None = None
    # If set, runs after every step that committed (the composition's followers of the index,
    # e.g. cli/indexer.py's transfer feed); what it raises propagates like the step's own errors.
    after_step: Callable[[Step], None] | None = None

    def __post_init__(self) -> None:
        self.token = self.token.lower()
        self.finality = Finality(self.config.finality_depth)
        self.reader = NodeReader(
            self.rpc,
            self.token,
            AdaptiveRange(
                size=self.config.initial_range,
                maximum=self.config.max_range,
                max_logs=self.config.max_logs,
            ),
            retries=self.config.retries,
            retry_delay=self.config.retry_delay,
            sleep=self.sleep,
        )
        self.realtime = Realtime(self.engine, self.reader, self._record)
        self.historical = Historical(self.engine, self.reader, self.config, self._record)
        self.balances = BalanceCache(self.config.balance_cache)

    # -- state -------------------------------------------------------------------------------

    def state(self) -> State:
        """The checkpoint, created on first use; a database holding another token's index is
        reset (the index is derived data; the chain is the source)."""
        try:
            return self._state()
        except IntegrityError:
            return self._state()  # another process created the row at the same moment

    def _state(self) -> State:
        with self.engine.begin() as conn:
            state = load_state(conn)
            if state is not None and (state.token, state.chain_id) == (self.token, self.chain_id):
                return state
            if state is not None:
                log.warning(
                    "the index holds token %s on chain %s; re-indexing %s on chain %s",
                    state.token,
                    state.chain_id,
                    self.token,
                    self.chain_id,
                )
                store.reset(conn)
            return store.init_state(conn, self.chain_id, self.token, self.start_block)

    # -- one step ----------------------------------------------------------------------------

    def sync_once(self) -> Step:
        state = self.state()
        finality_calls = self.finality.calls()
        calls: list[tuple[str, list[Any]]] = [("eth_blockNumber", []), *finality_calls]
        if state.indexed_hash is not None:
            calls.append(("eth_getBlockByNumber", [hex(state.indexed_block), False]))
        answers = self.reader.batch(calls)
        head = quantity(answers[0], "eth_blockNumber")
        finalized = self.finality.finalized(head, answers[1] if finality_calls else None)
        step = Step(head=head, finalized=finalized)
        if state.indexed_hash is not None and tip_replaced(answers[-1], state.indexed_hash):
            self.historical.drop_prefetch()
            ancestor = self.realtime.walk_back(state)
            step.reorg_depth = state.indexed_block - ancestor
            step.first = step.last = ancestor
            return step
        first = state.indexed_block + 1
        stage = choose_stage(first, head, finalized)
        if stage is not Stage.HISTORICAL:
            self.historical.stop()  # following the head: no more backfill ranges for now
        if stage is Stage.CAUGHT_UP:
            with self.engine.begin() as conn:
                store.record_head(conn, head, finalized)
            self.historical.ensure_indexes()
            step.caught_up = True
            step.first, step.last = first, state.indexed_block
            return step
        if stage is Stage.REALTIME:
            last = min(head, first + self.config.follow_range - 1)
            got = self.realtime.read(first, last, state.indexed_hash)
            last, decoded, blocks = got.last, got.decoded, got.blocks
        else:
            final = self.historical.read(state, first, finalized)
            last, decoded, blocks = final.last, final.decoded, final.blocks
        data = RangeData(first, last, blocks[-1].hash, decoded, blocks, head, finalized)
        known = self.balances.take(state)
        with gc_paused(), self.engine.begin() as conn:
            if data.last <= finalized:
                store.commit_without_waiting_for_disk(conn)  # a final range: see there
            new = store.apply_range(conn, state, data, known)
        self.balances.keep(known, data.balances_after, new)
        if last >= finalized:
            self.historical.ensure_indexes()
        step.first, step.last, step.events = first, last, decoded.events
        step.caught_up = last >= head
        if self.progress is not None:
            self.progress.update(last, head, decoded.events)
        return step

    def _record(self, sent: list[list[Any]]) -> None:
        if self.logs_calls is not None:
            self.logs_calls.extend(sent)

    def close(self) -> None:
        self.historical.stop()

    # -- loops -------------------------------------------------------------------------------

    def run_until_caught_up(self, stop: threading.Event | None = None) -> State:
        try:
            while stop is None or not stop.is_set():
                step = self.sync_once()
                if self.after_step is not None:
                    self.after_step(step)
                if step.caught_up:
                    break
        finally:
            self.historical.stop()
        if self.progress is not None:
            self.progress.finish()
        return self.state()

    def run_forever(self, stop: threading.Event) -> None:
        """Steps until `stop` is set, under the writer lock (other processes wait for it).
        Transient node trouble is logged and retried; a DeepReorg (or any unexpected error)
        propagates: the caller stops loudly."""
        with WriterLock(self.engine, self.chain_id, stop):
            if stop.is_set():
                return
            try:
                self._steps(stop)
            finally:
                self.historical.stop()

    def _steps(self, stop: threading.Event) -> None:
        delay = self.config.poll_interval
        while not stop.is_set():
            try:
                step = self.sync_once()
            except DeepReorg:
                raise
            except (RpcError, NodeInconsistent, ConcurrentWriter) as exc:
                log.warning("indexer step failed, retrying in %.1fs: %s", delay, exc)
                stop.wait(delay)
                delay = min(delay * 2, 30.0)
                continue
            if self.after_step is not None:
                self.after_step(step)
            delay = self.config.poll_interval
            if step.caught_up:
                if self.progress is not None:
                    self.progress.finish()
                stop.wait(self.config.poll_interval)


__all__ = ["DeepReorg", "Indexer", "IndexerError", "Stage", "Step", "choose_stage"]
