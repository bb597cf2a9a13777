"""Erasure against a real chain (anvil), on SQLite and PostgreSQL: a program made through the
real mutations is minted and burned to final and indexed; `loyalty audit` (indexed balances
against balanceOf and totalSupply, every ledger batch on chain once, every member's address
against their ledger balance) and `loyalty audit --proofs` are clean, and stay clean with the
same digest after `eraseMember`: the pseudonymous account keeps its address and entries."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.app import create_app
from loyalty.runtime import Runtime
from loyalty.services.proofs import ProofBooks, current_book
from loyalty.settings import DEV_CUSTODY_MNEMONIC
from tests.integration._member_data import SUBJECT, seed
from tests.integration._rules_client import ADMIN_KEY, JWT_SECRET, Api
from tests.integration.test_member_proofs_chain import World
from tests.support.anvil import AnvilNode
from tests.support.minter import make_env, step_until_final

pytestmark = pytest.mark.anvil

ERASE = """mutation($m: String!) { eraseMember(memberId: $m, confirm: $m) { pseudonym } }"""


@pytest.fixture
async def world(
    anvil: AnvilNode,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> AsyncIterator[World]:
    env = make_env(
        anvil,
        database_url,
        admin_api_key=ADMIN_KEY,
        member_jwt_secret=JWT_SECRET,
        minter_in_serve=False,
        custody_mnemonic=DEV_CUSTODY_MNEMONIC,
    )
    runtime = Runtime.start(env.settings, deploy_if_missing=False)
    try:
        transport = httpx.ASGITransport(app=create_app(env.settings, runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            api = Api(client, runtime)
            await seed(api, webhook_url=None)
            yield World(env, api, monkeypatch, capsys)
    finally:
        await runtime.aclose()
        env.close()


def audit(world: World, *args: str) -> tuple[int, dict[str, Any]]:
    world.capsys.readouterr()
    code = world.cli("audit", *args, "--json")
    return code, json.loads(world.capsys.readouterr().out)


async def test_the_audits_stay_clean_after_an_erasure(world: World) -> None:
    step_until_final(world.env, world.env.minter())
    assert world.cli("indexer", "--once") == 0
    code, before = audit(world)
    assert code == 0 and before["clean"], before
    await current_book(world.api.runtime.unit_of_work(), ProofBooks())  # every member salted
    code, proofs = audit(world, "--proofs")
    assert (code, proofs["findings"]) == (0, []), proofs

    await world.api.ok(ERASE, {"m": SUBJECT})

    code, after = audit(world)
    assert code == 0 and after["clean"], after
    assert (after["digest"], after["chainSupply"]) == (before["digest"], before["chainSupply"])
    code, proofs_after = audit(world, "--proofs")
    assert (code, proofs_after["findings"]) == (0, []), proofs_after
    assert proofs_after["total_balance"] == proofs["total_balance"]
