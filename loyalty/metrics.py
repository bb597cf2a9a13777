"""Prometheus metrics of every process, in one registry so /metrics shows them all.

Defined here (not next to their writers) so the API, minter and indexer share names, and an
operator finds the whole list in one place.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "loyalty_http_requests_total",
    "HTTP requests by route, method and status code.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "loyalty_http_request_seconds",
    "HTTP request latency by route.",
    ["route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)
GRAPHQL_OPERATIONS = Histogram(
    "loyalty_graphql_operation_seconds",
    "GraphQL operation latency by operation name and outcome.",
    ["operation", "outcome"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)
WEBHOOKS = Counter(
    "loyalty_webhooks_total",
    "Inbound webhooks by source and outcome (accepted, duplicate, refused).",
    ["source", "outcome"],
    registry=REGISTRY,
)
OUTBOX_DEPTH = Gauge(
    "loyalty_outbox_depth",
    "Chain requests not yet final, by status.",
    ["status"],
    registry=REGISTRY,
)
MINTER_BATCHES = Counter(
    "loyalty_minter_batches_total",
    "Minter batch events (sent, final, replaced, reverted, reorged).",
    ["event"],
    registry=REGISTRY,
)
MINTER_GAS = Counter(
    "loyalty_minter_gas_used_total", "Gas used by final batches.", registry=REGISTRY
)
INDEXER_BLOCKS = Gauge(
    "loyalty_indexer_block",
    "Indexer block heights (head, indexed, finalized).",
    ["kind"],
    registry=REGISTRY,
)
INDEXER_LAG = Gauge(
    "loyalty_indexer_lag_blocks", "Blocks between head and indexed.", registry=REGISTRY
)
INDEXER_REORGS = Counter("loyalty_indexer_reorgs_total", "Reorgs handled.", registry=REGISTRY)
AUDIT_MISMATCHES = Gauge(
    "loyalty_audit_mismatches", "Mismatches found by the last audit.", registry=REGISTRY
)
