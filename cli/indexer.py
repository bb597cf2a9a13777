"""`loyalty indexer` and `loyalty audit`, and the indexer thread inside `loyalty serve`."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cli.ops import add_metrics_port, start_ops_server
from indexer.config import IndexerConfig
from indexer.progress import Progress
from loyalty.errors import ConfigError
from loyalty.settings import Settings

if TYPE_CHECKING:
    from indexer.sync import Indexer

log = logging.getLogger("indexer")

EXIT_MISMATCH = 1


class FeedAfterFirstStep:
    """The transfer feed (cli.transfer_feed), built when the first step has committed: it loads
    the service layer and an async engine (~0.3 s), which the indexer's first eth_getLogs need
    not wait for."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.feed: Any = None

    def __call__(self, step: Any = None) -> None:
        if self.feed is None:
            from cli.transfer_feed import TransferFeed  # here: see the class's docstring

            self.feed = TransferFeed(self.database_url)
        self.feed(step)

    def close(self) -> None:
        if self.feed is not None:
            self.feed.close()


def build_indexer(
    runtime: Any, *, progress: Progress | None = None, max_range: int | None = None
) -> Indexer:
    from indexer.rpc import rpc_for
    from indexer.sync import Indexer  # here, not at the top: `loyalty --help` needs no indexer

    config = IndexerConfig.from_settings(runtime.settings)
    if max_range is not None:
        config = config.with_max_range(max_range)
    d = runtime.deployment
    indexer = Indexer(
        engine=runtime.engine,
        rpc=rpc_for(config, runtime.chain),
        chain_id=d.chain_id,
        token=d.address,
        start_block=d.deployment_block,
        config=config,
        progress=progress,
    )
    # Members' own transfers, once final, become ledger entries after each step.
    indexer.after_step = FeedAfterFirstStep(runtime.settings.database_url)
    return indexer


def close_indexer(indexer: Indexer) -> None:
    indexer.rpc.close()
    if isinstance(indexer.after_step, FeedAfterFirstStep):
        indexer.after_step.close()


def _cmd_indexer(args: argparse.Namespace, settings: Settings) -> int:
    from cli.migrate import upgrade
    from indexer import store
    from loyalty.runtime import Runtime

    if args.max_range is not None and args.max_range < 1:
        raise ConfigError(f"--max-range must be at least 1, not {args.max_range}")
    upgrade(settings.database_url)
    runtime = Runtime.start(settings)
    try:
        if args.reset:
            with runtime.engine.begin() as conn:
                store.reset(conn)
            print(
                "indexer: forgot everything indexed; re-indexing from the deployment block",
                file=sys.stderr,
            )
        indexer = build_indexer(runtime, max_range=args.max_range)
        try:
            return _run_indexer(args, settings, runtime, indexer)
        finally:
            close_indexer(indexer)
    finally:
        runtime.close()


def _run_indexer(args: argparse.Namespace, settings: Settings, runtime: Any, indexer: Any) -> int:
    state = indexer.state()
    indexer.progress = Progress(state.indexed_block)
    if args.once:
        state = indexer.run_until_caught_up()
        print(f"indexed up to block {state.indexed_block} ({state.events} events)")
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(
        f"indexing {runtime.deployment.address} on chain {runtime.deployment.chain_id} "
        f"from block {state.indexed_block + 1}",
        file=sys.stderr,
        flush=True,
    )
    ops = start_ops_server(args, settings, runtime.engine, runtime.chain)
    try:
        indexer.run_forever(stop)
    finally:
        if ops is not None:
            ops.stop()
    return 0


def _cmd_audit_proofs(args: argparse.Namespace, settings: Settings) -> int:
    from audit.proofs import audit_proofs
    from indexer.rpc import rpc_for
    from loyalty.runtime import Runtime

    runtime = Runtime.start(settings, read_only=True)
    rpc = rpc_for(settings, runtime.chain)  # the committed root is read from the chain
    try:
        report = audit_proofs(runtime.engine, rpc)
    finally:
        rpc.close()
        runtime.close()
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        verdict = "CLEAN" if report.clean else f"{len(report.findings)} MISMATCH(ES)"
        print(f"audit --proofs at ledger entry {report.last_entry}: {verdict}")
        print(f"  members        {report.members}")
        print(f"  root           {report.root}")
        print(f"  root sums      balance {report.total_balance}, debt {report.total_debt}")
        print(f"  ledger totals  balance {report.ledger_balance}, debt {report.ledger_debt}")
        print(
            f"  custodial      {report.custodial_compared} compared with the index, "
            f"{report.custodial_in_flight} with a batch in flight"
        )
        c = report.committed
        if c is not None and c["status"] != "NONE":
            print(
                f"  committed      batch {c['batch']} (block {c['block']}) root {c['root']}: "
                f"{report.committed_verified} of {c['members']} leaves verify against it, "
                f"{report.committed_compared} compared with the index"
            )
        for f in report.findings:
            print(f"  {f.code}: {f.message}")
    return 0 if report.clean else EXIT_MISMATCH


