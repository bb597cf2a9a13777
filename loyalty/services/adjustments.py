"""Admin adjustments: add or remove points, or set the balance; never below zero."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from loyalty.domain import values
from loyalty.domain.errors import InvalidInput
from loyalty.domain.ledger import EntryType, Totals, adjustment_to_balance, check_adjustment
from loyalty.domain.lifecycle import require_active
from loyalty.services import audit, inbound
from loyalty.services.ledger import post_entry
from loyalty.services.members import check_member_id, get_member
from loyalty.services.program import get_program
from loyalty.services.uow import AbstractUnitOfWork

REASON_MAX = 100


@dataclass(frozen=True)
class AdjustInput:
    idempotency_key: str
    member_id: str
    reason: str
    amount: int | None = None  # a change, + or -
    balance: int | None = None  # or the balance to set


@dataclass(frozen=True)
class AdjustOutcome:
    event_id: int
    member_id: str
    entry_id: int | None  # None: the balance already had the value asked for
    points: int
    balance: int
    duplicate: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "eventId": self.event_id,
            "memberId": self.member_id,
            "entryId": self.entry_id,
            "points": self.points,
            "balance": self.balance,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, duplicate: bool) -> AdjustOutcome:
        return cls(
            data["eventId"],
            data["memberId"],
            data["entryId"],
            data["points"],
            data["balance"],
            duplicate,
        )


def check_adjust_input(inp: AdjustInput) -> None:
    inbound.check_key(inp.idempotency_key)
    check_member_id(inp.member_id)
    check_adjustment(inp.amount, inp.balance)
    if not isinstance(inp.reason, str) or not inp.reason.strip() or len(inp.reason) > REASON_MAX:
        raise InvalidInput(f"reason must be 1-{REASON_MAX} characters", field="reason")
    values.check_text("reason", inp.reason)


def adjustment_points(inp: AdjustInput, totals: Totals) -> int:
    """The signed points of the ADJUST entry: the change asked, or the difference to the
    balance asked (InsufficientPoints for a change that would go below zero is the ledger's)."""
    if inp.balance is not None:
        return adjustment_to_balance(totals, inp.balance)
    assert inp.amount is not None  # check_adjust_input: exactly one of them
    return inp.amount


async def adjust_points(uow: AbstractUnitOfWork, inp: AdjustInput) -> AdjustOutcome:
    check_adjust_input(inp)
    request = {
        "memberId": inp.member_id,
        "amount": inp.amount,
        "balance": inp.balance,
        "reason": inp.reason,
    }
    async with uow:
        conn, now = uow.conn, uow.clock.now()
        require_active((await get_program(conn)).status, "adjusting points")
        claim = await inbound.claim(
            conn,
            source="adjust",
            key=inp.idempotency_key,
            request=request,
            kind="ADJUST",
            received_at=now,
            strict=True,
        )
        if claim.id is None:
            return AdjustOutcome.from_json(claim.first_answer or {}, duplicate=True)
        member = await get_member(conn, inp.member_id, lock=True)
        points = adjustment_points(inp, member.totals)
        entry_id = None
        if points:
            member, entry = await post_entry(
                uow,
                member,
                EntryType.ADJUST,
                points,
                now=now,
                description=inp.reason,
                inbound_event_id=claim.id,
            )
            entry_id = entry.id if entry else None
        outcome = AdjustOutcome(claim.id, member.member_id, entry_id, points, member.totals.balance)
        await inbound.answer(conn, claim.id, outcome.to_json(), member_pk=member.pk)
        await audit.changed(
            uow,
            "adjustment",
            audit.audit_subject(member.pk),  # never the member id: see loyalty.services.erasure
            "adjust",
            {"balance": member.totals.balance - points},
            {
                "balance": member.totals.balance,
                "points": points,
                # Neither the reason nor the idempotency key, which may name the member (their
                # name in a reason, their id in a key): the ledger entry (transactionId) and the
                # request keep them, where an erasure can scrub them; the log keeps the reason's
                # SHA-256, which shows the entry's description is the one given then.
                "reasonSha256": hashlib.sha256(inp.reason.encode()).hexdigest(),
                "transactionId": entry_id,
            },
        )
    return outcome
