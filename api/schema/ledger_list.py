"""`transactions(filter, orderBy, first, after)`: the program's append-only ledger, every
member's entries, keyset-paginated, each with where its tokens are on chain (chain request,
batch id, transaction hash, FINAL or not). Admins and auditors read everything; a member reads
only their own entries (the list is narrowed to them; another memberId is FORBIDDEN)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from api.auth import Role, require_auditor
from api.context import Context
from api.errors import Forbidden
from api.schema.accounts import LoyaltyAccount, LoyaltyTransaction, TransactionType, load_account
from api.schema.member_list import SortDirection
from api.schema.pagination import PageInfo
from api.schema.scalars import Long
from loyalty.services import ledger_list as svc
from minter.entries import EntryChainStatus, chain_status_of_entries


@strawberry.enum(description="Where a chain request stands (docs/chain.md).")
class ChainRequestState(Enum):
    PENDING = "PENDING"
    BATCHED = "BATCHED"
    FINAL = "FINAL"
    REFUSED = "REFUSED"


@strawberry.type(description="The mint or burn that carries an entry's balance change on chain.")
class EntryChain:
    state: ChainRequestState
    final: bool = strawberry.field(description="True once the batch's block is final.")
    kind: str = strawberry.field(description="MINT or BURN.")
    amount: Long
    address: str
    batch: Long | None = strawberry.field(description="The batch's row id (mintingStatus).")
    batch_id: str | None = strawberry.field(description="The on-chain bytes32 batch id.")
    batch_status: str | None
    tx_hash: str | None = strawberry.field(
        description="Null until sent, and for a NETTED batch (settled with no transaction)."
    )
    block_number: Long | None
    error: str | None = strawberry.field(description="Why it is refused or being retried.")

    @classmethod
    def from_status(cls, s: EntryChainStatus) -> EntryChain:
        return cls(
            state=ChainRequestState(s.status),
            final=s.final,
            kind=s.kind,
            amount=Long(s.amount),
            address=s.address,
            batch=Long(s.batch) if s.batch is not None else None,
            batch_id=s.batch_id,
            batch_status=s.batch_status,
            tx_hash=s.tx_hash,
            block_number=Long(s.block_number) if s.block_number is not None else None,
            error=s.error,
        )


@strawberry.type(description="A ledger entry of any member, with its chain status.")
class LedgerTransaction(LoyaltyTransaction):
    member_id: str
    campaign_id: strawberry.ID | None
    campaign_revision: Long | None
    order_id: str | None = strawberry.field(description="The order's key (checkout id).")
    reverses_transaction_id: strawberry.ID | None
    chain: EntryChain | None = strawberry.field(
        description="Null when the entry moved no tokens (balanceChange 0)."
    )

    @strawberry.field(description="The member's account.")
    async def account(self, info: Info[Context, None]) -> LoyaltyAccount:
        return await load_account(info, self.member_id)

    @classmethod
    def from_entry(cls, e: svc.LedgerEntry, chain: EntryChainStatus | None) -> LedgerTransaction:
        return cls(
            id=strawberry.ID(str(e.id)),
            transaction_type=TransactionType(e.type),
            amount=Long(e.points),
            balance_change=Long(e.delta),
            balance_after=Long(e.balance_after),
            earning_rule_id=strawberry.ID(e.rule_id) if e.rule_id else None,
            earning_rule_revision=Long(e.rule_revision) if e.rule_revision is not None else None,
            description=e.description,
            created_date=e.created_at,
            member_id=e.member_id,
            campaign_id=strawberry.ID(e.campaign_id) if e.campaign_id else None,
            campaign_revision=(
                Long(e.campaign_revision) if e.campaign_revision is not None else None
            ),
            order_id=e.order_id,
            reverses_transaction_id=(
                strawberry.ID(str(e.reverses_entry_id)) if e.reverses_entry_id else None
            ),
            chain=EntryChain.from_status(chain) if chain is not None else None,
        )


@strawberry.enum(description="What `transactions` is sorted by.")
class TransactionOrderField(Enum):
    CREATED = strawberry.enum_value(
        "CREATED", description="Ledger order: entries are appended, the id breaks no tie."
    )


@strawberry.input(description="Default: newest first.")
class TransactionOrder:
    field: TransactionOrderField = TransactionOrderField.CREATED
    direction: SortDirection = SortDirection.DESC


@strawberry.input(description="Every given condition must hold.")
class TransactionFilter:
    member_id: str | None = strawberry.field(default=None, description="NOT_FOUND if unknown.")
    types: list[TransactionType] | None = strawberry.field(
        default=None, description="Any of these types (at least one)."
    )
    rule_id: strawberry.ID | None = strawberry.field(
        default=None, description="The earning rule that gave the entry."
    )
    campaign_id: strawberry.ID | None = strawberry.field(
        default=None, description="The campaign whose extra points the entry holds."
    )
    from_: datetime | None = strawberry.field(
        name="from", default=None, description="Inclusive instant."
    )
    to: datetime | None = strawberry.field(default=None, description="Exclusive instant.")
    order_id: str | None = strawberry.field(
        default=None, description="The order's key (checkout id) or its Wix order id."
    )

    def to_service(self, member_id: str | None) -> svc.TransactionFilter:
        return svc.TransactionFilter(
            member_id=member_id,
            types=[t.value for t in self.types] if self.types is not None else None,
            rule_id=str(self.rule_id) if self.rule_id is not None else None,
            campaign_id=str(self.campaign_id) if self.campaign_id is not None else None,
            start=self.from_,
            end=self.to,
            order_id=self.order_id,
        )


@strawberry.type
class LedgerTransactionEdge:
    cursor: str
    node: LedgerTransaction


@strawberry.type
class LedgerTransactionConnection:
    edges: list[LedgerTransactionEdge]
    page_info: PageInfo

    @strawberry.field(description="The transactions of this page (the edges' nodes).")
    def nodes(self) -> list[LedgerTransaction]:
        return [edge.node for edge in self.edges]


@strawberry.type
class LedgerListQuery:
    @strawberry.field(
        description="The program's ledger entries, newest first by default: admins and "
        "auditors read all, a member only their own. `first` is 1 to 100 (default 20), "
        "`after` an endCursor of the same orderBy and filter (else VALIDATION, field `after`)."
    )
    async def transactions(
        self,
        info: Info[Context, None],
        filter: TransactionFilter | None = None,
        order_by: TransactionOrder | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> LedgerTransactionConnection:
        principal = info.context.principal
        member_id = filter.member_id if filter else None
        if principal.role is Role.MEMBER:
            if member_id is not None and member_id != principal.member_id:
                raise Forbidden("members may only read their own transactions")
            member_id = principal.member_id
        else:
            require_auditor(principal)
        order = order_by or TransactionOrder()
        where = (filter or TransactionFilter()).to_service(member_id)
        async with info.context.connection() as conn:
            page = await svc.list_entries(
                conn,
                where,
                descending=order.direction is SortDirection.DESC,
                first=first,
                after=after,
            )
            chain = await chain_status_of_entries(conn, [e.id for e, _ in page.items])
        edges = [
            LedgerTransactionEdge(
                cursor=cursor, node=LedgerTransaction.from_entry(entry, chain.get(entry.id))
            )
            for entry, cursor in page.items
        ]
        return LedgerTransactionConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )
