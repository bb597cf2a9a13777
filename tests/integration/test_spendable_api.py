"""`account { points { spendable } }`: for a member whose wallet of their own holds less than the
ledger says (they sent points away; the transfer is indexed but not final yet), what they can
spend is what the wallet covers, on a transferable token only. SQLite and PostgreSQL, no chain:
the deployment and the indexed balance are rows as the deployer and the indexer write them."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, update

from loyalty.db.ledger import members
from loyalty.db.onchain import balances
from loyalty.db.tables import deployments
from tests.integration.test_account_reads import Api, api  # noqa: F401 (the fixture)

WALLET = "0x" + "cd" * 20
POINTS = """query($m: String!) { account(memberId: $m) { points { balance spendable } } }"""


@pytest.mark.parametrize("transferable", [True, False])
async def test_spendable_is_capped_by_the_wallet_on_a_transferable_token(
    api: Api,  # noqa: F811
    transferable: bool,
) -> None:
    before = (await api.ok(POINTS, {"m": "m0"}))["account"]["points"]
    assert before == {"balance": 40, "spendable": 40}  # custodial: the ledger is the whole truth
    now = dt.datetime.now(dt.UTC)
    async with api.runtime.async_engine.begin() as conn:
        await conn.execute(
            insert(deployments).values(
                chain_id=31337,
                address="0x" + "70" * 20,
                deployment_block=1,
                tx_hash="0x" + "11" * 32,
                deployer="0x" + "01" * 20,
                minter="0x" + "02" * 20,
                name="Points",
                symbol="PTS",
                transferable=transferable,
                compiler_version="test",
                created_at=now,
            )
        )
        await conn.execute(
            update(members).where(members.c.member_id == "m0").values(wallet_address=WALLET)
        )
        await conn.execute(insert(balances).values(address=WALLET, balance=25, block_number=9))
    after = (await api.ok(POINTS, {"m": "m0"}))["account"]["points"]
    assert after == {"balance": 40, "spendable": 25 if transferable else 40}
