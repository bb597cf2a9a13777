"""The minter: turns pending chain requests (the outbox) into on-chain batches exactly once.

batching (pure) → store (database) → sender (sign, save, broadcast) → watcher (receipts,
replacement, reorgs, finality), run by loop.Minter under lock.MinterLock.
"""
