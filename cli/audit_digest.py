"""`loyalty audit bisect` and `loyalty audit recompute`: the bisectable indexer digest
(issue 17, item 5; docs/indexer.md). Exit 0: the digests agree; 1: they diverge (the first
divergent block is named); 2: a side could not be read."""

from __future__ import annotations

import argparse
import json
from typing import Any

from loyalty.settings import Settings

EXIT_DIVERGES = 1


def _cmd_bisect(args: argparse.Namespace, settings: Settings) -> int:
    # Here, like every heavy import of this module: `loyalty --help` stays fast.
    from audit.bisect import LocalDigests, RemoteDigests, bisect
    from loyalty.db.engine import make_engine

    engine = make_engine(settings.database_url)
    remote = RemoteDigests(args.against)
    try:
        result = bisect(LocalDigests(engine), remote, args.block)
    finally:
        remote.close()
        engine.dispose()
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        _print_bisect(result, "this index", args.against)
    return 0 if result.divergent is None else EXIT_DIVERGES


def _print_bisect(result: Any, ours: str, theirs: str) -> None:
    if result.divergent is None:
        print(
            f"bisect: {ours} and {theirs} agree through block {result.through} "
            f"(digest {result.ours}, {result.queries} queries each)"
        )
        return
    print(
        f"bisect: FIRST DIVERGENT BLOCK {result.divergent} ({ours} here, {theirs} there; "
        f"searched through block {result.through}, {result.queries} queries each)"
    )
    print(f"  here   {result.ours}")
    print(f"  there  {result.theirs}")
    for address, (mine, other) in sorted(result.differences.items()):
        print(f"  {address}  {_amount(mine)} here, {_amount(other)} there")


def _amount(value: int | None) -> str:
    return "no change" if value is None else str(value)


def _cmd_recompute(args: argparse.Namespace, settings: Settings) -> int:
    # Here, like every heavy import of this module: `loyalty --help` stays fast.
    from audit.bisect import RemoteDigests, bisect
    from audit.digest import RecomputeStats
    from audit.digest_stream import SpooledDigests, compare_streamed
    from indexer.errors import NotIndexedYet
    from indexer.progress import Progress
    from indexer.queries import load_state
    from indexer.rpc import quantity, rpc_for
    from loyalty.runtime import Runtime

    runtime = Runtime.start(settings, deploy_if_missing=False)
    rpc = rpc_for(settings, runtime.chain)
    remote = RemoteDigests(args.against) if args.against else None
    try:
        d = runtime.deployment
        through = args.block
        if through is None:
            if remote is not None:
                through = remote.indexed_block()
            else:
                with runtime.engine.connect() as conn:
                    state = load_state(conn)
                if state is None:
                    raise NotIndexedYet("nothing is indexed yet: run `loyalty indexer` first")
                through = state.indexed_block
        head = quantity(rpc.call("eth_blockNumber", []), "eth_blockNumber")
        if through > head:
            raise NotIndexedYet(f"block {through} is past the node's head ({head})")
        shown = None if args.json else Progress(d.deployment_block, label="recompute eth_getLogs")

        def progress(block: int, logs: int) -> None:
            if shown is not None:
                shown.update(block, through, logs)

        chain = RecomputeStats(d.chain_id, d.address.lower(), through)
        if remote is not None:
            spooled = SpooledDigests.spool(rpc, chain, d.deployment_block, progress)
            try:
                if shown is not None:
                    shown.finish()
                result = bisect(spooled, remote, through)
            finally:
                spooled.close()
            if args.json:
                print(json.dumps(result.to_json(), indent=2))
            else:
                _print_bisect(result, "the chain (eth_getLogs)", args.against)
            return 0 if result.divergent is None else EXIT_DIVERGES
        report = compare_streamed(runtime.engine, rpc, chain, d.deployment_block, progress)
        if shown is not None:
            shown.finish()
    finally:
        if remote is not None:
            remote.close()
        rpc.close()
        runtime.close()
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
        return 0 if report.clean else EXIT_DIVERGES
    verdict = "CLEAN" if report.clean else f"DIVERGES AT BLOCK {report.divergent}"
    print(f"recompute through block {through}: {verdict}")
    print(
        f"  chain          {chain.transfers} transfers in {chain.calls} eth_getLogs calls, "
        f"{chain.blocks} blocks with changes, digest {chain.digest}"
    )
    for label, found in (("stored digests", report.stored), ("balance history", report.history)):
        if found is None:
            print(f"  {label:<16}agree with the chain at every block")
        else:
            print(
                f"  {label:<16}first differ at block {found.block}: chain "
                f"{found.ours or '(no change)'}, index {found.theirs or '(no change)'}"
            )
    for address, (on_chain, indexed) in sorted(report.differences.items()):
        print(f"  {address}  {_amount(on_chain)} on chain, {_amount(indexed)} in the index")
    return 0 if report.clean else EXIT_DIVERGES


def register(audit: Any) -> None:
    """Adds the subcommands to the `loyalty audit` parser (which audits without one)."""
    commands = audit.add_subparsers(dest="audit_command", metavar="{bisect,recompute}")
    b = commands.add_parser(
        "bisect",
        help="compare the indexer digest with another deployment's and name the first "
        "divergent block (exit 1), in O(log blocks) queries",
    )
    b.add_argument(
        "--against", required=True, metavar="URL", help="the other deployment's GraphQL URL"
    )
    b.add_argument(
        "--block",
        type=int,
        default=None,
        help="search up to this block (default: the last block both indexed)",
    )
    b.add_argument("--json", action="store_true", help="print the result as JSON")
    b.set_defaults(handler=_cmd_bisect)
    r = commands.add_parser(
        "recompute",
        help="rebuild the indexer digest from eth_getLogs alone and compare it with the index "
        "(or, with --against, another deployment's); exit 1 names the first divergent block",
    )
    r.add_argument(
        "--block", type=int, default=None, help="up to this block (default: the last indexed)"
    )
    r.add_argument(
        "--against", metavar="URL", default=None, help="compare with this GraphQL URL instead"
    )
    r.add_argument("--json", action="store_true", help="print the report as JSON")
    r.set_defaults(handler=_cmd_recompute)
