"""The stored committed tree (minter.commitment) on SQLite and PostgreSQL: moved forward, back
(a batch signed again after a later one) and across refusals and re-queues, its root is always
the tree rebuilt from scratch from the outbox at that batch; refused requests are left out, a
re-queued one counts from the batch it is sent in; a member without a salt gets one; a request
of no member cannot be committed."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, insert, update

from loyalty.db.engine import make_engine
from loyalty.db.ledger import members
from loyalty.db.outbox import BURN, FINAL, MINT, PENDING, REFUSED, chain_requests
from loyalty.db.proofs import member_salts, new_salts
from minter.commitment import CommitmentError, move_to, rebuild
from minter.tables import mint_batches

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
TOKEN, CHAIN = "0x" + "70" * 20, 31337
MEMBERS = 40


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    e = make_engine(database_url)
    with e.begin() as conn:
        conn.execute(
            insert(members),
            [
                {
                    "id": i,
                    "member_id": f"m{i}",
                    "custodial_address": f"0x{i:040x}",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for i in range(1, MEMBERS + 1)
            ],
        )
        # every member but the last has a salt; the minter gives the last one its own
        conn.execute(insert(member_salts), new_salts(list(range(1, MEMBERS))))
    yield e
    e.dispose()


def batch(engine: Engine, pk: int, requests: list[tuple[str, int, int]], status: str) -> list[int]:
    """Batch `pk` with requests (kind, member pk, amount); returns the request ids."""
    with engine.begin() as conn:
        conn.execute(
            insert(mint_batches).values(
                id=pk, chain_id=CHAIN, token_address=TOKEN, batch_id=f"0x{pk:064x}",
                kind="SETTLE", status=status, recipients=0, total=0, created_at=NOW,
                updated_at=NOW,
            )
        )  # fmt: skip
        ids = []
        for kind, member, amount in requests:
            ids.append(
                conn.execute(
                    insert(chain_requests)
                    .values(
                        kind=kind, address=f"0x{member:040x}", amount=amount,
                        member_id=f"m{member}", batch_id=pk,
                        status=FINAL if status == "FINAL" else PENDING,
                        created_at=NOW, updated_at=NOW,
                    )
                    .returning(chain_requests.c.id)
                ).scalar_one()
            )  # fmt: skip
    return ids


def assert_matches(engine: Engine, position: int) -> dict[str, int]:
    moved = move_to(engine, position, NOW, token=TOKEN, chain_id=CHAIN)
    with engine.connect() as conn:
        leaves, tree = rebuild(conn, position)
    assert moved.root == tree.root, f"stored tree at batch {position} differs from a rebuild"
    return {leaf.member_id: leaf.balance for leaf in leaves}


def mints(rng: random.Random, n: int) -> list[tuple[str, int, int]]:
    return [(MINT, rng.randint(1, MEMBERS - 1), rng.randint(1, 50)) for _ in range(n)]


def test_the_stored_tree_is_a_rebuild_wherever_it_moves(engine: Engine) -> None:
    rng = random.Random(5)
    batch(engine, 1, mints(rng, 30), "FINAL")
    batch(engine, 2, mints(rng, 10), "FINAL")
    assert sum(assert_matches(engine, 2).values()) > 0
    third = batch(engine, 3, [(MINT, 3, 5), (BURN, 2, 1), (MINT, MEMBERS, 9)], "SENT")
    batch(engine, 4, mints(rng, 8), "PENDING")
    at_4 = assert_matches(engine, 4)
    assert at_4[f"m{MEMBERS}"] == 9  # salted on the way
    # back to 3 (batch 3 signed again after 4 was): 4's requests are out again
    at_3 = assert_matches(engine, 3)
    assert sum(at_3.values()) < sum(at_4.values())
    # the token refuses member 40's mint in batch 3: it moves to a REFUSED batch and is left out
    with engine.begin() as conn:
        conn.execute(
            insert(mint_batches).values(
                id=5, chain_id=CHAIN, token_address=TOKEN, batch_id=f"0x{5:064x}",
                kind="SETTLE", status="REFUSED", recipients=1, total=9, created_at=NOW,
                updated_at=NOW,
            )
        )  # fmt: skip
        conn.execute(
            update(chain_requests)
            .where(chain_requests.c.id == third[2])
            .values(batch_id=5, status=REFUSED)
        )
    assert f"m{MEMBERS}" not in assert_matches(engine, 4)
    # re-queued, then sent again in batch 6: it counts from there
    with engine.begin() as conn:
        conn.execute(
            update(chain_requests)
            .where(chain_requests.c.id == third[2])
            .values(batch_id=None, status=PENDING)
        )
    assert f"m{MEMBERS}" not in assert_matches(engine, 4)
    batch(engine, 6, mints(rng, 5), "PENDING")
    with engine.begin() as conn:
        conn.execute(
            update(chain_requests).where(chain_requests.c.id == third[2]).values(batch_id=6)
        )
    assert assert_matches(engine, 6)[f"m{MEMBERS}"] == 9
    for position in (5, 2, 6, 1, 6):  # anywhere, any order
        assert_matches(engine, position)


def test_a_request_of_no_member_cannot_be_committed(engine: Engine) -> None:
    batch(engine, 1, [(MINT, 1, 5)], "FINAL")
    with engine.begin() as conn:
        conn.execute(update(chain_requests).values(member_id="nobody"))
    with pytest.raises(CommitmentError, match="no member row"):
        move_to(engine, 1, NOW, token=TOKEN, chain_id=CHAIN)


def test_burns_beyond_mints_cannot_be_committed(engine: Engine) -> None:
    rows: list[Any] = [(MINT, 1, 5), (BURN, 1, 6)]
    batch(engine, 1, rows, "FINAL")
    with pytest.raises(CommitmentError, match="burns beyond mints"):
        move_to(engine, 1, NOW, token=TOKEN, chain_id=CHAIN)
