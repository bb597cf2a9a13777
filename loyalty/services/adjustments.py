"""Admin adjustments: add or remove points, or set the balance; never below zero."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.domain import values
from loyalty.domain.errors import InvalidInput
from loyalty.domain.ledger import EntryType, adjustment_to_balance, check_adjustment
from loyalty.services import inbound
from loyalty.services.ledger import post_entry
from loyalty.services.members import check_member_id, get_member, now_utc

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


async def adjust_points(engine: AsyncEngine, inp: AdjustInput) -> AdjustOutcome:
    check_adjust_input(inp)
    now = now_utc()
    request = {
        "memberId": inp.member_id,
        "amount": inp.amount,
        "balance": inp.balance,
        "reason": inp.reason,
    }
    async with engine.begin() as conn:
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
        if inp.balance is not None:
            points = adjustment_to_balance(member.totals, inp.balance)
        else:
            assert inp.amount is not None
            points = inp.amount
        entry_id = None
        if points:
            member, entry = await post_entry(
                conn,
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
    return outcome
