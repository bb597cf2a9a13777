"""The sync loop: backfill from the deployment block in adaptive ranges, then follow the head,
walking back to the common ancestor on a reorg.

One step (`sync_once`) reads the node, validates, and commits one range (or one undo) with its
checkpoint in a single transaction. `run_forever(stop)` repeats steps under the writer lock;
tests drive `sync_once` deterministically.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from indexer import store
from indexer.config import IndexerConfig
from indexer.decode import gc_paused
from indexer.errors import DeepReorg, IndexerError, NodeInconsistent, RpcError
from indexer.finality import Finality
from indexer.lock import WriterLock
from indexer.progress import Progress
from indexer.ranges import AdaptiveRange
from indexer.reader import FetchWorker, FinalRange, NodeReader
from indexer.realtime import Realtime, tip_replaced
from indexer.rpc import HttpRpc, RpcTransport, quantity
from indexer.store import RangeData, State

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

    def __post_init__(self) -> None:
        self.token = self.token.lower()
        self.ranges = AdaptiveRange(
            size=self.config.initial_range,
            maximum=self.config.max_range,
            max_logs=self.config.max_logs,
        )
        self.finality = Finality(self.config.finality_depth)
        self.reader = NodeReader(
            self.rpc,
            self.token,
            self.ranges,
            retries=self.config.retries,
            retry_delay=self.config.retry_delay,
            sleep=self.sleep,
        )
        self.realtime = Realtime(self.engine, self.reader, self._record)
        self._prefetch: _Prefetch | None = None
        self._worker: FetchWorker | None = None
        self._balances: dict[str, int] = {}
        self._balances_at: tuple[int, str | None] | None = None
        # The bulk-load indexes: None until checked, True present, False dropped by this writer.
        self._indexes: bool | None = None

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
            state = store.load_state(conn)
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
            self._drop_prefetch()
            return self._reorg(state, step)
        first = state.indexed_block + 1
        stage = choose_stage(first, head, finalized)
        if stage is not Stage.HISTORICAL:
            self._stop_worker()  # following the head: no more backfill ranges for now
        if stage is Stage.CAUGHT_UP:
            with self.engine.begin() as conn:
                store.record_head(conn, head, finalized)
            self._ensure_indexes()
            step.caught_up = True
            step.first, step.last = first, state.indexed_block
            return step
        if stage is Stage.REALTIME:
            got = self.realtime.read(
                first, min(head, first + self.config.follow_range - 1), state.indexed_hash
            )
            last, decoded, blocks = got.last, got.decoded, got.blocks
        else:
            if self._use_worker() and self._worker is None:
                self._worker = self._start_worker()  # it starts while this range is read
            final = self._take_prefetched(first, finalized)
            if final is None:
                final = self._final_range(first, finalized)
                self._record(final.logs_calls)
            last, decoded, blocks = final.last, final.decoded, final.blocks
            if last < finalized:
                # The next range is below finality too: fetch it while this one is stored.
                self._start_prefetch(last + 1, finalized)
                if self._bulk_load_starts(state, last, finalized, decoded.events):
                    self._drop_indexes()
        data = RangeData(first, last, blocks[-1].hash, decoded, blocks, head, finalized)
        at = (state.indexed_block, state.indexed_hash)
        known = self._balances if self._balances_at == at else None
        self._balances_at = None  # unknown until this range commits
        with gc_paused(), self.engine.begin() as conn:
            if data.last <= finalized:
                store.commit_without_waiting_for_disk(conn)  # a final range: see there
            new = store.apply_range(conn, state, data, known)
        self._remember_balances(known, data.balances_after, new)
        if last >= finalized:
            self._ensure_indexes()
        step.first, step.last, step.events = first, last, decoded.events
        step.caught_up = last >= head
        if self.progress is not None:
            self.progress.update(last, head, decoded.events)
        return step

    def _remember_balances(
        self, known: dict[str, int] | None, changed: dict[str, int], state: State
    ) -> None:
        """Keeps the balances just committed, so the next range need not read them back
        (reading ~all holders' balances each range was a tenth of the backfill's time). They
        are valid at exactly this checkpoint (block and hash): the index at a given chain
        position is a function of the chain, so another writer or a reorg that moved it
        elsewhere makes them unused."""
        if known is None or len(known) + len(changed) > self.config.balance_cache:
            known = self._balances = {}
        known.update(changed)
        self._balances_at = (state.indexed_block, state.indexed_hash)

    # -- bulk load -----------------------------------------------------------------------------

    def _bulk_load_starts(self, state: State, last: int, finalized: int, events: int) -> bool:
        return (
            self.config.bulk_load
            and self._indexes is not False
            and self.engine.dialect.name == "postgresql"
            and state.events < self.config.bulk_load_max_events
            and (
                events >= self.config.bulk_load_events
                or finalized - last >= self.config.bulk_load_blocks
            )
        )

    def _drop_indexes(self) -> None:
        """Own short transaction: DROP INDEX locks the table out for readers while it runs."""
        with self.engine.begin() as conn:
            store.drop_bulk_load_indexes(conn)
        self._indexes = False
        log.info("backfill: transfers' address indexes dropped until the index reaches finality")

    def _ensure_indexes(self) -> None:
        """Builds the missing bulk-load indexes, two at a time on their own connections (each
        in its own transaction; one still missing after a crash is built at the next check).
        Nothing else runs meanwhile, so two builds use both cores where one would not."""
        if self._indexes is True:
            return
        t0 = time.perf_counter()
        with self.engine.connect() as conn:
            missing = store.missing_bulk_load_indexes(conn)
        if len(missing) > 1:
            with ThreadPoolExecutor(2, thread_name_prefix="indexer-build") as pool:
                list(pool.map(self._build_index, missing))
        elif missing:
            self._build_index(missing[0])
        self._indexes = True
        if missing:
            log.info("built %s in %.1fs", ", ".join(missing), time.perf_counter() - t0)

    def _build_index(self, name: str) -> None:
        with self.engine.begin() as conn:
            store.create_bulk_load_index(conn, name)

    # -- reading the node --------------------------------------------------------------------

    def _final_range(self, first: int, finalized: int) -> FinalRange:
        """Logs of the next range starting at `first`, all at or below `finalized`, and the
        range's last block (the checkpoint's anchor). Runs in the prefetch thread too: it
        touches the node and `self.ranges`, never the database."""
        return self.reader.final_range(first, finalized)

    def _record(self, sent: list[list[Any]]) -> None:
        if self.logs_calls is not None:
            self.logs_calls.extend(sent)

    def _use_worker(self) -> bool:
        return self.config.fetch_process and type(self.rpc) is HttpRpc

    def _start_worker(self) -> FetchWorker:
        assert isinstance(self.rpc, HttpRpc)
        return FetchWorker(
            self.rpc, self.token, retries=self.config.retries, retry_delay=self.config.retry_delay
        )

    def _start_prefetch(self, first: int, finalized: int) -> None:
        """Reads the ranges from `first` (below `finalized`) ahead of the steps: in the fetch
        worker process (a stream of ranges up to `finalized`) or, for other transports, the
        next range in a thread."""
        if not self._use_worker():
            self._prefetch = _Prefetch(first, self._final_range, finalized)
            return
        if self._worker is not None and self._worker.next_first == first:
            return  # its stream already goes on from there
        if self._worker is not None and (
            self._worker.next_first is not None or not self._worker.alive()
        ):
            self._stop_worker()
        if self._worker is None:
            self._worker = self._start_worker()
        self._worker.stream(first, finalized, self.ranges)

    def _take_prefetched(self, first: int, finalized: int) -> FinalRange | None:
        """The prefetched range if it is the one this step needs; a failure of its fetch is
        this step's failure, as if fetched here."""
        worker = self._worker
        if worker is not None and worker.next_first is not None:
            if worker.next_first != first:
                self._stop_worker()  # the checkpoint moved meanwhile (another writer, a reorg)
                return None
            final = worker.take(self.ranges)
            self._record(final.logs_calls)
            return final if final.last <= finalized else None
        pending, self._prefetch = self._prefetch, None
        if pending is None:
            return None
        if pending.first != first:
            pending.wait()  # the checkpoint moved meanwhile (another writer, a reorg)
            return None
        final = pending.result()
        self._record(final.logs_calls)
        return final if final.last <= finalized else None

    def _drop_prefetch(self) -> None:
        """Ends a prefetch this step will not use, so that nothing else reads the node or
        changes `self.ranges` concurrently; its result and failure are dropped. The worker
        process, if it is reading ahead, is stopped (a new one starts with the next backfill)."""
        pending, self._prefetch = self._prefetch, None
        if pending is not None:
            pending.wait()
        if self._worker is not None and self._worker.next_first is not None:
            self._stop_worker()

    def _stop_worker(self) -> None:
        pending, self._prefetch = self._prefetch, None
        if pending is not None:
            pending.wait()
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.close()

    def close(self) -> None:
        self._stop_worker()

    # -- reorgs ------------------------------------------------------------------------------

    def _reorg(self, state: State, step: Step) -> Step:
        """Walks back to the common ancestor and undoes the blocks above it (see realtime)."""
        ancestor = self.realtime.walk_back(state)
        step.reorg_depth = state.indexed_block - ancestor
        step.first = step.last = ancestor
        return step

    # -- loops -------------------------------------------------------------------------------

    def run_until_caught_up(self, stop: threading.Event | None = None) -> State:
        try:
            while stop is None or not stop.is_set():
                if self.sync_once().caught_up:
                    break
        finally:
            self._stop_worker()
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
                self._stop_worker()

    def _steps(self, stop: threading.Event) -> None:
        delay = self.config.poll_interval
        while not stop.is_set():
            try:
                step = self.sync_once()
            except DeepReorg:
                raise
            except (RpcError, NodeInconsistent, store.ConcurrentWriter) as exc:
                log.warning("indexer step failed, retrying in %.1fs: %s", delay, exc)
                stop.wait(delay)
                delay = min(delay * 2, 30.0)
                continue
            delay = self.config.poll_interval
            if step.caught_up:
                if self.progress is not None:
                    self.progress.finish()
                stop.wait(self.config.poll_interval)


class _Prefetch:
    """The next backfill range, read from the node in a thread while the current one is
    stored (transports other than HttpRpc; the fetch worker process streams them otherwise).
    Safe because ranges below finality cannot change (a reorg there stops the indexer, and
    each step still checks the stored tip against the node before using this) and a step
    commits its data with the checkpoint, so a prefetched range is used only by the step
    whose checkpoint it continues."""

    def __init__(self, first: int, fetch: Callable[[int, int], FinalRange], finalized: int) -> None:
        self.first = first
        self._value: FinalRange | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(fetch, finalized), name="indexer-prefetch", daemon=True
        )
        self._thread.start()

    def _run(self, fetch: Callable[[int, int], FinalRange], finalized: int) -> None:
        try:
            self._value = fetch(self.first, finalized)
        except BaseException as exc:  # handed to the step that takes the result
            self._error = exc

    def wait(self) -> None:
        self._thread.join()

    def result(self) -> FinalRange:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


__all__ = ["DeepReorg", "Indexer", "IndexerError", "Stage", "Step", "choose_stage"]
