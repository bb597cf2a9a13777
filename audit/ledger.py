"""The ledger side of the audit, behind a small Protocol: what the minter says it put on chain.

`SqlLedger` reads the minter's `mint_batches` and the outbox `chain_requests` (linked by
`chain_requests.batch_id → mint_batches.id`) only if those tables exist; without them the ledger
check is "not available", never clean. `InMemoryLedger` serves the unit tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Engine, and_, case, func, inspect, or_, select

from loyalty.db.ledger import ledger_entries, members, transfer_feed
from loyalty.db.outbox import FINAL as REQUEST_FINAL
from loyalty.db.outbox import MINT as REQUEST_MINT
from loyalty.db.outbox import chain_requests
from loyalty.domain.ledger import EntryType
from minter.tables import B_FINAL, B_INCLUDED, B_NETTED, B_REFUSED, mint_batches


@dataclass(frozen=True)
class LedgerBatch:
    batch_id: str  # 0x-hex bytes32, lower case
    final: bool  # the minter (or one of its requests) says FINAL: expected on chain once
    block_number: int | None  # where the minter saw it land, if it did
    nets: dict[str, int] = field(default_factory=dict)  # address: MINT minus BURN
    # The minter says NETTED: its requests cancel out per address, so it is settled without a
    # transaction and must never be on chain.
    netted: bool = False
    # The minter says REFUSED: the token refused these requests for their addresses; they were
    # taken out of their batch, are never sent, and must never be on chain (their points stay
    # off chain: a refused burn's points are still at the address).
    refused: bool = False


@dataclass(frozen=True)
class MemberPosition:
    """What the ledger says one member's receiving address must hold on chain at a block."""

    member_id: str
    address: str  # the receiving address: the linked wallet, else the custodial one
    balance: int  # the ledger balance (now)
    # The address's requests not on chain at the block (pending, in flight, refused, or landed
    # later), signed the way they will change it when they land: burns +, mints -.
    not_on_chain: int = 0
    # Points that left on chain beyond what the ledger still had (a TRANSFER_OUT while a burn
    # was in flight; that burn is then refused): negative or 0.
    shortfall: int = 0


@dataclass(frozen=True)
class Positions:
    members: list[MemberPosition]
    transfers_through: int | None  # the last final block whose transfers the ledger posted


class LedgerView(Protocol):
    def unavailable_reason(self) -> str | None:
        """None when the ledger can be read; else why the ledger check cannot run."""

    def batches(self) -> dict[str, LedgerBatch]:
        """Every batch the minter issued a batchId for, by batchId."""

    def positions(self, block: int) -> Positions:
        """Every member's position at `block` (see MemberPosition)."""


class InMemoryLedger:
    def __init__(
        self,
        batches: Iterable[LedgerBatch] = (),
        reason: str | None = None,
        positions: Positions | None = None,
    ) -> None:
        self._batches = {b.batch_id.lower(): b for b in batches}
        self._reason = reason
        self._positions = positions or Positions([], None)

    def positions(self, block: int) -> Positions:
        return self._positions

    def unavailable_reason(self) -> str | None:
        return self._reason

    def batches(self) -> dict[str, LedgerBatch]:
        return dict(self._batches)


class SqlLedger:
    """The minter's batches and the outbox requests they cover, through the minter's own table
    objects and state constants (minter.tables, loyalty.db.outbox)."""

    REQUIRED = (mint_batches.name, chain_requests.name)

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def unavailable_reason(self) -> str | None:
        names = set(inspect(self.engine).get_table_names())
        missing = [t for t in self.REQUIRED if t not in names]
        if missing:
            return f"table {', '.join(missing)} not present (the minter is not installed here)"
        return None

    def batches(self) -> dict[str, LedgerBatch]:
        mb, cr = mint_batches, chain_requests
        ids: dict[int, str] = {}
        status: dict[str, str] = {}
        block: dict[str, int | None] = {}
        nets: dict[str, dict[str, int]] = {}
        final_from_requests: set[str] = set()
        with self.engine.connect() as conn:
            for row in conn.execute(
                select(mb.c.id, mb.c.batch_id, mb.c.status, mb.c.block_number).where(
                    mb.c.batch_id.is_not(None)
                )
            ):
                bid = row.batch_id.lower()
                ids[row.id] = bid
                status[bid], block[bid], nets[bid] = row.status, row.block_number, {}
            for req in conn.execute(
                select(cr.c.batch_id, cr.c.kind, cr.c.address, cr.c.amount, cr.c.status).where(
                    cr.c.batch_id.is_not(None)
                )
            ):
                bid = ids.get(req.batch_id)
                if bid is None:
                    continue  # a request in a batch not yet given its batchId
                address = req.address.lower()
                sign = 1 if req.kind == REQUEST_MINT else -1
                nets[bid][address] = nets[bid].get(address, 0) + sign * int(req.amount)
                if req.status == REQUEST_FINAL:
                    final_from_requests.add(bid)
        found: dict[str, LedgerBatch] = {}
        for bid, state in status.items():
            netted, refused = state == B_NETTED, state == B_REFUSED
            off_chain = netted or refused
            final = not off_chain and (state == B_FINAL or bid in final_from_requests)
            found[bid] = LedgerBatch(bid, final, block[bid], nets[bid], netted, refused)
        return found

    def positions(self, block: int) -> Positions:
        m, cr, mb, le = members, chain_requests, mint_batches, ledger_entries
        on_chain = or_(
            mb.c.status == B_NETTED,  # nets to zero per address: settled without a transaction
            and_(mb.c.status.in_((B_INCLUDED, B_FINAL)), mb.c.block_number <= block),
        )
        signed = case((cr.c.kind == REQUEST_MINT, -cr.c.amount), else_=cr.c.amount)
        with self.engine.connect() as conn:
            through = conn.scalar(
                select(transfer_feed.c.through_block).where(transfer_feed.c.id == 1)
            )
            waiting = dict(
                conn.execute(
                    select(cr.c.address, func.sum(signed))
                    .select_from(cr.outerjoin(mb, mb.c.id == cr.c.batch_id))
                    .where(or_(mb.c.id.is_(None), ~on_chain))
                    .group_by(cr.c.address)
                ).all()
            )
            short = dict(
                conn.execute(
                    select(le.c.member_pk, func.sum(le.c.points - le.c.delta))
                    .where(le.c.type == EntryType.TRANSFER_OUT.value)
                    .group_by(le.c.member_pk)
                ).all()
            )
            rows = conn.execute(
                select(
                    m.c.id,
                    m.c.member_id,
                    m.c.wallet_address,
                    m.c.custodial_address,
                    m.c.earned + m.c.adjusted - m.c.redeemed - m.c.expired - m.c.reversed,
                ).order_by(m.c.id)
            ).all()
        found = []
        for pk, member_id, wallet, custodial, balance in rows:
            address = (wallet or custodial or "").lower()
            if not address:
                continue
            found.append(
                MemberPosition(
                    member_id,
                    address,
                    int(balance),
                    int(waiting.get(address, 0) or 0),
                    int(short.get(pk, 0) or 0),
                )
            )
        return Positions(found, None if through is None else int(through))
