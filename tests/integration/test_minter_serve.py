"""On the embedded default the minter runs in a thread beside the API (`loyalty serve`)."""

from __future__ import annotations

import dataclasses
import time
from decimal import Decimal
from pathlib import Path

from web3 import Web3

import contracts
from cli.migrate import upgrade
from cli.minter import start_in_serve
from loyalty.runtime import Runtime
from loyalty.settings import Settings
from tests.support.minter import insert_requests, member_address, unfinished


def test_minter_thread_mints_on_the_embedded_chain(sqlite_url: str, tmp_path: Path) -> None:
    settings = Settings(
        database_url=sqlite_url,
        chain_state=str(tmp_path / "chain.state"),
        minter_poll_interval=Decimal("0.05"),
        minter_batch_age=Decimal(0),
    )
    upgrade(sqlite_url)
    runtime = Runtime.start(settings)
    stop = start_in_serve(runtime)
    assert stop is not None
    try:
        a, b = member_address(1), member_address(2)
        insert_requests(runtime.engine, [("MINT", a, 3), ("MINT", b, 4), ("BURN", a, 1)])
        deadline = time.monotonic() + 60
        while unfinished(runtime.engine) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert unfinished(runtime.engine) == 0
        token = runtime.chain.w3.eth.contract(
            address=Web3.to_checksum_address(runtime.deployment.address),
            abi=contracts.load("LoyaltyPoints").abi,
        )
        assert token.functions.balanceOf(Web3.to_checksum_address(a)).call() == 2
        assert token.functions.balanceOf(Web3.to_checksum_address(b)).call() == 4
        assert token.functions.totalSupply().call() == 6
    finally:
        stop()
        runtime.close()
    off = dataclasses.replace(runtime, settings=settings.with_(minter_in_serve=False))
    assert start_in_serve(off) is None
