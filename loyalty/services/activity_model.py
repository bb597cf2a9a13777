"""What goes into recording an activity and what comes out: the input (with its stored JSON form,
used by the webhook inbox), the checks that need no database, and the outcome returned to the
caller (and stored as the event's answer)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.domain import values
from loyalty.domain.points import Money, check_amount
from loyalty.domain.rules import EarningRule
from loyalty.services import inbound
from loyalty.services.members import check_member_id

TEXT_MAX = 80
ORDER_MAX = 200


class RuleSource(Protocol):
    async def __call__(
        self, conn: AsyncConnection, *, trigger_app_id: str, activity_type: str
    ) -> list[EarningRule]: ...


@dataclass(frozen=True)
class ActivityInput:
    idempotency_key: str
    member_id: str
    activity_type: str
    trigger_app_id: str
    order_id: str | None = None
    amount: Money | None = None
    occurred_at: datetime | None = None
    # Wix: the order id, when the order is keyed by its checkout id (refunds may name either).
    external_order_id: str | None = None
    # One award per (dedupe_ref, rule); defaults to the order. E.g. `referral:<referred member>`.
    dedupe_ref: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def claim_fields(self) -> dict[str, Any]:
        """The inbound_events columns that describe it (for analytics and operators)."""
        return {
            "activity_type": self.activity_type,
            "trigger_app_id": self.trigger_app_id,
            "order_key": self.order_id,
            "amount": self.amount.value if self.amount else None,
            "currency": self.amount.currency.upper() if self.amount else None,
            "occurred_at": self.occurred_at,
            "details": inbound.dumps(dict(self.details)) if self.details else None,
        }

    def to_payload(self) -> dict[str, Any]:
        """JSON-able, exact (amounts as decimal strings): stored while a webhook is PENDING."""
        return {
            "idempotencyKey": self.idempotency_key,
            "memberId": self.member_id,
            "activityType": self.activity_type,
            "triggerAppId": self.trigger_app_id,
            "orderId": self.order_id,
            "amount": None
            if self.amount is None
            else {"value": format(self.amount.value, "f"), "currency": self.amount.currency},
            "occurredAt": self.occurred_at.isoformat() if self.occurred_at else None,
            "externalOrderId": self.external_order_id,
            "dedupeRef": self.dedupe_ref,
            "details": dict(self.details),
        }

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> ActivityInput:
        amount = data.get("amount")
        occurred = data.get("occurredAt")
        return cls(
            idempotency_key=data["idempotencyKey"],
            member_id=data["memberId"],
            activity_type=data["activityType"],
            trigger_app_id=data["triggerAppId"],
            order_id=data.get("orderId"),
            amount=None if amount is None else Money(Decimal(amount["value"]), amount["currency"]),
            occurred_at=_aware(datetime.fromisoformat(occurred)) if occurred else None,
            external_order_id=data.get("externalOrderId"),
            dedupe_ref=data.get("dedupeRef"),
            details=data.get("details") or {},
        )

    def request(self) -> dict[str, Any]:
        """What makes two calls "the same request" (for idempotency-key reuse checks)."""
        return {
            "memberId": self.member_id,
            "activityType": self.activity_type,
            "triggerAppId": self.trigger_app_id,
            "orderId": self.order_id,
            "amount": None
            if self.amount is None
            else [format(self.amount.value.normalize(), "f"), self.amount.currency.upper()],
            "dedupeRef": self.dedupe_ref,
        }


def _aware(at: datetime) -> datetime:
    """An event stored before time-zone-less instants were refused is read as UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def check_activity(inp: ActivityInput, *, currency: str, now: datetime | None = None) -> None:
    """Everything that can be checked without I/O, before anything is written. An order id,
    when given, is an identifier like the others: "" is refused, not taken as an order.
    `occurredAt` carries a time zone and is not further ahead of `now` than clocks disagree."""
    inbound.check_key(inp.idempotency_key)
    check_member_id(inp.member_id)
    values.check_identifier("activityType", inp.activity_type, TEXT_MAX)
    values.check_identifier("triggerAppId", inp.trigger_app_id, TEXT_MAX)
    if inp.order_id is not None:
        values.check_identifier("orderId", inp.order_id, ORDER_MAX)
    if inp.external_order_id is not None:
        values.check_identifier("externalOrderId", inp.external_order_id, ORDER_MAX)
    if inp.amount is not None:
        check_amount(inp.amount, currency=currency)
    if inp.occurred_at is not None:
        values.check_instant("occurredAt", inp.occurred_at, now=now or datetime.now(UTC))


