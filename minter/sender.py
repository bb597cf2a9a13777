"""Signing and broadcasting. A transaction is saved (raw bytes and hash) before it is broadcast,
so after a crash the very same bytes go out again and no second signature is ever made for a
batch whose first one might still land."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_account import Account
from web3 import Web3

from contracts.revert import DecodedError
from loyalty.db.times import utc as _aware
from minter.batching import SETTLE, batch_entries
from minter.commitment import CommitmentError, NegativeLeaf
from minter.context import SUPPLY_MISMATCH, MinterContext, log
from minter.fees import Fees, initial_fees
from minter.node import Block, Reverted, SendOutcome
from minter.refusals import Entry, SimulationUnclear, isolate
from minter.store import SignedTx
from minter.tables import B_PENDING, B_SENT, T_BROADCAST, T_DROPPED, T_SIGNED

# What leaves a saved transaction with the node (or beyond it): anything else keeps it SIGNED.
_TAKEN = (SendOutcome.ACCEPTED, SendOutcome.ALREADY_KNOWN, SendOutcome.NONCE_TOO_LOW)


class Sender:
    def __init__(self, ctx: MinterContext) -> None:
        self.ctx = ctx
        # Within one send_pending: the next nonce and the tip, read from the node once for all
        # the batches it signs (each consecutive nonce after the last one signed), and whether
        # a saved transaction is not accepted by the node yet.
        self._next_nonce: int | None = None
        self._tip: int | None = None
        self._unaccepted = False

    def send_pending(self, head: Block) -> int:
        """Sends the PENDING batches that are due, one after another with consecutive nonces
        (several in flight: nothing waits for a receipt); returns how many went out."""
        ctx, now, sent = self.ctx, self.ctx.clock(), 0
        # Committing, a batch's supply counts every batch before it: one that waits holds the
        # ones after it (signed past it they would revert on the token's supply check).
        in_order = ctx.config.commit
        self._next_nonce = self._tip = None
        self._unaccepted = ctx.store.has_unaccepted()
        for batch in ctx.store.batches(B_PENDING):
            if batch.retry_at is not None and _aware(batch.retry_at) > now:
                if in_order:
                    break
                continue
            if self._resend_saved(batch, head):
                sent += 1
                continue
            if self._unaccepted:
                break  # never sign ahead of a nonce the node has not taken
            if self._send_new(batch, head):
                sent += 1
            elif in_order and ctx.store.batch(batch.id).status == B_PENDING:
                break
        return sent

    def _resend_saved(self, batch: Any, head: Block) -> bool:
        """A batch whose transaction was dropped (reorged out) while its nonce is still free
        goes out again as the same signed bytes: same nonce, same batch id, no gap."""
        ctx = self.ctx
        if batch.nonce is None:
            return False  # never signed
        prev = ctx.store.latest_tx(batch.id)
        if prev is None or prev.state != T_DROPPED or prev.nonce != batch.nonce:
            return False
        if ctx.node.nonce(ctx.sender, "latest") > prev.nonce:
            return False  # the nonce went to another transaction: sign anew
        now = ctx.clock()
        ctx.store.set_tx(prev.id, now, state=T_SIGNED)
        ctx.store.set_batch(batch.id, now, status=B_SENT)
        log.info("batch %s: re-broadcasting saved transaction %s", batch.id, prev.tx_hash)
        self.broadcast(prev.id, batch.id, prev.raw_tx, head)
        return True

    def _send_new(self, batch: Any, head: Block, *, isolated: bool = False) -> bool:
        ctx = self.ctx
        now = ctx.clock()
        if batch.kind == SETTLE:
            try:
                ctx.commit(batch)
            except NegativeLeaf as exc:
                if not isolated and self._refuse_negative(batch, exc):
                    batch = ctx.store.batch(batch.id)
                    if batch.status != B_PENDING:
                        return False  # nothing else in it
                    return self._send_new(batch, head, isolated=True)
                return self._wait(batch, f"cannot commit the ledger: {exc}")
            except CommitmentError as exc:
                attempts = batch.attempts + 1
                retry = ctx.backoff(attempts)
                message = f"cannot commit the ledger: {exc}"
                ctx.store.set_batch(
                    batch.id, now, attempts=attempts, last_error=message, retry_at=now + retry
                )
                log.warning("batch %s: %s; retrying in %s", batch.id, message, retry)
                return False
            batch = ctx.store.batch(batch.id)
        data = self.calldata(batch)
        try:
            gas = self._estimate(batch, data)
        except Reverted as exc:
            if ctx.is_already_processed(exc.data):
                found = ctx.landed(batch)
                if found is not None:
                    ctx.record_landed(batch, found, now)
                    return False
            decoded = ctx.decoder.decode(exc.data)
            if decoded is not None and not isolated and self._isolate(batch, decoded):
                # The refused addresses are out: the rest goes at once, in this same round.
                batch = ctx.store.batch(batch.id)
                if batch.status != B_PENDING:
                    return False  # every address of it was refused
                return self._send_new(batch, head, isolated=True)
            if decoded is not None:
                message = f"refused by the token: {ctx.reason(exc.data)}"
            else:  # not the contract speaking: the node (funds, gas, …) or no revert data
                message = f"simulation failed: {exc}"
            attempts = batch.attempts + 1
            retry = ctx.backoff(attempts)
            ctx.store.set_batch(
                batch.id, now, attempts=attempts, last_error=message, retry_at=now + retry
            )
            log.warning("batch %s: %s; retrying in %s", batch.id, message, retry)
            return False
        gas_limit = gas * 6 // 5 + 20_000
        if self._tip is None:
            self._tip = ctx.node.suggested_tip()
        fees = initial_fees(ctx.policy, head.base_fee, self._tip)
        nonce = self._next_nonce
        if nonce is None:
            top = ctx.store.max_nonce()
            nonce = max(-1 if top is None else top, ctx.node.nonce(ctx.sender, "latest") - 1) + 1
        tx_pk, raw = self.sign_and_save(batch.id, nonce, data, gas_limit, fees)
        self._next_nonce = nonce + 1
        self.broadcast(tx_pk, batch.id, raw, head)
        return True

    def _estimate(self, batch: Any, data: str) -> int:
        """Gas for the batch, simulated once. A SETTLE batch behind batches signed but not mined
        yet is simulated on top of them ("pending": the node's pool holds them), where its
        committed supply holds. A node whose pending state lacks them shows another supply (the
        token's error says which): the batch is simulated with that one, and signed with the
        supply of the books, which holds once they have landed."""
        ctx = self.ctx
        call = {"from": ctx.sender, "to": ctx.token_address, "data": data}
        block = None
        if batch.kind == SETTLE and ctx.store.earlier_unmined(batch.id):
            block = "pending"
        try:
            return ctx.node.estimate_gas(call, block) if block else ctx.node.estimate_gas(call)
        except Reverted as exc:
            decoded = ctx.decoder.decode(exc.data)
            if (
                batch.kind != SETTLE
                or decoded is None
                or decoded.name != SUPPLY_MISMATCH
                or (block is None and not ctx.store.earlier_unmined(batch.id))
            ):
                raise
            entries = batch_entries(batch.kind, ctx.store.batch_requests(batch.id))
            shown = int(decoded.args[2])
            simulated = ctx.calldata(SETTLE, batch.batch_id, entries, batch.root, shown)
            return ctx.node.estimate_gas({**call, "data": simulated}, block)

    def _wait(self, batch: Any, message: str) -> bool:
        ctx, now = self.ctx, self.ctx.clock()
        attempts = batch.attempts + 1
        retry = ctx.backoff(attempts)
        ctx.store.set_batch(
            batch.id, now, attempts=attempts, last_error=message, retry_at=now + retry
        )
        log.warning("batch %s: %s; retrying in %s", batch.id, message, retry)
        return False

    def _refuse_negative(self, batch: Any, exc: NegativeLeaf) -> bool:
        """A burn beyond what the books put on chain for its member is refused before it is sent,
        as the token refuses a burn beyond a balance (issue 20, item 2), instead of holding every
        later batch: its address's requests go to a REFUSED batch with the reason. Only while no
        signature of the batch can land and no unmined batch touches the address."""
        ctx = self.ctx
        top = ctx.store.max_batch_nonce(batch.id)
        if top is not None and ctx.node.nonce(ctx.sender, "latest") <= top:
            return False
        address = exc.address.lower()
        addresses = {r.address.lower() for r in ctx.store.batch_requests(batch.id)}
        if address not in addresses or address in ctx.store.unmined_addresses(batch.id):
            return False
        reason = (
            f"BurnBeyondBooks({exc.member_id}, {exc.balance}): the member's burns pass their "
            "mints, so no committed supply can hold them"
        )
        target = ctx.store.refuse(batch.id, {address: reason}, ctx.clock())
        if target is None:
            return False
        log.warning(
            "batch %s: %s is refused before sending (%s); its requests are REFUSED in batch %s",
            batch.id,
            address,
            reason,
            target,
        )
        return True

    def _isolate(self, batch: Any, error: DecodedError) -> bool:
        """Takes the addresses the token refuses out of the batch (minter.refusals), when that
        is safe: no other batch that is not mined yet touches them (the simulation could not see
        it), and no transaction of this batch can still land with its old contents. Returns
        whether any request was taken out."""
        ctx = self.ctx
        top = ctx.store.max_batch_nonce(batch.id)
        if top is not None and ctx.node.nonce(ctx.sender, "latest") <= top:
            return False  # a signature of it might still land: never change what it carries
        requests = ctx.store.batch_requests(batch.id)
        entries = batch_entries(batch.kind, requests)

        def simulate(subset: Sequence[Entry]) -> DecodedError | None:
            # A SETTLE subset is checked against an impossible supply: reaching the token's
            # supply check (the last one) means every address of the subset went through.
            root = batch.root or "0x" + "00" * 32
            data = ctx.calldata(batch.kind, batch.batch_id, list(subset), root, 2**256 - 1)
            answer = ctx.node.call(
                {"from": ctx.sender, "to": ctx.token_address, "data": data}, "latest"
            )
            if answer is None:
                return None
            decoded = ctx.decoder.decode(answer)
            if decoded is None:
                raise SimulationUnclear(f"simulation failed: {answer}"[:300])
            if batch.kind == SETTLE and decoded.name == SUPPLY_MISMATCH:
                return None
            return decoded

        result = isolate(entries, error, simulate)
        if result.unclear is not None:
            log.warning("batch %s: looking for refused addresses: %s", batch.id, result.unclear)
        busy = ctx.store.unmined_addresses(batch.id)
        refused = {a: r for a, r in result.refused.items() if a not in busy}
        if not refused:
            return False
        target = ctx.store.refuse(batch.id, refused, ctx.clock())
        if target is None:
            return False
        for address, reason in refused.items():
            log.warning(
                "batch %s: the token refuses %s (%s); its requests are REFUSED in batch %s, "
                "the rest goes on",
                batch.id,
                address,
                reason,
                target,
            )
        return True

    def calldata(self, batch: Any) -> str:
        """The batch's call. A SETTLE batch carries the root and supply it was committed with
        (ctx.commit), so a replacement carries the same commitment."""
        entries = batch_entries(batch.kind, self.ctx.store.batch_requests(batch.id))
        supply = None if batch.committed_supply is None else int(batch.committed_supply)
        return self.ctx.calldata(batch.kind, batch.batch_id, entries, batch.root, supply)

    def sign_and_save(
        self, batch_pk: int, nonce: int, data: str, gas_limit: int, fees: Fees
    ) -> tuple[int, str]:
        ctx = self.ctx
        tx = {
            "type": 2,
            "chainId": ctx.store.chain_id,
            "nonce": nonce,
            "to": Web3.to_checksum_address(ctx.token_address),
            "value": 0,
            "data": data,
            "gas": gas_limit,
            "maxFeePerGas": fees.max_fee_per_gas,
            "maxPriorityFeePerGas": fees.max_priority_fee_per_gas,
        }
        signed = Account.sign_transaction(tx, ctx.key)
        raw = signed.raw_transaction.to_0x_hex()
        record = SignedTx(
            batch_pk=batch_pk,
            chain_id=ctx.store.chain_id,
            sender=ctx.sender,
            nonce=nonce,
            tx_hash=signed.hash.to_0x_hex(),
            raw_tx=raw,
            gas_limit=gas_limit,
            max_fee_per_gas=fees.max_fee_per_gas,
            max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
            process=ctx.process,
        )
        tx_pk = ctx.store.save_signed(record, ctx.clock())
        log.info(
            "batch %s: saved tx %s nonce %s max fee %s tip %s",
            batch_pk,
            record.tx_hash,
            nonce,
            fees.max_fee_per_gas,
            fees.max_priority_fee_per_gas,
        )
        ctx.fault("after_save")
        return tx_pk, raw

    def broadcast(self, tx_pk: int, batch_pk: int, raw: str, head: Block) -> SendOutcome:
        """Sends saved bytes. "already known" counts as sent; "nonce too low" leaves the
        transaction for the watcher to find its receipt."""
        ctx = self.ctx
        outcome, message = ctx.node.send_raw(raw)
        ctx.fault("after_broadcast")
        if outcome not in _TAKEN:
            self._unaccepted = True  # it stays SIGNED: the watcher sends it again
        now = ctx.clock()
        if outcome in (SendOutcome.ACCEPTED, SendOutcome.ALREADY_KNOWN):
            ctx.store.set_tx(tx_pk, now, state=T_BROADCAST, broadcast_block=head.number, error=None)
        elif outcome is SendOutcome.NONCE_TOO_LOW:
            ctx.store.set_tx(tx_pk, now, state=T_BROADCAST, error=message)
        else:
            ctx.store.set_tx(tx_pk, now, error=message)
            ctx.store.set_batch(
                batch_pk, now, last_error=f"the node refused the transaction: {message}"
            )
            log.warning("batch %s: node refused tx: %s", batch_pk, message)
        return outcome
