"""docker-compose.yml cannot be run here (no Docker engine), so its contract is checked:
every service command is a valid `loyalty` command and every variable it uses is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from cli.main import build_parser
from loyalty.settings import Settings, setting_names
from tests.support.compose import service_environment

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
LOYALTY_SERVICES = [n for n, s in SERVICES.items() if s.get("command", [""])[0] == "loyalty"]


def test_topology_has_every_part() -> None:
    assert {"postgres", "chain", "deploy", "api", "minter", "indexer"} <= set(SERVICES)
    chain_cmd = " ".join(SERVICES["chain"]["command"])
    assert "--chain-id 80002" in chain_cmd and "--block-time 2" in chain_cmd


@pytest.mark.parametrize("name", LOYALTY_SERVICES)
def test_service_command_is_a_valid_loyalty_command(name: str) -> None:
    command = SERVICES[name]["command"]
    args = build_parser().parse_args(command[1:])  # argparse exits (fails the test) if invalid
    assert callable(args.handler)


@pytest.mark.parametrize("name", LOYALTY_SERVICES)
def test_service_uses_only_documented_variables(name: str) -> None:
    env = SERVICES[name].get("environment", {})
    readme = (ROOT / "docs" / "configuration.md").read_text()
    for var in env:
        assert var in setting_names(), f"{name} sets {var}, which Settings does not read"
        assert f"`{var}`" in readme, f"{var} is not documented in docs/configuration.md"


def test_long_running_services_have_health_checks_and_restart_policies() -> None:
    for name in ["postgres", "chain", "api", "minter", "indexer"]:
        service = SERVICES[name]
        assert "healthcheck" in service, name
        assert service.get("restart") == "unless-stopped", name
    assert SERVICES["deploy"]["restart"] == "no"


def test_dependencies_wait_for_health_and_the_deploy() -> None:
    for name in ["api", "minter", "indexer"]:
        deps = SERVICES[name]["depends_on"]
        assert deps["postgres"]["condition"] == "service_healthy"
        assert deps["deploy"]["condition"] == "service_completed_successfully"


def test_variables_interpolated_from_the_host_are_documented() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    readme = (ROOT / "docs" / "configuration.md").read_text()
    for var in set(re.findall(r"\$\{(LOYALTY_[A-Z_]+)", text)):
        assert f"`{var}`" in readme, var


def test_production_api_has_no_graphiql_and_no_introspection() -> None:
    dotenv = {"LOYALTY_ADMIN_API_KEY": "k", "LOYALTY_CUSTODY_MNEMONIC": "m"}
    env = service_environment("api", dotenv)
    assert env["LOYALTY_GRAPHIQL"] == "false" and env["LOYALTY_INTROSPECTION"] == "false"
    settings = Settings.from_env({k: v for k, v in env.items() if k != "LOYALTY_CUSTODY_MNEMONIC"})
    assert (settings.graphiql, settings.introspection) == (False, False)
