"""One environment variable: its name, parser, default (as the text an operator would write) and
help. `var(...)` declares a typed Settings field from one, so each default is written once."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from loyalty.settings.parsers import Parser

T = TypeVar("T")
PREFIX = "LOYALTY_"
_KEY = "variable"


@dataclass(frozen=True)
class Variable:
    name: str
    parser: Parser[Any]
    default: str
    help: str
    secret: bool = False  # never echoed; its default is not compared with the docs
    blank_is_default: bool = False  # a set-but-blank value means the default

    @property
    def attr(self) -> str:
        """The Settings field: LOYALTY_MINTER_BATCH_SIZE → minter_batch_size."""
        return self.name.removeprefix(PREFIX).lower()

    def parse(self, raw: str) -> Any:
        if self.blank_is_default and not raw.strip():
            raw = self.default
        return self.parser(self.name, raw)

    def read(self, env: Mapping[str, str]) -> Any:
        return self.parse(env.get(self.name, self.default))


def var(
    name: str,
    parser: Parser[T],
    default: str,
    help: str,
    *,
    secret: bool = False,
    blank_is_default: bool = False,
) -> T:
    """A dataclass field whose default is `default` parsed, carrying its Variable."""
    variable = Variable(name, parser, default, help, secret, blank_is_default)
    value: T = variable.parse(default)
    return dataclasses.field(default=value, metadata={_KEY: variable})


def variables_of(cls: type) -> tuple[Variable, ...]:
    """The Variables of a dataclass declared with `var`, in declaration order. Each field must be
    named after its variable, and every field must have one."""
    found = []
    for f in dataclasses.fields(cls):
        variable = f.metadata.get(_KEY)
        if not isinstance(variable, Variable):
            raise TypeError(f"{cls.__name__}.{f.name} is not declared with var(...)")
        if variable.attr != f.name or not variable.name.startswith(PREFIX):
            raise TypeError(f"{cls.__name__}.{f.name} must be read from {PREFIX}{f.name.upper()}")
        found.append(variable)
    if len({v.name for v in found}) != len(found):
        raise TypeError(f"{cls.__name__} declares a variable twice")
    return tuple(found)
