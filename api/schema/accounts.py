"""Loyalty accounts (Wix names): points, receiving address, tier, upcoming expiry, wallet
linking, transactions, adjustments. Members read only their own account; admins everything.

Every field of an account reads through the request's DataLoaders on its one read connection
(api.context): the member row is read once, and N accounts in one request are one statement per
kind of row, not N."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from api.auth import Principal, Role, require_admin, require_member_or_admin
from api.context import Context
from api.errors import Forbidden, Unauthenticated
from api.schema.holds import HeldAward, TransactionHold
from api.schema.minting import RefusedChainRequest
from api.schema.pagination import PageInfo
from api.schema.scalars import Long
from api.schema.tiers import Tier
from loyalty.custody import Custody
from loyalty.domain.expiry import Expiration
from loyalty.services import members as svc
from loyalty.services.adjustments import AdjustInput, adjust_points
from loyalty.services.referral_reads import code_of
from loyalty.services.spendable import spendable_points
from loyalty.services.wallets import issue_challenge, link_wallet
from minter.status import refused_points, refused_requests


def custody(info: Info[Context, None]) -> Custody:
    return info.context.config.custody()


def require_member_self_or_admin(principal: Principal, member_id: str) -> None:
    """Writes on a member's own behalf (wallet linking): the member, or an admin."""
    if principal.role is Role.ADMIN:
        return
    if principal.role is Role.MEMBER and principal.member_id == member_id:
        return
    if principal.role is Role.ANONYMOUS:
        raise Unauthenticated("authentication required: a member token or an admin API key")
    raise Forbidden("members may only act on their own account")


@strawberry.enum(
    description="What a ledger entry did (Wix's types plus REVERSE, the member's own "
    "transfers on chain, TRANSFER_OUT / TRANSFER_IN, IMPORT, and ACTIVATE: held points "
    "that became available)."
)
class TransactionType(Enum):
    EARN = "EARN"
    ADJUST = "ADJUST"
    REDEEM = "REDEEM"
    REFUND = "REFUND"
    REVERSE = "REVERSE"
    EXPIRE = "EXPIRE"
    TRANSFER_OUT = "TRANSFER_OUT"
    TRANSFER_IN = "TRANSFER_IN"
    IMPORT = strawberry.enum_value(
        "IMPORT", description="A balance brought from the program this one replaced."
    )
    ACTIVATE = "ACTIVATE"


@strawberry.type(description="One append-only ledger entry.")
class LoyaltyTransaction:
    id: strawberry.ID
    transaction_type: TransactionType
    amount: Long = strawberry.field(description="Points as asked, signed (EARN +, REVERSE -).")
    balance_change: Long = strawberry.field(
        description="What the balance (and the member's tokens) did; less than `amount` while "
        "a debt is netted or when a reversal found fewer points than it asked."
    )
    balance_after: Long
    earning_rule_id: strawberry.ID | None
    earning_rule_revision: Long | None
    description: str
    created_date: datetime

    @strawberry.field(
        description="For an EARN awarded with a hold (the return window) and the ACTIVATE that "
        "made it available: the hold's state; null for every other entry."
    )
    async def hold(self, info: Info[Context, None]) -> TransactionHold | None:
        found = await info.context.loaders.entry_hold.load(int(self.id))
        return TransactionHold.from_row(found) if found else None

    @classmethod
    def from_row(cls, t: svc.Transaction) -> LoyaltyTransaction:
        return cls(
            id=strawberry.ID(str(t.id)),
            transaction_type=TransactionType(t.type),
            amount=Long(t.points),
            balance_change=Long(t.delta),
            balance_after=Long(t.balance_after),
            earning_rule_id=strawberry.ID(t.rule_id) if t.rule_id else None,
            earning_rule_revision=Long(t.rule_revision) if t.rule_revision is not None else None,
            description=t.description,
            created_date=t.created_at,
        )


@strawberry.type
class LoyaltyTransactionEdge:
    cursor: str
    node: LoyaltyTransaction


@strawberry.type
class LoyaltyTransactionConnection:
    edges: list[LoyaltyTransactionEdge]
    page_info: PageInfo

    @strawberry.field(description="The transactions of this page (the edges' nodes).")
    def nodes(self) -> list[LoyaltyTransaction]:
        return [edge.node for edge in self.edges]


