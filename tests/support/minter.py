"""Helpers for the minter tests: a token deployed on anvil with `deploy_token` (deployer
ANVIL_KEYS[0], minter ANVIL_KEYS[1]), outbox rows inserted directly (the outbox contract), and
driving the minter until every request is final."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from eth_account import Account
from sqlalchemy import Connection, Engine, func, insert, select
from web3 import Web3

import contracts
from loyalty.chain import Chain, connect
from loyalty.db.engine import make_engine
from loyalty.db.ledger import members
from loyalty.db.outbox import FINAL, chain_requests
from loyalty.deploy import Deployment, deploy_token
from loyalty.settings import Settings
from minter.config import MinterConfig
from minter.loop import Minter
from minter.tables import mint_batches, minter_txs
from tests.support.anvil import ANVIL_KEYS, AnvilNode

ROOT = Path(__file__).resolve().parents[2]
MINTER_ADDRESS = Account.from_key(ANVIL_KEYS[1]).address


def member_address(i: int) -> str:
    return "0x" + f"{0xA11CE000 + i:040x}"


@dataclass
class MinterEnv:
    anvil: AnvilNode
    settings: Settings
    chain: Chain
    engine: Engine
    deployment: Deployment
    minters: list[Minter] = field(default_factory=list)

    @property
    def token(self) -> Any:
        abi = contracts.load("LoyaltyPoints").abi
        address = Web3.to_checksum_address(self.deployment.address)
        return self.chain.w3.eth.contract(address=address, abi=abi)

    def minter(self, **changes: Any) -> Minter:
        config = MinterConfig.from_settings(self.settings.with_(**changes))
        minter = Minter(self.engine, self.chain, self.deployment, config)
        self.minters.append(minter)
        return minter

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for a `loyalty minter` process on the same database and node."""
        s = self.settings
        return {
            **os.environ,
            "LOYALTY_DATABASE_URL": s.database_url,
            "LOYALTY_RPC_URL": s.rpc_url,
            "LOYALTY_DEPLOYER_KEY": s.deployer_key,
            "LOYALTY_MINTER_KEY": s.minter_key,
            "LOYALTY_MINTER_BATCH_AGE": str(s.minter_batch_age),
            "LOYALTY_MINTER_POLL_INTERVAL": "0.1",
            "LOYALTY_MINTER_MIN_PRIORITY_FEE_GWEI": str(s.minter_min_priority_fee_gwei),
            "LOYALTY_MINTER_RETRY_SECONDS": str(s.minter_retry_seconds),
            "LOYALTY_FINALITY_DEPTH": str(s.finality_depth),
            "LOYALTY_LOG_LEVEL": "INFO",
            **extra,
        }

    def spawn(self, log_path: Path, **extra: str) -> subprocess.Popen[bytes]:
        with open(log_path, "ab") as out:
            return subprocess.Popen(
                [sys.executable, "-m", "cli.main", "minter"],
                cwd=ROOT,
                env=self.env(**extra),
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def close(self) -> None:
        self.chain.close()
        self.engine.dispose()


def make_env(anvil: AnvilNode, database_url: str, **changes: Any) -> MinterEnv:
    settings = Settings(
        database_url=database_url,
        rpc_url=anvil.url,
        deployer_key=ANVIL_KEYS[0],
        minter_key=ANVIL_KEYS[1],
        minter_batch_age=Decimal(0),
        minter_retry_seconds=Decimal(0),
        minter_min_priority_fee_gwei=Decimal(1),
        minter_poll_interval=Decimal("0.1"),
    ).with_(**changes)
    chain = connect(settings)
    engine = make_engine(database_url)
    deployment = deploy_token(chain, engine, settings)
    return MinterEnv(anvil, settings, chain, engine, deployment)


def ensure_members(conn: Connection, addresses: Iterable[str], now: dt.datetime) -> None:
    """A member row (member id = the address, receiving on it) for each address that has none:
    the minter commits the ledger with every batch, and a chain request of no member cannot be
    committed (minter.commitment)."""
    wanted = sorted({a.lower() for a in addresses})
    known = set(
        conn.execute(select(members.c.member_id).where(members.c.member_id.in_(wanted))).scalars()
    )
    for address in wanted:
        if address not in known:
            conn.execute(
                insert(members).values(
                    member_id=address, custodial_address=address, created_at=now, updated_at=now
                )
            )


def insert_requests(engine: Engine, rows: Iterable[tuple[str, str, int]]) -> list[int]:
    """Outbox rows (kind, address, amount), as the ledger writes them, each of the member whose
    id is the address (made here if new)."""
    now = dt.datetime.now(dt.UTC)
    rows = list(rows)
    ids = []
    with engine.begin() as conn:
        ensure_members(conn, (address for _, address, _ in rows), now)
        for kind, address, amount in rows:
            ids.append(
                conn.execute(
                    insert(chain_requests)
                    .values(
                        kind=kind,
                        address=address.lower(),
                        amount=amount,
                        member_id=address.lower(),
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(chain_requests.c.id)
                ).scalar_one()
            )
    return ids


def unfinished(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).where(chain_requests.c.status != FINAL)).scalar_one()
        )


