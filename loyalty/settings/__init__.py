"""Settings, read once from the environment and passed in: nothing reads os.environ elsewhere.

- variables.py: `Settings`, the table of every variable (`var(name, parser, default, help)`);
- variable.py: `Variable` and `var`, how one entry becomes a typed field with one default;
- parsers.py: the parsers, each raising a ConfigError that names its variable.
"""

from loyalty.settings.parsers import parse_private_key
from loyalty.settings.variable import Variable
from loyalty.settings.variables import (
    DEV_CUSTODY_MNEMONIC,
    DEV_DEPLOYER_KEY,
    DEV_MINTER_KEY,
    DEV_STATEMENT_KEY,
    MINTER_FAULTS,
    VARIABLES,
    Settings,
    setting_names,
)

__all__ = [
    "DEV_CUSTODY_MNEMONIC",
    "DEV_DEPLOYER_KEY",
    "DEV_MINTER_KEY",
    "DEV_STATEMENT_KEY",
    "MINTER_FAULTS",
    "VARIABLES",
    "Settings",
    "Variable",
    "parse_private_key",
    "setting_names",
]
