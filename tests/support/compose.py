"""docker-compose.yml read the way `docker compose` reads it: YAML anchors merged, `${VAR}`,
`${VAR:-default}` and `${VAR:?message}` interpolated from an `.env` mapping."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\?)([^}]*))?\}")


class MissingVariable(Exception):
    """A `${VAR:?message}` whose VAR is unset or empty: compose refuses to start."""


def compose_file() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def interpolate(value: str, dotenv: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3) or ""
        given = dotenv.get(name, "")
        if op == ":-":
            return given or arg
        if op == ":?" and not given:
            raise MissingVariable(f"{name}: {arg}")
        return given

    return _VAR.sub(one, value.replace("$$", "\0")).replace("\0", "$")


def service_environment(service: str, dotenv: Mapping[str, str]) -> dict[str, str]:
    """The environment compose gives `service`'s container, from `dotenv` (the `.env` file)."""
    env = compose_file()["services"][service].get("environment", {})
    return {str(k): interpolate(str(v), dotenv) for k, v in env.items()}


def service_command(service: str) -> list[str]:
    return [str(a) for a in compose_file()["services"][service]["command"]]