def _cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    if args.proofs:
        return _cmd_audit_proofs(args, settings)
    from audit.check import run_audit
    from audit.ledger import SqlLedger
    from indexer.errors import NotIndexedYet
    from indexer.queries import load_state
    from indexer.rpc import rpc_for
    from loyalty.runtime import Runtime

    runtime = Runtime.start(settings, read_only=True)
    rpc = rpc_for(settings, runtime.chain)
    try:
        block = args.block
        if block is None:
            with runtime.engine.connect() as conn:
                state = load_state(conn)
            if state is None:
                raise NotIndexedYet("nothing is indexed yet: run `loyalty indexer` first")
            block = state.indexed_block
        progress = None if args.json else Progress(0, label="audit balanceOf")
        report = run_audit(
            runtime.engine,
            rpc,
            block,
            SqlLedger(runtime.engine),
            progress=progress,
            issued_here=not runtime.deployment.adopted,
        )
    finally:
        rpc.close()
        runtime.close()
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        verdict = "CLEAN" if report.clean else f"{len(report.findings)} MISMATCH(ES)"
        print(f"audit at block {report.block}: {verdict}")
        print(f"  holders        {report.holders}")
        print(
            f"  supply         indexed {report.indexed_supply}, totalSupply {report.chain_supply}"
        )
        ledger = report.ledger_status + (
            f" ({report.ledger_reason})" if report.ledger_reason else ""
        )
        print(f"  ledger check   {ledger}")
        print(f"  digest         {report.digest}")
        c = report.commitment
        if c is not None and c.status != "NONE":
            print(
                f"  commitment     {c.status}: batch {c.batch} (block {c.block}) root {c.root}, "
                f"supply {c.supply}, totalSupply {c.chain_supply}"
            )
        elif c is not None:
            print("  commitment     none on chain yet (LOYALTY_MINTER_COMMIT)")
        for f in report.findings:
            print(f"  {f.check} {f.code}: {f.message}")
    return 0 if report.clean else EXIT_MISMATCH


def register(sub: Any) -> None:
    p = sub.add_parser("indexer", help="index the token's Transfer events (backfill, then follow)")
    p.add_argument("--once", action="store_true", help="stop once caught up with the head")
    p.add_argument(
        "--reset",
        action="store_true",
        help="forget everything indexed and start again from the deployment block",
    )
    p.add_argument(
        "--max-range",
        type=int,
        default=None,
        help="most blocks per eth_getLogs call (for nodes with tight limits)",
    )
    add_metrics_port(p)
    p.set_defaults(handler=_cmd_indexer)

    p = sub.add_parser(
        "audit", help="prove indexed balances match the chain at a block (exit 1 on any mismatch)"
    )
    p.add_argument(
        "--block", type=int, default=None, help="block to audit (default: the last indexed block)"
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--proofs",
        action="store_true",
        help="check the ledger's Merkle-sum tree instead: every leaf against its ledger entries "
        "and the root, the root's sums against the ledger, custodial addresses against the index, "
        "and every committed leaf against the latest root committed on chain",
    )
    p.set_defaults(handler=_cmd_audit)
    from cli.audit_digest import register as register_digest  # `audit bisect`, `audit recompute`

    register_digest(p)


def start_in_serve(runtime: Any) -> Callable[[], None]:
    """Runs the indexer in a daemon thread beside the API; returns the function that stops it.
    A deep reorg stops the thread loudly (logged as an error); the API keeps serving."""
    stop = threading.Event()
    indexer = build_indexer(runtime)

    def run() -> None:
        try:
            indexer.run_forever(stop)
        except Exception as exc:
            runtime.problems["indexer"] = f"stopped: {type(exc).__name__}: {exc}"[:300]
            log.exception("the indexer stopped")

    thread = threading.Thread(target=run, name="indexer", daemon=True)
    thread.start()

    def stop_it() -> None:
        stop.set()
        thread.join(timeout=10)
        close_indexer(indexer)

    return stop_it
