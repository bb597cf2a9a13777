"""Settings: the table of every environment variable, read once (`Settings.from_env()`) and
passed in; nothing reads os.environ elsewhere.

Each field is one entry, `var(NAME, parser, default, help)`: its type, its default (written once,
as an operator would type it) and its documentation. Adding a variable is adding an entry here
and a row in docs/configuration.md (a test checks the two agree).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from loyalty.errors import ConfigError
from loyalty.settings import parsers as p
from loyalty.settings.variable import Variable, var, variables_of

# Well-known development keys of the embedded chain's pre-funded accounts (eth-tester's keys 1 and
# 2). They are only used when no RPC URL is set, i.e. against a throw-away in-process chain.
DEV_DEPLOYER_KEY = "0x" + "0" * 63 + "1"
DEV_MINTER_KEY = "0x" + "0" * 63 + "2"
# The embedded chain's statement key (eth-tester's key 3): it signs nothing of value.
DEV_STATEMENT_KEY = "0x" + "0" * 63 + "3"
# Hardhat/anvil's well-known test mnemonic, for custodial addresses on the embedded chain only.
DEV_CUSTODY_MNEMONIC = "test test test test test test test test test test test junk"

MINTER_FAULTS = ("after_save", "after_broadcast", "after_receipt")


@dataclass(frozen=True)
class Settings:
    # -- storage and chain ----------------------------------------------------------------------
    database_url: str = var(
        "LOYALTY_DATABASE_URL",
        p.stripped,
        "sqlite:///loyalty.db",
        "SQLAlchemy URL: `sqlite:///path.db` (default, in the working directory) or "
        "`postgresql://user@host:5432/db`.",
        blank_is_default=True,
    )
    rpc_url: str = var(
        "LOYALTY_RPC_URL",
        p.rpc_url,
        "",
        "JSON-RPC URL of an EVM node (anvil, Polygon Amoy, Polygon PoS). Empty: the "
        "embedded in-process chain (eth-tester/py-evm).",
    )
    chain_id: int | None = var(
        "LOYALTY_CHAIN_ID",
        p.optional(p.integer(minimum=1)),
        "",
        "Expected chain id; commands refuse a node that serves another chain "
        "(80002 Amoy, 137 Polygon PoS). Empty: accept the node's.",
    )
    chain_state: str = var(
        "LOYALTY_CHAIN_STATE",
        p.stripped,
        "loyalty-chain.state",
        "File where the embedded chain keeps its blocks across restarts (embedded chain "
        "only; empty keeps it in memory).",
    )
    deployer_key: str = var(
        "LOYALTY_DEPLOYER_KEY",
        p.optional_key,
        "",
        "Hex private key that deploys the token and holds its admin and pauser roles. "
        "Required with an RPC URL; the embedded chain uses a development key.",
        secret=True,
    )
    minter_key: str = var(
        "LOYALTY_MINTER_KEY",
        p.optional_key,
        "",
        "Hex private key of the hot wallet granted MINTER_ROLE and BURNER_ROLE. Required with "
        "an RPC URL; the embedded chain uses a development key.",
        secret=True,
    )
    statement_key: str = var(
        "LOYALTY_STATEMENT_KEY",
        p.optional_key,
        "",
        "Hex private key that signs members' statements (EIP-712, `memberStatement`); the "
        "token records its address as `statementSigner`. Statements need it with an RPC URL; "
        "the embedded chain uses a development key.",
        secret=True,
    )
    token_name: str = var("LOYALTY_TOKEN_NAME", p.text, "Loyalty Points", "ERC-20 name at deploy.")
    token_symbol: str = var("LOYALTY_TOKEN_SYMBOL", p.text, "LOYAL", "ERC-20 symbol at deploy.")
    transferable: bool = var(
        "LOYALTY_TRANSFERABLE",
        p.boolean,
        "true",
        "`false` deploys a non-transferable token: only mint and burn move points.",
    )
    finality_depth: int = var(
        "LOYALTY_FINALITY_DEPTH",
        p.integer(minimum=1),
        "64",
        "Blocks after which a block counts as final where the node has no `finalized` tag.",
    )
    # -- minter ---------------------------------------------------------------------------------
    minter_batch_size: int = var(
        "LOYALTY_MINTER_BATCH_SIZE",
        p.integer(minimum=1, maximum=5000),
        "200",
        "Most recipients (addresses) in one mint or burn batch transaction.",
    )
    minter_batch_age: Decimal = var(
        "LOYALTY_MINTER_BATCH_AGE",
        p.non_negative,
        "2",
        "Seconds the oldest pending request waits for more to fill a batch.",
    )
    minter_poll_interval: Decimal = var(
        "LOYALTY_MINTER_POLL_INTERVAL",
        p.non_negative,
        "1",
        "Seconds between two minter steps (claim, send, watch receipts, finalize).",
    )
    minter_stuck_blocks: int = var(
        "LOYALTY_MINTER_STUCK_BLOCKS",
        p.integer(minimum=1),
        "10",
        "Blocks a sent transaction may wait before it is replaced with fees raised by 10 %.",
    )
    minter_max_fee_gwei: Decimal = var(
        "LOYALTY_MINTER_MAX_FEE_GWEI",
        p.non_negative,
        "1000",
        "Cap on the max fee per gas (gwei) the minter ever signs, replacements included.",
    )
    minter_min_priority_fee_gwei: Decimal = var(
        "LOYALTY_MINTER_MIN_PRIORITY_FEE_GWEI",
        p.non_negative,
        "30",
        "Smallest priority fee (tip, gwei) the minter offers; Polygon refuses less than 25-30.",
    )
    minter_retry_seconds: Decimal = var(
        "LOYALTY_MINTER_RETRY_SECONDS",
        p.non_negative,
        "5",
        "First wait before a refused (reverted) batch is tried again; doubles up to 5 minutes.",
    )
    minter_commit: bool = var(
        "LOYALTY_MINTER_COMMIT",
        p.boolean,
        "true",
        "Every batch is one `settle` call that mints, burns and commits the ledger's Merkle-sum "
        "root with the supply the token checks. `false` only for a token without `settle` "
        "(deployed before it) or an adopted one, whose supply is not the ledger's.",
    )
    minter_in_serve: bool = var(
        "LOYALTY_MINTER_IN_SERVE",
        p.boolean,
        "true",
        "`loyalty serve` also runs the minter in a thread (it waits while another holds the lock).",
    )
    minter_fault: str = var(
        "LOYALTY_MINTER_FAULT",
        p.choice(*MINTER_FAULTS, empty=True),
        "",
        "Test only: `after_save`, `after_broadcast` or `after_receipt` makes the minter kill "
        "itself (SIGKILL) at that point, to prove crash recovery. Never set it in production.",
    )
    # -- HTTP API -------------------------------------------------------------------------------
    host: str = var("LOYALTY_HOST", p.text, "127.0.0.1", "Address the HTTP server binds.")
    port: int = var(
        "LOYALTY_PORT", p.integer(minimum=0, maximum=65535), "8000", "Port the HTTP server binds."
    )
    api_workers: int = var(
        "LOYALTY_API_WORKERS",
        p.integer(minimum=1, maximum=64),
        "1",
        "Worker processes of `loyalty api` (uvicorn workers sharing the port); above 1 needs "
        "LOYALTY_RPC_URL. `--workers` overrides it.",
    )
    admin_api_key: str = var(
        "LOYALTY_ADMIN_API_KEY",
        p.stripped,
        "",
        "Bootstrap admin API key, accepted as `Authorization: Bearer …` (stored hashed). "
        "`loyalty serve` makes one up and prints it when unset.",
        secret=True,
    )
    member_jwt_secret: str = var(
        "LOYALTY_MEMBER_JWT_SECRET",
        p.text,
        "",
        "HS256 secret for member JWTs (`sub` = member id, `exp` required). Empty: member "
        "tokens are refused.",
        secret=True,
    )
    member_jwt_max_lifetime: int = var(
        "LOYALTY_MEMBER_JWT_MAX_LIFETIME",
        p.integer(minimum=1),
        "86400",
        "Longest a member token may be valid, in seconds: one whose `exp` is further than this "
        "after its `iat` (or after now) is refused.",
    )
    member_jwt_audience: str = var(
        "LOYALTY_MEMBER_JWT_AUDIENCE",
        p.stripped,
        "",
        "When set, member tokens must carry this `aud`. Empty: tokens must carry no `aud`.",
    )
    member_jwt_issuer: str = var(
        "LOYALTY_MEMBER_JWT_ISSUER",
        p.stripped,
        "",
        "When set, member tokens must carry this `iss`. Empty: `iss` is not checked.",
    )
    graphiql: bool = var("LOYALTY_GRAPHIQL", p.boolean, "true", "`false` turns GraphiQL off.")
    introspection: bool = var(
        "LOYALTY_INTROSPECTION", p.boolean, "true", "`false` turns schema introspection off."
    )
    max_body_bytes: int = var(
        "LOYALTY_MAX_BODY_BYTES",
        p.integer(minimum=1024),
        "262144",
        "Largest request body accepted by /graphql and the webhooks.",
    )
    import_max_bytes: int = var(
        "LOYALTY_IMPORT_MAX_BYTES",
        p.integer(minimum=1024),
        "268435456",
        "Largest import file accepted by POST /import and the importMembers upload (256 MiB).",
    )
    log_level: str = var(
        "LOYALTY_LOG_LEVEL", p.log_level, "INFO", "Log level (DEBUG, INFO, WARNING, ERROR)."
    )
    ready_max_lag: int = var(
        "LOYALTY_READY_MAX_LAG",
        p.integer(minimum=0),
        "10",
        "/readyz answers 503 while the indexer is more than this many blocks behind the head.",
    )
    ws_max_connections: int = var(
        "LOYALTY_WS_MAX_CONNECTIONS",
        p.integer(minimum=1),
        "1000",
        "Most GraphQL WebSocket connections (subscriptions) one API process keeps open; one more "
        "is closed at once with code 4429.",
    )
    inbox_concurrency: int = var(
        "LOYALTY_INBOX_CONCURRENCY",
        p.integer(minimum=0, maximum=64),
        "2",
        "Webhook events one API process applies at a time after answering them (rules, ledger, "
        "mint request); 0: this process only stores and answers, others process.",
    )
    ws_max_subscriptions: int = var(
        "LOYALTY_WS_MAX_SUBSCRIPTIONS",
        p.integer(minimum=1, maximum=1000),
        "20",
        "Most operations (subscriptions) running at once on one WebSocket connection; one more "
        "gets a LIMIT_EXCEEDED error.",
    )
    # -- program, members, webhooks, notifications ----------------------------------------------
    currency: str = var(
        "LOYALTY_CURRENCY",
        p.currency,
        "USD",
        "The program's base currency (ISO 4217 code). Conversion-rate rules are in it; an "
        "activity amount in another currency is refused.",
    )
    locale: str = var(
        "LOYALTY_LOCALE",
        p.locale,
        "en-US",
        "The program's language tag (BCP 47): the admin console formats numbers, money and "
        "dates for it.",
    )
    custody_mnemonic: str = var(
        "LOYALTY_CUSTODY_MNEMONIC",
        p.words,
        "",
        "BIP-39 mnemonic from which each member's custodial receiving address is derived "
        "(m/44'/60'/0'/0/n); never stored. Required with an RPC URL; the embedded chain uses "
        "the well-known development mnemonic `test test … junk`.",
        secret=True,
    )
    wix_public_key: str = var(
        "LOYALTY_WIX_PUBLIC_KEY",
        p.stripped,
        "",
        "Wix app public key (PEM text, or a path to a PEM file) that verifies the RS256 JWT "
        "bodies of `POST /webhooks/wix`. Empty: that endpoint answers 503.",
    )
    webhook_secrets: tuple[str, ...] = var(
        "LOYALTY_WEBHOOK_SECRETS",
        p.webhook_secrets,
        "",
        "Comma-separated `whsec_…` secrets for `POST /webhooks/events` (Standard Webhooks "
        "HMAC-SHA256); several during a rotation. Empty: that endpoint answers 503.",
        secret=True,
    )
    notify_webhook_secret: str = var(
        "LOYALTY_NOTIFY_WEBHOOK_SECRET",
        p.notify_secret,
        "",
        "`whsec_…` secret signing outbound event webhooks (Standard Webhooks); the receiver URL "
        "is the program's `webhookUrl`.",
        secret=True,
    )
    notify_webhook_allow_private: bool = var(
        "LOYALTY_NOTIFY_WEBHOOK_ALLOW_PRIVATE",
        p.boolean,
        "false",
        "`true` lets the program's `webhookUrl` reach loopback and private addresses (tests, "
        "local development); link-local, multicast and unspecified ones are always refused.",
    )
    smtp_url: str = var(
        "LOYALTY_SMTP_URL",
        p.smtp_url,
        "",
        "SMTP server for thank-you e-mails: `smtp://user:pass@host:587?starttls=true` or "
        "`smtps://host:465`. Empty: no e-mail.",
        secret=True,
    )
    smtp_from: str = var(
        "LOYALTY_SMTP_FROM",
        p.stripped,
        "loyalty@localhost",
        "Sender address of the thank-you e-mails.",
        blank_is_default=True,
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Every variable parsed in table order; the first bad one raises a ConfigError naming
        it. An unset variable takes its default."""
        env = os.environ if env is None else env
        return cls(**{v.attr: v.read(env) for v in VARIABLES})

    @property
    def embedded_chain(self) -> bool:
        return not self.rpc_url

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def deployer_private_key(self) -> str:
        if not self.deployer_key and self.embedded_chain:
            return DEV_DEPLOYER_KEY
        return p.parse_private_key("LOYALTY_DEPLOYER_KEY", self.deployer_key)

    def minter_private_key(self) -> str:
        if not self.minter_key and self.embedded_chain:
            return DEV_MINTER_KEY
        return p.parse_private_key("LOYALTY_MINTER_KEY", self.minter_key)

    def statement_private_key(self) -> str:
        if not self.statement_key and self.embedded_chain:
            return DEV_STATEMENT_KEY
        return p.parse_private_key("LOYALTY_STATEMENT_KEY", self.statement_key)

    def custody_mnemonic_or_dev(self) -> str:
        """The custody mnemonic; on the embedded chain a documented development one when unset."""
        if self.custody_mnemonic:
            return self.custody_mnemonic
        if self.embedded_chain:
            return DEV_CUSTODY_MNEMONIC
        raise ConfigError(
            "LOYALTY_CUSTODY_MNEMONIC is not set: members' custodial addresses are derived from "
            "it (required with an RPC URL)"
        )


VARIABLES: tuple[Variable, ...] = variables_of(Settings)


def setting_names() -> set[str]:
    return {v.name for v in VARIABLES}
