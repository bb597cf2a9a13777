"""The services started with exactly the environment docker-compose.yml gives them (only the
host names `postgres` and `chain` pointed at this machine's PostgreSQL and anvil), so the file and
what the processes require cannot drift apart: deploy, then api, minter and indexer award points
that end final on chain. And a process missing a required setting stops at start, in one line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.anvil import free_port
from tests.support.compose import (
    MissingVariable,
    interpolate,
    service_command,
    service_environment,
)

pytestmark = [pytest.mark.timeout(300)]

BIN = Path(sys.executable).parent / "loyalty"
LOYALTY = ["deploy", "api", "minter", "indexer"]


def _new_mnemonic() -> str:
    out = subprocess.run([str(BIN), "keys", "mnemonic"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    words = out.stdout.split()
    assert len(words) == 24
    return " ".join(words)


def test_interpolation_follows_compose() -> None:
    env = {"A": "x", "EMPTY": ""}
    assert interpolate("${A}-${B:-d}-${EMPTY:-e}-$${A}", env) == "x-d-e-${A}"
    with pytest.raises(MissingVariable, match="NOPE: say why"):
        interpolate("${NOPE:?say why}", env)


def test_compose_refuses_to_start_without_the_admin_key_or_the_custody_mnemonic() -> None:
    mnemonic = "test test test test test test test test test test test junk"
    with pytest.raises(MissingVariable, match="LOYALTY_CUSTODY_MNEMONIC"):
        service_environment("api", {"LOYALTY_ADMIN_API_KEY": "k"})
    with pytest.raises(MissingVariable, match="LOYALTY_ADMIN_API_KEY"):
        service_environment("api", {"LOYALTY_CUSTODY_MNEMONIC": mnemonic})


def _on_this_machine(env: dict[str, str], postgres_url: str, rpc_url: str) -> dict[str, str]:
    """Only the two host names change: the rest is compose's environment as it is."""
    assert urlsplit(env["LOYALTY_DATABASE_URL"]).hostname == "postgres"
    assert urlsplit(env["LOYALTY_RPC_URL"]).hostname == "chain"
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("LOYALTY_")}
    return {**inherited, **env, "LOYALTY_DATABASE_URL": postgres_url, "LOYALTY_RPC_URL": rpc_url}


def _with_ports(command: list[str], ports: dict[str, int]) -> list[str]:
    out = list(command)
    for flag, port in ports.items():
        if flag in out:
            out[out.index(flag) + 1] = str(port)
    return out


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for p in started:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def test_compose_environment_deploys_serves_and_awards_points_on_chain(
    postgres_url: str, anvil_factory: Any, tmp_path: Path, processes: list[Any]
) -> None:
    anvil = anvil_factory("--block-time", "1", "--slots-in-an-epoch", "1", chain_id=80002)
    admin_key = "compose-admin-" + uuid.uuid4().hex
    dotenv = {"LOYALTY_ADMIN_API_KEY": admin_key, "LOYALTY_CUSTODY_MNEMONIC": _new_mnemonic()}
    envs = {s: service_environment(s, dotenv) for s in LOYALTY}
    assert all(e == envs["api"] for e in envs.values())  # one environment for every service
    env = _on_this_machine(envs["api"], postgres_url, anvil.url)

    deploy = subprocess.run(
        [str(BIN), *service_command("deploy")[1:]],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert deploy.returncode == 0, deploy.stderr
    api_port = free_port()
    for name in ["api", "minter", "indexer"]:
        command = _with_ports(service_command(name), {"--metrics-port": free_port()})
        command = _with_ports(command, {"--port": api_port})
        command = [str(BIN), *(a if a != "0.0.0.0" else "127.0.0.1" for a in command[1:])]
        log = (tmp_path / f"{name}.log").open("wb")
        processes.append(subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT))

    url = f"http://127.0.0.1:{api_port}"
    http = httpx.Client(timeout=30, headers={"Authorization": f"Bearer {admin_key}"})

    def gql(query: str) -> dict[str, Any]:
        body = http.post(f"{url}/graphql", json={"query": query}).json()
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def logs() -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}" for p in tmp_path.glob("*.log")
        )

    deadline = time.monotonic() + 60
    while True:
        try:
            if http.get(f"{url}/readyz").status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"the API never became ready\n{logs()}"
        time.sleep(0.5)

    gql(
        'mutation { createEarningRule(earningRule: {title: "2 points per dollar", '
        'triggerAppId: "stores", triggerActivityType: "stores/OrderPaid", '
        'conversionRate: {configs: [{tierId: null, moneyAmount: "1", points: 2}]}}) { id } }'
    )
    awarded = gql(
        'mutation { recordActivity(input: {idempotencyKey: "order-1001-paid", memberId: "ann", '
        'activityType: "stores/OrderPaid", triggerAppId: "stores", orderId: "1001", '
        'amount: {value: "59.90", currency: "USD"}}) { awards { points } } }'
    )
    assert [a["points"] for a in awarded["recordActivity"]["awards"]] == [119]

    deadline = time.monotonic() + 120
    while True:
        points = gql('{ account(memberId: "ann") { points { balance pending onchain } } }')
        if points["account"]["points"] == {"balance": 119, "pending": 0, "onchain": 119}:
            break
        assert time.monotonic() < deadline, f"never final on chain: {points}\n{logs()}"
        time.sleep(1)


@pytest.mark.parametrize(
    ("mnemonic", "says"),
    [("", "LOYALTY_CUSTODY_MNEMONIC is not set"), ("not a mnemonic", "not a valid BIP-39")],
)
@pytest.mark.parametrize("command", [["api"], ["serve"]])
def test_a_missing_or_malformed_custody_mnemonic_stops_the_api_at_start_in_one_line(
    command: list[str], mnemonic: str, says: str, tmp_path: Path
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LOYALTY_")},
        "LOYALTY_DATABASE_URL": f"sqlite:///{tmp_path / 'never.db'}",
        "LOYALTY_RPC_URL": "http://127.0.0.1:9",  # never reached: the check comes first
        "LOYALTY_CUSTODY_MNEMONIC": mnemonic,
    }
    run = subprocess.run(
        [str(BIN), *command, "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "never.db").exists()  # nothing was created before the refusal
