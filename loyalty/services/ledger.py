"""Posting to the ledger: one call per entry, inside the caller's transaction.

`post_entry` appends the entry, writes its mint or burn request to the outbox and updates the
member's totals, all on the caller's connection, so they commit (or roll back) together. Every
entry type goes through it: EARN and REVERSE here, REDEEM / REFUND / EXPIRE from the rewards and
expiry services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.ledger import insert_or_skip, ledger_entries
from loyalty.db.outbox import BURN, MINT, PENDING, chain_requests
from loyalty.db.statements import once
from loyalty.domain.ledger import EntryType, post
from loyalty.domain.tiers import Movement
from loyalty.services.members import Member, save_totals
from loyalty.services.notifications import after_posting

if TYPE_CHECKING:
    from loyalty.services.program import Program
    from loyalty.services.tiers import KnownTierState

DESCRIPTION_MAX = 200


@dataclass(frozen=True)
class PostedEntry:
    id: int
    type: EntryType
    points: int
    delta: int
    debt_change: int
    balance_after: int
    rule_id: str | None
    rule_revision: int | None


async def post_entry(
    conn: AsyncConnection,
    member: Member,
    type_: EntryType,
    points: int,
    *,
    now: datetime,
    description: str = "",
    rule_id: str | None = None,
    rule_revision: int | None = None,
    inbound_event_id: int | None = None,
    order_pk: int | None = None,
    reverses_entry_id: int | None = None,
    business_key: str | None = None,
    activity: bool = True,
    known: KnownTierState | None = None,
    program: Program | None = None,
) -> tuple[Member, PostedEntry | None]:
    """Appends one entry for a member the caller has locked (`find_member(lock=True)`).

    Returns the member with its new totals and the entry, or (member, None) when an entry with
    the same business key already exists: that is how "one award per order and rule" holds under
    concurrency. Raises the domain's InvalidInput / InsufficientPoints before writing anything.
    `activity=False` leaves lastActivityDate alone (expiry must not count as activity).
    `known` / `program`: the member's tier state and the program as the caller already read
    them in this transaction (see tiers.KnownTierState); the entry is added to `known`.
    """
    posting = post(member.totals, type_, points)
    values = {
        "member_pk": member.pk,
        "type": type_.value,
        "points": posting.points,
        "delta": posting.delta,
        "debt_change": posting.debt_change,
        "balance_after": posting.totals.balance,
        "rule_id": rule_id,
        "rule_revision": rule_revision,
        "inbound_event_id": inbound_event_id,
        "order_pk": order_pk,
        "reverses_entry_id": reverses_entry_id,
        "business_key": business_key,
        "description": description[:DESCRIPTION_MAX],
        "created_at": now,
    }
    dialect, keyed = conn.dialect.name, business_key is not None
    statement = once(
        ("ledger_entry", dialect, keyed),
        lambda: (
            insert_or_skip(dialect, ledger_entries, ["business_key"])
            if keyed
            else ledger_entries.insert()
        ).returning(ledger_entries.c.id),
    )
    entry_id = (await conn.execute(statement, values)).scalar()
    if entry_id is None:
        return member, None
    if posting.delta:
        await queue_chain_request(
            conn,
            kind=MINT if posting.delta > 0 else BURN,
            address=member.receiving_address,
            amount=abs(posting.delta),
            member_id=member.member_id,
            ledger_entry_id=entry_id,
            now=now,
        )
    if known is not None:
        known.movements.append(Movement(type_.value, posting.points, now))
    member = member.with_totals(posting.totals)
    await save_totals(conn, member, now=now, activity=activity)
    entry = PostedEntry(
        id=entry_id,
        type=type_,
        points=posting.points,
        delta=posting.delta,
        debt_change=posting.debt_change,
        balance_after=posting.totals.balance,
        rule_id=rule_id,
        rule_revision=rule_revision,
    )
    # Program area (issue 7): tier recomputed and notifications queued in this transaction.
    await after_posting(conn, member, entry, now=now, known=known, program=program)
    return member, entry


async def queue_chain_request(
    conn: AsyncConnection,
    *,
    kind: str,
    address: str,
    amount: int,
    member_id: str,
    ledger_entry_id: int | None,
    now: datetime,
) -> None:
    """A PENDING mint or burn for the minter. Requests of one member must be sent in id order
    (a burn may depend on an earlier mint to the same address)."""
    await conn.execute(
        once("chain_request", chain_requests.insert),
        {
            "kind": kind,
            "address": address.lower(),
            "amount": amount,
            "member_id": member_id,
            "ledger_entry_id": ledger_entry_id,
            "status": PENDING,
            "created_at": now,
            "updated_at": now,
        },
    )
