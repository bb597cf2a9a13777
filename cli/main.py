"""The `loyalty` command. Expected failures print one line on stderr and exit non-zero."""

from __future__ import annotations

import argparse
import gc
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from loyalty import logs
from loyalty.errors import ConfigError, LoyaltyError
from loyalty.settings import Settings

EXIT_ERROR = 2

Handler = Callable[[argparse.Namespace, Settings], int]


def _cmd_migrate(_args: argparse.Namespace, settings: Settings) -> int:
    from cli.migrate import upgrade

    upgrade(settings.database_url)
    print(f"database is up to date ({_redact(settings.database_url)})")
    return 0


def _cmd_deploy(args: argparse.Namespace, settings: Settings) -> int:
    from cli.migrate import upgrade
    from loyalty.chain import connect
    from loyalty.db.engine import make_engine
    from loyalty.deploy import (
        deploy_keys,
        deploy_token,
        existing_deployment,
        statement_key_or_none,
    )

    if args.adopt is not None:
        return _adopt(args, settings)
    if args.block is not None:
        raise ConfigError("--block goes with --adopt ADDRESS")
    # Keys are checked before anything connects, so a typo costs no gas and no waiting.
    deploy_keys(settings)
    if settings.embedded_chain and not settings.chain_state:
        raise ConfigError(
            "LOYALTY_CHAIN_STATE is empty, so the embedded chain lives in memory and the token "
            "would vanish when this command exits: set LOYALTY_RPC_URL or a chain state file"
        )
    chain = connect(settings)
    try:
        # The database is migrated before anything is sent, so a wrong URL costs no gas.
        with _database_errors(settings.database_url):
            upgrade(settings.database_url)
        engine = make_engine(settings.database_url)
        try:
            d = None
            if args.if_missing:
                d = existing_deployment(chain, engine)
                if d is not None and not args.json:
                    print(f"already deployed: {d.symbol} at {d.address} on chain {d.chain_id}")
                    return 0
            if d is None:
                d = deploy_token(chain, engine, settings)
                if statement_key_or_none(settings) is None:
                    print(
                        "loyalty deploy: note: no LOYALTY_STATEMENT_KEY, so the token records no "
                        "statement signer; set the key, then `loyalty statement-signer --set`",
                        file=sys.stderr,
                    )
                if chain.w3.eth.get_balance(chain.w3.to_checksum_address(d.minter)) == 0:
                    print(
                        f"loyalty deploy: note: the minter {d.minter} has no funds on chain "
                        f"{d.chain_id}: fund it before it can send batches",
                        file=sys.stderr,
                    )
        finally:
            engine.dispose()
    finally:
        chain.close()
    record = _record(d)
    if args.json:
        print(json.dumps(record))
    else:
        print(
            f"deployed {d.symbol} at {d.address} on chain {d.chain_id}, block "
            f"{d.deployment_block} (minter {d.minter})"
        )
    return 0


def _require_custody(settings: Settings) -> None:
    """The API derives each new member's receiving address from the custody mnemonic: a missing
    or malformed one stops the process at start, in one line, instead of failing every first
    activity of a member with INTERNAL later."""
    from loyalty.custody import custody_for

    custody_for(settings.custody_mnemonic_or_dev())


def _adopt(args: argparse.Namespace, settings: Settings) -> int:
    """`loyalty deploy --adopt ADDRESS --block N`: record a token this service did not deploy."""
    from cli.migrate import upgrade
    from loyalty.chain import connect
    from loyalty.db.engine import make_engine
    from loyalty.deploy import adopt_token, minting_refusal

    if args.block is None:
        raise ConfigError("--adopt needs --block N, the block in which the token was created")
    if settings.embedded_chain:
        raise ConfigError("--adopt needs LOYALTY_RPC_URL: the embedded chain has no other token")
    chain = connect(settings)
    try:
        with _database_errors(settings.database_url):
            upgrade(settings.database_url)
        engine = make_engine(settings.database_url)
        try:
            d = adopt_token(chain, engine, settings, args.adopt, args.block)
        finally:
            engine.dispose()
        refusal = minting_refusal(chain, d, d.minter) if settings.minter_key else None
    finally:
        chain.close()
    if args.json:
        print(json.dumps({**_record(d), "adopted": True, "mintable": refusal is None}))
        return 0
    print(
        f"adopted {d.symbol} at {d.address} on chain {d.chain_id} from block {d.deployment_block}"
    )
    if not settings.minter_key:
        print("  no LOYALTY_MINTER_KEY: indexer and audit only; the minter will not start")
    elif refusal is not None:
        print(f"  the minter will not start: {refusal}")
    return 0


def _record(d: Any) -> dict[str, Any]:
    return {
        "address": d.address,
        "chainId": d.chain_id,
        "deploymentBlock": d.deployment_block,
        "txHash": d.tx_hash,
        "deployer": d.deployer,
        "minter": d.minter,
        "transferable": d.transferable,
    }


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    _require_custody(settings)
    return _serve_http(args, settings, with_workers=True)


