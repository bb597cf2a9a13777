"""Operational gauges read from the database at scrape time: outbox depth, batches and
transactions by state, gas spent, the webhook inbox, indexer heights, lag and reorgs.

Reading them from the tables (rather than counting inside each loop) means every process — the
API, a minter or an indexer, whichever Prometheus scrapes — reports the same truth, and a
restarted process does not reset a counter to zero. A short cache keeps scrapes cheap."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, inspect, select

from indexer.tables import indexer_state
from loyalty.db.ledger import IN_FAILED, IN_PENDING, inbound_events
from loyalty.db.outbox import BATCHED, PENDING, SETTLED, chain_requests
from minter.tables import mint_batches, minter_txs

log = logging.getLogger(__name__)
CACHE_S = 2.0


class DatabaseCollector(Collector):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._cached: tuple[float, list[Metric]] | None = None

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            now = time.monotonic()
            if self._cached is None or now - self._cached[0] > CACHE_S:
                try:
                    self._cached = (now, self._read())
                except Exception:
                    # A scrape must not fail because the database is briefly away;
                    # /readyz says so, and the gauges simply go missing for that scrape.
                    log.warning("metrics: cannot read the database", exc_info=True)
                    return
            yield from self._cached[1]

    def _read(self) -> list[Metric]:
        metrics: list[Metric] = []
        with self._engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            depth = GaugeMetricFamily(
                "loyalty_outbox_depth",
                "Chain requests not yet settled (final or refused), by status.",
                labels=["status"],
            )
            counts = dict.fromkeys((PENDING, BATCHED), 0)  # an empty outbox reads 0, not absent
            for status, n in conn.execute(
                select(chain_requests.c.status, func.count())
                .where(chain_requests.c.status.not_in(SETTLED))
                .group_by(chain_requests.c.status)
            ):
                counts[status] = n
            for status, n in counts.items():
                depth.add_metric([status], n)
            metrics.append(depth)

            if "mint_batches" in tables:
                batches = GaugeMetricFamily(
                    "loyalty_minter_batches", "Minter batches by state.", labels=["state"]
                )
                for status, n in conn.execute(
                    select(mint_batches.c.status, func.count()).group_by(mint_batches.c.status)
                ):
                    batches.add_metric([status], n)
                txs = GaugeMetricFamily(
                    "loyalty_minter_transactions",
                    "Signed minter transactions by state (REPLACED counts fee bumps).",
                    labels=["state"],
                )
                for state, n in conn.execute(
                    select(minter_txs.c.state, func.count()).group_by(minter_txs.c.state)
                ):
                    txs.add_metric([state], n)
                gas = conn.execute(
                    select(func.coalesce(func.sum(mint_batches.c.gas_used), 0))
                ).scalar_one()
                gas_metric = CounterMetricFamily(
                    "loyalty_minter_gas_used", "Gas used by mined minter batches."
                )
                gas_metric.add_metric([], int(gas))
                metrics += [batches, txs, gas_metric]

            if "inbound_events" in tables:
                inbox = GaugeMetricFamily(
                    "loyalty_webhook_inbox",
                    "Webhook events stored but not processed (PENDING) or given up on (FAILED).",
                    labels=["state"],
                )
                for state in (IN_PENDING, IN_FAILED):  # one count each: each has its index
                    n = conn.scalar(select(func.count()).where(inbound_events.c.state == state))
                    inbox.add_metric([state], n or 0)
                metrics.append(inbox)

            if "indexer_state" in tables:
                row = conn.execute(select(indexer_state)).first()
                if row is not None:
                    heights = GaugeMetricFamily(
                        "loyalty_indexer_block", "Indexer heights.", labels=["kind"]
                    )
                    heights.add_metric(["indexed"], row.indexed_block)
                    if row.head_block is not None:
                        heights.add_metric(["head"], row.head_block)
                    if row.finalized_block is not None:
                        heights.add_metric(["finalized"], row.finalized_block)
                    lag = GaugeMetricFamily(
                        "loyalty_indexer_lag_blocks", "Blocks between head and indexed."
                    )
                    lag.add_metric([], max(0, (row.head_block or 0) - row.indexed_block))
                    reorgs = CounterMetricFamily(
                        "loyalty_indexer_reorgs", "Reorgs handled by the indexer."
                    )
                    reorgs.add_metric([], row.reorgs_handled)
                    metrics += [heights, lag, reorgs]
        return metrics
