"""Posting to the ledger: one call per entry, inside the caller's unit of work.

`post_entry` appends the entry, writes its mint or burn request to the outbox and updates the
member's totals, all in the unit of work's transaction, so they commit (or roll back) together,
and publishes `EntryPosted`: its handlers (loyalty.services.handlers: the tier recompute, the
notifications) run there too. Every entry type goes through it: EARN from activities, ADJUST,
REVERSE from refunds, REDEEM / REFUND from redemptions, EXPIRE from expiry, TRANSFER_OUT /
TRANSFER_IN from the chain's transfers (services.transfers: no request, the chain moved already).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.ledger import insert_or_skip, ledger_entries
from loyalty.db.outbox import BURN, MINT, PENDING, chain_requests
from loyalty.db.statements import once
from loyalty.domain.events import EntryPosted
from loyalty.domain.ledger import ON_CHAIN_ALREADY, EntryType, PostedEntry, post
from loyalty.domain.members import Member
from loyalty.services.members import save_totals
from loyalty.services.spendable import holding_of
from loyalty.services.uow import AbstractUnitOfWork

DESCRIPTION_MAX = 200


async def post_entry(
    uow: AbstractUnitOfWork,
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
    campaign_id: str | None = None,
    campaign_revision: int | None = None,
) -> tuple[Member, PostedEntry | None]:
    """Appends one entry for a member the caller has locked (`find_member(lock=True)`).

    Returns the member with its new totals and the entry, or (member, None) when an entry with
    the same business key already exists: that is how "one award per order and rule" holds under
    concurrency. Raises the domain's InvalidInput / InsufficientPoints before writing anything.
    A burn from the member's own wallet is planned against what it holds (services.spendable):
    NotHeldOnChain for a redemption or adjustment beyond it.
    `activity=False` leaves lastActivityDate alone (expiry must not count as activity).
    A new entry publishes EntryPosted on `uow` (its handlers run before this returns).
    """
    conn = uow.conn
    holding = None
    if points < 0 and member.wallet_address is not None and type_ not in ON_CHAIN_ALREADY:
        # A burn from the member's own wallet: planned against what it holds.
        holding = await holding_of(conn, member)
    posting = post(member.totals, type_, points, holding=holding)
    values = {
        "member_pk": member.pk,
        "type": type_.value,
        "points": posting.points,
        "delta": posting.delta,
        "debt_change": posting.debt_change,
        "balance_after": posting.totals.balance,
        "rule_id": rule_id,
        "rule_revision": rule_revision,
        "campaign_id": campaign_id,
        "campaign_revision": campaign_revision,
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
    if posting.delta and type_ not in ON_CHAIN_ALREADY:
        await queue_chain_request(
            conn,
            kind=MINT if posting.delta > 0 else BURN,
            address=member.receiving_address,
            amount=abs(posting.delta),
            member_id=member.member_id,
            ledger_entry_id=entry_id,
            now=now,
        )
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
    await uow.publish(EntryPosted(member, entry, now))
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
