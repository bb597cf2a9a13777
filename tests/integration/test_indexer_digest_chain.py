"""The bisectable digest on a real anvil node, on SQLite and PostgreSQL: two indexers of the same
chain (two databases) agree at every block; when one has a balance changed by hand at block k
(and its digest rows rewritten to match, as a tampering indexer would), `loyalty audit bisect
--against URL` against it, served over HTTP, names block k and the address; `loyalty audit
recompute` rebuilds the digest from eth_getLogs alone and names the block of a hand-changed
history row or digest row; after a reorg the digest equals a fresh index's of the final chain."""

from __future__ import annotations

import json
import math
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from eth_account import Account
from sqlalchemy import Engine, delete, insert, select, update

from api.app import create_app
from indexer.digest_reads import history_digests, stored_digests
from indexer.tables import balance_history, digests
from loyalty.db.engine import make_engine
from loyalty.db.tables import deployments
from loyalty.runtime import Runtime
from loyalty.settings import Settings
from tests.integration.test_indexer_reorgs import nonce_at, signed_transfer
from tests.support.anvil import ANVIL_KEYS, AnvilNode
from tests.support.cli import run_cli
from tests.support.indexing import close, make_indexer
from tests.support.token_activity import TokenActivity, random_address

pytestmark = [pytest.mark.timeout(300)]


def _other_database(database_url: str, request: pytest.FixtureRequest) -> str:
    kind = "sqlite" if database_url.startswith("sqlite") else "postgres"
    return request.getfixturevalue(f"{kind}_databases").fresh()


def _copy_deployment(source: str, target: str) -> None:
    """The other deployment's record of the same token (what its own `loyalty deploy --adopt`
    would have written)."""
    a, b = make_engine(source), make_engine(target)
    try:
        with a.connect() as conn:
            row = conn.execute(select(deployments)).first()
        assert row is not None
        with b.begin() as conn:
            conn.execute(insert(deployments).values(**dict(row._mapping)))
    finally:
        a.dispose()
        b.dispose()


def _activity(anvil: AnvilNode, database_url: str, rng: random.Random) -> TokenActivity:
    """A dozen blocks that change balances: mints, then transfers one block at a time."""
    activity = TokenActivity.deploy(anvil, database_url)
    holders = [random_address(rng) for _ in range(6)]
    activity.mint(holders, [1_000] * len(holders))
    for _ in range(10):
        activity.transfers([(rng.choice(holders), rng.choice(holders), rng.randint(1, 50))])
        anvil.mine(1)
    activity.burn(holders[:2], [5, 6])
    anvil.mine(3)
    return activity


def _index(url: str, activity: TokenActivity) -> None:
    indexer = make_indexer(url, activity)
    try:
        indexer.run_until_caught_up()
    finally:
        close(indexer)


def _tamper(engine: Engine, block: int, delta: int) -> str:
    """A balance changed by hand at `block`, and the digest rows from `block` on recomputed from
    the changed history (a consistent liar); returns the address."""
    with engine.begin() as conn:
        address, balance = conn.execute(
            select(balance_history.c.address, balance_history.c.balance)
            .where(balance_history.c.block_number == block)
            .order_by(balance_history.c.address)
            .limit(1)
        ).one()
        conn.execute(
            update(balance_history)
            .where(balance_history.c.address == address, balance_history.c.block_number == block)
            .values(balance=balance + delta)
        )
        state = conn.exec_driver_sql("SELECT chain_id, token FROM indexer_state").one()
        rows = [r for r in history_digests(conn, state[0], state[1], 10**12) if r[0] >= block]
        conn.execute(delete(digests).where(digests.c.block_number >= block))
        conn.execute(
            insert(digests), [{"block_number": n, "digest": d, "changes": c} for n, d, c in rows]
        )
    return str(address)


@dataclass
class Served:
    url: str
    runtime: Runtime


@pytest.fixture
def serve() -> Iterator[Callable[[str, str], Served]]:
    """Serves a database's GraphQL API on a loopback port (uvicorn in a thread)."""
    started: list[tuple[uvicorn.Server, threading.Thread, Runtime]] = []

    def start(database_url: str, rpc_url: str) -> Served:
        settings = Settings(database_url=database_url, rpc_url=rpc_url)
        runtime = Runtime.start(settings, deploy_if_missing=False)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(settings, runtime), host="127.0.0.1", port=port, log_level="warning"
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        started.append((server, thread, runtime))
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        return Served(f"http://127.0.0.1:{port}/graphql", runtime)

    yield start
    for server, thread, runtime in started:
        server.should_exit = True
        thread.join(10)
        runtime.close()


