"""After the broadcast: receipts, stuck and dropped transactions, reverts, reorgs and finality.

The watcher follows nonce slots (every signature made for one nonce), not single transactions:
whichever of a slot's signatures is mined settles the slot, and a nonce the minter signed for is
never abandoned while the chain has not used it, so no gap can stall later transactions.
"""

from __future__ import annotations

from typing import Any

from minter.context import MinterContext, log
from minter.fees import Fees, bump_fees
from minter.node import Block, Receipt, SendOutcome
from minter.sender import Sender
from minter.tables import (
    B_FINAL,
    B_INCLUDED,
    B_PENDING,
    B_SENT,
    LIVE_TX_STATES,
    T_DROPPED,
    T_MINED,
    T_REPLACED,
    T_REVERTED,
    T_SIGNED,
)


class Watcher:
    def __init__(self, ctx: MinterContext, sender: Sender) -> None:
        self.ctx = ctx
        self.sender = sender

    # --- transactions in flight -----------------------------------------------------------

    def watch_slots(self, head: Block) -> None:
        ctx = self.ctx
        slots = ctx.store.live_slots()
        if not slots:
            return
        # The nonce is read before the receipts: a nonce used with no receipt of ours then
        # really went to another transaction (not to one of ours mined in between). Once for
        # every slot, and every receipt in one request: several batches are in flight at once.
        chain_nonce = ctx.node.nonce(ctx.sender, "latest")
        receipts = ctx.node.receipts_for([tx.tx_hash for txs in slots.values() for tx in txs])
        for (batch_pk, nonce), txs in slots.items():
            self._slot(batch_pk, nonce, txs, head, chain_nonce, receipts)

    def _slot(
        self,
        batch_pk: int,
        nonce: int,
        txs: list[Any],
        head: Block,
        chain_nonce: int,
        receipts: dict[str, Receipt | None],
    ) -> None:
        ctx = self.ctx
        batch = ctx.store.batch(batch_pk)
        owns = batch.status == B_SENT and batch.nonce == nonce
        for tx in txs:
            receipt = receipts.get(tx.tx_hash)
            if receipt is not None:
                ctx.fault("after_receipt")
                self._settle(batch, owns, tx, receipt)
                return
        live = [t for t in txs if t.state in LIVE_TX_STATES]
        now = ctx.clock()
        if chain_nonce > nonce:
            message = f"nonce {nonce} was used by a transaction the minter did not sign"
            ctx.store.set_txs([t.id for t in live], now, state=T_DROPPED, error=message)
            if owns:
                self._landed_or_pending(batch, message)
            return
        newest = live[0]
        if newest.state == T_SIGNED or not ctx.node.knows(newest.tx_hash):
            # Saved but never broadcast (a crash), or dropped from the node's pool.
            log.info("batch %s: broadcasting saved tx %s again", batch.id, newest.tx_hash)
            outcome = self.sender.broadcast(newest.id, batch.id, newest.raw_tx, head)
            if outcome is SendOutcome.UNDERPRICED and owns:
                # The node evicted it and refuses it back at today's base fee: it is stuck.
                self._replace(batch, newest, head)
            return
        since = newest.broadcast_block
        waited = 0 if since is None else head.number - int(since)
        if owns and waited >= ctx.config.stuck_blocks:
            self._replace(batch, newest, head)

    def _settle(self, batch: Any, owns: bool, tx: Any, receipt: Receipt) -> None:
        ctx, now = self.ctx, self.ctx.clock()
        values = {
            "block_number": receipt.block_number,
            "block_hash": receipt.block_hash,
            "gas_used": receipt.gas_used,
            "effective_gas_price": receipt.effective_gas_price,
        }
        if receipt.status == 1:
            ctx.store.record_included(
                batch.id,
                now,
                tx_hash=receipt.tx_hash,
                block_number=receipt.block_number,
                block_hash=receipt.block_hash,
                gas_used=receipt.gas_used,
                winner_tx=tx.id,
                receipt_values=values,
            )
            log.info("batch %s included in block %s", batch.id, receipt.block_number)
            return
        call = {"from": ctx.sender, "to": ctx.token_address, "data": self.sender.calldata(batch)}
        data = ctx.node.call(call, receipt.block_number)
        reason = ctx.reason(data, "reverted (no reason could be replayed)")
        ctx.store.set_tx(tx.id, now, state=T_REVERTED, error=reason, **values)
        others = ctx.store.live_slots().get((batch.id, tx.nonce), [])
        ctx.store.set_txs(
            [t.id for t in others if t.state in LIVE_TX_STATES], now, state=T_REPLACED
        )
        if owns:
            self._landed_or_pending(batch, f"reverted on chain: {reason}", backoff=True)

    def _landed_or_pending(self, batch: Any, message: str, *, backoff: bool = False) -> None:
        """The slot is settled without a success of ours: either the batch id landed anyway
        (another signature or an earlier inclusion carried it), or the batch is sent again."""
        ctx, now = self.ctx, self.ctx.clock()
        found = ctx.landed(batch)
        if found is not None:
            ctx.record_landed(batch, found, now)
            return
        attempts = batch.attempts
        retry_at = now + ctx.backoff(attempts) if backoff else None
        ctx.store.set_batch(batch.id, now, status=B_PENDING, last_error=message, retry_at=retry_at)
        log.warning("batch %s back to pending: %s", batch.id, message)

    def _replace(self, batch: Any, newest: Any, head: Block) -> None:
        ctx, now = self.ctx, self.ctx.clock()
        old = Fees(int(newest.max_fee_per_gas), int(newest.max_priority_fee_per_gas))
        new = bump_fees(ctx.policy, old, head.base_fee, ctx.node.suggested_tip())
        if new is None:
            ctx.store.set_batch(
                batch.id,
                now,
                last_error=(
                    f"stuck since block {newest.broadcast_block} and the fee cap "
                    f"({ctx.config.max_fee_gwei} gwei) leaves no room to raise fees"
                ),
            )
            ctx.store.set_tx(newest.id, now, broadcast_block=head.number)
            return
        log.info(
            "batch %s: tx %s stuck for %s blocks; replacing with max fee %s tip %s",
            batch.id,
            newest.tx_hash,
            head.number - newest.broadcast_block,
            new.max_fee_per_gas,
            new.max_priority_fee_per_gas,
        )
        data = self.sender.calldata(batch)
        tx_pk, raw = self.sender.sign_and_save(
            batch.id, newest.nonce, data, int(newest.gas_limit), new
        )
        outcome = self.sender.broadcast(tx_pk, batch.id, raw, head)
        if outcome in (SendOutcome.UNDERPRICED, SendOutcome.REJECTED):
            ctx.store.set_tx(tx_pk, now, state=T_DROPPED)
            ctx.store.set_tx(newest.id, now, broadcast_block=head.number)

    # --- mined batches --------------------------------------------------------------------

    def check_included(self, head: Block) -> int:
        """Finalizes included batches whose block is final and still canonical; sends again a
        batch whose block was reorged out. Returns how many became final."""
        ctx = self.ctx
        finalized = ctx.node.block("finalized")
        if finalized is not None and finalized.number <= head.number:
            final_number = finalized.number
        else:
            final_number = head.number - ctx.config.finality_depth
        final: list[int] = []
        canonical: dict[int, Block | None] = {}  # one lookup per block, however many batches
        for batch in ctx.store.batches(B_INCLUDED):
            now = ctx.clock()
            number = int(batch.block_number)
            if number not in canonical:
                canonical[number] = ctx.node.block(number)
            block = canonical[number]
            if block is None or block.hash != batch.block_hash:
                receipt = ctx.node.receipt(batch.tx_hash)
                if receipt is not None and receipt.status == 1:
                    ctx.store.record_included(
                        batch.id,
                        now,
                        tx_hash=receipt.tx_hash,
                        block_number=receipt.block_number,
                        block_hash=receipt.block_hash,
                        gas_used=receipt.gas_used,
                        winner_tx=None,
                    )
                    continue
                message = (
                    f"block {batch.block_number} ({batch.block_hash}) was reorged out; "
                    "sending the batch again with the same batch id"
                )
                ctx.store.reorged_out(batch.id, now, message)
                log.warning("batch %s: %s", batch.id, message)
                continue
            if int(batch.block_number) <= final_number:
                final.append(batch.id)
        if final:  # every batch that became final in this step: one transaction
            now = ctx.clock()
            ctx.store.set_batch(final, now, status=B_FINAL, final_at=now)
        return len(final)


__all__ = ["T_MINED", "Watcher"]
