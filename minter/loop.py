"""The minter loop: `Minter.step()` does one deterministic round (watch, finalize, batch, send);
`run_forever` repeats it under the per-wallet lock until told to stop, in its own process
(`loyalty minter`) or in a thread beside the API (`loyalty serve`)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from eth_utils.crypto import keccak
from sqlalchemy import Engine

from loyalty.chain import Chain
from loyalty.deployment import Deployment
from loyalty.errors import ConfigError
from minter.config import MinterConfig
from minter.context import MinterContext
from minter.lock import LockLost, MinterLock, lock_for
from minter.node import Node, RpcTransient
from minter.node_web3 import node_for
from minter.sender import Sender
from minter.store import MinterStore, utcnow
from minter.watcher import Watcher

log = logging.getLogger("minter")


@dataclass(frozen=True)
class StepReport:
    formed: int
    sent: int
    finalized: int


class Minter:
    def __init__(
        self,
        engine: Engine,
        chain: Chain,
        deployment: Deployment,
        config: MinterConfig,
        *,
        node: Node | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        store = MinterStore(engine, chain.chain_id, deployment.address, deployment.minter)
        self.ctx = MinterContext(
            store=store,
            node=node or node_for(chain),
            token_address=deployment.address,
            deployment_block=deployment.deployment_block,
            config=config,
            clock=clock,
        )
        if self.ctx.sender.lower() != deployment.minter.lower():
            raise ConfigError(
                f"LOYALTY_MINTER_KEY is the key of {self.ctx.sender}, but the token was deployed "
                f"with minter {deployment.minter}: use that wallet's key"
            )
        if config.commit:
            _check_commits(self.ctx, deployment)
        self.engine = engine
        self.sender = Sender(self.ctx)
        self.watcher = Watcher(self.ctx, self.sender)

    @property
    def address(self) -> str:
        return str(self.ctx.sender)

    def step(self) -> StepReport:
        ctx, config = self.ctx, self.ctx.config
        head = ctx.node.block("latest")
        if head is None:
            raise RuntimeError("the node returned no latest block")
        self.watcher.watch_slots(head)
        finalized = self.watcher.check_included(head)
        formed = ctx.store.form_batches(
            ctx.clock(),
            max_recipients=config.batch_size,
            max_age=config.batch_age,
            limit=config.batch_size * 10,
            settle=config.commit,
        )
        sent = self.sender.send_pending(head)
        return StepReport(formed=len(formed), sent=sent, finalized=finalized)

    def lock(self) -> MinterLock:
        return lock_for(self.engine, self.address)


def _check_commits(ctx: MinterContext, deployment: Deployment) -> None:
    """LOYALTY_MINTER_COMMIT needs a token with `settle` whose whole supply is the ledger's."""
    if deployment.adopted:
        raise ConfigError(
            "LOYALTY_MINTER_COMMIT=true needs a token this service deployed: an adopted token's "
            "supply is its issuer's, so no committed supply of this ledger can match it: set "
            "LOYALTY_MINTER_COMMIT=false for it"
        )
    # statementSigner() came with settle: a token without it cannot settle either.
    call = {"from": ctx.sender, "to": ctx.token_address, "data": STATEMENT_SIGNER}
    if ctx.node.call(call, "latest") is not None:
        raise ConfigError(
            f"LOYALTY_MINTER_COMMIT=true, but the token at {ctx.token_address} has no settle() "
            "(deployed before it existed): deploy a new token or set LOYALTY_MINTER_COMMIT=false"
        )


STATEMENT_SIGNER = "0x" + keccak(text="statementSigner()")[:4].hex()

# After this many failed steps in a row the minter reports itself stuck (readiness fails);
# one or two are a node's hiccup.
STUCK_AFTER_FAILURES = 5


def run_forever(
    minter: Minter,
    stop: threading.Event,
    *,
    lock: MinterLock | None = None,
    problems: dict[str, str] | None = None,
) -> None:
    """Waits for the wallet's lock, then steps every poll interval until `stop` is set. A failed
    step (node or database briefly unreachable) is logged and tried again; nothing is lost,
    since every decision is re-derived from the database and the chain."""
    lock = lock or minter.lock()
    interval = minter.ctx.config.poll_interval
    waiting_logged = False
    try:
        while not stop.is_set():
            if not lock.try_acquire():
                if not waiting_logged:
                    log.info("another minter holds the lock for %s; waiting", minter.address)
                    waiting_logged = True
                stop.wait(max(interval, 0.2))
                continue
            log.info("minter for %s is active", minter.address)
            waiting_logged = False
            failed = 0  # consecutive failed steps
            while not stop.is_set():
                try:
                    lock.check()
                    minter.step()
                    failed = 0
                    if problems is not None:
                        problems.pop("minter", None)
                except LockLost as exc:
                    log.error("%s; waiting for the lock again", exc)
                    break
                except RpcTransient as exc:  # expected now and then: one line, no traceback
                    failed += 1
                    log.warning("minter step failed (attempt %d): %s; retrying", failed, exc)
                    _report(problems, failed, exc)
                except Exception as exc:
                    failed += 1
                    log.exception("minter step failed (attempt %d); retrying", failed)
                    _report(problems, failed, exc)
                stop.wait(interval)
            lock.release()
    finally:
        lock.release()


def _report(problems: dict[str, str] | None, failed: int, exc: Exception) -> None:
    if problems is not None and failed >= STUCK_AFTER_FAILURES:
        problems["minter"] = f"{failed} steps in a row failed, last: {exc}"[:300]


def start_thread(
    minter: Minter, stop: threading.Event, problems: dict[str, str] | None = None
) -> threading.Thread:
    thread = threading.Thread(
        target=run_forever,
        args=(minter, stop),
        kwargs={"problems": problems},
        name="loyalty-minter",
        daemon=True,
    )
    thread.start()
    return thread
