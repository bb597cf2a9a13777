"""Wallet linking by personal_sign of a single-use nonce; the custodial balance moves with it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from loyalty.db.engine import make_async_engine
from loyalty.db.outbox import BURN, MINT, chain_requests
from loyalty.domain.errors import Conflict, InvalidInput, NotFound
from loyalty.services.members import create_member
from loyalty.services.wallets import issue_challenge, link_wallet
from tests.integration.test_activities import purchase, record
from tests.support.ledger import CUSTODY, add_rate_rule, written
from tests.support.reads import account_of
from tests.support.uow import uow_for

WALLET = Account.create()
OTHER = Account.create()


def sign(account, message: str) -> str:  # type: ignore[no-untyped-def]
    return "0x" + account.sign_message(encode_defunct(text=message)).signature.hex().removeprefix(
        "0x"
    )


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_async_engine(database_url)
    await add_rate_rule(eng, per="1", points=1)
    yield eng
    await eng.dispose()


async def test_linking_moves_the_custodial_balance_and_later_mints_go_to_the_wallet(
    engine: AsyncEngine,
) -> None:
    await record(engine, purchase("p1", value="30"))
    custodial = (await account_of(engine, "m1")).member.custodial_address
    challenge = await issue_challenge(uow_for(engine), "m1")
    assert "m1" in challenge.message and challenge.nonce in challenge.message
    member = await link_wallet(
        uow_for(engine), "m1", WALLET.address, sign(WALLET, challenge.message)
    )
    assert member.wallet_address == WALLET.address.lower()
    assert member.receiving_address == WALLET.address.lower()
    await record(engine, purchase("p2", order="o2", value="5"))
    async with engine.connect() as conn:
        rows = (await conn.execute(select(chain_requests).order_by(chain_requests.c.id))).all()
    wallet = WALLET.address.lower()
    assert [(r.kind, r.address, r.amount) for r in rows] == [
        (MINT, custodial, 30),
        (BURN, custodial, 30),
        (MINT, wallet, 30),
        (MINT, wallet, 5),
    ]
    assert (await account_of(engine, "m1")).member.totals.balance == 35


async def test_reused_nonce_is_refused(engine: AsyncEngine) -> None:
    await create_member(uow_for(engine), "m1", CUSTODY)
    challenge = await issue_challenge(uow_for(engine), "m1")
    signature = sign(WALLET, challenge.message)
    await link_wallet(uow_for(engine), "m1", WALLET.address, signature)
    before = await written(engine)
    with pytest.raises(InvalidInput, match="no open challenge"):
        await link_wallet(uow_for(engine), "m1", WALLET.address, signature)
    assert await written(engine) == before


@pytest.mark.parametrize("case", ["other-signer", "other-message", "garbage", "malformed-address"])
async def test_bad_signature_or_address_is_refused_and_links_nothing(
    engine: AsyncEngine, case: str
) -> None:
    await create_member(uow_for(engine), "m1", CUSTODY)
    challenge = await issue_challenge(uow_for(engine), "m1")
    address, signature = WALLET.address, sign(WALLET, challenge.message)
    if case == "other-signer":
        signature = sign(OTHER, challenge.message)
    elif case == "other-message":
        signature = sign(WALLET, challenge.message.replace("m1", "m2"))
    elif case == "garbage":
        signature = "0x" + "ab" * 65
    else:
        address = "0x1234"
    with pytest.raises(InvalidInput):
        await link_wallet(uow_for(engine), "m1", address, signature)
    assert not (await account_of(engine, "m1")).member.wallet_address
    # The challenge is still open: the right signature links.
    await link_wallet(uow_for(engine), "m1", WALLET.address, sign(WALLET, challenge.message))


async def test_a_wallet_links_to_one_member_only(engine: AsyncEngine) -> None:
    for member in ("m1", "m2"):
        await create_member(uow_for(engine), member, CUSTODY)
    c1 = await issue_challenge(uow_for(engine), "m1")
    await link_wallet(uow_for(engine), "m1", WALLET.address, sign(WALLET, c1.message))
    c2 = await issue_challenge(uow_for(engine), "m2")
    with pytest.raises(Conflict):
        await link_wallet(uow_for(engine), "m2", WALLET.address, sign(WALLET, c2.message))


async def test_unknown_member_cannot_get_a_challenge(engine: AsyncEngine) -> None:
    with pytest.raises(NotFound):
        await issue_challenge(uow_for(engine), "ghost")
    with pytest.raises(Conflict):
        await create_member(uow_for(engine), "m1", CUSTODY)
        await create_member(uow_for(engine), "m1", CUSTODY)
