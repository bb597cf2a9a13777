"""The Transfer-log indexer: it mirrors the token's events into balances, reorg-safe."""