def _cmd_api(args: argparse.Namespace, settings: Settings) -> int:
    _require_custody(settings)
    workers = settings.api_workers if args.workers is None else args.workers
    if workers < 1:
        raise ConfigError(f"--workers must be at least 1, not {workers}")
    if workers == 1:
        return _serve_http(args, settings, with_workers=False)
    return _serve_api_workers(args, settings, workers)


def _serve_api_workers(args: argparse.Namespace, settings: Settings, workers: int) -> int:
    """Several uvicorn worker processes on one port. Each builds its own runtime (engines and
    chain connection) in its lifespan: connections and pools cannot cross a fork."""
    import uvicorn

    from cli.keys import announce_first_admin_key
    from cli.migrate import upgrade
    from loyalty.runtime import Runtime

    if settings.embedded_chain:
        raise ConfigError(
            "more than one API worker needs LOYALTY_RPC_URL: the embedded chain lives inside "
            "one process, so each worker would have its own"
        )
    if args.port is not None:
        settings = settings.with_(port=args.port)
    if args.host is not None:
        settings = settings.with_(host=args.host)
    upgrade(settings.database_url)
    # Checked once here, so a missing deployment fails the command instead of every worker.
    runtime = Runtime.start(settings)
    try:
        announce_first_admin_key(runtime.engine, settings)
        d = runtime.deployment
        print(f"token {d.symbol} at {d.address} on chain {d.chain_id}", flush=True)
        print(f"GraphiQL: http://{settings.host}:{settings.port}/graphql", flush=True)
    finally:
        runtime.close()
    uvicorn.run(
        "cli.main:api_worker_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level="warning",
        # A worker answers the supervisor's ping from a thread that needs the GIL; on a saturated
        # machine 5 s (the default) can pass, and a killed worker drops its requests.
        timeout_worker_healthcheck=30,
    )
    return 0


def api_worker_app() -> Any:
    """The app of one `loyalty api --workers N` worker (uvicorn imports it by name)."""
    from api.app import create_app

    settings = Settings.from_env()
    logs.configure(settings.log_level)
    return _frozen(create_app(settings))


def _frozen(app: Any) -> Any:
    """Everything a serving process has built before its first request (libraries, the app, the
    schema) lives as long as the process: frozen, a full collection no longer walks it.
    Measured: full collections of ~190k such objects stalled every request of an API process
    for 170-200 ms under load."""
    gc.collect()
    gc.freeze()
    return app


def _serve_http(args: argparse.Namespace, settings: Settings, *, with_workers: bool) -> int:
    from cli.instance import bind, lock_state

    if args.port is not None:
        settings = settings.with_(port=args.port)
    if args.host is not None:
        settings = settings.with_(host=args.host)
    # Both before anything starts: a second process on the same folder or port fails at once.
    state_lock = lock_state(settings)
    try:
        sock = bind(settings.host, settings.port)
    except BaseException:
        if state_lock is not None:
            state_lock.release()
        raise
    try:
        return _serve_bound(args, settings, sock, with_workers=with_workers)
    finally:
        sock.close()
        if state_lock is not None:
            state_lock.release()


