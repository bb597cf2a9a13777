"""The minter's database operations (SQLAlchemy Core, synchronous: the minter runs in a thread).

Each function is one short transaction. A request's status mirrors its batch: PENDING while the
batch waits to be sent (again), BATCHED while a transaction for it is in flight or mined but not
final, FINAL with the batch, REFUSED with a REFUSED batch (the token refused its address).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, select, update

from loyalty.db.engine import is_postgres
from loyalty.db.outbox import BATCHED, FINAL, PENDING, REFUSED, chain_requests
from loyalty.db.times import utc as _aware  # SQLite hands back naive datetimes: all UTC
from minter.batching import (
    PlannedBatch,
    Request,
    derive_batch_id,
    is_ready,
    plan_batches,
    plan_settle_batches,
)
from minter.refusals_store import earlier_unmined, refuse, unmined_addresses
from minter.tables import (
    B_FINAL,
    B_INCLUDED,
    B_NETTED,
    B_PENDING,
    B_REFUSED,
    B_SENT,
    LIVE_TX_STATES,
    T_DROPPED,
    T_MINED,
    T_REPLACED,
    T_SIGNED,
    mint_batches,
    minter_txs,
)

_REQUEST_STATUS = {
    B_PENDING: PENDING,
    B_SENT: BATCHED,
    B_INCLUDED: BATCHED,
    B_FINAL: FINAL,
    B_NETTED: FINAL,
    B_REFUSED: REFUSED,
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class SignedTx:
    batch_pk: int
    chain_id: int
    sender: str
    nonce: int
    tx_hash: str
    raw_tx: str
    gas_limit: int
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    process: str


class MinterStore:
    def __init__(self, engine: Engine, chain_id: int, token_address: str, sender: str) -> None:
        self.engine = engine
        self.chain_id = chain_id
        self.token = token_address.lower()
        self.sender = sender.lower()
        self.postgres = is_postgres(engine.url.render_as_string(hide_password=False))

    # --- forming batches -------------------------------------------------------------------

    def form_batches(
        self, now: dt.datetime, *, max_recipients: int, max_age: dt.timedelta, limit: int,
        settle: bool = False,
    ) -> list[int]:  # fmt: skip
        """Claims unbatched pending requests and, when a batch is due, groups them into batches
        (SETTLE batches of consecutive requests with `settle`). Returns the new batch ids
        (rows). Requests stay PENDING, now linked to their batch."""
        query = (
            select(
                chain_requests.c.id,
                chain_requests.c.kind,
                chain_requests.c.address,
                chain_requests.c.amount,
                chain_requests.c.created_at,
            )
            .where(chain_requests.c.status == PENDING, chain_requests.c.batch_id.is_(None))
            .order_by(chain_requests.c.id)
            .limit(limit)
        )
        if self.postgres:
            query = query.with_for_update(skip_locked=True)
        with self.engine.begin() as conn:
            rows = conn.execute(query).all()
            requests = [
                Request(r.id, r.kind, r.address.lower(), int(r.amount), _aware(r.created_at))
                for r in rows
            ]
            if not is_ready(requests, now, max_recipients=max_recipients, max_age=max_age):
                return []
            plan = plan_settle_batches if settle else plan_batches
            plans = plan(requests, max_recipients=max_recipients)
            return [self._insert_batch(conn, plan, now) for plan in plans]

    def _insert_batch(self, conn: Connection, plan: PlannedBatch, now: dt.datetime) -> int:
        # A batch with nothing to send (every address nets to zero) is NETTED at once: settled,
        # with no transaction, its requests final. It keeps its batch id (never used on chain).
        status = B_NETTED if plan.netted else B_PENDING
        pk = conn.execute(
            insert(mint_batches)
            .values(
                chain_id=self.chain_id,
                token_address=self.token,
                kind=plan.kind,
                status=status,
                recipients=len(plan.entries),
                total=plan.total,
                attempts=0,
                reorgs=0,
                created_at=now,
                updated_at=now,
                final_at=now if plan.netted else None,
            )
            .returning(mint_batches.c.id)
        ).scalar_one()
        conn.execute(
            update(mint_batches)
            .where(mint_batches.c.id == pk)
            .values(batch_id=derive_batch_id(self.chain_id, self.token, pk))
        )
        conn.execute(
            update(chain_requests)
            .where(chain_requests.c.id.in_(plan.request_ids))
            .values(batch_id=pk, status=_REQUEST_STATUS[status], updated_at=now)
        )
        return int(pk)

    # --- reading --------------------------------------------------------------------------

    def batches(self, status: str) -> list[Any]:
        order = [mint_batches.c.nonce.is_(None), mint_batches.c.nonce, mint_batches.c.id]
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(mint_batches)
                    .where(
                        mint_batches.c.status == status,
                        mint_batches.c.chain_id == self.chain_id,
                        mint_batches.c.token_address == self.token,
                    )
                    .order_by(*order)
                ).all()
            )

    def batch(self, pk: int) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(select(mint_batches).where(mint_batches.c.id == pk)).one()

    def batch_requests(self, pk: int) -> list[Request]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(chain_requests)
                .where(chain_requests.c.batch_id == pk)
                .order_by(chain_requests.c.id)
            ).all()
        return [
            Request(r.id, r.kind, r.address.lower(), int(r.amount), _aware(r.created_at))
            for r in rows
        ]

    def live_slots(self) -> dict[tuple[int, int], list[Any]]:
        """(batch, nonce) → its transactions, newest first, for every nonce with a live one."""
        with self.engine.connect() as conn:
            live = conn.execute(
                select(minter_txs.c.batch_pk, minter_txs.c.nonce)
                .where(self._mine(), minter_txs.c.state.in_(LIVE_TX_STATES))
                .distinct()
            ).all()
            slots: dict[tuple[int, int], list[Any]] = {}
            for batch_pk, nonce in sorted(live, key=lambda r: r.nonce):
                slots[(batch_pk, nonce)] = list(
                    conn.execute(
                        select(minter_txs)
                        .where(
                            self._mine(),
                            minter_txs.c.batch_pk == batch_pk,
                            minter_txs.c.nonce == nonce,
                        )
                        .order_by(minter_txs.c.id.desc())
                    ).all()
                )
        return slots

    def latest_tx(self, batch_pk: int) -> Any | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(minter_txs)
                .where(minter_txs.c.batch_pk == batch_pk)
                .order_by(minter_txs.c.id.desc())
                .limit(1)
            ).first()

    def max_nonce(self) -> int | None:
        with self.engine.connect() as conn:
            value = conn.execute(select(func.max(minter_txs.c.nonce)).where(self._mine())).scalar()
        return None if value is None else int(value)

    def has_unaccepted(self) -> bool:
        """A saved transaction the node has not accepted yet: signing more would queue nonces
        behind a hole."""
        with self.engine.connect() as conn:
            return (
                conn.execute(
                    select(minter_txs.c.id).where(self._mine(), minter_txs.c.state == T_SIGNED)
                ).first()
                is not None
            )

    def _mine(self) -> Any:
        return and_(minter_txs.c.chain_id == self.chain_id, minter_txs.c.sender == self.sender)

    def unmined_addresses(self, except_batch: int) -> set[str]:
        """See minter.refusals_store.unmined_addresses."""
        return unmined_addresses(self.engine, self.token, self.chain_id, except_batch)

    def earlier_unmined(self, batch_pk: int) -> bool:
        """See minter.refusals_store.earlier_unmined."""
        return earlier_unmined(self.engine, self.token, self.chain_id, batch_pk)

    def max_batch_nonce(self, batch_pk: int) -> int | None:
        """The highest nonce any transaction of the batch was signed for."""
        with self.engine.connect() as conn:
            value = conn.execute(
                select(func.max(minter_txs.c.nonce)).where(minter_txs.c.batch_pk == batch_pk)
            ).scalar()
        return None if value is None else int(value)

    # --- writing --------------------------------------------------------------------------

    def save_signed(self, tx: SignedTx, now: dt.datetime) -> int:
        """The signed transaction and the batch's move to SENT, in one transaction, before the
        transaction is broadcast."""
        with self.engine.begin() as conn:
            tx_pk = conn.execute(
                insert(minter_txs)
                .values(
                    batch_pk=tx.batch_pk,
                    chain_id=tx.chain_id,
                    sender=tx.sender.lower(),
                    nonce=tx.nonce,
                    tx_hash=tx.tx_hash,
                    raw_tx=tx.raw_tx,
                    gas_limit=tx.gas_limit,
                    max_fee_per_gas=tx.max_fee_per_gas,
                    max_priority_fee_per_gas=tx.max_priority_fee_per_gas,
                    state=T_SIGNED,
                    process=tx.process,
                    created_at=now,
                    updated_at=now,
                )
                .returning(minter_txs.c.id)
            ).scalar_one()
            batch = conn.execute(
                select(mint_batches.c.status, mint_batches.c.nonce).where(
                    mint_batches.c.id == tx.batch_pk
                )
            ).one()
            if batch.status == B_PENDING or batch.nonce != tx.nonce:
                self._set_batch(
                    conn,
                    tx.batch_pk,
                    now,
                    status=B_SENT,
                    nonce=tx.nonce,
                    attempts=mint_batches.c.attempts + 1,
                    retry_at=None,
                )
        return int(tx_pk)

    def set_tx(self, tx_pk: int, now: dt.datetime, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(minter_txs).where(minter_txs.c.id == tx_pk).values(updated_at=now, **values)
            )

    def set_txs(self, tx_pks: Sequence[int], now: dt.datetime, **values: Any) -> None:
        if not tx_pks:
            return
        with self.engine.begin() as conn:
            conn.execute(
                update(minter_txs)
                .where(minter_txs.c.id.in_(list(tx_pks)))
                .values(updated_at=now, **values)
            )

    def set_batch(self, pk: int | list[int], now: dt.datetime, **values: Any) -> None:
        """A change of one batch, or the same change of several, with their requests."""
        with self.engine.begin() as conn:
            self._set_batch(conn, pk, now, **values)

    def _set_batch(
        self, conn: Connection, pk: int | list[int], now: dt.datetime, **values: Any
    ) -> None:
        pks = pk if isinstance(pk, list) else [pk]
        batches = update(mint_batches).where(mint_batches.c.id.in_(pks))
        conn.execute(batches.values(updated_at=now, **values))
        status = values.get("status")
        if status is not None:
            conn.execute(
                update(chain_requests)
                .where(chain_requests.c.batch_id.in_(pks))
                .values(status=_REQUEST_STATUS[status], updated_at=now)
            )

    def record_included(
        self,
        pk: int,
        now: dt.datetime,
        *,
        tx_hash: str,
        block_number: int,
        block_hash: str,
        gas_used: int | None,
        winner_tx: int | None,
        receipt_values: dict[str, Any] | None = None,
    ) -> None:
        """The batch landed in a block: batch INCLUDED, the winning transaction MINED, the other
        signatures for the same nonce REPLACED."""
        with self.engine.begin() as conn:
            if winner_tx is not None:
                winner = conn.execute(select(minter_txs).where(minter_txs.c.id == winner_tx)).one()
                conn.execute(
                    update(minter_txs)
                    .where(minter_txs.c.id == winner_tx)
                    .values(state=T_MINED, updated_at=now, **(receipt_values or {}))
                )
                conn.execute(
                    update(minter_txs)
                    .where(
                        self._mine(),
                        minter_txs.c.nonce == winner.nonce,
                        minter_txs.c.id != winner_tx,
                        minter_txs.c.state.in_(LIVE_TX_STATES),
                    )
                    .values(state=T_REPLACED, updated_at=now)
                )
            self._set_batch(
                conn,
                pk,
                now,
                status=B_INCLUDED,
                tx_hash=tx_hash,
                block_number=block_number,
                block_hash=block_hash,
                gas_used=gas_used,
                last_error=None,
                retry_at=None,
            )

    def refuse(self, pk: int, refused: dict[str, str], now: dt.datetime) -> int | None:
        """See minter.refusals_store.refuse: the refused addresses' requests leave batch `pk`."""
        return refuse(
            self.engine, self.token, self.chain_id, pk, refused, now, postgres=self.postgres
        )

    def reorged_out(self, pk: int, now: dt.datetime, message: str) -> None:
        """The batch's block left the canonical chain: back to PENDING to be sent again (with
        the same batch id), its mined transaction DROPPED."""
        with self.engine.begin() as conn:
            batch = conn.execute(select(mint_batches).where(mint_batches.c.id == pk)).one()
            conn.execute(
                update(minter_txs)
                .where(minter_txs.c.batch_pk == pk, minter_txs.c.state == T_MINED)
                .values(state=T_DROPPED, error=message, updated_at=now)
            )
            self._set_batch(
                conn,
                pk,
                now,
                status=B_PENDING,
                reorgs=batch.reorgs + 1,
                tx_hash=None,
                block_number=None,
                block_hash=None,
                gas_used=None,
                last_error=message,
                retry_at=None,
            )
