"""The variable table behind Settings: one entry per variable (its parser, its default written
once, its help), parse errors that name the variable, and nothing connected at import."""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass, fields
from decimal import Decimal
from pathlib import Path

import pytest

from loyalty.errors import ConfigError
from loyalty.settings import VARIABLES, Settings
from loyalty.settings import parsers as p
from loyalty.settings.variable import Variable, var, variables_of

ROOT = Path(__file__).resolve().parents[2]
# Raw values that break one parser or another; each variable must take them or refuse them
# with one ConfigError line that names it.
JUNK = ["", " ", "x", "-1", "1.5", "NaN", "0x12", "ws://h", "whsec_AAAA", "ftp://h", "70000"]


def test_each_field_default_is_its_variable_default_parsed() -> None:
    defaults = {f.name: f.default for f in fields(Settings)}
    for v in VARIABLES:
        assert defaults[v.attr] == v.parse(v.default), v.name
        assert v.read({}) == defaults[v.attr], v.name
        assert v.help.strip(), f"{v.name} has no help"


def test_each_default_is_written_once() -> None:
    """A distinctive default appears once in the table and nowhere else in the code."""
    table = ROOT / "loyalty" / "settings" / "variables.py"
    counts: dict[str, int] = {}
    sources = [
        path
        for package in ("loyalty", "api", "cli", "minter", "indexer", "audit")
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    ]
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                key = node.value
                counts[key] = counts.get(key, 0) + (100 if path != table else 1)
    distinctive = [v.default for v in VARIABLES if len(v.default) > 9 and not v.default.isdigit()]
    assert "sqlite:///loyalty.db" in distinctive
    for default in distinctive:
        assert counts.get(default) == 1, f"{default!r} is written {counts.get(default)} times"


@pytest.mark.parametrize("variable", VARIABLES, ids=lambda v: v.name)
def test_a_bad_value_is_a_one_line_config_error_naming_the_variable(variable: Variable) -> None:
    for raw in JUNK:
        try:
            variable.read({variable.name: raw})
        except ConfigError as exc:
            message = str(exc)
            assert message.startswith(variable.name), message
            assert "\n" not in message
            if variable.secret and len(raw.strip()) >= 4:
                assert raw.strip() not in message, f"{variable.name} echoes its secret"


def test_from_env_parses_each_variable_with_its_parser() -> None:
    settings = Settings.from_env(
        {
            "LOYALTY_MINTER_BATCH_AGE": " 0.25 ",
            "LOYALTY_MINTER_FAULT": "AFTER_SAVE",
            "LOYALTY_CURRENCY": "eur",
            "LOYALTY_CUSTODY_MNEMONIC": " a  b\n c ",
            "LOYALTY_CHAIN_ID": " ",
            "LOYALTY_TOKEN_NAME": " Spaced ",
        }
    )
    assert settings.minter_batch_age == Decimal("0.25")
    assert settings.minter_fault == "after_save"
    assert settings.currency == "EUR"
    assert settings.custody_mnemonic == "a b c"
    assert settings.chain_id is None
    assert settings.token_name == " Spaced "  # taken as given


def test_a_blank_value_means_the_default_only_where_declared() -> None:
    blank = Settings.from_env({"LOYALTY_DATABASE_URL": "  ", "LOYALTY_SMTP_FROM": ""})
    assert (blank.database_url, blank.smtp_from) == (Settings.database_url, Settings.smtp_from)
    assert Settings.from_env({"LOYALTY_CHAIN_STATE": ""}).chain_state == ""  # in memory
    with pytest.raises(ConfigError, match="LOYALTY_PORT must be an integer"):
        Settings.from_env({"LOYALTY_PORT": ""})


def test_the_first_bad_variable_in_table_order_is_reported() -> None:
    with pytest.raises(ConfigError, match=r"^LOYALTY_RPC_URL"):
        Settings.from_env({"LOYALTY_PORT": "x", "LOYALTY_RPC_URL": "ws://h"})


def test_a_new_variable_is_one_entry() -> None:
    @dataclass(frozen=True)
    class Extra:
        answer: int = var("LOYALTY_ANSWER", p.integer(minimum=1), "42", "The answer.")
        label: str = var("LOYALTY_LABEL", p.stripped, "x", "A label.", blank_is_default=True)

    (answer, label) = variables_of(Extra)
    assert Extra() == Extra(42, "x")
    assert (answer.name, answer.attr, answer.default) == ("LOYALTY_ANSWER", "answer", "42")
    assert answer.read({"LOYALTY_ANSWER": "7"}) == 7
    assert label.read({"LOYALTY_LABEL": " "}) == "x"
    with pytest.raises(ConfigError, match="LOYALTY_ANSWER must be at least 1"):
        answer.read({"LOYALTY_ANSWER": "0"})


def test_a_default_the_parser_refuses_fails_at_declaration() -> None:
    with pytest.raises(ConfigError, match="LOYALTY_BAD must be true or false"):
        var("LOYALTY_BAD", p.boolean, "perhaps", "Broken.")


def test_fields_must_be_named_after_their_variable_and_declared_with_var() -> None:
    @dataclass(frozen=True)
    class Misnamed:
        port: int = var("LOYALTY_HTTP_PORT", p.integer(), "1", "Port.")

    @dataclass(frozen=True)
    class Plain:
        port: int = 1

    with pytest.raises(TypeError, match="LOYALTY_PORT"):
        variables_of(Misnamed)
    with pytest.raises(TypeError, match="not declared with var"):
        variables_of(Plain)


def test_importing_settings_connects_to_nothing() -> None:
    code = (
        "import sys, loyalty.settings\n"
        "heavy = {'sqlalchemy', 'web3', 'httpx', 'eth_tester', 'smtplib'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