def _serve_bound(
    args: argparse.Namespace, settings: Settings, sock: Any, *, with_workers: bool
) -> int:
    import asyncio
    import signal

    import uvicorn

    from api.app import create_app
    from cli.indexer import start_in_serve as start_indexer_in_serve
    from cli.migrate import upgrade
    from cli.minter import start_in_serve as start_minter_in_serve
    from loyalty.runtime import Runtime

    upgrade(settings.database_url)
    runtime = Runtime.start(settings)
    stop_minter = stop_indexer = None
    # SIGINT and SIGTERM only ask to stop: uvicorn takes them while it serves (finishing the
    # requests in flight) and passes them on when it returns; they land here, so that the
    # workers finish their step and the chain's state file is closed before the exit (code 0).
    signals: list[int] = []
    previous = {
        sig: signal.signal(sig, lambda signum, _frame: signals.append(signum))
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        if getattr(args, "demo", False):
            from cli.demo import load_demo

            print(load_demo(runtime), flush=True)
        _announce(runtime, settings)
        app = _frozen(create_app(settings, runtime))
        if with_workers:
            stop_minter = start_minter_in_serve(runtime)
            stop_indexer = start_indexer_in_serve(runtime)
        if not signals:
            config = uvicorn.Config(
                app,
                host=settings.host,
                port=settings.port,
                log_level="warning",
                timeout_graceful_shutdown=30,
            )
            uvicorn.Server(config).run(sockets=[sock])
    finally:
        if signals:
            print("stopping: finishing the minter's and the indexer's current step", flush=True)
        if stop_minter is not None:
            stop_minter()
        if stop_indexer is not None:
            stop_indexer()
        asyncio.run(runtime.aclose())
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if signals:
        print("stopped cleanly", flush=True)
    return 0


def _has_live_admin_key(engine: Any) -> bool:
    from loyalty.services.api_keys import has_live_admin_key  # here: `loyalty --help` stays fast

    with engine.connect() as conn:
        return has_live_admin_key(conn)


def _announce(runtime: Any, settings: Settings) -> None:
    """Where everything is, and which admin key to use (a new one is shown once)."""
    from cli.keys import announce_first_admin_key

    d = runtime.deployment
    host = settings.host
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    base = f"http://{host}:{settings.port}"
    print(f"token {d.symbol} at {d.address} on chain {d.chain_id}", flush=True)
    if settings.admin_api_key:
        print("admin API key: the one set in LOYALTY_ADMIN_API_KEY", flush=True)
    elif _has_live_admin_key(runtime.engine):
        print(
            "admin API key: made on an earlier start (shown then); `loyalty keys list` shows "
            "the keys, `loyalty keys create` makes another",
            flush=True,
        )
    else:
        announce_first_admin_key(runtime.engine, settings)
    print(f"GraphiQL: {base}/graphql", flush=True)
    print(f"dashboard: {base}/dashboard/", flush=True)
    for path, variable, on in (
        ("/webhooks/events", "LOYALTY_WEBHOOK_SECRETS", bool(settings.webhook_secrets)),
        ("/webhooks/wix", "LOYALTY_WIX_PUBLIC_KEY", bool(settings.wix_public_key)),
    ):
        state = "on" if on else f"off until {variable} is set (see docs/webhooks.md)"
        print(f"webhooks: {base}{path} {state}", flush=True)


@contextmanager
def _database_errors(url: str) -> Iterator[None]:
    """A database that cannot be opened is an operator's fix, said in one line."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DBAPIError as exc:
        raise _database_error(url, exc) from None


def _database_error(url: str, exc: Any) -> ConfigError:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
    return ConfigError(
        f"cannot use the database {_redact(url)} ({reason}): check LOYALTY_DATABASE_URL "
        "and that the database is running"
    )


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="loyalty", description="Loyalty points that live on chain."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the API (and, on the embedded default, everything)")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.add_argument(
        "--demo",
        action="store_true",
        help="load a small demo program (tiers, rules, rewards, members, four weeks of "
        "activities) into an empty program; does nothing when it is already loaded",
    )
    p.set_defaults(handler=_cmd_serve)

    p = sub.add_parser("api", help="run only the HTTP API (the minter and indexer run apart)")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (default LOYALTY_API_WORKERS, 1); above 1 needs LOYALTY_RPC_URL",
    )
    p.set_defaults(handler=_cmd_api)

    p = sub.add_parser("migrate", help="apply database migrations")
    p.set_defaults(handler=_cmd_migrate)

    p = sub.add_parser("deploy", help="deploy the LoyaltyPoints token and grant roles")
    p.add_argument("--json", action="store_true", help="print the deployment as JSON")
    p.add_argument(
        "--if-missing",
        action="store_true",
        help="do nothing if a deployment is recorded for this chain and its code is on chain",
    )
    p.add_argument(
        "--adopt",
        metavar="ADDRESS",
        default=None,
        help="deploy nothing: record the existing ERC-20 at ADDRESS for the "
        "indexer and the audit; the minter runs only if it holds MINTER_ROLE and BURNER_ROLE",
    )
    p.add_argument(
        "--block",
        type=int,
        default=None,
        help="with --adopt: the block in which the token was created (indexing starts there)",
    )
    p.set_defaults(handler=_cmd_deploy)

    from cli.minter import register as register_minter

    register_minter(sub)

    from cli.indexer import register as register_indexer

    register_indexer(sub)

    from cli.jobs import register as register_jobs

    register_jobs(sub)

    from cli.keys import register as register_keys

    register_keys(sub)

    from cli.audit_log import register as register_audit_log

    register_audit_log(sub)

    from cli.statement_signer import register as register_statement_signer

    register_statement_signer(sub)

    from cli.export import register as register_export

    register_export(sub)

    from cli.importing import register as register_importing

    register_importing(sub)
    return parser


def _run_with_database_errors(
    handler: Handler, args: argparse.Namespace, settings: Settings
) -> int:
    """A database that cannot be reached (at start or later) ends any command with one line
    naming LOYALTY_DATABASE_URL, not a driver traceback."""
    from sqlalchemy.exc import DatabaseError, OperationalError

    try:
        return handler(args, settings)
    except OperationalError as exc:
        raise _database_error(settings.database_url, exc) from None
    except DatabaseError as exc:
        # Exactly DatabaseError: a file that is not a database ("file is not a database");
        # its subclasses (IntegrityError, …) are bugs and keep their traceback.
        if type(exc) is not DatabaseError:
            raise
        raise _database_error(settings.database_url, exc) from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        logs.configure(settings.log_level)
        handler: Handler = args.handler
        return _run_with_database_errors(handler, args, settings)
    except LoyaltyError as exc:
        print(f"loyalty {args.command}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
