"""Program settings (admin) and member contacts. (An account's `tier` and `pointsExpiration`
are resolved with the account, in api.schema.accounts.)"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from api.auth import require_admin, require_auditor
from api.context import Context
from api.schema.accounts import require_member_self_or_admin
from api.schema.rules import plain_money
from api.schema.scalars import Long, Money
from loyalty.domain.expiry import ExpirationPolicy, ExpirationStatus
from loyalty.domain.lifecycle import PointDefinition as DomainPointDefinition
from loyalty.domain.lifecycle import ProgramStatus
from loyalty.services import program as service
from loyalty.services.notifications import set_contact


@strawberry.enum(name="PointsExpirationStatus")
class PointsExpirationStatus(Enum):
    ENABLED = "ENABLED"
    DISABLED = "DISABLED"


@strawberry.type
class PointsExpirationSettings:
    status: PointsExpirationStatus
    months_of_inactivity: int
    expiring_points_percentage: int
    reminder_days: int | None = strawberry.field(
        description="A points.expiring reminder (webhook and e-mail) this many days before "
        "points expire, once per expiry (null: none)."
    )


@strawberry.enum(
    name="LoyaltyProgramStatus",
    description="Only an ACTIVE program earns and spends points; DRAFT and PAUSED store webhooks "
    "as IGNORED and refuse activities, redemptions and adjustments (PROGRAM_NOT_ACTIVE).",
)
class LoyaltyProgramStatus(Enum):
    DRAFT = ProgramStatus.DRAFT.value
    ACTIVE = ProgramStatus.ACTIVE.value
    PAUSED = ProgramStatus.PAUSED.value


@strawberry.type(description="What the shop calls its points (e.g. Stars), with an icon.")
class PointDefinition:
    name: str
    icon_url: str | None


@strawberry.input
class PointDefinitionInput:
    name: str
    icon_url: str | None = strawberry.field(default=None, description='"" or null: no icon.')


@strawberry.type
class EmailTemplate:
    subject: str
    body: str = strawberry.field(
        description="Placeholders: {name} {member_id} {points} {balance} {event} {tier}."
    )


@strawberry.type(description="Program-wide settings (admin).")
class LoyaltyProgram:
    revision: Long
    status: LoyaltyProgramStatus
    point_definition: PointDefinition
    tiers_rolling_window_months: int
    points_expiration: PointsExpirationSettings
    point_value: Money = strawberry.field(
        description="Money value of one point, for the outstanding-points liability."
    )
    email_enabled: bool
    email_template: EmailTemplate
    webhook_url: str | None
    time_zone: str = strawberry.field(
        description="IANA time zone (e.g. Europe/Paris): campaigns' days and hours and limits' "
        "periods are read on its wall clock. Default UTC."
    )
    hold_days: int = strawberry.field(
        description="Days earned points are held (the return window) before they can be spent "
        "or are minted, for every rule without holdDays of its own; 0 (the default): no hold."
    )
    updated_date: datetime

    @strawberry.field(
        description="The program's base currency (ISO 4217, LOYALTY_CURRENCY): money amounts "
        "and pointValue are in it."
    )
    def currency(self, info: Info[Context, None]) -> str:
        return info.context.config.currency

    @strawberry.field(
        description="The program's language tag (BCP 47, LOYALTY_LOCALE): what the admin "
        "console formats numbers, money and dates for."
    )
    def locale(self, info: Info[Context, None]) -> str:
        return info.context.config.locale

    @classmethod
    def from_row(cls, p: service.Program) -> LoyaltyProgram:
        exp = p.points_expiration
        return cls(
            revision=Long(p.revision),
            status=LoyaltyProgramStatus(p.status.value),
            point_definition=PointDefinition(
                name=p.point_definition.name, icon_url=p.point_definition.icon_url
            ),
            tiers_rolling_window_months=p.tiers_window_months,
            points_expiration=PointsExpirationSettings(
                status=PointsExpirationStatus(exp.status.value),
                months_of_inactivity=exp.months_of_inactivity,
                expiring_points_percentage=exp.expiring_points_percentage,
                reminder_days=exp.reminder_days,
            ),
            point_value=plain_money(p.point_value),
            email_enabled=p.email_enabled,
            email_template=EmailTemplate(subject=p.email_subject, body=p.email_body),
            webhook_url=p.webhook_url,
            time_zone=p.time_zone,
            hold_days=p.hold_days,
            updated_date=p.updated_date,
        )


@strawberry.input
class PointsExpirationInput:
    status: PointsExpirationStatus
    months_of_inactivity: int
    expiring_points_percentage: int
    reminder_days: int | None = strawberry.field(
        default=None, description="1 to 365 days before (Wix sends one 14 days before); null: none."
    )


@strawberry.input
class EmailTemplateInput:
    subject: str | None = None
    body: str | None = None


@strawberry.input(description="Partial update: omitted fields stay as they are.")
class LoyaltyProgramUpdate:
    tiers_rolling_window_months: int | None = None
    points_expiration: PointsExpirationInput | None = None
    point_value: Money | None = None
    email_enabled: bool | None = None
    email_template: EmailTemplateInput | None = None
    webhook_url: str | None = strawberry.field(
        default=None, description='Receiver of signed event webhooks; "" removes it.'
    )
    time_zone: str | None = strawberry.field(
        default=None, description="IANA time zone name, e.g. Europe/Paris."
    )
    point_definition: PointDefinitionInput | None = None
    hold_days: int | None = strawberry.field(
        default=None, description="Days earned points are held, 0 to 365 (0: no hold)."
    )


@strawberry.type
class MemberContact:
    member_id: str
    email: str | None
    name: str | None


@strawberry.type
class ProgramQuery:
    @strawberry.field(description="Program settings (admins and auditors).")
    async def loyalty_program(self, info: Info[Context, None]) -> LoyaltyProgram:
        require_auditor(info.context.principal)
        async with info.context.connection() as conn:
            return LoyaltyProgram.from_row(await service.get_program(conn))


@strawberry.type
class ProgramMutation:
    @strawberry.mutation(description="Updates the program settings at `revision` (admin).")
    async def update_loyalty_program(
        self, info: Info[Context, None], revision: Long, program: LoyaltyProgramUpdate
    ) -> LoyaltyProgram:
        require_admin(info.context.principal)
        exp = program.points_expiration
        template = program.email_template
        changes = service.ProgramChanges(
            tiers_window_months=program.tiers_rolling_window_months,
            points_expiration=(
                ExpirationPolicy(
                    ExpirationStatus(exp.status.value),
                    exp.months_of_inactivity,
                    exp.expiring_points_percentage,
                    exp.reminder_days,
                )
                if exp
                else None
            ),
            point_value=program.point_value,
            email_subject=template.subject if template else None,
            email_body=template.body if template else None,
            email_enabled=program.email_enabled,
            webhook_url=program.webhook_url,
            time_zone=program.time_zone,
            point_definition=(
                DomainPointDefinition(
                    program.point_definition.name, program.point_definition.icon_url
                )
                if program.point_definition
                else None
            ),
            hold_days=program.hold_days,
        )
        uow = info.context.runtime.unit_of_work()
        updated = await service.update_program(
            uow,
            changes,
            revision=revision,
            allow_private_webhooks=info.context.config.webhook_allow_private,
        )
        return LoyaltyProgram.from_row(updated)

    @strawberry.mutation(
        description="DRAFT or PAUSED → ACTIVE at `revision` (admin). Events ignored while the "
        "program was not ACTIVE stay ignored."
    )
    async def activate_loyalty_program(
        self, info: Info[Context, None], revision: Long
    ) -> LoyaltyProgram:
        require_admin(info.context.principal)
        uow = info.context.runtime.unit_of_work()
        return LoyaltyProgram.from_row(await service.activate_program(uow, revision=revision))

    @strawberry.mutation(
        description="ACTIVE → PAUSED at `revision` (admin): nothing is earned, redeemed or "
        "adjusted until activated again; webhooks are stored and answered IGNORED."
    )
    async def pause_loyalty_program(
        self, info: Info[Context, None], revision: Long
    ) -> LoyaltyProgram:
        require_admin(info.context.principal)
        uow = info.context.runtime.unit_of_work()
        return LoyaltyProgram.from_row(await service.pause_program(uow, revision=revision))

    @strawberry.mutation(
        description="Where the member's thank-you e-mails go (the member themself, or admin)."
    )
    async def set_member_contact(
        self,
        info: Info[Context, None],
        member_id: str,
        email: str | None = None,
        name: str | None = None,
    ) -> MemberContact:
        require_member_self_or_admin(info.context.principal, member_id)
        uow = info.context.runtime.unit_of_work()
        await set_contact(uow, member_id, email=email, name=name)
        return MemberContact(
            member_id=member_id,
            email=(email or "").strip() or None,
            name=(name or "").strip() or None,
        )
