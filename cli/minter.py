"""`loyalty minter`, and the minter thread that `loyalty serve` runs beside the API."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from cli.ops import add_metrics_port, start_ops_server
from loyalty.errors import ConfigError
from loyalty.settings import Settings

log = logging.getLogger("minter")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "minter",
        help="send awarded points to the chain, exactly once (one active minter per wallet)",
    )
    p.add_argument(
        "--once",
        action="store_true",
        help="take the lock, do one step (watch, finalize, batch, send), print it and exit",
    )
    add_metrics_port(p)
    p.set_defaults(handler=cmd_minter)


def cmd_minter(args: argparse.Namespace, settings: Settings) -> int:
    from cli.migrate import upgrade
    from loyalty.chain import connect
    from loyalty.db.engine import make_engine
    from loyalty.deploy import minting_refusal
    from loyalty.deployment import current_deployment
    from minter.config import MinterConfig
    from minter.loop import Minter, run_forever

    if settings.embedded_chain:
        raise ConfigError(
            "loyalty minter needs LOYALTY_RPC_URL: on the embedded chain the minter runs "
            "inside `loyalty serve`"
        )
    config = MinterConfig.from_settings(settings)  # a malformed key fails before connecting
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    chain = connect(settings)
    try:
        deployment = current_deployment(engine, chain.chain_id)
        minter = Minter(engine, chain, deployment, config)
        refusal = minting_refusal(chain, deployment, minter.address)
        if refusal is not None:  # e.g. an adopted token: sending would revert, batch after batch
            raise ConfigError(refusal)
        if args.once:
            lock = minter.lock()
            if not lock.try_acquire():
                raise ConfigError(f"another minter holds the lock for {minter.address}")
            try:
                report = minter.step()
            finally:
                lock.release()
            print(json.dumps(report.__dict__))
            return 0
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        print(
            f"minter {minter.address} for {deployment.symbol} at {deployment.address} "
            f"on chain {chain.chain_id}",
            flush=True,
        )
        jobs = start_jobs_thread(settings, stop)
        problems: dict[str, str] = {}
        ops = start_ops_server(args, settings, engine, chain, problems)
        try:
            run_forever(minter, stop, problems=problems)
        finally:
            stop.set()
            jobs.join(timeout=30)
            if ops is not None:
                ops.stop()
        return 0
    finally:
        chain.close()
        engine.dispose()


def start_in_serve(runtime: Any) -> Callable[[], None] | None:
    """Starts the minter thread inside `loyalty serve` (unless LOYALTY_MINTER_IN_SERVE=false);
    returns the function that stops it."""
    from minter.config import MinterConfig
    from minter.loop import Minter, start_thread

    settings: Settings = runtime.settings
    if not settings.minter_in_serve:
        return None
    config = MinterConfig.from_settings(settings)
    minter = Minter(runtime.engine, runtime.chain, runtime.deployment, config)
    stop = threading.Event()
    thread = start_thread(minter, stop, runtime.problems)
    jobs = start_jobs_thread(settings, stop)

    def stop_minter() -> None:
        stop.set()
        thread.join(timeout=30)
        jobs.join(timeout=30)

    return stop_minter


def start_jobs_thread(settings: Settings, stop: threading.Event) -> threading.Thread:
    """The program's periodic jobs (tier roll, points expiry, notification delivery) run in the
    minter's process, beside its loop, and stop with it. They are safe to run in a standby
    minter too: expiry is keyed once per member and period, deliveries are claimed with
    SKIP LOCKED."""
    from cli.jobs import run_jobs_forever

    thread = threading.Thread(
        target=run_jobs_forever, args=(settings, stop), name="loyalty-jobs", daemon=True
    )
    thread.start()
    return thread
