"""`loyalty minter`: expected failures are one line and exit 2; `--once` does one step."""

from __future__ import annotations

import json

import pytest

from cli.main import main
from tests.support.anvil import ANVIL_KEYS, AnvilNode
from tests.support.minter import insert_requests, make_env, member_address, tx_rows


def _env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_minter_refuses_the_embedded_chain(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], sqlite_url: str
) -> None:
    _env(monkeypatch, LOYALTY_DATABASE_URL=sqlite_url, LOYALTY_RPC_URL="")
    assert main(["minter"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "needs LOYALTY_RPC_URL" in err


def test_minter_without_a_deployment_says_to_deploy(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sqlite_url: str,
    anvil: AnvilNode,
) -> None:
    _env(
        monkeypatch,
        LOYALTY_DATABASE_URL=sqlite_url,
        LOYALTY_RPC_URL=anvil.url,
        LOYALTY_MINTER_KEY=ANVIL_KEYS[1],
    )
    assert main(["minter", "--once"]) == 2
    assert "loyalty deploy" in capsys.readouterr().err


def test_minter_once_takes_one_step(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sqlite_url: str,
    anvil: AnvilNode,
) -> None:
    env = make_env(anvil, sqlite_url)
    try:
        insert_requests(env.engine, [("MINT", member_address(1), 3)])
        _env(
            monkeypatch,
            LOYALTY_DATABASE_URL=sqlite_url,
            LOYALTY_RPC_URL=anvil.url,
            LOYALTY_MINTER_KEY=ANVIL_KEYS[1],
            LOYALTY_MINTER_BATCH_AGE="0",
        )
        assert main(["minter", "--once"]) == 0
        assert json.loads(capsys.readouterr().out) == {"formed": 1, "sent": 1, "finalized": 0}
        assert len(tx_rows(env.engine)) == 1
        # A wrong key for the deployed minter is refused before anything is signed.
        monkeypatch.setenv("LOYALTY_MINTER_KEY", ANVIL_KEYS[3])
        assert main(["minter", "--once"]) == 2
        assert "use that wallet's key" in capsys.readouterr().err
        assert len(tx_rows(env.engine)) == 1
    finally:
        env.close()
