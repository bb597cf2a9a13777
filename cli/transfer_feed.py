"""The composition of the index and the ledger: after each indexer step, the token's final
Transfer events between addresses become TRANSFER_OUT / TRANSFER_IN entries of the members
whose receiving addresses they touch (loyalty.services.transfers, which knows no indexer: it
gets them here as plain data). Runs in the indexer's thread (`loyalty indexer`, the indexer
thread of `loyalty serve`), on an event loop (in a thread) and an async engine of its own, so
that it works whatever the calling thread runs (an async test calling `main(["indexer"])`)."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from indexer.queries import final_stmt, transfers_between_stmt
from loyalty.db.engine import make_async_engine
from loyalty.services.bootstrap import unit_of_work_factory
from loyalty.services.transfers import ChainTransfer, post_transfers, transfers_through

log = logging.getLogger("indexer")

BLOCKS_PER_POSTING = 50_000  # final blocks read per transaction (a first run over a long history)


class TransferFeed:
    def __init__(self, database_url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="transfer-feed", daemon=True
        )
        self.thread.start()
        self.engine = make_async_engine(database_url)
        self.new_uow = unit_of_work_factory(self.engine)

    def __call__(self, _step: Any = None) -> None:
        """Posts every final block not read yet (an Indexer's after_step). A failure is logged
        and tried again after the next step (the checkpoint did not move): the index, which
        caps what linked wallets can spend, keeps following the chain meanwhile."""
        try:
            asyncio.run_coroutine_threadsafe(self.catch_up(), self.loop).result()
        except Exception:
            log.exception("posting on-chain transfers to the ledger failed; retrying next step")

    async def catch_up(self) -> int:
        """Posts every final block not read yet; returns how many entries were posted."""
        posted = 0
        while True:
            async with self.engine.connect() as conn:
                state = (await conn.execute(final_stmt())).first()
                if state is None or state.finalized_block is None:
                    return posted
                final = min(int(state.indexed_block), int(state.finalized_block))
                done = await transfers_through(conn)
                after = int(state.start_block) - 1 if done is None else done
                if final <= after:
                    return posted
                through = min(final, after + BLOCKS_PER_POSTING)
                rows = (await conn.execute(transfers_between_stmt(after, through))).all()
            found = [
                ChainTransfer(
                    r.tx_hash,
                    int(r.log_index),
                    int(r.block_number),
                    r.from_address,
                    r.to_address,
                    int(r.value),
                )
                for r in rows
            ]
            entries = await post_transfers(self.new_uow(), found, through_block=through)
            posted += len(entries)
            if entries:
                log.info("posted %d on-chain transfer(s) through block %d", len(entries), through)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.engine.dispose(), self.loop).result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()
