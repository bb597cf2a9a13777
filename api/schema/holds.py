"""Held points (the return window, loyalty.domain.holds) as the account and the ledger show
them: an account's held awards, and the hold of a ledger entry (the held EARN, and the ACTIVATE
that made it available; a REVERSE that cancelled held points shows as one with balanceChange 0
and no chain request)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from api.schema.scalars import Long
from loyalty.services.holds import EntryHold, HeldPoints


@strawberry.enum(description="Where a held award stands.")
class HoldState(Enum):
    HELD = strawberry.enum_value("HELD", description="Waiting for availableAt: not spendable.")
    ACTIVE = strawberry.enum_value(
        "ACTIVE", description="Available: an ACTIVATE entry brought it into the balance."
    )
    CANCELLED = strawberry.enum_value(
        "CANCELLED", description="Refunds inside the window cancelled every point."
    )


@strawberry.type(description="One award still held: not in the balance, not on chain yet.")
class HeldAward:
    points: Long = strawberry.field(description="Still held (refunds may have cancelled some).")
    available_at: datetime = strawberry.field(
        description="When the activation job makes them available (and mints them)."
    )
    hold_days: int
    awarded: Long = strawberry.field(description="As awarded, before any refund.")
    transaction_id: strawberry.ID = strawberry.field(description="The EARN entry.")
    created_date: datetime

    @classmethod
    def from_row(cls, h: HeldPoints) -> HeldAward:
        return cls(
            points=Long(h.points),
            available_at=h.available_at,
            hold_days=h.hold_days,
            awarded=Long(h.awarded),
            transaction_id=strawberry.ID(str(h.entry_id)),
            created_date=h.created_at,
        )


@strawberry.type(description="The hold an entry belongs to (the return window).")
class TransactionHold:
    state: HoldState
    points: Long = strawberry.field(description="Still held (0 once ACTIVE or CANCELLED).")
    awarded: Long
    hold_days: int
    available_at: datetime
    held_transaction_id: strawberry.ID = strawberry.field(description="The held EARN entry.")
    activation_transaction_id: strawberry.ID | None = strawberry.field(
        description="The ACTIVATE entry, once available."
    )

    @classmethod
    def from_row(cls, h: EntryHold) -> TransactionHold:
        return cls(
            state=HoldState(h.state.value),
            points=Long(h.points),
            awarded=Long(h.awarded),
            hold_days=h.hold_days,
            available_at=h.available_at,
            held_transaction_id=strawberry.ID(str(h.held_entry_id)),
            activation_transaction_id=(
                strawberry.ID(str(h.activation_entry_id)) if h.activation_entry_id else None
            ),
        )
