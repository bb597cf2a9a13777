"""What the HTTP API reads, and nothing else: credentials, GraphQL and WebSocket limits, the
webhooks' verifiers, the readiness lag, the inbox's concurrency, the program's currency, the
custody mnemonic and the node's URL (for the audit). Built once by `create_app` from the
settings and handed to every resolver in the request context (`info.context.config`); the
defaults live in the settings table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from loyalty.custody import Custody, custody_for
from loyalty.errors import ConfigError

if TYPE_CHECKING:
    from loyalty.settings import Settings


@dataclass(frozen=True)
class ApiConfig:
    admin_api_key: str = field(repr=False)  # bootstrap admin key; "" for none
    member_jwt_secret: str = field(repr=False)  # HS256 secret of member tokens; "" refuses them
    member_jwt_max_lifetime: int  # seconds a member token may be valid at most
    member_jwt_audience: str  # required `aud` of member tokens; "": none allowed
    member_jwt_issuer: str  # required `iss` of member tokens; "": not checked
    webhook_allow_private: bool  # the program's webhookUrl may be a loopback/private address
    graphiql: bool
    introspection: bool
    max_body_bytes: int
    import_max_bytes: int  # an import's upload (POST /import, importMembers)
    ws_max_connections: int
    ws_max_subscriptions: int
    inbox_concurrency: int  # webhook events applied at once after answering; 0: none here
    ready_max_lag: int  # /readyz fails while the indexer is more blocks behind the head
    currency: str  # the program's base currency
    locale: str  # the program's language tag (the console's number and date formats)
    wix_public_key: str  # verifies POST /webhooks/wix; "": that endpoint answers 503
    webhook_secrets: tuple[str, ...] = field(repr=False)  # POST /webhooks/events; (): 503
    rpc_url: str  # the node the audit reads (indexer.rpc.rpc_for); "": the embedded chain
    # The custody mnemonic (the development one on the embedded chain), or why there is none.
    custody_mnemonic: str = field(repr=False)
    custody_missing: str = field(default="", repr=False)
    # The key memberStatement signs with (the development one on the embedded chain), or why
    # there is none (memberStatement then answers UNAVAILABLE with it).
    statement_key: str = field(default="", repr=False)
    statement_missing: str = field(default="", repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> ApiConfig:
        try:
            mnemonic, missing = settings.custody_mnemonic_or_dev(), ""
        except ConfigError as exc:  # refused when a member's address is first needed
            mnemonic, missing = "", str(exc)
        try:
            statement_key, statement_missing = settings.statement_private_key(), ""
        except ConfigError as exc:
            statement_key, statement_missing = "", str(exc)
        return cls(
            admin_api_key=settings.admin_api_key,
            member_jwt_secret=settings.member_jwt_secret,
            member_jwt_max_lifetime=settings.member_jwt_max_lifetime,
            member_jwt_audience=settings.member_jwt_audience,
            member_jwt_issuer=settings.member_jwt_issuer,
            webhook_allow_private=settings.notify_webhook_allow_private,
            graphiql=settings.graphiql,
            introspection=settings.introspection,
            max_body_bytes=settings.max_body_bytes,
            import_max_bytes=settings.import_max_bytes,
            ws_max_connections=settings.ws_max_connections,
            ws_max_subscriptions=settings.ws_max_subscriptions,
            inbox_concurrency=settings.inbox_concurrency,
            ready_max_lag=settings.ready_max_lag,
            currency=settings.currency,
            locale=settings.locale,
            wix_public_key=settings.wix_public_key,
            webhook_secrets=settings.webhook_secrets,
            rpc_url=settings.rpc_url,
            custody_mnemonic=mnemonic,
            custody_missing=missing,
            statement_key=statement_key,
            statement_missing=statement_missing,
        )

    def custody(self) -> Custody:
        """Members' custodial addresses; ConfigError when no mnemonic is set on a real node."""
        if self.custody_missing:
            raise ConfigError(self.custody_missing)
        return custody_for(self.custody_mnemonic)