def step_until_final(env: MinterEnv, minter: Minter, *, max_steps: int = 30) -> None:
    """Steps the minter, mining past the finality depth whenever something is waiting for it."""
    for _ in range(max_steps):
        minter.step()
        if unfinished(env.engine) == 0:
            return
        env.anvil.mine(env.settings.finality_depth + 1)
    raise AssertionError(f"{unfinished(env.engine)} requests still not final: {status(env)}")


def wait_until_final(env: MinterEnv, *, timeout: float = 60) -> None:
    """For minter processes: mines past the finality depth until every request is final."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if unfinished(env.engine) == 0:
            return
        time.sleep(0.3)
        env.anvil.mine(env.settings.finality_depth + 1)
    raise AssertionError(f"{unfinished(env.engine)} requests still not final: {status(env)}")


def status(env: MinterEnv) -> dict[str, Any]:
    with env.engine.connect() as conn:
        batches = [dict(r._mapping) for r in conn.execute(select(mint_batches)).all()]
        txs = [
            {k: v for k, v in r._mapping.items() if k != "raw_tx"}
            for r in conn.execute(select(minter_txs)).all()
        ]
    return {"batches": batches, "txs": txs}


def tx_rows(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(minter_txs).order_by(minter_txs.c.id)).all())


def batch_rows(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(mint_batches).order_by(mint_batches.c.id)).all())


def batch_events(env: MinterEnv) -> list[Any]:
    """Every batch the token took: BatchSettled (the minter commits with every batch), and
    BatchMinted / BatchBurned of a minter that does not."""
    start = env.deployment.deployment_block
    events = env.token.events
    return [
        *events.BatchSettled().get_logs(from_block=start),
        *events.BatchMinted().get_logs(from_block=start),
        *events.BatchBurned().get_logs(from_block=start),
    ]


def assert_exactly_once(env: MinterEnv, expected: dict[str, int]) -> None:
    """Every address holds exactly its requests' sum, totalSupply is their total, every batch id
    landed once, and the minter's nonces form one unbroken range that the chain has used."""
    token = env.token
    for address, amount in expected.items():
        assert token.functions.balanceOf(Web3.to_checksum_address(address)).call() == amount, (
            address
        )
    assert token.functions.totalSupply().call() == sum(expected.values())
    events = batch_events(env)
    ids = [e["args"]["batchId"] for e in events]
    assert len(ids) == len(set(ids)), "a batch id landed twice"
    final_batches = [b for b in batch_rows(env.engine) if b.recipients > 0]
    assert {"0x" + bytes(i).hex() for i in ids} == {b.batch_id for b in final_batches}
    nonces = sorted({t.nonce for t in tx_rows(env.engine)})
    assert nonces == list(range(len(nonces))), f"nonce gap: {nonces}"
    assert env.chain.w3.eth.get_transaction_count(MINTER_ADDRESS) == len(nonces)
