"""`loyalty statement-signer [--set]`: the address of the statement key (LOYALTY_STATEMENT_KEY,
which signs `memberStatement`) beside the one the token records as `statementSigner()`; exit 0
when they are the same, 1 when they differ. `--set` records the key's address on the token
with the deployer (admin) key. `loyalty deploy` records it already when the key is set."""

from __future__ import annotations

import argparse
import json
from typing import Any

from loyalty.errors import ConfigError
from loyalty.settings import Settings

EXIT_DIFFERENT = 1


def _cmd(args: argparse.Namespace, settings: Settings) -> int:
    # Here, like every heavy import of this module: `loyalty --help` stays fast.
    from eth_account import Account

    from loyalty.deploy import set_statement_signer, statement_key_or_none, statement_signer
    from loyalty.runtime import Runtime

    key = statement_key_or_none(settings)
    if key is None:
        raise ConfigError("LOYALTY_STATEMENT_KEY is not set: give the key that signs statements")
    configured = Account.from_key(key).address
    runtime = Runtime.start(settings, deploy_if_missing=False)
    try:
        token = runtime.deployment.address
        recorded = statement_signer(runtime.chain, token)
        if args.set and recorded != configured:
            set_statement_signer(runtime.chain, token, settings.deployer_private_key(), configured)
            recorded = statement_signer(runtime.chain, token)
    finally:
        runtime.close()
    same = recorded == configured
    if args.json:
        print(
            json.dumps(
                {"token": token, "configured": configured, "recorded": recorded, "same": same}
            )
        )
    else:
        print(f"statement key   {configured}")
        print(f"token records   {recorded} ({token})")
        if not same:
            print(
                "they differ: statements will not verify against the token; "
                "`loyalty statement-signer --set` records the key's address"
            )
    return 0 if same else EXIT_DIFFERENT


def register(sub: Any) -> None:
    p = sub.add_parser(
        "statement-signer",
        help="compare the statement key's address with the token's statementSigner (exit 1 "
        "if they differ); --set records it with the deployer key",
    )
    p.add_argument("--set", action="store_true", help="record the key's address on the token")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=_cmd)
