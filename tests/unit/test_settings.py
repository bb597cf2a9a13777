"""Settings.from_env: parsing, defaults, clear errors, and the README documenting every variable."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from loyalty.errors import ConfigError
from loyalty.settings import (
    DEV_DEPLOYER_KEY,
    DEV_MINTER_KEY,
    VARIABLES,
    Settings,
    parse_private_key,
)

README = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
KEY = "0x" + "ab" * 32


def test_defaults_match_the_declared_variables() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.embedded_chain
    assert settings.database_url == "sqlite:///loyalty.db"
    assert settings.chain_id is None
    assert (settings.port, settings.finality_depth, settings.transferable) == (8000, 64, True)


def test_every_setting_field_is_a_declared_variable() -> None:
    attrs = {v.attr for v in VARIABLES}
    assert {f.name for f in fields(Settings)} - {"extra"} == attrs
    assert len({v.name for v in VARIABLES}) == len(VARIABLES)
    assert all(v.name.startswith("LOYALTY_") for v in VARIABLES)


def test_values_are_parsed_to_their_types() -> None:
    settings = Settings.from_env(
        {
            "LOYALTY_DATABASE_URL": " postgresql://postgres@127.0.0.1:5432/loyalty ",
            "LOYALTY_RPC_URL": "https://rpc-amoy.polygon.technology",
            "LOYALTY_CHAIN_ID": "80002",
            "LOYALTY_TRANSFERABLE": "No",
            "LOYALTY_GRAPHIQL": "0",
            "LOYALTY_INTROSPECTION": "off",
            "LOYALTY_PORT": "9001",
            "LOYALTY_FINALITY_DEPTH": "256",
            "LOYALTY_LOG_LEVEL": "debug",
            "LOYALTY_DEPLOYER_KEY": KEY.upper().replace("0X", ""),
            "LOYALTY_MINTER_KEY": f"  {KEY}\n",
        }
    )
    assert settings.database_url == "postgresql://postgres@127.0.0.1:5432/loyalty"
    assert settings.rpc_url == "https://rpc-amoy.polygon.technology"
    assert not settings.embedded_chain
    assert settings.chain_id == 80002
    assert (settings.transferable, settings.graphiql, settings.introspection) == (
        False,
        False,
        False,
    )
    assert (settings.port, settings.finality_depth, settings.log_level) == (9001, 256, "DEBUG")
    # Keys are normalised to 0x-prefixed lower case, whatever the operator pasted.
    assert settings.deployer_key == KEY
    assert settings.minter_key == KEY


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LOYALTY_TRANSFERABLE", "maybe", "LOYALTY_TRANSFERABLE must be true or false"),
        ("LOYALTY_GRAPHIQL", "", "LOYALTY_GRAPHIQL must be true or false"),
        ("LOYALTY_PORT", "80a", "LOYALTY_PORT must be an integer"),
        ("LOYALTY_PORT", "70000", "LOYALTY_PORT must be at most 65535"),
        ("LOYALTY_PORT", "-1", "LOYALTY_PORT must be at least 0"),
        ("LOYALTY_CHAIN_ID", "polygon", "LOYALTY_CHAIN_ID must be an integer"),
        ("LOYALTY_CHAIN_ID", "0", "LOYALTY_CHAIN_ID must be at least 1"),
        ("LOYALTY_FINALITY_DEPTH", "0", "LOYALTY_FINALITY_DEPTH must be at least 1"),
        ("LOYALTY_FINALITY_DEPTH", "6.4", "LOYALTY_FINALITY_DEPTH must be an integer"),
        ("LOYALTY_MAX_BODY_BYTES", "10", "LOYALTY_MAX_BODY_BYTES must be at least 1024"),
        ("LOYALTY_RPC_URL", "ws://127.0.0.1:8545", "LOYALTY_RPC_URL must be an http(s):// URL"),
        ("LOYALTY_RPC_URL", "127.0.0.1:8545", "LOYALTY_RPC_URL must be an http(s):// URL"),
        ("LOYALTY_RPC_URL", "http://", "LOYALTY_RPC_URL must be an http(s):// URL"),
        ("LOYALTY_LOG_LEVEL", "loud", "LOYALTY_LOG_LEVEL must be one of DEBUG"),
        ("LOYALTY_DEPLOYER_KEY", "0x1234", "LOYALTY_DEPLOYER_KEY is malformed"),
        ("LOYALTY_MINTER_KEY", "zz" * 32, "LOYALTY_MINTER_KEY is malformed"),
        ("LOYALTY_MINTER_KEY", "0x" + "0" * 64, "LOYALTY_MINTER_KEY is malformed: the zero key"),
    ],
)
def test_bad_values_raise_a_config_error_naming_the_variable(
    name: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env({name: value})
    assert str(info.value).startswith(message)
    # One line for the CLI, and a secret key is never echoed back.
    assert "\n" not in str(info.value)
    if name.endswith("_KEY"):
        assert value not in str(info.value)


def test_keys_default_to_development_keys_only_on_the_embedded_chain() -> None:
    embedded = Settings.from_env({})
    assert embedded.deployer_private_key() == DEV_DEPLOYER_KEY
    assert embedded.minter_private_key() == DEV_MINTER_KEY

    remote = Settings.from_env({"LOYALTY_RPC_URL": "http://127.0.0.1:8545"})
    with pytest.raises(ConfigError, match="LOYALTY_DEPLOYER_KEY is not set"):
        remote.deployer_private_key()
    with pytest.raises(ConfigError, match="LOYALTY_MINTER_KEY is not set"):
        remote.minter_private_key()

    configured = Settings.from_env({"LOYALTY_RPC_URL": "http://n:1", "LOYALTY_MINTER_KEY": KEY})
    assert configured.minter_private_key() == KEY


@pytest.mark.parametrize(
    "raw", ["", "   ", "0x", "12", "0x" + "a" * 63, "0x" + "a" * 65, "0x" + "g" * 64]
)
def test_parse_private_key_refuses_anything_but_32_hex_bytes(raw: str) -> None:
    with pytest.raises(ConfigError, match="LOYALTY_X"):
        parse_private_key("LOYALTY_X", raw)


def _readme_configuration_rows() -> dict[str, str]:
    """variable name → its default cell, from the table in docs/configuration.md."""
    section = README.read_text()
    rows: dict[str, str] = {}
    for line in section.splitlines():
        match = re.match(r"^\|\s*`(LOYALTY_[A-Z0-9_]+)`\s*\|([^|]*)\|", line)
        if match:
            rows[match.group(1)] = match.group(2).strip()
    return rows


def test_readme_documents_every_variable_with_its_default() -> None:
    rows = _readme_configuration_rows()
    undocumented = [v.name for v in VARIABLES if v.name not in rows]
    assert not undocumented, f"add these to the table in docs/configuration.md: {undocumented}"
    unknown = sorted(set(rows) - {v.name for v in VARIABLES})
    assert not unknown, f"docs/configuration.md documents variables nothing reads: {unknown}"
    wrong_default = [
        (v.name, v.default, rows[v.name])
        for v in VARIABLES
        if v.default and not v.secret and f"`{v.default}`" not in rows[v.name]
    ]
    assert not wrong_default, f"README default differs from the code: {wrong_default}"
