"""Transfers members make on chain themselves become ledger entries (issue 20, item 1).

On a transferable token a member holding their own keys can send points from their wallet, and
anyone can send points to a member's receiving address. The chain is the truth for what that
address holds, so each such Transfer event becomes an entry of its own: TRANSFER_OUT for the
sender's member, TRANSFER_IN for the receiver's (one event between two members: both). The
chain moved already, so no mint or burn follows (loyalty.services.ledger: ON_CHAIN_ALREADY).

Exactly once: each entry's business key is the event's (tx hash, log index) and its direction,
unique in ledger_entries, so reading a range again or after a restart posts nothing twice; only
events of final blocks are given (a reorg cannot undo them), and the checkpoint
(ledger_transfer_feed.through_block) says which final blocks were read, so each is read once.
This module knows no indexer: the composition (cli/indexer.py) reads the index and hands the
transfers in as plain data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.ledger import dialect_insert, members, transfer_feed
from loyalty.domain.ledger import EntryType, PostedEntry
from loyalty.services.ledger import post_entry
from loyalty.services.members import get_member
from loyalty.services.uow import AbstractUnitOfWork

ZERO_ADDRESS = "0x" + "0" * 40  # mints come from it, burns go to it: our own batches


@dataclass(frozen=True)
class ChainTransfer:
    """One final Transfer event of the token (addresses lower-case 0x-hex)."""

    tx_hash: str
    log_index: int
    block_number: int
    from_address: str
    to_address: str
    value: int


async def transfers_through(conn: AsyncConnection) -> int | None:
    """The last final block whose transfers are posted (None: none read yet)."""
    found = await conn.scalar(select(transfer_feed.c.through_block).where(transfer_feed.c.id == 1))
    return None if found is None else int(found)


async def _member_at(conn: AsyncConnection, address: str) -> str | None:
    """The member whose receiving address this is (their wallet, else their custodial one)."""
    m = members.c
    return await conn.scalar(
        select(m.member_id).where(
            or_(
                m.wallet_address == address,
                and_(m.wallet_address.is_(None), m.custodial_address == address),
            )
        )
    )


async def post_transfers(
    uow: AbstractUnitOfWork,
    transfers: Sequence[ChainTransfer],
    *,
    through_block: int,
    now: datetime | None = None,
) -> list[PostedEntry]:
    """Posts the transfers of members' receiving addresses among `transfers` (the token's final
    Transfer events in blocks after the checkpoint, up to `through_block`) and moves the
    checkpoint to `through_block`, in one transaction. Events at or below the checkpoint, mints
    and burns are skipped; so is an event posted before (its business key). Returns the new
    entries."""
    posted: list[PostedEntry] = []
    async with uow:
        conn, now = uow.conn, now or uow.clock.now()
        after = await transfers_through(conn)
        if after is not None and through_block <= after:
            return posted
        for t in sorted(transfers, key=lambda t: (t.block_number, t.log_index)):
            if (after is not None and t.block_number <= after) or t.block_number > through_block:
                continue
            if t.from_address.lower() == t.to_address.lower():
                continue  # to itself: the address holds what it held
            sides = (
                ("out", EntryType.TRANSFER_OUT, t.from_address.lower(), -t.value),
                ("in", EntryType.TRANSFER_IN, t.to_address.lower(), t.value),
            )
            for direction, type_, address, points in sides:
                if address == ZERO_ADDRESS or t.value == 0:
                    continue
                member_id = await _member_at(conn, address)
                if member_id is None:
                    continue
                member = await get_member(conn, member_id, lock=True)
                other = t.to_address if direction == "out" else t.from_address
                _, entry = await post_entry(
                    uow,
                    member,
                    type_,
                    points,
                    now=now,
                    description=f"{'sent to' if direction == 'out' else 'received from'} "
                    f"{other.lower()} on chain (tx {t.tx_hash}, log {t.log_index})",
                    business_key=f"transfer:{t.tx_hash.lower()}:{t.log_index}:{direction}",
                    activity=False,
                )
                if entry is not None:
                    posted.append(entry)
        statement = dialect_insert(conn.dialect.name, transfer_feed).values(
            id=1, through_block=through_block, updated_at=now
        )
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=["id"],
                set_={"through_block": through_block, "updated_at": now},
            )
        )
    return posted
