"""`campaign`, `campaigns`, `createCampaign`, `updateCampaign`, `deleteCampaign`."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.auth import Principal, Role, require_admin
from api.context import Context
from api.errors import NotFound, Unauthenticated
from api.schema.campaigns.inputs import (
    CampaignFilter,
    CampaignInput,
    CampaignUpdate,
    campaign_status,
)
from api.schema.campaigns.types import (
    Campaign,
    CampaignConnection,
    CampaignEdge,
    DeleteCampaignResult,
)
from api.schema.pagination import PageInfo
from api.schema.scalars import Long
from loyalty.services import campaigns as service

MAX_ID = 36


def require_campaign_reader(principal: Principal) -> None:
    if principal.role is Role.ANONYMOUS:
        raise Unauthenticated(
            "authentication required: reading campaigns needs a key or a member token"
        )


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
        where = service.CampaignFilter(status=campaign_status(filter.status) if filter else None)
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
