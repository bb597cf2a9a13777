"""Per-request DataLoaders: N lookups of the same kind in one request become one statement, and
a row read once in a request is not read again (the member behind an account's points, tier and
expiry is one row read). They run on the request's one read connection (api.context.Reads).

A loader's batch function takes the connection for its statement only; it may await another
loader first (never while it holds the connection: the connection is taken one user at a time).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.dataloader import DataLoader

from indexer.queries import indexed_balances
from loyalty.domain.expiry import Expiration
from loyalty.domain.lifecycle import ProgramStatus
from loyalty.domain.rules import EarningRule
from loyalty.domain.tier_program import TierProgramStatus
from loyalty.domain.tiers import Tier
from loyalty.services.expiry import upcoming_for_members
from loyalty.services.holds import (
    EntryHold,
    HeldPoints,
    held_lists,
    held_totals,
    holds_of_entries,
)
from loyalty.services.members import Member, find_members, pending_points_of
from loyalty.services.program import Program, get_program
from loyalty.services.rules import load_rules
from loyalty.services.tiers import tiers_at

Connect = Callable[[], AbstractAsyncContextManager[AsyncConnection]]

PROGRAM = 1  # the program's id: one program today (see DESIGN.md, "Scale")


@dataclass(frozen=True)
class Loaders:
    earning_rule: DataLoader[str, EarningRule | None]
    member: DataLoader[str, Member | None]  # by member id; None: no such member
    pending: DataLoader[str, int]  # a member's chain requests not yet settled, by member id
    program: DataLoader[int, Program]  # by program id (PROGRAM)
    member_tier: DataLoader[int, Tier | None]  # a member's tier now, by Member.pk; None: base
    expiration: DataLoader[Member, Expiration | None]  # a member's next expiry (key: Member.pk)
    onchain: DataLoader[str, int]  # an address's indexed balance
    held: DataLoader[int, int]  # a member's points still held (return window), by Member.pk
    held_points: DataLoader[int, list[HeldPoints]]  # a member's held awards, by Member.pk
    entry_hold: DataLoader[int, EntryHold | None]  # a ledger entry's hold, by entry id


def make_loaders(connect: Connect) -> Loaders:
    async def rules(ids: Sequence[str]) -> list[EarningRule | None]:
        async with connect() as conn:
            found = await load_rules(conn, ids)
        return [found.get(i) for i in ids]

    async def members(ids: Sequence[str]) -> list[Member | None]:
        async with connect() as conn:
            found = await find_members(conn, ids)
        return [found.get(i) for i in ids]

    async def pending(ids: Sequence[str]) -> list[int]:
        async with connect() as conn:
            found = await pending_points_of(conn, ids)
        return [found[i] for i in ids]

    async def programs(ids: Sequence[int]) -> list[Program]:
        async with connect() as conn:
            program = await get_program(conn)
        return [program for _ in ids]

    async def member_tiers(pks: Sequence[int]) -> list[Tier | None]:
        program = await loaders.program.load(PROGRAM)
        if program.tier_program.status is TierProgramStatus.DISABLED:
            return [None for _ in pks]  # a disabled tier program shows everyone the base tier
        months = program.tiers_window_months
        async with connect() as conn:
            found = await tiers_at(conn, pks, datetime.now(UTC), months=months)
        return [found[pk] for pk in pks]

    async def expirations(wanted: Sequence[Member]) -> list[Expiration | None]:
        program = await loaders.program.load(PROGRAM)
        if program.status is not ProgramStatus.ACTIVE:
            return [None for _ in wanted]  # nothing expires while the program is not ACTIVE
        async with connect() as conn:
            found = await upcoming_for_members(
                conn, wanted, program.points_expiration, resumed_at=program.resumed_at
            )
        return [found[m.pk] for m in wanted]

    async def onchain(addresses: Sequence[str]) -> list[int]:
        async with connect() as conn:
            found = await indexed_balances(conn, addresses)
        return [found[a] for a in addresses]

    async def held(pks: Sequence[int]) -> list[int]:
        async with connect() as conn:
            found = await held_totals(conn, pks)
        return [found[pk] for pk in pks]

    async def held_points(pks: Sequence[int]) -> list[list[HeldPoints]]:
        async with connect() as conn:
            found = await held_lists(conn, pks)
        return [found[pk] for pk in pks]

    async def entry_holds(ids: Sequence[int]) -> list[EntryHold | None]:
        async with connect() as conn:
            found = await holds_of_entries(conn, ids)
        return [found.get(i) for i in ids]

    loaders = Loaders(
        earning_rule=DataLoader(load_fn=rules),
        member=DataLoader(load_fn=members),
        pending=DataLoader(load_fn=pending),
        program=DataLoader(load_fn=programs),
        member_tier=DataLoader(load_fn=member_tiers),
        expiration=DataLoader(load_fn=expirations, cache_key_fn=lambda m: m.pk),
        onchain=DataLoader(load_fn=onchain),
        held=DataLoader(load_fn=held),
        held_points=DataLoader(load_fn=held_points),
        entry_hold=DataLoader(load_fn=entry_holds),
    )
    return loaders