@strawberry.type(
    description="balance = earned + adjusted - redeemed - expired - reversed; never negative."
)
class Points:
    balance: Long
    earned: Long
    adjusted: Long
    redeemed: Long
    expired: Long
    reversed: Long = strawberry.field(description="Taken back after order refunds.")
    debt: Long = strawberry.field(
        description="Points a refund could not take (already spent), netted against later earnings."
    )
    member_id: strawberry.Private[str]
    receiving_address: strawberry.Private[str]
    member: strawberry.Private[svc.Member]

    @strawberry.field(
        description=(
            "What the member can spend now: the balance, and for a wallet of their own on a "
            "transferable token at most what it holds on chain (as indexed) minus the burns from "
            "it in flight (docs/chain.md#wallets-and-transfers)."
        )
    )
    async def spendable(self, info: Info[Context, None]) -> Long:
        async with info.context.connection() as conn:
            return Long(await spendable_points(conn, self.member))

    @strawberry.field(
        description="Points earned but still held (the return window, holdDays): not in the "
        "balance, not spendable, not on chain until they become available (heldPoints)."
    )
    async def held(self, info: Info[Context, None]) -> Long:
        return Long(await info.context.loaders.held.load(self.member.pk))

    @strawberry.field(
        description="Signed sum of this member's mints (+) and burns (-) not yet final on chain."
    )
    async def pending(self, info: Info[Context, None]) -> Long:
        return Long(await info.context.loaders.pending.load(self.member_id))

    @strawberry.field(
        description=(
            "Signed sum of this member's mints (+) and burns (-) the token refused for their "
            "address: never sent again, not pending. A refused burn (-) is points the ledger "
            "took that the chain still holds: the member owes them (docs/chain.md)."
        )
    )
    async def refused(self, info: Info[Context, None]) -> Long:
        async with info.context.connection() as conn:
            return Long(await refused_points(conn, self.member_id))

    @strawberry.field(
        description="The receiving address's balance as indexed from the chain's Transfer logs."
    )
    async def onchain(self, info: Info[Context, None]) -> Long:
        return Long(await info.context.loaders.onchain.load(self.receiving_address))

    @classmethod
    def from_row(cls, member: svc.Member) -> Points:
        t = member.totals
        return cls(
            balance=Long(t.balance),
            earned=Long(t.earned),
            adjusted=Long(t.adjusted),
            redeemed=Long(t.redeemed),
            expired=Long(t.expired),
            reversed=Long(t.reversed),
            debt=Long(t.debt),
            member_id=member.member_id,
            receiving_address=member.receiving_address,
            member=member,
        )


@strawberry.type(description="When and how many of the member's points will expire.")
class PointsExpiration:
    expiration_date: datetime
    expiring_points_amount: Long

    @classmethod
    def from_row(cls, exp: Expiration) -> PointsExpiration:
        return cls(
            expiration_date=exp.expiration_date, expiring_points_amount=Long(exp.expiring_points)
        )


@strawberry.type(description="A member's loyalty account.")
class LoyaltyAccount:
    member_id: str
    points: Points
    receiving_address: str = strawberry.field(
        description="Where the member's points are minted: the linked wallet, else custodial."
    )
    custodial_address: str
    wallet_address: str | None
    wallet_linked: bool
    last_activity_date: datetime | None
    created_date: datetime
    revision: Long
    member: strawberry.Private[svc.Member]

    @strawberry.field(description="The member's tier now; null is the base tier.")
    async def tier(self, info: Info[Context, None]) -> Tier | None:
        tier = await info.context.loaders.member_tier.load(self.member.pk)
        return Tier.from_row(tier) if tier else None

    @strawberry.field(
        description="The member's referral code (issue 15): a friend who arrives with it "
        "refers to this member. Stable until regenerateReferralCode; matched in any case."
    )
    async def referral_code(self, info: Info[Context, None]) -> str | None:
        async with info.context.connection() as conn:
            return await code_of(conn, self.member.pk)

    @strawberry.field(
        description="The awards still held (the return window), soonest available first; "
        "their sum is points.held."
    )
    async def held_points(self, info: Info[Context, None]) -> list[HeldAward]:
        found = await info.context.loaders.held_points.load(self.member.pk)
        return [HeldAward.from_row(h) for h in found]

    @strawberry.field(description="When and how many points will expire; null: none will.")
    async def points_expiration(self, info: Info[Context, None]) -> PointsExpiration | None:
        exp = await info.context.loaders.expiration.load(self.member)
        return PointsExpiration.from_row(exp) if exp else None

    @strawberry.field(
        description=(
            "This member's chain requests the token refused (newest 50 first), with the "
            "decoded reason; `points.refused` is their signed sum."
        )
    )
    async def refused_chain_requests(self, info: Info[Context, None]) -> list[RefusedChainRequest]:
        async with info.context.connection() as conn:
            rows = await refused_requests(conn, member_id=self.member_id)
        return [RefusedChainRequest.of(r) for r in rows]

    @classmethod
    def from_row(cls, member: svc.Member) -> LoyaltyAccount:
        return cls(
            member_id=member.member_id,
            points=Points.from_row(member),
            receiving_address=member.receiving_address,
            custodial_address=member.custodial_address,
            wallet_address=member.wallet_address,
            wallet_linked=member.wallet_address is not None,
            last_activity_date=member.last_activity_at,
            created_date=member.created_at,
            revision=Long(member.revision),
            member=member,
        )

    @strawberry.field(description="Newest first. `first` is 1 to 100 (default 20).")
    async def transactions(
        self, info: Info[Context, None], first: int = 20, after: str | None = None
    ) -> LoyaltyTransactionConnection:
        async with info.context.connection() as conn:
            page = await svc.transactions(conn, self.member.pk, first=first, after=after)
        edges = [
            LoyaltyTransactionEdge(
                cursor=svc.encode_cursor(t.id), node=LoyaltyTransaction.from_row(t)
            )
            for t in page.items
        ]
        return LoyaltyTransactionConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=page.end_cursor,
            ),
        )


