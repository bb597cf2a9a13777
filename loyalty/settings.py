"""Settings, read once from the environment and passed in: nothing reads os.environ elsewhere.

Every variable is declared in VARIABLES; a test checks that the README documents each one.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from loyalty.errors import ConfigError

_KEY_RE = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")

# Well-known development keys of the embedded chain's pre-funded accounts (eth-tester's keys 1 and
# 2). They are only used when no RPC URL is set, i.e. against a throw-away in-process chain.
DEV_DEPLOYER_KEY = "0x" + "0" * 63 + "1"
DEV_MINTER_KEY = "0x" + "0" * 63 + "2"
# Hardhat/anvil's well-known test mnemonic, for custodial addresses on the embedded chain only.
DEV_CUSTODY_MNEMONIC = "test test test test test test test test test test test junk"


@dataclass(frozen=True)
class Variable:
    name: str
    attr: str
    default: str
    help: str
    secret: bool = False


VARIABLES: tuple[Variable, ...] = (
    Variable(
        "LOYALTY_DATABASE_URL",
        "database_url",
        "sqlite:///loyalty.db",
        "SQLAlchemy URL: `sqlite:///path.db` (default, in the working directory) or "
        "`postgresql://user@host:5432/db`.",
    ),
    Variable(
        "LOYALTY_RPC_URL",
        "rpc_url",
        "",
        "JSON-RPC URL of an EVM node (anvil, Polygon Amoy, Polygon PoS). Empty: the "
        "embedded in-process chain (eth-tester/py-evm).",
    ),
    Variable(
        "LOYALTY_CHAIN_ID",
        "chain_id",
        "",
        "Expected chain id; commands refuse a node that serves another chain "
        "(80002 Amoy, 137 Polygon PoS). Empty: accept the node's.",
    ),
    Variable(
        "LOYALTY_CHAIN_STATE",
        "chain_state",
        "loyalty-chain.state",
        "File where the embedded chain keeps its blocks across restarts (embedded chain "
        "only; empty keeps it in memory).",
    ),
    Variable(
        "LOYALTY_DEPLOYER_KEY",
        "deployer_key",
        "",
        "Hex private key that deploys the token and holds its admin and pauser roles. "
        "Required with an RPC URL; the embedded chain uses a development key.",
        secret=True,
    ),
    Variable(
        "LOYALTY_MINTER_KEY",
        "minter_key",
        "",
        "Hex private key of the hot wallet granted MINTER_ROLE and BURNER_ROLE. Required with "
        "an RPC URL; the embedded chain uses a development key.",
        secret=True,
    ),
    Variable("LOYALTY_TOKEN_NAME", "token_name", "Loyalty Points", "ERC-20 name at deploy."),
    Variable("LOYALTY_TOKEN_SYMBOL", "token_symbol", "LOYAL", "ERC-20 symbol at deploy."),
    Variable(
        "LOYALTY_TRANSFERABLE",
        "transferable",
        "true",
        "`false` deploys a non-transferable token: only mint and burn move points.",
    ),
    Variable(
        "LOYALTY_FINALITY_DEPTH",
        "finality_depth",
        "64",
        "Blocks after which a block counts as final where the node has no `finalized` tag.",
    ),
    Variable(
        "LOYALTY_MINTER_BATCH_SIZE",
        "minter_batch_size",
        "200",
        "Most recipients (addresses) in one mint or burn batch transaction.",
    ),
    Variable(
        "LOYALTY_MINTER_BATCH_AGE",
        "minter_batch_age",
        "2",
        "Seconds the oldest pending request waits for more to fill a batch.",
    ),
    Variable(
        "LOYALTY_MINTER_POLL_INTERVAL",
        "minter_poll_interval",
        "1",
        "Seconds between two minter steps (claim, send, watch receipts, finalize).",
    ),
    Variable(
        "LOYALTY_MINTER_STUCK_BLOCKS",
        "minter_stuck_blocks",
        "10",
        "Blocks a sent transaction may wait before it is replaced with fees raised by 10 %.",
    ),
    Variable(
        "LOYALTY_MINTER_MAX_FEE_GWEI",
        "minter_max_fee_gwei",
        "1000",
        "Cap on the max fee per gas (gwei) the minter ever signs, replacements included.",
    ),
    Variable(
        "LOYALTY_MINTER_MIN_PRIORITY_FEE_GWEI",
        "minter_min_priority_fee_gwei",
        "30",
        "Smallest priority fee (tip, gwei) the minter offers; Polygon refuses less than 25-30.",
    ),
    Variable(
        "LOYALTY_MINTER_RETRY_SECONDS",
        "minter_retry_seconds",
        "5",
        "First wait before a refused (reverted) batch is tried again; doubles up to 5 minutes.",
    ),
    Variable(
        "LOYALTY_MINTER_IN_SERVE",
        "minter_in_serve",
        "true",
        "`loyalty serve` also runs the minter in a thread (it waits while another holds the lock).",
    ),
    Variable(
        "LOYALTY_MINTER_FAULT",
        "minter_fault",
        "",
        "Test only: `after_save`, `after_broadcast` or `after_receipt` makes the minter kill "
        "itself (SIGKILL) at that point, to prove crash recovery. Never set it in production.",
    ),
    Variable("LOYALTY_HOST", "host", "127.0.0.1", "Address the HTTP server binds."),
    Variable("LOYALTY_PORT", "port", "8000", "Port the HTTP server binds."),
    Variable(
        "LOYALTY_API_WORKERS",
        "api_workers",
        "1",
        "Worker processes of `loyalty api` (uvicorn workers sharing the port); above 1 needs "
        "LOYALTY_RPC_URL. `--workers` overrides it.",
    ),
    Variable(
        "LOYALTY_ADMIN_API_KEY",
        "admin_api_key",
        "",
        "Bootstrap admin API key, accepted as `Authorization: Bearer …` (stored hashed). "
        "`loyalty serve` makes one up and prints it when unset.",
        secret=True,
    ),
    Variable(
        "LOYALTY_MEMBER_JWT_SECRET",
        "member_jwt_secret",
        "",
        "HS256 secret for member JWTs (`sub` = member id, `exp` required). Empty: member "
        "tokens are refused.",
        secret=True,
    ),
    Variable("LOYALTY_GRAPHIQL", "graphiql", "true", "`false` turns GraphiQL off."),
    Variable(
        "LOYALTY_INTROSPECTION", "introspection", "true", "`false` turns schema introspection off."
    ),
    Variable(
        "LOYALTY_MAX_BODY_BYTES",
        "max_body_bytes",
        "262144",
        "Largest request body accepted by /graphql and the webhooks.",
    ),
    Variable("LOYALTY_LOG_LEVEL", "log_level", "INFO", "Log level (DEBUG, INFO, WARNING, ERROR)."),
    Variable(
        "LOYALTY_READY_MAX_LAG",
        "ready_max_lag",
        "10",
        "/readyz answers 503 while the indexer is more than this many blocks behind the head.",
    ),
    Variable(
        "LOYALTY_WS_MAX_CONNECTIONS",
        "ws_max_connections",
        "1000",
        "Most GraphQL WebSocket connections (subscriptions) one API process keeps open; one more "
        "is closed at once with code 4429.",
    ),
    Variable(
        "LOYALTY_INBOX_CONCURRENCY",
        "inbox_concurrency",
        "2",
        "Webhook events one API process applies at a time after answering them (rules, ledger, "
        "mint request); 0: this process only stores and answers, others process.",
    ),
    Variable(
        "LOYALTY_WS_MAX_SUBSCRIPTIONS",
        "ws_max_subscriptions",
        "20",
        "Most operations (subscriptions) running at once on one WebSocket connection; one more "
        "gets a LIMIT_EXCEEDED error.",
    ),
    Variable(
        "LOYALTY_NOTIFY_WEBHOOK_SECRET",
        "notify_webhook_secret",
        "",
        "`whsec_…` secret signing outbound event webhooks (Standard Webhooks); the receiver URL "
        "is the program's `webhookUrl`.",
        secret=True,
    ),
    Variable(
        "LOYALTY_SMTP_URL",
        "smtp_url",
        "",
        "SMTP server for thank-you e-mails: `smtp://user:pass@host:587?starttls=true` or "
        "`smtps://host:465`. Empty: no e-mail.",
        secret=True,
    ),
    Variable(
        "LOYALTY_SMTP_FROM",
        "smtp_from",
        "loyalty@localhost",
        "Sender address of the thank-you e-mails.",
    ),
    Variable(
        "LOYALTY_CURRENCY",
        "currency",
        "USD",
        "The program's base currency (ISO 4217 code). Conversion-rate rules are in it; an "
        "activity amount in another currency is refused.",
    ),
    Variable(
        "LOYALTY_CUSTODY_MNEMONIC",
        "custody_mnemonic",
        "",
        "BIP-39 mnemonic from which each member's custodial receiving address is derived "
        "(m/44'/60'/0'/0/n); never stored. Required with an RPC URL; the embedded chain uses "
        "the well-known development mnemonic `test test … junk`.",
        secret=True,
    ),
    Variable(
        "LOYALTY_WIX_PUBLIC_KEY",
        "wix_public_key",
        "",
        "Wix app public key (PEM text, or a path to a PEM file) that verifies the RS256 JWT "
        "bodies of `POST /webhooks/wix`. Empty: that endpoint answers 503.",
    ),
    Variable(
        "LOYALTY_WEBHOOK_SECRETS",
        "webhook_secrets",
        "",
        "Comma-separated `whsec_…` secrets for `POST /webhooks/events` (Standard Webhooks "
        "HMAC-SHA256); several during a rotation. Empty: that endpoint answers 503.",
        secret=True,
    ),
)


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def _int(name: str, raw: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name} must be at most {maximum}, not {value}")
    return value


def _rpc_url(name: str, raw: str) -> str:
    url = raw.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(f"{name} must be an http(s):// URL with a host, not {url!r}")
    return url


def _optional_key(name: str, raw: str) -> str:
    """Unset stays unset (the embedded chain has development keys); a set key must be valid."""
    return parse_private_key(name, raw) if raw.strip() else ""


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level(name: str, raw: str) -> str:
    level = raw.strip().upper()
    if level not in _LOG_LEVELS:
        raise ConfigError(f"{name} must be one of {', '.join(_LOG_LEVELS)}, not {raw!r}")
    return level


def _currency(name: str, raw: str) -> str:
    code = raw.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ConfigError(f"{name} must be a 3-letter ISO 4217 code such as USD, not {raw!r}")
    return code


def _decimal(name: str, raw: str) -> Decimal:
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise ConfigError(f"{name} must be a decimal number, not {raw!r}") from None


def _non_negative(name: str, raw: str) -> Decimal:
    value = _decimal(name, raw.strip())
    if not value.is_finite() or value < 0:
        raise ConfigError(f"{name} must be a number at least 0, not {raw!r}")
    return value


def _notify_secret(raw: str) -> str:
    from loyalty.notify.webhook import secret_key

    secret = raw.strip()
    if secret:
        secret_key(secret)  # refuses a malformed secret at start, not at the first delivery
    return secret


def _smtp_url(raw: str) -> str:
    from loyalty.notify.mail import SmtpServer

    url = raw.strip()
    if url:
        SmtpServer.from_url(url)
    return url


MINTER_FAULTS = ("after_save", "after_broadcast", "after_receipt")


def _minter_fault(name: str, raw: str) -> str:
    point = raw.strip().lower()
    if point and point not in MINTER_FAULTS:
        raise ConfigError(f"{name} must be one of {', '.join(MINTER_FAULTS)} or empty, not {raw!r}")
    return point


def _webhook_secrets(name: str, raw: str) -> tuple[str, ...]:
    """`whsec_<base64>` secrets, comma-separated (several while rotating)."""
    secrets = tuple(part.strip() for part in raw.split(",") if part.strip())
    for secret in secrets:
        body = secret.removeprefix("whsec_")
        try:
            decoded = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            decoded = b""
        if not secret.startswith("whsec_") or len(decoded) < 16:
            raise ConfigError(
                f"{name}: each secret must be `whsec_` followed by base64 of at least 16 bytes"
            )
    return secrets


def parse_private_key(name: str, raw: str) -> str:
    """A 32-byte hex key, normalised to 0x-prefixed lower case; refuses anything else."""
    raw = raw.strip()
    if not raw:
        raise ConfigError(f"{name} is not set: give the hex private key of the account")
    if not _KEY_RE.match(raw):
        raise ConfigError(f"{name} is malformed: expected 64 hex digits, optionally 0x-prefixed")
    key = raw.lower().removeprefix("0x")
    if int(key, 16) == 0:
        raise ConfigError(f"{name} is malformed: the zero key is not a valid private key")
    return "0x" + key


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///loyalty.db"
    rpc_url: str = ""
    chain_id: int | None = None
    chain_state: str = "loyalty-chain.state"
    deployer_key: str = ""
    minter_key: str = ""
    token_name: str = "Loyalty Points"
    token_symbol: str = "LOYAL"
    transferable: bool = True
    finality_depth: int = 64
    minter_batch_size: int = 200
    minter_batch_age: Decimal = Decimal(2)
    minter_poll_interval: Decimal = Decimal(1)
    minter_stuck_blocks: int = 10
    minter_max_fee_gwei: Decimal = Decimal(1000)
    minter_min_priority_fee_gwei: Decimal = Decimal(30)
    minter_retry_seconds: Decimal = Decimal(5)
    minter_in_serve: bool = True
    minter_fault: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    api_workers: int = 1
    admin_api_key: str = ""
    member_jwt_secret: str = ""
    graphiql: bool = True
    introspection: bool = True
    max_body_bytes: int = 262144
    log_level: str = "INFO"
    ready_max_lag: int = 10
    ws_max_connections: int = 1000
    inbox_concurrency: int = 2
    ws_max_subscriptions: int = 20
    currency: str = "USD"
    custody_mnemonic: str = ""
    wix_public_key: str = ""
    webhook_secrets: tuple[str, ...] = ()
    notify_webhook_secret: str = ""
    smtp_url: str = ""
    smtp_from: str = "loyalty@localhost"
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def embedded_chain(self) -> bool:
        return not self.rpc_url

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        raw = {v.attr: env.get(v.name, v.default) for v in VARIABLES}
        names = {v.attr: v.name for v in VARIABLES}
        chain_id = raw["chain_id"].strip()
        settings = cls(
            database_url=raw["database_url"].strip() or "sqlite:///loyalty.db",
            rpc_url=_rpc_url(names["rpc_url"], raw["rpc_url"]),
            chain_id=_int(names["chain_id"], chain_id, minimum=1) if chain_id else None,
            chain_state=raw["chain_state"].strip(),
            deployer_key=_optional_key(names["deployer_key"], raw["deployer_key"]),
            minter_key=_optional_key(names["minter_key"], raw["minter_key"]),
            token_name=raw["token_name"],
            token_symbol=raw["token_symbol"],
            transferable=_bool(names["transferable"], raw["transferable"]),
            finality_depth=_int(names["finality_depth"], raw["finality_depth"], minimum=1),
            minter_batch_size=_int(
                names["minter_batch_size"], raw["minter_batch_size"], minimum=1, maximum=5000
            ),
            minter_batch_age=_non_negative(names["minter_batch_age"], raw["minter_batch_age"]),
            minter_poll_interval=_non_negative(
                names["minter_poll_interval"], raw["minter_poll_interval"]
            ),
            minter_stuck_blocks=_int(
                names["minter_stuck_blocks"], raw["minter_stuck_blocks"], minimum=1
            ),
            minter_max_fee_gwei=_non_negative(
                names["minter_max_fee_gwei"], raw["minter_max_fee_gwei"]
            ),
            minter_min_priority_fee_gwei=_non_negative(
                names["minter_min_priority_fee_gwei"], raw["minter_min_priority_fee_gwei"]
            ),
            minter_retry_seconds=_non_negative(
                names["minter_retry_seconds"], raw["minter_retry_seconds"]
            ),
            minter_in_serve=_bool(names["minter_in_serve"], raw["minter_in_serve"]),
            minter_fault=_minter_fault(names["minter_fault"], raw["minter_fault"]),
            host=raw["host"],
            port=_int(names["port"], raw["port"], minimum=0, maximum=65535),
            api_workers=_int(names["api_workers"], raw["api_workers"], minimum=1, maximum=64),
            admin_api_key=raw["admin_api_key"].strip(),
            member_jwt_secret=raw["member_jwt_secret"],
            graphiql=_bool(names["graphiql"], raw["graphiql"]),
            introspection=_bool(names["introspection"], raw["introspection"]),
            max_body_bytes=_int(names["max_body_bytes"], raw["max_body_bytes"], minimum=1024),
            log_level=_log_level(names["log_level"], raw["log_level"]),
            ready_max_lag=_int(names["ready_max_lag"], raw["ready_max_lag"], minimum=0),
            ws_max_connections=_int(
                names["ws_max_connections"], raw["ws_max_connections"], minimum=1
            ),
            inbox_concurrency=_int(
                names["inbox_concurrency"], raw["inbox_concurrency"], minimum=0, maximum=64
            ),
            ws_max_subscriptions=_int(
                names["ws_max_subscriptions"], raw["ws_max_subscriptions"], minimum=1, maximum=1000
            ),
            currency=_currency(names["currency"], raw["currency"]),
            custody_mnemonic=" ".join(raw["custody_mnemonic"].split()),
            wix_public_key=raw["wix_public_key"].strip(),
            webhook_secrets=_webhook_secrets(names["webhook_secrets"], raw["webhook_secrets"]),
            notify_webhook_secret=_notify_secret(raw["notify_webhook_secret"]),
            smtp_url=_smtp_url(raw["smtp_url"]),
            smtp_from=raw["smtp_from"].strip() or "loyalty@localhost",
        )
        return settings

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def deployer_private_key(self) -> str:
        if not self.deployer_key and self.embedded_chain:
            return DEV_DEPLOYER_KEY
        return parse_private_key("LOYALTY_DEPLOYER_KEY", self.deployer_key)

    def minter_private_key(self) -> str:
        if not self.minter_key and self.embedded_chain:
            return DEV_MINTER_KEY
        return parse_private_key("LOYALTY_MINTER_KEY", self.minter_key)

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


def setting_names() -> set[str]:
    return {v.name for v in VARIABLES}


assert {f.name for f in fields(Settings)} - {"extra"} == {v.attr for v in VARIABLES}
