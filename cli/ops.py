"""A worker process's (minter, indexer) --metrics-port: /healthz, /readyz and /metrics, so every
process of the topology can be probed and scraped like the API. The server itself lives in
cli.ops_server, imported only when the port is given (`loyalty --help` stays fast)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cli.ops_server import OpsServer


def add_metrics_port(parser: Any) -> None:
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        help="serve /healthz, /readyz and /metrics on this port (0.0.0.0)",
    )


def start_ops_server(
    args: Any, settings: Any, engine: Any, chain: Any, problems: dict[str, str] | None = None
) -> OpsServer | None:
    """Starts the ops server of a worker process when --metrics-port is given. Ready means the
    database and the chain answer and the worker reports no problem in `problems` (e.g. the
    minter's steps keep failing); the gauges come from the database (see api.gauges)."""
    port = getattr(args, "metrics_port", None)
    if port is None:
        return None
    from sqlalchemy import text

    from api.gauges import DatabaseCollector
    from cli.ops_server import OpsServer

    def readiness() -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"{type(exc).__name__}"
        try:
            chain.request("eth_blockNumber", [])
            checks["chain"] = "ok"
        except Exception as exc:
            checks["chain"] = f"{type(exc).__name__}"
        checks.update(problems or {})
        return checks

    server = OpsServer("0.0.0.0", port, readiness, DatabaseCollector(engine))
    server.start()
    return server
