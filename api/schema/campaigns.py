"""Campaigns over GraphQL (issue 14): `campaign`, `campaigns`, `createCampaign`,
`updateCampaign`, `deleteCampaign`.

Who may do what, as for earning rules: admins everything; auditors and members read campaigns
(a shop shows "double points this weekend"); anonymous callers nothing. Writes are admin-only.
How campaigns combine is documented in loyalty.domain.campaigns (and docs/program.md).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from api.auth import Principal, Role, require_admin
from api.context import Context
from api.errors import NotFound, Unauthenticated
from api.schema.pagination import PageInfo
from api.schema.rules import plain_money
from api.schema.scalars import Long, Money
from loyalty.domain import campaigns as domain
from loyalty.services import campaigns as service

MAX_ID = 36


def require_campaign_reader(principal: Principal) -> None:
    if principal.role is Role.ANONYMOUS:
        raise Unauthenticated(
            "authentication required: reading campaigns needs a key or a member token"
        )


@strawberry.enum(
    name="CampaignStatus",
    description="DRAFT: being prepared; ACTIVE: applies inside its window; PAUSED: applies "
    "nothing until ACTIVE again; ENDED: final, never applies again.",
)
class CampaignStatus(Enum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    ENDED = "ENDED"


@strawberry.enum(
    name="CampaignCombination",
    description="STACK: adds to the other campaigns; BEST: only the BEST campaign giving the "
    "most applies; EXCLUSIVE: the EXCLUSIVE campaign of highest priority applies alone.",
)
class CampaignCombination(Enum):
    STACK = "STACK"
    BEST = "BEST"
    EXCLUSIVE = "EXCLUSIVE"


@strawberry.enum(name="CampaignEffectKind")
class CampaignEffectKind(Enum):
    MULTIPLIER = "MULTIPLIER"
    BONUS_POINTS = "BONUS_POINTS"
    CONVERSION_RATE = "CONVERSION_RATE"


@strawberry.enum(name="DayOfWeek")
class DayOfWeek(Enum):
    MONDAY = 1
    TUESDAY = 2
    WEDNESDAY = 3
    THURSDAY = 4
    FRIDAY = 5
    SATURDAY = 6
    SUNDAY = 7


@strawberry.type(description="Daily hours on the program's wall clock (timeZone), HH:MM.")
class DailyHours:
    start: str = strawberry.field(description="Inclusive, e.g. 18:00.")
    end: str = strawberry.field(
        description="Exclusive; not after start: the hours cross midnight and belong to the "
        "day they start on."
    )


@strawberry.type
class CampaignWindow:
    starts_at: datetime
    ends_at: datetime | None
    days_of_week: list[DayOfWeek] | None = strawberry.field(description="null: every day")
    hours: DailyHours | None = strawberry.field(description="null: all day")


@strawberry.type(description="All must hold; an empty list means any.")
class CampaignConditions:
    activity_types: list[str]
    trigger_app_ids: list[str]
    tier_ids: list[strawberry.ID]
    minimum_amount: Money | None


@strawberry.type
class CampaignConversionRate:
    money_amount: Money
    points: int


@strawberry.type(
    description="What the campaign adds to the matching rules' points R: MULTIPLIER m adds "
    "floor(R*m)-R; BONUS_POINTS adds a fixed number; CONVERSION_RATE earns "
    "floor(amount/moneyAmount*points) in place of R when that is more."
)
class CampaignEffect:
    kind: CampaignEffectKind
    multiplier: Money | None
    bonus_points: int | None
    conversion_rate: CampaignConversionRate | None


@strawberry.type(description="Time-boxed extra points on top of the earning rules.")
class Campaign:
    id: strawberry.ID
    revision: Long
    title: str
    description: str | None
    status: CampaignStatus
    window: CampaignWindow
    conditions: CampaignConditions
    effect: CampaignEffect
    combination: CampaignCombination
    priority: int = strawberry.field(description="0 to 1000; higher first.")
    created_date: datetime
    updated_date: datetime

    @classmethod
    def from_domain(cls, c: domain.Campaign) -> Campaign:
        w, cond, e = c.window, c.conditions, c.effect
        return cls(
            id=strawberry.ID(c.id),
            revision=Long(c.revision),
            title=c.title,
            description=c.description,
            status=CampaignStatus(c.status.value),
            window=CampaignWindow(
                starts_at=w.starts_at,
                ends_at=w.ends_at,
                days_of_week=None
                if w.days_of_week is None
                else [DayOfWeek(d) for d in sorted(w.days_of_week)],
                hours=None
                if w.hours is None
                else DailyHours(start=f"{w.hours.start:%H:%M}", end=f"{w.hours.end:%H:%M}"),
            ),
            conditions=CampaignConditions(
                activity_types=sorted(cond.activity_types),
                trigger_app_ids=sorted(cond.trigger_app_ids),
                tier_ids=[strawberry.ID(t) for t in sorted(cond.tier_ids)],
                minimum_amount=None
                if cond.minimum_amount is None
                else plain_money(cond.minimum_amount),
            ),
            effect=CampaignEffect(
                kind=CampaignEffectKind(e.kind.value),
                multiplier=None if e.multiplier is None else plain_money(e.multiplier),
                bonus_points=e.bonus_points,
                conversion_rate=None
                if e.money_amount is None or e.points is None
                else CampaignConversionRate(
                    money_amount=plain_money(e.money_amount), points=e.points
                ),
            ),
            combination=CampaignCombination(c.combination.value),
            priority=c.priority,
            created_date=c.created_date,
            updated_date=c.updated_date,
        )


@strawberry.type
class CampaignEdge:
    cursor: str
    node: Campaign


@strawberry.type
class CampaignConnection:
    edges: list[CampaignEdge]
    page_info: PageInfo

    @strawberry.field(description="The campaigns of this page (the edges' nodes).")
    def nodes(self) -> list[Campaign]:
        return [edge.node for edge in self.edges]


@strawberry.type
class DeleteCampaignResult:
    id: strawberry.ID


# --- inputs ------------------------------------------------------------------------------------


@strawberry.input
class DailyHoursInput:
    start: str
    end: str


@strawberry.input(
    description="startsAt inclusive, endsAt exclusive (instants); daysOfWeek and hours are "
    "read on the program's wall clock (loyaltyProgram.timeZone)."
)
class CampaignWindowInput:
    starts_at: datetime
    ends_at: datetime | None = None
    days_of_week: list[DayOfWeek] | None = None
    hours: DailyHoursInput | None = None

    def to_domain(self) -> domain.Window:
        hours = None
        if self.hours is not None:
            hours = domain.DailyHours(
                domain.parse_clock("window.hours.start", self.hours.start),
                domain.parse_clock("window.hours.end", self.hours.end),
            )
        days = None if self.days_of_week is None else frozenset(d.value for d in self.days_of_week)
        return domain.Window(self.starts_at, self.ends_at, days, hours)


@strawberry.input
class CampaignConditionsInput:
    activity_types: list[str] | None = None
    trigger_app_ids: list[str] | None = None
    tier_ids: list[strawberry.ID] | None = None
    minimum_amount: Money | None = None

    def to_domain(self) -> domain.Conditions:
        return domain.Conditions(
            activity_types=frozenset(self.activity_types or ()),
            trigger_app_ids=frozenset(self.trigger_app_ids or ()),
            tier_ids=frozenset(str(t) for t in self.tier_ids or ()),
            minimum_amount=self.minimum_amount,
        )


@strawberry.input
class CampaignConversionRateInput:
    money_amount: Money
    points: int


@strawberry.input(description="Give exactly one of multiplier, bonusPoints, conversionRate.")
class CampaignEffectInput:
    multiplier: Money | None = strawberry.field(
        default=None, description='More than 1, at most 100, up to 4 decimals (e.g. "2").'
    )
    bonus_points: int | None = None
    conversion_rate: CampaignConversionRateInput | None = None

    def to_domain(self) -> domain.Effect:
        rate = self.conversion_rate
        return domain.Effect.from_parts(
            multiplier=self.multiplier,
            bonus_points=self.bonus_points,
            money_amount=rate.money_amount if rate else None,
            points=rate.points if rate else None,
            rate_given=rate is not None,
        )


def _status(value: CampaignStatus | None) -> domain.CampaignStatus | None:
    return None if value is None else domain.CampaignStatus(value.value)


def _combination(value: CampaignCombination | None) -> domain.Combination | None:
    return None if value is None else domain.Combination(value.value)


@strawberry.input(description="A new campaign (DRAFT unless a status is given).")
class CampaignInput:
    title: str
    window: CampaignWindowInput
    effect: CampaignEffectInput
    conditions: CampaignConditionsInput | None = None
    description: str | None = None
    status: CampaignStatus = CampaignStatus.DRAFT
    combination: CampaignCombination = CampaignCombination.STACK
    priority: int = 0

    def to_domain(self) -> domain.CampaignInput:
        return domain.CampaignInput(
            title=self.title,
            window=self.window.to_domain(),
            effect=self.effect.to_domain(),
            conditions=self.conditions.to_domain() if self.conditions else domain.Conditions(),
            status=domain.CampaignStatus(self.status.value),
            combination=domain.Combination(self.combination.value),
            priority=self.priority,
            description=self.description,
        )


@strawberry.input(
    description="A partial update: omitted fields stay; window, conditions and effect are "
    "replaced whole when given."
)
class CampaignUpdate:
    title: str | None = None
    description: str | None = None
    status: CampaignStatus | None = None
    window: CampaignWindowInput | None = None
    conditions: CampaignConditionsInput | None = None
    effect: CampaignEffectInput | None = None
    combination: CampaignCombination | None = None
    priority: int | None = None

    def to_domain(self) -> domain.CampaignChanges:
        return domain.CampaignChanges(
            title=self.title,
            description=self.description,
            status=_status(self.status),
            window=self.window.to_domain() if self.window else None,
            conditions=self.conditions.to_domain() if self.conditions else None,
            effect=self.effect.to_domain() if self.effect else None,
            combination=_combination(self.combination),
            priority=self.priority,
        )


@strawberry.input
class CampaignFilter:
    status: CampaignStatus | None = None


# --- operations --------------------------------------------------------------------------------


def _campaign_id(value: strawberry.ID) -> str:
    campaign_id = str(value)
    if len(campaign_id) > MAX_ID:
        raise NotFound(f"no campaign with id {campaign_id[:MAX_ID]!r}…", field="id")
    return campaign_id


@strawberry.type
class CampaignsQuery:
    @strawberry.field(description="One campaign by id.")
    async def campaign(self, info: Info[Context, None], id: strawberry.ID) -> Campaign:
        require_campaign_reader(info.context.principal)
        async with info.context.connection() as conn:
            found = await service.get_campaign(conn, _campaign_id(id))
        return Campaign.from_domain(found)

    @strawberry.field(
        description="Campaigns, oldest first, as a cursor connection. `first` is 1 to 100 "
        "(default 50); a larger page is refused with VALIDATION."
    )
    async def campaigns(
        self,
        info: Info[Context, None],
        filter: CampaignFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> CampaignConnection:
        require_campaign_reader(info.context.principal)
        where = service.CampaignFilter(status=_status(filter.status) if filter else None)
        async with info.context.connection() as conn:
            page = await service.list_campaigns(conn, where=where, first=first, after=after)
        edges = [
            CampaignEdge(cursor=cur, node=Campaign.from_domain(c)) for cur, c in page.campaigns
        ]
        return CampaignConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=page.end_cursor,
            ),
        )


@strawberry.type
class CampaignsMutation:
    @strawberry.mutation(description="Creates a campaign (admin).")
    async def create_campaign(self, info: Info[Context, None], campaign: CampaignInput) -> Campaign:
        require_admin(info.context.principal)
        created = await service.create_campaign(
            info.context.runtime.unit_of_work(), campaign.to_domain()
        )
        return Campaign.from_domain(created)

    @strawberry.mutation(
        description="Changes the given fields of a campaign at `revision` (its current one, "
        "else INVALID_REVISION); the revision goes up by one. An ENDED campaign cannot change "
        "(admin)."
    )
    async def update_campaign(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        revision: Long,
        campaign: CampaignUpdate,
    ) -> Campaign:
        require_admin(info.context.principal)
        updated = await service.update_campaign(
            info.context.runtime.unit_of_work(),
            _campaign_id(id),
            revision=revision,
            changes=campaign.to_domain(),
        )
        return Campaign.from_domain(updated)

    @strawberry.mutation(
        description="Deletes a campaign at `revision`; points it gave stay (admin)."
    )
    async def delete_campaign(
        self, info: Info[Context, None], id: strawberry.ID, revision: Long
    ) -> DeleteCampaignResult:
        require_admin(info.context.principal)
        deleted = await service.delete_campaign(
            info.context.runtime.unit_of_work(), _campaign_id(id), revision=revision
        )
        return DeleteCampaignResult(id=strawberry.ID(deleted.id))
