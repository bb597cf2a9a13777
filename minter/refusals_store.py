"""Taking the addresses the token refuses out of a pending batch (MinterStore.refuse): one
transaction that moves their requests into a REFUSED batch and leaves the rest to be sent."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, insert, select, update

from loyalty.db.outbox import REFUSED, chain_requests
from loyalty.db.times import utc
from minter.batching import Request, batch_entries, derive_batch_id, gross
from minter.tables import B_PENDING, B_REFUSED, B_SENT, mint_batches


def refuse(
    engine: Engine,
    token: str,
    chain_id: int,
    pk: int,
    refused: dict[str, str],
    now: dt.datetime,
    *,
    postgres: bool,
) -> int | None:
    """Takes the requests of the `refused` addresses (address → the token's reason) out of
    the PENDING batch `pk`, in one transaction: they go into a new REFUSED batch (never sent;
    each request REFUSED with its reason), and `pk` keeps the rest, its recipients and total
    recomputed, to be sent at once. When every address of `pk` is refused, `pk` itself becomes
    REFUSED. Returns the REFUSED batch's row id; None when `pk` is no longer PENDING.

    The caller makes sure no transaction of `pk` can still land (its batch id never did, and
    every nonce it was signed for is used), so the new contents are the only ones."""
    query = select(mint_batches).where(mint_batches.c.id == pk)
    if postgres:
        query = query.with_for_update()
    with engine.begin() as conn:
        batch = conn.execute(query).one()
        if batch.status != B_PENDING:
            return None
        rows = conn.execute(
            select(chain_requests)
            .where(chain_requests.c.batch_id == pk)
            .order_by(chain_requests.c.id)
        ).all()
        requests = [
            Request(r.id, r.kind, r.address.lower(), int(r.amount), utc(r.created_at)) for r in rows
        ]
        out = [r for r in requests if r.address in refused]
        rest = [r for r in requests if r.address not in refused]
        if not out:
            return None
        summary = "; ".join(f"{a}: {refused[a]}" for a in dict.fromkeys(r.address for r in out))
        if rest:
            entries = batch_entries(batch.kind, out)
            target = conn.execute(
                insert(mint_batches)
                .values(
                    chain_id=chain_id,
                    token_address=token,
                    kind=batch.kind,
                    status=B_REFUSED,
                    recipients=len(entries),
                    total=gross(entries),
                    attempts=0,
                    reorgs=0,
                    last_error=f"refused by the token, taken out of batch {pk}: {summary}",
                    created_at=now,
                    updated_at=now,
                )
                .returning(mint_batches.c.id)
            ).scalar_one()
            conn.execute(
                update(mint_batches)
                .where(mint_batches.c.id == target)
                .values(batch_id=derive_batch_id(chain_id, token, target))
            )
            kept = batch_entries(batch.kind, rest)
            conn.execute(
                update(mint_batches)
                .where(mint_batches.c.id == pk)
                .values(
                    recipients=len(kept),
                    total=gross(kept),
                    last_error=None,
                    retry_at=None,
                    updated_at=now,
                )
            )
        else:
            target = pk
            conn.execute(
                update(mint_batches)
                .where(mint_batches.c.id == pk)
                .values(
                    status=B_REFUSED,
                    last_error=f"refused by the token: {summary}",
                    retry_at=None,
                    updated_at=now,
                )
            )
        for address in dict.fromkeys(r.address for r in out):
            conn.execute(
                update(chain_requests)
                .where(chain_requests.c.id.in_([r.id for r in out if r.address == address]))
                .values(
                    batch_id=target,
                    status=REFUSED,
                    last_error=f"refused by the token: {refused[address]}",
                    updated_at=now,
                )
            )
    return int(target)


def unmined_addresses(engine: Engine, token: str, chain_id: int, except_batch: int) -> set[str]:
    """Addresses with requests in another batch not yet mined (waiting or in flight): a
    simulation at the latest block does not see what that batch will do to them, so none of
    them may be refused on its evidence."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(chain_requests.c.address)
            .join(mint_batches, mint_batches.c.id == chain_requests.c.batch_id)
            .where(
                mint_batches.c.status.in_((B_PENDING, B_SENT)),
                mint_batches.c.id != except_batch,
                mint_batches.c.chain_id == chain_id,
                mint_batches.c.token_address == token,
            )
            .distinct()
        ).all()
    return {r.address.lower() for r in rows}


def earlier_unmined(engine: Engine, token: str, chain_id: int, batch_pk: int) -> bool:
    """A batch before `batch_pk` is signed but not mined yet: the chain's state at the latest
    block does not count it (a SETTLE batch behind it is simulated accordingly)."""
    with engine.connect() as conn:
        found = conn.execute(
            select(mint_batches.c.id)
            .where(
                mint_batches.c.id < batch_pk,
                mint_batches.c.status == B_SENT,
                mint_batches.c.chain_id == chain_id,
                mint_batches.c.token_address == token,
            )
            .limit(1)
        ).first()
    return found is not None
