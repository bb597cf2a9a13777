"""The referral program over GraphQL (issue 15): `referralProgram`, `updateReferralProgram`,
`recordReferral`, `regenerateReferralCode`, `referrals`, `referralStats` (and
`account { referralCode }`, in api.schema.accounts).

Who may do what: anyone with a key or a member token reads the program (a shop shows "give 500,
get 500"); admins change it and record referrals (the shop's server does, from its sign-up
flow); admins and auditors list every referral and the program-wide statistics; a member lists
and counts only the referrals they made, and regenerates only their own code.
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from api.auth import Role, require_admin
from api.context import Context
from api.errors import Forbidden, Unauthenticated
from api.schema.accounts import custody, require_member_self_or_admin
from api.schema.pagination import PageInfo
from api.schema.rules import plain_money
from api.schema.scalars import Long, Money
from loyalty.domain import referrals as domain
from loyalty.services import referral_program, referral_reads
from loyalty.services import referrals as service

ReferralProgramStatus = strawberry.enum(
    domain.ProgramStatus,
    name="ReferralProgramStatus",
    description="DRAFT: being set up, nothing recorded; ACTIVE; PAUSED: new referrals are "
    "refused, pending ones still qualify and are rewarded.",
)
ReferralTrigger = strawberry.enum(
    domain.Trigger,
    name="ReferralTrigger",
    description="What qualifies a referral: the friend's SIGN_UP (the referral itself), or "
    "their FIRST_ORDER at or over minimumAmount.",
)
ReferralStatus = strawberry.enum(
    domain.Status,
    name="ReferralStatus",
    description="PENDING → QUALIFIED (waiting for the hold) → REWARDED, or REJECTED (reason).",
)
ReferralRejection = strawberry.enum(
    domain.Reason, name="ReferralRejection", description="Why a referral was rejected."
)


@strawberry.type(description="What one side receives: points and/or a catalogue reward.")
class ReferralReward:
    points: Long
    reward_id: strawberry.ID | None = strawberry.field(
        description="A reward of the rewards catalogue whose coupon is granted at no cost "
        "(listed with the member's redemptions); null: none."
    )

    @classmethod
    def from_domain(cls, r: domain.Reward) -> ReferralReward:
        return cls(
            points=Long(r.points),
            reward_id=None if r.reward_id is None else strawberry.ID(r.reward_id),
        )


@strawberry.type
class ReferralQualification:
    trigger: ReferralTrigger  # type: ignore[valid-type]
    minimum_amount: Money | None


@strawberry.type
class ReferralLimits:
    per_referrer_per_week: int | None = strawberry.field(
        description="Referrals (not rejected) one member may make in any 7 days; null: any."
    )
    per_ip_per_week: int | None = strawberry.field(
        description="The same per sender IP address (when the sender passes one)."
    )


@strawberry.type
class ReferralProgram:
    revision: Long
    status: ReferralProgramStatus  # type: ignore[valid-type]
    referrer_reward: ReferralReward
    friend_reward: ReferralReward
    qualification: ReferralQualification
    hold_days: int = strawberry.field(
        description="Days after qualifying before both rewards are granted (a refund of the "
        "qualifying order inside them rejects the referral)."
    )
    limits: ReferralLimits
    updated_date: datetime | None

    @classmethod
    def from_domain(cls, s: domain.Settings) -> ReferralProgram:
        return cls(
            revision=Long(s.revision),
            status=s.status,
            referrer_reward=ReferralReward.from_domain(s.referrer_reward),
            friend_reward=ReferralReward.from_domain(s.friend_reward),
            qualification=ReferralQualification(
                trigger=s.trigger,
                minimum_amount=None if s.minimum_amount is None else plain_money(s.minimum_amount),
            ),
            hold_days=s.hold_days,
            limits=ReferralLimits(
                per_referrer_per_week=s.limits.per_referrer_per_week,
                per_ip_per_week=s.limits.per_ip_per_week,
            ),
            updated_date=s.updated_at,
        )


@strawberry.input
class ReferralProgramUpdate:
    status: ReferralProgramStatus | None = None  # type: ignore[valid-type]
    referrer_points: int | None = None
    friend_points: int | None = None
    referrer_reward_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A catalogue reward for the referring member: active, with a base config "
        "(REFERRAL_REWARD_UNKNOWN, REFERRAL_REWARD_INACTIVE).",
    )
    friend_reward_id: strawberry.ID | None = None
    clear_referrer_reward: bool = False
    clear_friend_reward: bool = False
    trigger: ReferralTrigger | None = None  # type: ignore[valid-type]
    minimum_amount: Money | None = strawberry.field(
        default=None, description="A decimal string; see clearMinimumAmount."
    )
    clear_minimum_amount: bool = False
    hold_days: int | None = None
    per_referrer_per_week: int | None = None
    per_ip_per_week: int | None = None
    clear_limits: bool = False

    def to_domain(self) -> domain.SettingsChanges:
        return domain.SettingsChanges(
            status=self.status,
            referrer_points=self.referrer_points,
            friend_points=self.friend_points,
            referrer_reward_id=_id(self.referrer_reward_id),
            friend_reward_id=_id(self.friend_reward_id),
            clear_referrer_reward=self.clear_referrer_reward,
            clear_friend_reward=self.clear_friend_reward,
            trigger=self.trigger,
            minimum_amount=self.minimum_amount,
            clear_minimum=self.clear_minimum_amount,
            hold_days=self.hold_days,
            per_referrer_per_week=self.per_referrer_per_week,
            per_ip_per_week=self.per_ip_per_week,
            clear_limits=self.clear_limits,
        )


def _id(value: strawberry.ID | None) -> str | None:
    return None if value is None else str(value)


@strawberry.input
class RecordReferralInput:
    code: str = strawberry.field(description="The referring member's code (any case).")
    friend_member_id: str = strawberry.field(description="The new member; created if unknown.")
    email: str | None = strawberry.field(default=None, description="The friend's e-mail.")
    ip: str | None = strawberry.field(default=None, description="The sender's IP address.")


@strawberry.type
class Referral:
    id: strawberry.ID
    referrer_id: str
    friend_id: str
    code: str
    status: ReferralStatus  # type: ignore[valid-type]
    reason: ReferralRejection | None  # type: ignore[valid-type]
    order_id: str | None = strawberry.field(description="The qualifying order.")
    created_date: datetime
    qualified_date: datetime | None
    reward_due_date: datetime | None
    rewarded_date: datetime | None
    referrer_points: Long
    friend_points: Long
    referrer_redemption_id: strawberry.ID | None = strawberry.field(
        description="The catalogue reward granted to the referring member (a redemption)."
    )
    friend_redemption_id: strawberry.ID | None

    @classmethod
    def from_row(cls, r: referral_reads.Referral) -> Referral:
        return cls(
            id=strawberry.ID(str(r.id)),
            referrer_id=r.referrer_id,
            friend_id=r.friend_id,
            code=r.code,
            status=r.status,
            reason=r.reason,
            order_id=r.order_id,
            created_date=r.created_at,
            qualified_date=r.qualified_at,
            reward_due_date=r.reward_due_at,
            rewarded_date=r.rewarded_at,
            referrer_points=Long(r.referrer_points),
            friend_points=Long(r.friend_points),
            referrer_redemption_id=_redemption(r.referrer_redemption_id),
            friend_redemption_id=_redemption(r.friend_redemption_id),
        )


def _redemption(pk: int | None) -> strawberry.ID | None:
    return None if pk is None else strawberry.ID(str(pk))


@strawberry.type
class RecordReferralResult:
    duplicate: bool = strawberry.field(description="Recorded before: nothing changed.")
    referral: Referral


@strawberry.type
class ReferralEdge:
    cursor: str
    node: Referral


@strawberry.type
class ReferralConnection:
    edges: list[ReferralEdge]
    page_info: PageInfo


@strawberry.input
class ReferralFilter:
    referrer_id: str | None = None
    friend_id: str | None = None
    status: ReferralStatus | None = None  # type: ignore[valid-type]
    reason: ReferralRejection | None = None  # type: ignore[valid-type]


@strawberry.type
class ReasonCount:
    reason: ReferralRejection  # type: ignore[valid-type]
    count: int


@strawberry.type
class ReferralStats:
    referrals: int
    pending: int
    qualified: int = strawberry.field(description="Qualified, whether rewarded yet or not.")
    rewarded: int
    rejected: int
    by_reason: list[ReasonCount]
    points_awarded: Long = strawberry.field(description="Both sides' rewards.")
    coupons_granted: int = strawberry.field(description="Catalogue rewards granted, both sides.")


def _require_reader(info: Info[Context, None]) -> None:
    if info.context.principal.role is Role.ANONYMOUS:
        raise Unauthenticated("authentication required: a key or a member token")


def _own_referrals(info: Info[Context, None], referrer_id: str | None) -> str | None:
    """The referrer a caller may see: everyone's for admins and auditors, a member only their
    own (and only when asking for them, or for no one in particular)."""
    principal = info.context.principal
    if principal.role in (Role.ADMIN, Role.AUDITOR):
        return referrer_id
    if principal.role is Role.MEMBER:
        if referrer_id is not None and referrer_id != principal.member_id:
            raise Forbidden("members may only read the referrals they made")
        return principal.member_id
    raise Unauthenticated("authentication required: a key or a member token")


async def _referral(info: Info[Context, None], referral_id: int) -> Referral:
    async with info.context.connection() as conn:
        return Referral.from_row(await referral_reads.get_referral(conn, referral_id))


@strawberry.type
class ReferralsQuery:
    @strawberry.field(description="The referral program's settings.")
    async def referral_program(self, info: Info[Context, None]) -> ReferralProgram:
        _require_reader(info)
        async with info.context.connection() as conn:
            return ReferralProgram.from_domain(await referral_program.get_settings(conn))

    @strawberry.field(
        description="Referrals, newest first (admins and auditors: all; a member: their own "
        "as the referring member). `first` is 1 to 100 (default 50)."
    )
    async def referrals(
        self,
        info: Info[Context, None],
        filter: ReferralFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> ReferralConnection:
        referrer = _own_referrals(info, filter.referrer_id if filter else None)
        where = referral_reads.ReferralFilter(
            referrer_id=referrer,
            friend_id=filter.friend_id if filter else None,
            status=filter.status if filter else None,
            reason=filter.reason if filter else None,
        )
        async with info.context.connection() as conn:
            page = await referral_reads.list_referrals(conn, where=where, first=first, after=after)
        edges = [ReferralEdge(cursor=c, node=Referral.from_row(r)) for c, r in page.referrals]
        return ReferralConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=page.end_cursor,
            ),
        )

    @strawberry.field(
        description="Counts and points of referrals: program-wide (admins, auditors) or of one "
        "referring member (a member: their own)."
    )
    async def referral_stats(
        self, info: Info[Context, None], member_id: str | None = None
    ) -> ReferralStats:
        referrer = _own_referrals(info, member_id)
        async with info.context.connection() as conn:
            s = await referral_reads.referral_stats(conn, referrer_id=referrer)
        return ReferralStats(
            referrals=s.referrals,
            pending=s.pending,
            qualified=s.qualified,
            rewarded=s.rewarded,
            rejected=s.rejected,
            by_reason=[ReasonCount(reason=r, count=n) for r, n in sorted(s.by_reason.items())],
            points_awarded=Long(s.points_awarded),
            coupons_granted=s.coupons_granted,
        )


@strawberry.type
class ReferralsMutation:
    @strawberry.mutation(
        description="Changes the referral program at `revision` (INVALID_REVISION if stale); "
        "an ACTIVE program rewards at least one side (admin)."
    )
    async def update_referral_program(
        self, info: Info[Context, None], revision: Long, program: ReferralProgramUpdate
    ) -> ReferralProgram:
        require_admin(info.context.principal)
        updated = await referral_program.update_settings(
            info.context.runtime.unit_of_work(), revision=revision, changes=program.to_domain()
        )
        return ReferralProgram.from_domain(updated)

    @strawberry.mutation(
        description="Records that `friendMemberId` arrived with `code` (admin: the shop's "
        "server). A friend is referred once (ALREADY_REFERRED for another referrer; the same "
        "call again answers duplicate); the fraud limits reject with a reason, stored. Codes: "
        "REFERRAL_CODE_UNKNOWN, REFERRAL_PROGRAM_NOT_ACTIVE, VALIDATION."
    )
    async def record_referral(
        self, info: Info[Context, None], input: RecordReferralInput
    ) -> RecordReferralResult:
        require_admin(info.context.principal)
        recorded = await service.record_referral(
            info.context.runtime.unit_of_work(),
            service.ReferralInput(input.code, input.friend_member_id, input.email, input.ip),
            custody=custody(info),
        )
        return RecordReferralResult(
            duplicate=recorded.duplicate,
            referral=await _referral(info, recorded.referral_id),
        )

    @strawberry.mutation(
        description="A new referral code for the member (the member, or an admin); the old "
        "code refers nobody any more."
    )
    async def regenerate_referral_code(self, info: Info[Context, None], member_id: str) -> str:
        require_member_self_or_admin(info.context.principal, member_id)
        return await service.regenerate_code(info.context.runtime.unit_of_work(), member_id)


__all__ = ["ReferralsMutation", "ReferralsQuery"]
