"""Prometheus metrics of every process, in one registry so /metrics shows them all.

Defined here (not next to their writers) so the API, minter and indexer share names, and an
operator finds the whole list in one place.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

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
RPC_ERRORS = Counter(
    "loyalty_rpc_errors_total",
    "Failed JSON-RPC calls to the node that were retried, by component and method.",
    ["component", "method"],
    registry=REGISTRY,
)
# Outbox, minter and indexer gauges are read from the database: see api/gauges.py.
AUDIT_MISMATCHES = Gauge(
    "loyalty_audit_mismatches", "Mismatches found by the last audit.", registry=REGISTRY
)


def exposition(*extra: object) -> bytes:
    """The text exposition of the process registry plus per-process collectors (each with its
    own database), without registering those globally (tests build many apps)."""

    class _Combined:
        def collect(self):  # type: ignore[no-untyped-def]
            yield from REGISTRY.collect()
            for collector in extra:
                yield from collector.collect()  # type: ignore[attr-defined]

    return generate_latest(_Combined())
