"""Builds an Indexer against an anvil node for tests (HTTP transport, small ranges)."""

from __future__ import annotations

from typing import Any

from indexer.config import IndexerConfig
from indexer.rpc import HttpRpc
from indexer.sync import Indexer
from loyalty.db.engine import make_engine
from tests.support.token_activity import TokenActivity


def make_indexer(
    database_url: str, activity: TokenActivity, url: str | None = None, **config: Any
) -> Indexer:
    config.setdefault("retry_delay", 0.01)
    config.setdefault("poll_interval", 0.05)
    return Indexer(
        engine=make_engine(database_url),
        rpc=HttpRpc(url or activity.node.url, timeout=config.pop("timeout", 10.0)),
        chain_id=activity.node.chain_id,
        token=activity.token,
        start_block=activity.deployment.deployment_block,
        config=IndexerConfig(**config),
    )


def close(indexer: Indexer) -> None:
    indexer.rpc.close()
    indexer.engine.dispose()
