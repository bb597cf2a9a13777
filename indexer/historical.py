"""The backfill, below finality: ranges read ahead of the steps (the fetch worker process for an
HTTP node, a thread otherwise), PostgreSQL's bulk load (the secondary indexes dropped during a
backfill and built once the index reaches finality, and their DDL), and the balances kept in
memory between ranges.

Reading ahead is safe because ranges below finality cannot change (a reorg there stops the
indexer, and each step still checks the stored tip against the node before using one) and a
step commits its data with the checkpoint, so a range read ahead is used only by the step whose
checkpoint it continues."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Connection, Engine, text
from sqlalchemy.schema import CreateIndex, DropIndex

from indexer.config import IndexerConfig
from indexer.fetch_worker import FetchWorker, FinalRange, read_final_range
from indexer.queries import State
from indexer.reader import NodeReader, Record
from indexer.rpc import HttpRpc
from indexer.tables import ALL

log = logging.getLogger("indexer")


def bulk_load_starts(
    config: IndexerConfig,
    dialect: str,
    indexes: bool | None,
    stored_events: int,
    events: int,
    last: int,
    finalized: int,
) -> bool:
    """Whether a range that ended at `last` (below `finalized`, with more to follow) and held
    `events` makes this a backfill whose indexes are best dropped (see IndexerConfig);
    `indexes` is False once this writer dropped them."""
    return (
        config.bulk_load
        and indexes is not False
        and dialect == "postgresql"
        and stored_events < config.bulk_load_max_events
        and (events >= config.bulk_load_events or finalized - last >= config.bulk_load_blocks)
    )


class BalanceCache:
    """The balances just committed, so the next range need not read them back (reading ~all
    holders' balances each range was a tenth of the backfill's time). They are valid at exactly
    one checkpoint (block and hash): the index at a given chain position is a function of the
    chain, so another writer or a reorg that moved it elsewhere makes them unused."""

    def __init__(self, limit: int) -> None:
        self.limit = limit  # most balances kept
        self._balances: dict[str, int] = {}
        self._at: tuple[int, str | None] | None = None

    def take(self, state: State) -> dict[str, int] | None:
        """The stored balances known at `state`'s checkpoint (None: none known). They are
        unknown from now until `keep` records the range that follows."""
        at = (state.indexed_block, state.indexed_hash)
        known = self._balances if self._at == at else None
        self._at = None
        return known

    def keep(self, known: dict[str, int] | None, changed: dict[str, int], state: State) -> None:
        """After a range from `known` (what `take` gave) committed at `state`: its `changed`
        balances join them (or start afresh past the limit)."""
        if known is None or len(known) + len(changed) > self.limit:
            known = self._balances = {}
        known.update(changed)
        self._at = (state.indexed_block, state.indexed_hash)


# Secondary indexes that a PostgreSQL backfill drops and builds once when it reaches finality
# (one sort each instead of an insert per row: maintaining them row by row was a large part of
# the database's work). The address indexes of transfers only serve `transfers(filter:
# {address})`; the block indexes of transfers and balance history serve a reorg's undo, which
# never happens below finality (a reorg there stops the indexer); the balance index serves
# holders ordered by balance. Queries stay correct meanwhile (they scan). Never a primary key:
# those keep the data unique and serve balance lookups and the backfill's own reads.
_BULK_LOAD_INDEX_NAMES = (
    "ix_indexer_transfers_from",
    "ix_indexer_transfers_to",
    "ix_indexer_transfers_block",
    "ix_indexer_balance_history_block",
    "ix_indexer_balances_balance",
)
BULK_LOAD_INDEXES = tuple(
    sorted(
        (i for t in ALL for i in t.indexes if i.name in _BULK_LOAD_INDEX_NAMES),
        key=lambda i: _BULK_LOAD_INDEX_NAMES.index(str(i.name)),
    )
)  # largest first
if len(BULK_LOAD_INDEXES) != len(_BULK_LOAD_INDEX_NAMES):
    raise AssertionError("a bulk-load index is not among the indexer's tables")


def missing_bulk_load_indexes(conn: Connection) -> list[str]:
    """The bulk-load indexes that are not there (always none outside PostgreSQL)."""
    if conn.dialect.name != "postgresql":
        return []
    present = set(
        conn.execute(
            text(
                "SELECT indexname FROM pg_indexes "
                "WHERE schemaname = current_schema() AND indexname = ANY(:names)"
            ),
            {"names": list(_BULK_LOAD_INDEX_NAMES)},
        ).scalars()
    )
    return [str(i.name) for i in BULK_LOAD_INDEXES if i.name not in present]


def drop_bulk_load_indexes(conn: Connection) -> None:
    """PostgreSQL only; queries by address stay correct meanwhile (a scan instead)."""
    if conn.dialect.name == "postgresql":
        for index in BULK_LOAD_INDEXES:
            conn.execute(DropIndex(index, if_exists=True))


def create_bulk_load_index(conn: Connection, name: str) -> None:
    """Builds one bulk-load index if it is missing (in the caller's transaction: a crash
    leaves it absent, never half-built)."""
    for index in BULK_LOAD_INDEXES:
        if index.name == name:
            conn.execute(CreateIndex(index, if_not_exists=True))
            return
    raise ValueError(f"not a bulk-load index: {name}")


class Historical:
    """The backfill stage of one indexer: reads the ranges at or below finality (ahead of the
    steps where it can) and manages the bulk-load indexes."""

    def __init__(
        self, engine: Engine, reader: NodeReader, config: IndexerConfig, record: Record
    ) -> None:
        self.engine = engine
        self.reader = reader
        self.config = config
        self._record = record
        self._prefetch: _Prefetch | None = None
        self._worker: FetchWorker | None = None
        # The bulk-load indexes: None until checked, True present, False dropped by this writer.
        self._indexes: bool | None = None

    @property
    def worker(self) -> FetchWorker | None:
        """The fetch worker process, while there is one."""
        return self._worker

    def read(self, state: State, first: int, finalized: int) -> FinalRange:
        """The range from `first` (at or below `finalized`); starts reading the next one if it
        is below finality too, and the bulk load if this is a backfill."""
        if self._use_worker() and self._worker is None:
            self._worker = self._start_worker()  # it starts while this range is read
        final = self._take_prefetched(first, finalized)
        if final is None:
            final = read_final_range(self.reader, first, finalized)
            self._record(final.logs_calls)
        if final.last < finalized:
            # The next range is below finality too: fetch it while this one is stored.
            self._start_prefetch(final.last + 1, finalized)
            if bulk_load_starts(
                self.config,
                self.engine.dialect.name,
                self._indexes,
                state.events,
                final.decoded.events,
                final.last,
                finalized,
            ):
                self._drop_indexes()
        return final

    # -- reading ahead ---------------------------------------------------------------------------

    def _use_worker(self) -> bool:
        return self.config.fetch_process and type(self.reader.rpc) is HttpRpc

    def _start_worker(self) -> FetchWorker:
        rpc = self.reader.rpc
        assert isinstance(rpc, HttpRpc)
        return FetchWorker(
            rpc, self.reader.token, retries=self.config.retries, retry_delay=self.config.retry_delay
        )

    def _start_prefetch(self, first: int, finalized: int) -> None:
        """Reads the ranges from `first` (below `finalized`) ahead of the steps: in the fetch
        worker process (a stream of ranges up to `finalized`) or, for other transports, the
        next range in a thread."""
        if not self._use_worker():
            self._prefetch = _Prefetch(first, self._read_final, finalized)
            return
        if self._worker is not None and self._worker.next_first == first:
            return  # its stream already goes on from there
        if self._worker is not None and (
            self._worker.next_first is not None or not self._worker.alive()
        ):
            self.stop()
        if self._worker is None:
            self._worker = self._start_worker()
        self._worker.stream(first, finalized, self.reader.ranges)

    def _read_final(self, first: int, finalized: int) -> FinalRange:
        """Runs in the prefetch thread: it touches the node and the reader's ranges, never the
        database."""
        return read_final_range(self.reader, first, finalized)

    def _take_prefetched(self, first: int, finalized: int) -> FinalRange | None:
        """The prefetched range if it is the one this step needs; a failure of its fetch is
        this step's failure, as if fetched here."""
        worker = self._worker
        if worker is not None and worker.next_first is not None:
            if worker.next_first != first:
                self.stop()  # the checkpoint moved meanwhile (another writer, a reorg)
                return None
            final = worker.take(self.reader.ranges)
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

    def drop_prefetch(self) -> None:
        """Ends a prefetch the next step will not use, so that nothing else reads the node or
        changes the reader's ranges concurrently; its result and failure are dropped. The
        worker process, if it is reading ahead, is stopped (a new one starts with the next
        backfill)."""
        pending, self._prefetch = self._prefetch, None
        if pending is not None:
            pending.wait()
        if self._worker is not None and self._worker.next_first is not None:
            self.stop()

    def stop(self) -> None:
        """Ends any reading ahead, and the worker process."""
        pending, self._prefetch = self._prefetch, None
        if pending is not None:
            pending.wait()
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.close()

    # -- bulk load -------------------------------------------------------------------------------

    def _drop_indexes(self) -> None:
        """Own short transaction: DROP INDEX locks the table out for readers while it runs."""
        with self.engine.begin() as conn:
            drop_bulk_load_indexes(conn)
        self._indexes = False
        log.info("backfill: transfers' address indexes dropped until the index reaches finality")

    def ensure_indexes(self) -> None:
        """Builds the missing bulk-load indexes, two at a time on their own connections (each
        in its own transaction; one still missing after a crash is built at the next check).
        Nothing else runs meanwhile, so two builds use both cores where one would not."""
        if self._indexes is True:
            return
        t0 = time.perf_counter()
        with self.engine.connect() as conn:
            missing = missing_bulk_load_indexes(conn)
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
            create_bulk_load_index(conn, name)


class _Prefetch:
    """The next backfill range, read from the node in a thread while the current one is
    stored (transports other than HttpRpc; the fetch worker process streams them otherwise)."""

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