def _rows(url: str) -> list[tuple[int, str, int]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(stored_digests(conn, 10**12))
    finally:
        engine.dispose()


def _cli(tmp_path: Path, database_url: str, rpc_url: str, *args: str):
    env = {"LOYALTY_DATABASE_URL": database_url, "LOYALTY_RPC_URL": rpc_url}
    return run_cli(tmp_path, env, *args)


def test_bisect_names_the_block_where_the_other_index_was_changed(
    anvil, database_url, request, serve, tmp_path
) -> None:
    activity = _activity(anvil, database_url, random.Random(5))
    other = _other_database(database_url, request)
    try:
        _copy_deployment(database_url, other)
        _index(database_url, activity)
        _index(other, activity)
        rows = _rows(database_url)
        assert rows == _rows(other) and len(rows) >= 12
        served = serve(other, anvil.url)
        head = activity.head()

        # The public field, anonymous, over HTTP; bad blocks are typed errors.
        q = (
            "query($b: Long!) { indexerDigest(block: $b) { block digest changedAt "
            "changes { address balance } } }"
        )
        k = rows[len(rows) // 2][0]
        got = httpx.post(served.url, json={"query": q, "variables": {"b": k}}).json()
        assert got["data"]["indexerDigest"]["digest"] == dict((n, d) for n, d, _ in rows)[k]
        assert got["data"]["indexerDigest"]["changedAt"] == k
        assert got["data"]["indexerDigest"]["changes"]
        for block, code in ((-1, "VALIDATION"), (head + 5, "NOT_INDEXED")):
            bad = httpx.post(served.url, json={"query": q, "variables": {"b": block}}).json()
            assert bad["errors"][0]["extensions"]["code"] == code, bad

        agree = _cli(tmp_path, database_url, anvil.url, "audit", "bisect", "--against", served.url)
        assert agree.returncode == 0, agree.stderr
        assert f"agree through block {head}" in agree.stdout

        address = _tamper(served.runtime.engine, k, 1)
        found = _cli(
            tmp_path, database_url, anvil.url, "audit", "bisect", "--against", served.url, "--json"
        )
        assert found.returncode == 1, found.stderr
        result = json.loads(found.stdout)
        assert result["divergentBlock"] == k
        assert result["queries"] <= math.ceil(math.log2(head + 2)) + 1
        [difference] = result["differences"]
        assert difference["address"] == address
        assert int(difference["theirs"]) == int(difference["ours"]) + 1

        text = _cli(tmp_path, database_url, anvil.url, "audit", "bisect", "--against", served.url)
        assert text.returncode == 1
        assert f"FIRST DIVERGENT BLOCK {k}" in text.stdout and address in text.stdout

        # The chain itself against the tampered deployment: the same block.
        chain = _cli(
            tmp_path,
            database_url,
            anvil.url,
            "audit",
            "recompute",
            "--against",
            served.url,
            "--json",
        )
        assert chain.returncode == 1, chain.stderr
        assert json.loads(chain.stdout)["divergentBlock"] == k

        gone = _cli(
            tmp_path,
            database_url,
            anvil.url,
            "audit",
            "bisect",
            "--against",
            "http://127.0.0.1:9/graphql",
        )
        assert gone.returncode == 2
        assert "did not answer GraphQL" in gone.stderr and "Traceback" not in gone.stderr
    finally:
        activity.close()


def test_recompute_from_the_logs_names_a_hand_changed_row(anvil, database_url, tmp_path) -> None:
    activity = _activity(anvil, database_url, random.Random(6))
    try:
        _index(database_url, activity)
        clean = _cli(tmp_path, database_url, anvil.url, "audit", "recompute")
        assert clean.returncode == 0, clean.stdout + clean.stderr
        assert "CLEAN" in clean.stdout
        rows = _rows(database_url)
        engine = make_engine(database_url)
        try:
            # A history row changed by hand, the digest rows left alone.
            k = rows[3][0]
            with engine.begin() as conn:
                address, balance = conn.execute(
                    select(balance_history.c.address, balance_history.c.balance)
                    .where(balance_history.c.block_number == k)
                    .limit(1)
                ).one()
                conn.execute(
                    update(balance_history)
                    .where(balance_history.c.address == address)
                    .where(balance_history.c.block_number == k)
                    .values(balance=balance + 7)
                )
            out = _cli(tmp_path, database_url, anvil.url, "audit", "recompute", "--json")
            assert out.returncode == 1
            report = json.loads(out.stdout)
            assert report["storedDigests"] is None
            assert report["balanceHistory"]["block"] == report["divergentBlock"] == k
            assert report["differences"] == [
                {"address": address, "chain": str(balance), "index": str(balance + 7)}
            ]
            # A digest row changed by hand, earlier: named first.
            j = rows[1][0]
            with engine.begin() as conn:
                conn.execute(
                    update(digests).where(digests.c.block_number == j).values(digest="0" * 64)
                )
            text = _cli(tmp_path, database_url, anvil.url, "audit", "recompute")
            assert text.returncode == 1
            assert f"DIVERGES AT BLOCK {j}" in text.stdout
            assert f"stored digests first differ at block {j}" in " ".join(text.stdout.split())
        finally:
            engine.dispose()
    finally:
        activity.close()


def test_after_a_reorg_the_digest_equals_a_fresh_index_of_the_final_chain(
    anvil, database_url, request
) -> None:
    rng = random.Random(7)
    activity = TokenActivity.deploy(anvil, database_url)
    signer = Account.from_key(ANVIL_KEYS[2])
    holders = [signer.address.lower()] + [random_address(rng) for _ in range(4)]
    activity.mint(holders, [1_000] * len(holders))
    anvil.mine(12)
    indexer = make_indexer(database_url, activity, follow_range=5)
    other = _other_database(database_url, request)
    try:
        indexer.run_until_caught_up()
        ancestor = activity.head()
        activity.transfers([(holders[1], holders[2], 300), (holders[3], holders[1], 40)])
        activity.burn([holders[4]], [250])
        anvil.mine(1)
        indexer.run_until_caught_up()
        before = _rows(database_url)
        depth = activity.head() - ancestor
        replacement = signed_transfer(
            activity, signer.key.hex(), holders[4], 7, nonce_at(activity, signer.address, ancestor)
        )
        anvil.rpc("anvil_reorg", [depth, [[replacement, 0]]])
        state = indexer.run_until_caught_up()
        assert state.reorgs_handled == 1
        after = _rows(database_url)
        assert after != before and after[: len(before) - 3] == before[: len(before) - 3]

        _index(other, activity)
        assert _rows(other) == after
    finally:
        close(indexer)
        activity.close()
