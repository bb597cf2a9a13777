"""Member proofs: the ledger's Merkle-sum tree (loyalty.domain.merkle) as of now, and one
member's proof in it (docs/proofs.md).

The tree is built from the ledger and kept in a ProofBooks (the API holds one per database).
A request first reads a fingerprint of the ledger (members, sum of their revisions, salts, last
ledger entry: one statement, which scans the members' revisions); while it is unchanged the tree
serves as is. When it changed, the members whose revision moved are read again and only their
paths are recomputed (O(changes x log n) hashes, after one read of every member's id and
revision); a process builds the whole tree once, at its first request. Members without a salt
get one first (a write of its own). A member row changed by hand, without its revision, is not
seen here: `loyalty audit --proofs` rebuilds from scratch and names it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from loyalty.db.ledger import insert_or_skip, members
from loyalty.db.outbox import FINAL, SETTLED, chain_requests
from loyalty.db.proofs import (
    book_rows,
    figures,
    fingerprint,
    member_salts,
    missing_salts,
    new_salts,
)
from loyalty.domain.errors import NotFound
from loyalty.domain.merkle import Book, Node
from loyalty.services.members import check_member_id, find_member, no_member
from loyalty.services.uow import AbstractUnitOfWork

Fingerprint = tuple[int, int, int, int | None]


@dataclass(frozen=True)
class ChainPosition:
    """Where the chain stands for this ledger state: requests still to settle (0: once the
    indexer has the last batch, the chain holds what the root says) and the newest final batch."""

    pending_requests: int
    last_final_batch: int | None


@dataclass(frozen=True)
class MemberProof:
    document: dict[str, object]  # what verifier/loyalty_verify.py reads
    root: Node
    last_entry: int | None  # the last ledger entry the tree includes
    chain: ChainPosition


class ProofBooks:
    """The tree of one database's ledger, kept between requests by whoever serves them (the API
    holds one per database engine); one request at a time brings it up to date."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.book: Book | None = None
        self.revisions: dict[int, int] = {}  # member pk → revision held in the book
        self.fingerprint: Fingerprint | None = None
        self.last_entry: int | None = None


async def _fingerprint(conn: AsyncConnection) -> Fingerprint:
    members, revisions, salts, last = (await conn.execute(fingerprint())).one()
    return int(members), int(revisions), int(salts), last


async def _ensure_salts(uow: AbstractUnitOfWork) -> list[int]:
    """Salts the members that have none; returns their pks."""
    async with uow:
        pks = list((await uow.conn.execute(missing_salts())).scalars())
        if pks:
            statement = insert_or_skip(uow.conn.dialect.name, member_salts, ["member_pk"])
            await uow.conn.execute(statement, new_salts(pks))
    return pks


async def _rebuild(state: ProofBooks, conn: AsyncConnection) -> None:
    rows = [row for row in (await conn.execute(book_rows())).all() if row.salt is not None]
    # A member without a salt joined after the salts were written: left out (and out of
    # `revisions`), so the next request salts them and adds them as a change.
    state.book = Book(figures(row) for row in rows)
    state.revisions = {row.id: row.revision for row in rows}
    state.last_entry = rows[0].last_entry if rows else None


async def _update(state: ProofBooks, conn: AsyncConnection) -> None:
    """Recomputes the paths of the members whose revision changed (salted ones)."""
    assert state.book is not None
    result = await conn.execute(select(members.c.id, members.c.revision))
    current: dict[int, int] = {pk: revision for pk, revision in result}
    changed = [pk for pk, revision in current.items() if state.revisions.get(pk) != revision]
    rows: list[Any] = []
    for start in range(0, len(changed), 500):
        chunk = changed[start : start + 500]
        rows += (await conn.execute(book_rows().where(members.c.id.in_(chunk)))).all()
    for row in rows:
        if row.salt is None:
            continue  # joined since the salts were written: the next request adds them
        state.book.update(figures(row))
        state.revisions[row.id] = row.revision
        state.last_entry = row.last_entry


async def current_book(uow: AbstractUnitOfWork, state: ProofBooks) -> tuple[Book, int | None]:
    """The tree of the ledger as of now (built or brought up to date), and its last entry.

    The fingerprint kept is the one read *before* the tree was brought up to date: a change made
    meanwhile may be in the tree already, and the next request, seeing another fingerprint,
    looks again (finding nothing more, or the rest)."""
    async with state.lock:
        async with uow.read() as conn:
            now = await _fingerprint(conn)
        if now[0] != now[2]:  # members without a salt
            salted = await _ensure_salts(uow.fresh())
            if any(pk in state.revisions for pk in salted):
                state.book = None  # a salt in the tree was deleted (by hand): start afresh
            async with uow.read() as conn:
                now = await _fingerprint(conn)
        if state.book is None or now != state.fingerprint:
            async with uow.read() as conn:
                if state.book is None:
                    await _rebuild(state, conn)
                else:
                    await _update(state, conn)
            state.fingerprint = now
        assert state.book is not None
        return state.book, state.last_entry


async def chain_position(conn: AsyncConnection) -> ChainPosition:
    pending = (
        await conn.execute(
            select(func.count())
            .select_from(chain_requests)
            .where(chain_requests.c.status.not_in(SETTLED))
        )
    ).scalar_one()
    last = (
        await conn.execute(
            select(func.max(chain_requests.c.batch_id)).where(chain_requests.c.status == FINAL)
        )
    ).scalar()
    return ChainPosition(pending_requests=int(pending), last_final_batch=last)


async def member_proof(uow: AbstractUnitOfWork, books: ProofBooks, member_id: str) -> MemberProof:
    """The member's proof in the tree of the ledger as of now. NotFound for an unknown member."""
    member_id = check_member_id(member_id)
    book, last_entry = await current_book(uow, books)
    if member_id not in book.members:
        async with uow.read() as conn:
            known = await find_member(conn, member_id)
        if known is None:
            raise no_member(member_id)
        books.fingerprint = None  # joined while the tree was being brought up to date
        book, last_entry = await current_book(uow, books)
        if member_id not in book.members:  # pragma: no cover - salted and added just above
            raise no_member(member_id)
    async with uow.read() as conn:
        position = await chain_position(conn)
    return MemberProof(book.document(member_id), book.root, last_entry, position)


__all__ = ["ChainPosition", "MemberProof", "NotFound", "ProofBooks", "current_book", "member_proof"]
