"""Chain facts from the index: holders, balances at any indexed block, transfers, the indexer's
status, and the audit. Chain data is public, so reads need no key; the audit needs an admin
or auditor key (it makes many node calls)."""

from __future__ import annotations

import asyncio
import base64
import functools
from enum import Enum

import strawberry
from strawberry.types import Info

from api.auth import require_auditor
from api.context import Context
from api.errors import ApiError, ValidationFailed
from api.schema.scalars import BigInt, Long
from audit.check import run_audit
from audit.ledger import SqlLedger
from audit.rpc import AuditRpcFailed
from indexer import queries
from indexer.errors import IndexerError, NotIndexedYet
from indexer.rpc import rpc_for

MAX_PAGE = 500


class NotIndexed(ApiError):
    code = "NOT_INDEXED"


class IndexerFailure(ApiError):
    code = "INDEXER"


def _address(value: str) -> str:
    text = value.strip()
    if len(text) != 42 or not text.startswith(("0x", "0X")):
        raise ValidationFailed(f"not an address (0x and 40 hex digits): {value!r}")
    try:
        int(text[2:], 16)
    except ValueError:
        raise ValidationFailed(f"not an address (0x and 40 hex digits): {value!r}") from None
    return "0x" + text[2:].lower()


def _first(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise ValidationFailed(f"first must be between 1 and {MAX_PAGE}, not {first}")
    return first


def _encode(*parts: object) -> str:
    return base64.urlsafe_b64encode(":".join(map(str, parts)).encode()).decode()


def _decode(cursor: str, count: int) -> list[str]:
    try:
        parts = base64.urlsafe_b64decode(cursor.encode()).decode().split(":")
    except Exception:
        raise ValidationFailed(f"malformed cursor {cursor!r}") from None
    if len(parts) != count:
        raise ValidationFailed(f"malformed cursor {cursor!r}")
    return parts


@strawberry.enum(description="Order of holders.")
class HolderOrder(Enum):
    BALANCE_DESC = queries.BY_BALANCE
    ADDRESS = queries.BY_ADDRESS


@strawberry.type(description="An address holding tokens, as indexed.")
class Holder:
    address: str
    balance: BigInt
    last_changed_block: Long


@strawberry.type
class HolderPage:
    nodes: list[Holder]
    has_next_page: bool
    end_cursor: str | None


@strawberry.type(description="An ERC-20 Transfer log (mints from and burns to the zero address).")
class TokenTransfer:
    tx_hash: str
    log_index: int
    block_number: Long
    from_address: str
    to_address: str
    value: BigInt


@strawberry.type
class TransferPage:
    nodes: list[TokenTransfer]
    has_next_page: bool
    end_cursor: str | None


@strawberry.input
class TransferFilter:
    address: str | None = None
    from_block: Long | None = None
    to_block: Long | None = None


@strawberry.type(description="Where the indexer stands.")
class IndexerStatus:
    head_block: Long | None
    finalized_block: Long | None
    indexed_block: Long | None
    lag_blocks: Long | None
    reorgs_handled: Long
    last_reorg_depth: int | None
    events: Long


@strawberry.type
class AuditFinding:
    check: str
    code: str
    message: str


@strawberry.type(description="The audit of the index against the chain at one block.")
class AuditReport:
    block: Long
    clean: bool
    digest: str
    holders: Long
    indexed_supply: BigInt
    chain_supply: BigInt
    ledger_status: str
    ledger_reason: str | None
    findings: list[AuditFinding]


@strawberry.type
class ChainQuery:
    @strawberry.field(description="Token holders (balance > 0) from the index.")
    async def holders(
        self,
        info: Info[Context, None],
        first: int = 50,
        after: str | None = None,
        order_by: HolderOrder = HolderOrder.BALANCE_DESC,
    ) -> HolderPage:
        limit = _first(first)
        position: tuple[int, str] | str | None = None
        if after is not None:
            if order_by is HolderOrder.BALANCE_DESC:
                bal, addr = _decode(after, 2)
                if not bal.isdigit():
                    raise ValidationFailed(f"malformed cursor {after!r}")
                position = (int(bal), addr)
            else:
                position = _decode(after, 1)[0]
        async with info.context.connection() as conn:
            rows = await queries.holders_page(conn, limit + 1, position, order_by.value)
        more = len(rows) > limit
        rows = rows[:limit]
        end = None
        if rows:
            last = rows[-1]
            end = (
                _encode(last.balance, last.address)
                if order_by is HolderOrder.BALANCE_DESC
                else _encode(last.address)
            )
        return HolderPage(
            nodes=[
                Holder(
                    address=r.address,
                    balance=BigInt(r.balance),
                    last_changed_block=Long(r.block_number),
                )
                for r in rows
            ],
            has_next_page=more,
            end_cursor=end,
        )

    @strawberry.field(
        description="Indexed balance of an address, at the end of `block` if given (time travel)."
    )
    async def balance(
        self, info: Info[Context, None], address: str, block: Long | None = None
    ) -> BigInt:
        addr = _address(address)
        if block is not None and block < 0:
            raise ValidationFailed("block must be ≥ 0")
        async with info.context.connection() as conn:
            try:
                return BigInt(await queries.indexed_balance(conn, addr, block))
            except NotIndexedYet as exc:
                raise NotIndexed(str(exc)) from None

    @strawberry.field(description="Transfers in chain order, optionally of one address.")
    async def transfers(
        self,
        info: Info[Context, None],
        filter: TransferFilter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> TransferPage:
        limit = _first(first)
        f = filter or TransferFilter()
        position = None
        if after is not None:
            blk, idx = _decode(after, 2)
            if not (blk.isdigit() and idx.isdigit()):
                raise ValidationFailed(f"malformed cursor {after!r}")
            position = (int(blk), int(idx))
        async with info.context.connection() as conn:
            rows = await queries.transfers_page(
                conn,
                address=_address(f.address) if f.address is not None else None,
                from_block=f.from_block,
                to_block=f.to_block,
                first=limit + 1,
                after=position,
            )
        more = len(rows) > limit
        rows = rows[:limit]
        return TransferPage(
            nodes=[
                TokenTransfer(
                    tx_hash=r.tx_hash,
                    log_index=r.log_index,
                    block_number=Long(r.block_number),
                    from_address=r.from_address,
                    to_address=r.to_address,
                    value=BigInt(r.value),
                )
                for r in rows
            ],
            has_next_page=more,
            end_cursor=_encode(rows[-1].block_number, rows[-1].log_index) if rows else None,
        )

    @strawberry.field(description="Where the indexer stands against the node.")
    async def indexer_status(self, info: Info[Context, None]) -> IndexerStatus:
        async with info.context.connection() as conn:
            s = await queries.indexer_status(conn)
        return IndexerStatus(
            head_block=_long(s.head_block),
            finalized_block=_long(s.finalized_block),
            indexed_block=_long(s.indexed_block),
            lag_blocks=_long(s.lag_blocks),
            reorgs_handled=Long(s.reorgs_handled),
            last_reorg_depth=s.last_reorg_depth,
            events=Long(s.events),
        )

    @strawberry.field(description="Audits the index against the chain at `block` (admin/auditor).")
    async def audit(self, info: Info[Context, None], block: Long) -> AuditReport:
        require_auditor(info.context.principal)
        runtime = info.context.runtime
        rpc = rpc_for(info.context.config, runtime.chain)
        try:
            report = await asyncio.to_thread(
                functools.partial(
                    run_audit,
                    runtime.engine,
                    rpc,
                    block,
                    SqlLedger(runtime.engine),
                    issued_here=not runtime.deployment.adopted,
                )
            )
        except NotIndexedYet as exc:
            raise NotIndexed(str(exc)) from None
        except AuditRpcFailed as exc:  # its message already says what the audit could not read
            raise IndexerFailure(str(exc)) from None
        except IndexerError as exc:
            raise IndexerFailure(f"the audit could not read the node: {exc}") from None
        finally:
            rpc.close()
        return AuditReport(
            block=Long(report.block),
            clean=report.clean,
            digest=report.digest,
            holders=Long(report.holders),
            indexed_supply=BigInt(report.indexed_supply),
            chain_supply=BigInt(report.chain_supply),
            ledger_status=report.ledger_status,
            ledger_reason=report.ledger_reason,
            findings=[
                AuditFinding(check=f.check, code=f.code, message=f.message) for f in report.findings
            ],
        )


def _long(value: int | None) -> Long | None:
    return None if value is None else Long(value)
