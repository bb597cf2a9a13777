"""The small configs each part is handed instead of the whole Settings."""

from __future__ import annotations

import ast
import base64
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from api.config import ApiConfig
from loyalty.custody import custody_for
from loyalty.errors import ConfigError
from loyalty.notify.config import NotifyConfig
from loyalty.settings import DEV_CUSTODY_MNEMONIC, DEV_MINTER_KEY, Settings
from minter.config import MinterConfig

ROOT = Path(__file__).resolve().parents[2]
KEY = b"k" * 32
SECRET = "whsec_" + base64.b64encode(KEY).decode()


def test_notify_config_holds_the_parsed_key_server_and_sender() -> None:
    settings = Settings.from_env(
        {
            "LOYALTY_NOTIFY_WEBHOOK_SECRET": SECRET,
            "LOYALTY_SMTP_URL": "smtp://ann:p%40ss@mail.example:587?starttls=true",
            "LOYALTY_SMTP_FROM": "shop@example.com",
        }
    )
    config = NotifyConfig.from_settings(settings)
    assert config.webhook_key == KEY
    assert config.smtp is not None
    assert (config.smtp.host, config.smtp.port, config.smtp.starttls) == ("mail.example", 587, True)
    assert (config.smtp.username, config.smtp.password) == ("ann", "p@ss")
    assert config.mail_from == "shop@example.com"
    # Neither the key nor the SMTP password shows in logs of the config.
    assert "p@ss" not in repr(config) and repr(KEY) not in repr(config)


def test_notify_config_is_empty_by_default() -> None:
    config = NotifyConfig.from_settings(Settings())
    assert (config.webhook_key, config.smtp, config.mail_from) == (None, None, "loyalty@localhost")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LOYALTY_SMTP_URL", "smtp://mail.example:port", "LOYALTY_SMTP_URL must look like smtp://"),
        ("LOYALTY_SMTP_URL", "smtp://mail.example:70000", "LOYALTY_SMTP_URL must look like"),
        ("LOYALTY_SMTP_URL", "http://mail.example", "LOYALTY_SMTP_URL must look like"),
        ("LOYALTY_NOTIFY_WEBHOOK_SECRET", "whsec_!!", "LOYALTY_NOTIFY_WEBHOOK_SECRET must be"),
        ("LOYALTY_NOTIFY_WEBHOOK_SECRET", "whsec_AAAA", "LOYALTY_NOTIFY_WEBHOOK_SECRET must hold"),
    ],
)
def test_bad_notify_values_are_refused_at_start(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env({name: value})
    assert str(info.value).startswith(message)


def test_minter_config_is_what_the_minter_reads_of_the_settings() -> None:
    settings = Settings.from_env(
        {
            "LOYALTY_RPC_URL": "http://node.invalid:8545",
            "LOYALTY_MINTER_KEY": "AB" * 32,
            "LOYALTY_MINTER_BATCH_SIZE": "50",
            "LOYALTY_MINTER_BATCH_AGE": "0.5",
            "LOYALTY_MINTER_POLL_INTERVAL": "0.25",
            "LOYALTY_MINTER_STUCK_BLOCKS": "3",
            "LOYALTY_MINTER_MAX_FEE_GWEI": "12.5",
            "LOYALTY_MINTER_MIN_PRIORITY_FEE_GWEI": "2",
            "LOYALTY_MINTER_RETRY_SECONDS": "7",
            "LOYALTY_FINALITY_DEPTH": "256",
            "LOYALTY_MINTER_FAULT": "after_save",
            "LOYALTY_MINTER_COMMIT": "true",
        }
    )
    config = MinterConfig.from_settings(settings)
    assert config == MinterConfig(
        key="0x" + "ab" * 32,
        batch_size=50,
        batch_age=dt.timedelta(milliseconds=500),
        poll_interval=0.25,
        stuck_blocks=3,
        max_fee_gwei=Decimal("12.5"),
        min_priority_fee_gwei=Decimal(2),
        retry=dt.timedelta(seconds=7),
        finality_depth=256,
        commit=True,
        fault="after_save",
    )
    assert "ab" * 32 not in repr(config)


def test_minter_config_needs_a_key_on_a_real_node_only() -> None:
    assert MinterConfig.from_settings(Settings()).key == DEV_MINTER_KEY
    with pytest.raises(ConfigError, match="LOYALTY_MINTER_KEY is not set"):
        MinterConfig.from_settings(Settings(rpc_url="http://node.invalid:8545"))


def test_api_config_is_what_the_api_reads_of_the_settings() -> None:
    settings = Settings(
        admin_api_key="admin-key-1234",
        member_jwt_secret="jwt-secret-5678",
        graphiql=False,
        introspection=False,
        max_body_bytes=4096,
        ws_max_connections=7,
        ws_max_subscriptions=3,
        inbox_concurrency=0,
        ready_max_lag=5,
        currency="EUR",
        wix_public_key="pem",
        webhook_secrets=(SECRET,),
        rpc_url="http://node.invalid:8545",
        custody_mnemonic=DEV_CUSTODY_MNEMONIC,
    )
    config = ApiConfig.from_settings(settings)
    assert (config.admin_api_key, config.member_jwt_secret) == ("admin-key-1234", "jwt-secret-5678")
    assert (config.graphiql, config.introspection, config.max_body_bytes) == (False, False, 4096)
    assert (config.ws_max_connections, config.ws_max_subscriptions) == (7, 3)
    assert (config.inbox_concurrency, config.ready_max_lag, config.currency) == (0, 5, "EUR")
    assert (config.wix_public_key, config.webhook_secrets) == ("pem", (SECRET,))
    assert config.rpc_url == "http://node.invalid:8545"
    assert config.custody().address_for(1) == custody_for(DEV_CUSTODY_MNEMONIC).address_for(1)
    for secret in ("admin-key-1234", "jwt-secret-5678", SECRET, "junk"):
        assert secret not in repr(config)


def test_api_config_refuses_custody_only_when_it_is_needed() -> None:
    embedded = ApiConfig.from_settings(Settings())
    assert embedded.custody() is custody_for(DEV_CUSTODY_MNEMONIC)
    remote = ApiConfig.from_settings(Settings(rpc_url="http://node.invalid:8545"))
    with pytest.raises(ConfigError, match="LOYALTY_CUSTODY_MNEMONIC is not set"):
        remote.custody()


# Only these modules turn Settings into a part's config (composition aside, in cli/).
BUILDERS = {
    "api/app.py",
    "api/config.py",
    "minter/config.py",
    "loyalty/notify/config.py",
    "indexer/config.py",
}


@pytest.mark.parametrize("package", ["api", "minter", "loyalty/notify", "indexer"])
def test_the_parts_read_their_config_never_the_settings(package: str) -> None:
    """Resolvers, the minter, the notifier and the indexer are handed their config; none
    reaches for `.settings` (e.g. runtime.settings) or imports Settings itself."""
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        name = str(path.relative_to(ROOT))
        if name in BUILDERS:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "settings":
                offenders.append(f"{name}:{node.lineno} reads .settings")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "loyalty.settings"
            ):
                names = {alias.name for alias in node.names}
                if "Settings" in names or node.module == "loyalty.settings.variables":
                    offenders.append(f"{name}:{node.lineno} imports Settings")
    assert not offenders, offenders
