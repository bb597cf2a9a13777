"""Campaigns over GraphQL (issue 14): `campaign`, `campaigns`, `createCampaign`,
`updateCampaign`, `deleteCampaign`.

Who may do what, as for earning rules: admins everything; auditors and members read campaigns
(a shop shows "double points this weekend"); anonymous callers nothing. Writes are admin-only.
How campaigns combine is documented in loyalty.domain.campaigns (and docs/program.md).
"""

from api.schema.campaigns.limits import LimitsMutation, LimitsQuery
from api.schema.campaigns.operations import (
    CampaignsMutation,
    CampaignsQuery,
    require_campaign_reader,
)
from api.schema.campaigns.types import Campaign

__all__ = [
    "Campaign",
    "CampaignsMutation",
    "CampaignsQuery",
    "LimitsMutation",
    "LimitsQuery",
    "require_campaign_reader",
]
