"""Posting to the ledger: one call per entry, inside the caller's unit of work.

`post_entry` appends the entry, writes its mint or burn request to the outbox and updates the
member's totals, all in the unit of work's transaction, so they commit (or roll back) together,
and publishes `EntryPosted`: its handlers (loyalty.services.handlers: the tier recompute, the
notifications) run there too. Every entry type goes through it: EARN from activities, ADJUST,
REVERSE from refunds, REDEEM / REFUND from redemptions, EXPIRE from expiry, TRANSFER_OUT /
TRANSFER_IN from the chain's transfers (services.transfers: no request, the chain moved already),
ACTIVATE from the activation of held points (services.holds).

An EARN with `hold_days` > 0 is held (loyalty.domain.holds): the entry moves nothing, writes no
chain request, and gets its held_points row in the same transaction; a REVERSE with `held=True`
cancels held points the same way (the caller updates the hold).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.holds import H_HELD, held_points
from loyalty.db.ledger import insert_or_skip, ledger_entries
from loyalty.db.outbox import BURN, MINT, PENDING, chain_requests
from loyalty.db.statements import once
from loyalty.db.write_behind import WriteBehind
from loyalty.domain.events import EntryPosted
from loyalty.domain.holds import available_at as hold_ends
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
    hold_days: int = 0,
    held: bool = False,
    save: bool = True,
) -> tuple[Member, PostedEntry | None]:
    """Appends one entry for a member the caller has locked (`find_member(lock=True)`).

    Returns the member with its new totals and the entry, or (member, None) when an entry with
    the same business key already exists: that is how "one award per order and rule" holds under
    concurrency. Raises the domain's InvalidInput / InsufficientPoints before writing anything.
    A burn from the member's own wallet is planned against what it holds (services.spendable):
    NotHeldOnChain for a redemption or adjustment beyond it.
    `activity=False` leaves lastActivityDate alone (expiry must not count as activity).
    A new entry publishes EntryPosted on `uow` (its handlers run before this returns).
    `hold_days` (EARN): held that many days; `held` (REVERSE): cancels held points.
    `save=False`: the member's new totals are not written; the caller writes them once after
    its last entry (save_totals), before anything reads them from the database.
    """
    conn = uow.conn
    holding = None
    held = held or (type_ is EntryType.EARN and hold_days > 0)
    burn = points < 0 and not held and type_ not in ON_CHAIN_ALREADY
    if burn and member.wallet_address is not None:
        # A burn from the member's own wallet: planned against what it holds.
        holding = await holding_of(conn, member)
    posting = post(member.totals, type_, points, holding=holding, held=held)
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
    ends = None
    if held and type_ is EntryType.EARN:
        ends = hold_ends(now, hold_days)
        await conn.execute(
            once("held_point", held_points.insert),
            {
                "entry_id": entry_id,
                "member_pk": member.pk,
                "points": points,
                "remaining": points,
                "hold_days": hold_days,
                "available_at": ends,
                "status": H_HELD,
                "activation_entry_id": None,
                "created_at": now,
                "updated_at": now,
            },
        )
    held_writes = uow.cache.write_behind
    if posting.delta and type_ not in ON_CHAIN_ALREADY:
        await queue_chain_request(
            conn,
            held=held_writes,
            kind=MINT if posting.delta > 0 else BURN,
            address=member.receiving_address,
            amount=abs(posting.delta),
            member_id=member.member_id,
            ledger_entry_id=entry_id,
            now=now,
        )
    member = member.with_totals(posting.totals)
    if save:
        member = await save_totals(conn, member, now=now, activity=activity, held=held_writes)
    entry = PostedEntry(
        id=entry_id,
        type=type_,
        points=posting.points,
        delta=posting.delta,
        debt_change=posting.debt_change,
        balance_after=posting.totals.balance,
        rule_id=rule_id,
        rule_revision=rule_revision,
        available_at=ends,
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
    held: WriteBehind | None = None,
) -> None:
    """A PENDING mint or burn for the minter. Requests of one member must be sent in id order
    (a burn may depend on an earlier mint to the same address): held ones are inserted in the
    order they were queued, by one multi-row INSERT."""
    row = {
        "kind": kind,
        "address": address.lower(),
        "amount": amount,
        "member_id": member_id,
        "ledger_entry_id": ledger_entry_id,
        "status": PENDING,
        "created_at": now,
        "updated_at": now,
    }
    statement = once("chain_request", chain_requests.insert)
    if held is not None:
        held.add(statement, row)
    else:
        await conn.execute(statement, row)
