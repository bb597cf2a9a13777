"""The Strawberry schema: one module per area, merged here."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, MaskErrors
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext
from strawberry.types.base import get_object_definition

from api.config import ApiConfig
from api.context import FreshReads, WebSocketOperationReads
from api.errors import ApiError, is_expected, log_errors
from api.limits import (
    DocumentCache,
    ErrorCodes,
    HideSuggestions,
    batching_config,
    graphql_limits,
)
from api.observability import OperationMetrics
from api.schema.accounts import AccountsMutation, AccountsQuery
from api.schema.activities import ActivitiesMutation
from api.schema.analytics import AnalyticsQuery
from api.schema.audit_log import AuditActor, AuditLogQuery
from api.schema.birthdays import BirthdaysMutation, BirthdaysQuery
from api.schema.campaigns import CampaignsMutation, CampaignsQuery, LimitsMutation, LimitsQuery
from api.schema.chain import ChainQuery
from api.schema.imports import ImportsMutation
from api.schema.indexer_digest import IndexerDigestQuery
from api.schema.inputs import CheckInputs
from api.schema.jobs import JobsMutation, JobsQuery
from api.schema.ledger_list import LedgerListQuery
from api.schema.member_data import MemberDataMutation, MemberDataQuery
from api.schema.member_list import MemberListQuery
from api.schema.minting import MintingMutation, MintingQuery
from api.schema.preview import PreviewQuery
from api.schema.program import ProgramMutation, ProgramQuery
from api.schema.program_totals import ProgramTotalsQuery
from api.schema.proofs import ProofsQuery
from api.schema.referrals import ReferralsMutation, ReferralsQuery
from api.schema.rewards import RewardsMutation, RewardsQuery
from api.schema.rules import RulesMutation, RulesQuery
from api.schema.scalars import SCALARS
from api.schema.statements import StatementsQuery
from api.schema.subscriptions import Subscription
from api.schema.tier_program import TierProgramMutation, TierProgramQuery
from api.schema.tiers import TiersMutation, TiersQuery
from api.schema.token import TokenQuery
from api.schema.viewer import ViewerQuery
from api.schema.webhooks import WebhooksQuery


@strawberry.type
class Query(
    ChainQuery,
    IndexerDigestQuery,
    TokenQuery,
    RulesQuery,
    PreviewQuery,
    AccountsQuery,
    TiersQuery,
    TierProgramQuery,
    RewardsQuery,
    ProgramQuery,
    MintingQuery,
    WebhooksQuery,
    AnalyticsQuery,
    CampaignsQuery,
    LimitsQuery,
    MemberListQuery,
    ProofsQuery,
    StatementsQuery,
    LedgerListQuery,
    AuditLogQuery,
    ProgramTotalsQuery,
    JobsQuery,
    ReferralsQuery,
    BirthdaysQuery,
    MemberDataQuery,
    ViewerQuery,
):
    pass


@strawberry.type
class Mutation(
    RulesMutation,
    AccountsMutation,
    ActivitiesMutation,
    TiersMutation,
    TierProgramMutation,
    RewardsMutation,
    ProgramMutation,
    CampaignsMutation,
    MintingMutation,
    LimitsMutation,
    JobsMutation,
    ImportsMutation,
    ReferralsMutation,
    BirthdaysMutation,
    MemberDataMutation,
):
    pass


# Each root field of a mutation reads what the fields before it wrote (api.context.FreshReads).
for _field in get_object_definition(Mutation, strict=True).fields:
    _field.extensions.append(FreshReads())


class LoyaltySchema(strawberry.Schema):
    documents: DocumentCache  # parsed and validated documents (api.limits.CheckedDocuments)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log_errors(errors)  # expected errors: one line; unexpected: ERROR with the traceback


def build_schema(config: ApiConfig) -> LoyaltySchema:
    documents = DocumentCache()
    extensions: list[Any] = [
        ErrorCodes,
        lambda: MaskErrors(should_mask_error=lambda e: not is_expected(e)),
        OperationMetrics,
        WebSocketOperationReads,
        AuditActor,
        *graphql_limits(documents),
        CheckInputs,  # after CheckedDocuments (see CheckInputs)
    ]
    if not config.introspection:
        extensions.append(DisableIntrospection)
        extensions.append(HideSuggestions)
    schema = LoyaltySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(
            auto_camel_case=True, scalar_map=SCALARS, batching_config=batching_config()
        ),
    )
    schema.documents = documents
    return schema


__all__ = ["ApiError", "build_schema"]