@dataclass(frozen=True)
class AwardResult:
    rule_id: str
    rule_revision: int
    points: int
    balance_change: int  # less than points while a debt is being netted
    entry_id: int | None  # None: this order already earned under this rule (or cut to 0)
    already_awarded: bool
    limit_reason: str | None = None  # why a limit or budget cut the award, when one did


@dataclass(frozen=True)
class CampaignAwardResult:
    """The extra points a campaign added (an EARN entry naming the campaign)."""

    campaign_id: str
    campaign_revision: int
    points: int
    balance_change: int
    entry_id: int | None  # None: this order already had this campaign's extra (or cut to 0)
    already_awarded: bool
    limit_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return _with_limit(
            {
                "campaignId": self.campaign_id,
                "campaignRevision": self.campaign_revision,
                "points": self.points,
                "balanceChange": self.balance_change,
                "entryId": self.entry_id,
                "alreadyAwarded": self.already_awarded,
            },
            self.limit_reason,
        )

    @classmethod
    def from_json(cls, a: Mapping[str, Any]) -> CampaignAwardResult:
        return cls(
            a["campaignId"],
            a["campaignRevision"],
            a["points"],
            a["balanceChange"],
            a["entryId"],
            a["alreadyAwarded"],
            a.get("limitReason"),
        )


def _with_limit(answer: dict[str, Any], reason: str | None) -> dict[str, Any]:
    """Answers keep their shape unless a limit cut the award."""
    if reason is not None:
        answer["limitReason"] = reason
    return answer


@dataclass(frozen=True)
class ActivityOutcome:
    event_id: int
    member_id: str | None
    status: str  # RECORDED or IGNORED
    awards: tuple[AwardResult, ...] = ()
    reason: str = ""
    duplicate: bool = False
    member_pk: int | None = field(default=None, compare=False)  # not part of the answer
    campaign_awards: tuple[CampaignAwardResult, ...] = ()
    referral: Mapping[str, Any] | None = None  # what the referral program did (issue 15)

    def to_json(self) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "eventId": self.event_id,
            "memberId": self.member_id,
            "status": self.status,
            "reason": self.reason,
            "awards": [
                _with_limit(
                    {
                        "ruleId": a.rule_id,
                        "ruleRevision": a.rule_revision,
                        "points": a.points,
                        "balanceChange": a.balance_change,
                        "entryId": a.entry_id,
                        "alreadyAwarded": a.already_awarded,
                    },
                    a.limit_reason,
                )
                for a in self.awards
            ],
        }
        if self.campaign_awards:  # answers without campaigns keep their shape
            answer["campaignAwards"] = [a.to_json() for a in self.campaign_awards]
        if self.referral is not None:
            answer["referral"] = dict(self.referral)
        return answer

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, duplicate: bool) -> ActivityOutcome:
        return cls(
            event_id=data["eventId"],
            member_id=data.get("memberId"),
            status=data["status"],
            reason=data.get("reason", ""),
            awards=tuple(
                AwardResult(
                    rule_id=a["ruleId"],
                    rule_revision=a["ruleRevision"],
                    points=a["points"],
                    balance_change=a["balanceChange"],
                    entry_id=a["entryId"],
                    already_awarded=a["alreadyAwarded"],
                    limit_reason=a.get("limitReason"),
                )
                for a in data.get("awards", [])
            ),
            duplicate=duplicate,
            campaign_awards=tuple(
                CampaignAwardResult.from_json(a) for a in data.get("campaignAwards", [])
            ),
            referral=data.get("referral"),
        )