async def load_account(info: Info[Context, None], member_id: str) -> LoyaltyAccount:
    """The member's account through the request's member loader (NotFound if unknown)."""
    member = await info.context.loaders.member.load(svc.check_member_id(member_id))
    if member is None:
        raise svc.no_member(member_id)
    return LoyaltyAccount.from_row(member)


@strawberry.type(description="Sign `message` with the wallet (personal_sign), then linkWallet.")
class WalletLinkChallenge:
    member_id: str
    message: str
    expires_date: datetime


@strawberry.input
class AdjustPointsInput:
    member_id: str
    idempotency_key: str
    reason: str = strawberry.field(description="Shown in the transaction (1-100 characters).")
    amount: int | None = strawberry.field(default=None, description="A change, + or -.")
    balance: int | None = strawberry.field(default=None, description="Or the balance to set.")


@strawberry.type
class AdjustPointsResult:
    duplicate: bool = strawberry.field(description="True for a repeated idempotency key.")
    amount: Long = strawberry.field(description="The change made (0: already at that balance).")
    transaction_id: strawberry.ID | None
    account: LoyaltyAccount


@strawberry.type
class AccountsQuery:
    @strawberry.field(description="A member's account. Members may read only their own.")
    async def account(self, info: Info[Context, None], member_id: str) -> LoyaltyAccount:
        require_member_or_admin(info.context.principal, member_id)
        return await load_account(info, member_id)


@strawberry.type
class AccountsMutation:
    @strawberry.mutation(description="Creates a member explicitly (admin); DUPLICATE if known.")
    async def create_member(self, info: Info[Context, None], member_id: str) -> LoyaltyAccount:
        require_admin(info.context.principal)
        member = await svc.create_member(
            info.context.runtime.unit_of_work(), member_id, custody(info)
        )
        return LoyaltyAccount.from_row(member)

    @strawberry.mutation(description="A single-use message (10 minutes) for linkWallet.")
    async def wallet_link_challenge(
        self, info: Info[Context, None], member_id: str
    ) -> WalletLinkChallenge:
        require_member_self_or_admin(info.context.principal, member_id)
        c = await issue_challenge(info.context.runtime.unit_of_work(), member_id)
        return WalletLinkChallenge(
            member_id=c.member_id, message=c.message, expires_date=c.expires_at
        )

    @strawberry.mutation(
        description="Links the wallet that personal_signed an open challenge; the points held "
        "at the old receiving address are moved to it (burn + mint)."
    )
    async def link_wallet(
        self, info: Info[Context, None], member_id: str, address: str, signature: str
    ) -> LoyaltyAccount:
        require_member_self_or_admin(info.context.principal, member_id)
        uow = info.context.runtime.unit_of_work()
        await link_wallet(uow, member_id, address, signature)
        return await load_account(info, member_id)

    @strawberry.mutation(description="Adds, removes or sets points (admin); never below zero.")
    async def adjust_points(
        self, info: Info[Context, None], input: AdjustPointsInput
    ) -> AdjustPointsResult:
        require_admin(info.context.principal)
        outcome = await adjust_points(
            info.context.runtime.unit_of_work(),
            AdjustInput(
                idempotency_key=input.idempotency_key,
                member_id=input.member_id,
                reason=input.reason,
                amount=input.amount,
                balance=input.balance,
            ),
        )
        return AdjustPointsResult(
            duplicate=outcome.duplicate,
            amount=Long(outcome.points),
            transaction_id=strawberry.ID(str(outcome.entry_id)) if outcome.entry_id else None,
            account=await load_account(info, outcome.member_id),
        )
