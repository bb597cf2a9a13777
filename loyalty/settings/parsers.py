"""Parsers of environment values: each takes the variable's name and its raw text and returns the
typed value, or raises a one-line ConfigError that names the variable (and never echoes a secret).

A parser is `(name, raw) -> value`; the factories (`integer`, `optional`, `choice`) build one.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

from loyalty.errors import ConfigError

T = TypeVar("T")
Parser = Callable[[str, str], T]

_KEY_RE = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def text(name: str, raw: str) -> str:
    """The value as given, spaces included (names, symbols, JWT secrets)."""
    return raw


def stripped(name: str, raw: str) -> str:
    return raw.strip()


def words(name: str, raw: str) -> str:
    """Whitespace-separated words joined by one space (a mnemonic pasted over several lines)."""
    return " ".join(raw.split())


def boolean(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def integer(minimum: int = 0, maximum: int | None = None) -> Parser[int]:
    def parse(name: str, raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"{name} must be an integer, not {raw!r}") from None
        if value < minimum:
            raise ConfigError(f"{name} must be at least {minimum}, not {value}")
        if maximum is not None and value > maximum:
            raise ConfigError(f"{name} must be at most {maximum}, not {value}")
        return value

    return parse


def optional(parser: Parser[T]) -> Parser[T | None]:
    """Blank means None (not set); anything else goes to `parser`."""

    def parse(name: str, raw: str) -> T | None:
        value = raw.strip()
        return parser(name, value) if value else None

    return parse


def non_negative(name: str, raw: str) -> Decimal:
    """A finite decimal number ≥ 0 (seconds, gwei): never a float."""
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise ConfigError(f"{name} must be a decimal number, not {raw.strip()!r}") from None
    if not value.is_finite() or value < 0:
        raise ConfigError(f"{name} must be a number at least 0, not {raw!r}")
    return value


def choice(*allowed: str, empty: bool = False) -> Parser[str]:
    """One of `allowed` (case-insensitive, returned in lower case); blank too when `empty`."""

    def parse(name: str, raw: str) -> str:
        value = raw.strip().lower()
        if (empty and not value) or value in allowed:
            return value
        tail = " or empty" if empty else ""
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}{tail}, not {raw!r}")

    return parse


def log_level(name: str, raw: str) -> str:
    level = raw.strip().upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"{name} must be one of {', '.join(LOG_LEVELS)}, not {raw!r}")
    return level


def currency(name: str, raw: str) -> str:
    code = raw.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ConfigError(f"{name} must be a 3-letter ISO 4217 code such as USD, not {raw!r}")
    return code


def locale(name: str, raw: str) -> str:
    tag = raw.strip()
    # A BCP 47 language tag as browsers' Intl takes it (en-US, fr-FR, de-CH, pt-BR, zh-Hant-TW).
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", tag):
        raise ConfigError(f"{name} must be a language tag such as en-US or fr-FR, not {raw!r}")
    return tag


def rpc_url(name: str, raw: str) -> str:
    url = raw.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(f"{name} must be an http(s):// URL with a host, not {url!r}")
    return url


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


def optional_key(name: str, raw: str) -> str:
    """Unset stays unset (the embedded chain has development keys); a set key must be valid."""
    return parse_private_key(name, raw) if raw.strip() else ""


def webhook_secrets(name: str, raw: str) -> tuple[str, ...]:
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


WHSEC_PREFIX = "whsec_"


def signing_key(name: str, secret: str) -> bytes:
    """The HMAC key of an outbound `whsec_<base64>` secret (24 to 64 bytes; the prefix optional)."""
    raw = secret.strip().removeprefix(WHSEC_PREFIX)
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"{name} must be whsec_ followed by base64 (24 to 64 bytes)") from None
    if not 24 <= len(key) <= 64:
        raise ConfigError(f"{name} must hold 24 to 64 bytes of key")
    return key


def notify_secret(name: str, raw: str) -> str:
    """Refuses a malformed outbound-webhook secret at start, not at the first delivery."""
    secret = raw.strip()
    if secret:
        signing_key(name, secret)
    return secret


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool  # implicit TLS (smtps://)
    starttls: bool
    username: str | None
    password: str | None = field(repr=False)

    @classmethod
    def from_url(cls, url: str, name: str = "LOYALTY_SMTP_URL") -> SmtpServer:
        """smtp://[user:pass@]host[:port][?starttls=true] or smtps://…"""
        parts = urlsplit(url.strip())
        try:
            port = parts.port  # ValueError when not a number in 0-65535
        except ValueError:
            port = -1
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname or port == -1:
            raise ConfigError(
                f"{name} must look like smtp://user:pass@host:587?starttls=true or smtps://host:465"
            )
        tls = parts.scheme == "smtps"
        query = parse_qs(parts.query)
        return cls(
            host=parts.hostname,
            port=port or (465 if tls else 25),
            tls=tls,
            starttls=query.get("starttls", ["false"])[0].lower() == "true",
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


def smtp_url(name: str, raw: str) -> str:
    """Refuses a malformed SMTP URL at start, not at the first e-mail."""
    url = raw.strip()
    if url:
        SmtpServer.from_url(url, name)
    return url
