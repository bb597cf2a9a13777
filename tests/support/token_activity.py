"""Deploys LoyaltyPoints on an anvil node and makes token activity fast: batched mints and
burns signed by the minter key, transfers between many holders through anvil's impersonation
(no signing), all sent as JSON-RPC batches. Used by the indexer tests and bench/indexer.py."""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from eth_account import Account
from web3 import Web3

import contracts
from loyalty.chain import connect
from loyalty.db.engine import make_engine
from loyalty.deploy import Deployment, deploy_token
from loyalty.settings import Settings
from tests.support.anvil import ANVIL_KEYS, AnvilNode

_TOKEN_ABI = contracts.load("LoyaltyPoints").abi
_W3 = Web3()
_CONTRACT = _W3.eth.contract(abi=_TOKEN_ABI)
GAS_PRICE = 2 * 10**9


def random_address(rng: random.Random) -> str:
    return "0x" + rng.randbytes(20).hex()


@dataclass
class TokenActivity:
    node: AnvilNode
    deployment: Deployment
    minter_key: str
    _client: httpx.Client = field(
        default_factory=lambda: httpx.Client(
            timeout=120, headers={"content-type": "application/json"}
        )
    )
    _nonce: int | None = None
    _batch_counter: int = 0
    _funded: set[str] = field(default_factory=set)

    @classmethod
    def deploy(cls, node: AnvilNode, database_url: str) -> TokenActivity:
        settings = Settings(
            database_url=database_url,
            rpc_url=node.url,
            deployer_key=ANVIL_KEYS[0],
            minter_key=ANVIL_KEYS[1],
        )
        chain = connect(settings)
        engine = make_engine(database_url)
        try:
            deployment = deploy_token(chain, engine, settings)
        finally:
            engine.dispose()
            chain.close()
        node.rpc("anvil_autoImpersonateAccount", [True])
        return cls(node=node, deployment=deployment, minter_key=ANVIL_KEYS[1])

    @property
    def token(self) -> str:
        return self.deployment.address

    def rpc_batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        results: list[Any] = []
        for start in range(0, len(calls), 1000):
            chunk = calls[start : start + 1000]
            body = [
                {"jsonrpc": "2.0", "id": i, "method": m, "params": p}
                for i, (m, p) in enumerate(chunk)
            ]
            reply = orjson.loads(
                self._client.post(self.node.url, content=orjson.dumps(body)).content
            )
            if isinstance(reply, dict):
                raise RuntimeError(f"{chunk[0][0]}: {reply.get('error', reply)}")
            reply.sort(key=lambda r: r["id"])
            for r in reply:
                if "error" in r:
                    raise RuntimeError(f"{chunk[r['id']][0]}: {r['error']}")
                results.append(r["result"])
        return results

    def _minter_tx(self, data: str, gas: int) -> str:
        account = Account.from_key(self.minter_key)
        if self._nonce is None:
            self._nonce = int(
                self.node.rpc("eth_getTransactionCount", [account.address, "pending"]), 16
            )
        tx = {
            "to": self.token,
            "data": data,
            "gas": gas,
            "maxFeePerGas": 50 * GAS_PRICE,
            "maxPriorityFeePerGas": GAS_PRICE,
            "nonce": self._nonce,
            "chainId": self.node.chain_id,
        }
        self._nonce += 1
        return "0x" + Account.sign_transaction(tx, self.minter_key).raw_transaction.hex()

    def next_batch_id(self) -> bytes:
        self._batch_counter += 1
        return self._batch_counter.to_bytes(16, "big") + os.urandom(16)

    def mint_batch_tx(
        self, to: Sequence[str], amounts: Sequence[int], batch_id: bytes | None = None
    ) -> str:
        """A signed mintBatch transaction (raw hex), not sent."""
        batch_id = batch_id or self.next_batch_id()
        data = _CONTRACT.encode_abi(
            "mintBatch", args=[batch_id, [Web3.to_checksum_address(a) for a in to], list(amounts)]
        )
        return self._minter_tx(data, 60_000 + 35_000 * len(to))

    def burn_batch_tx(
        self, frm: Sequence[str], amounts: Sequence[int], batch_id: bytes | None = None
    ) -> str:
        batch_id = batch_id or self.next_batch_id()
        data = _CONTRACT.encode_abi(
            "burnBatch", args=[batch_id, [Web3.to_checksum_address(a) for a in frm], list(amounts)]
        )
        return self._minter_tx(data, 60_000 + 20_000 * len(frm))

    def send_raw(self, raws: Sequence[str]) -> list[str]:
        return self.rpc_batch([("eth_sendRawTransaction", [r]) for r in raws])

    def mint(self, to: Sequence[str], amounts: Sequence[int]) -> None:
        self.send_raw([self.mint_batch_tx(to, amounts)])

    def burn(self, frm: Sequence[str], amounts: Sequence[int]) -> None:
        self.send_raw([self.burn_batch_tx(frm, amounts)])

    def fund(self, holders: Sequence[str]) -> None:
        todo = [h for h in holders if h not in self._funded]
        self.rpc_batch([("anvil_setBalance", [h, hex(10**20)]) for h in todo])
        self._funded.update(todo)

    def transfers(self, moves: Sequence[tuple[str, str, int]]) -> list[str]:
        """Sends transfer(to, amount) from each impersonated holder (funded for gas first)."""
        senders = sorted({m[0] for m in moves})
        self.fund(senders)
        # Explicit nonces: a JSON-RPC batch is handled concurrently, so two transactions of one
        # sender would otherwise both get the same "pending" nonce.
        counts = self.rpc_batch([("eth_getTransactionCount", [a, "pending"]) for a in senders])
        nonces = {a: int(n, 16) for a, n in zip(senders, counts, strict=True)}
        calls = []
        for frm, to, amount in moves:
            data = _CONTRACT.encode_abi("transfer", args=[Web3.to_checksum_address(to), amount])
            nonce = nonces[frm]
            nonces[frm] += 1
            calls.append(
                (
                    "eth_sendTransaction",
                    [
                        {
                            "from": frm,
                            "to": self.token,
                            "data": data,
                            "gas": hex(80_000),
                            "nonce": hex(nonce),
                            "maxFeePerGas": hex(50 * GAS_PRICE),
                            "maxPriorityFeePerGas": hex(GAS_PRICE),
                        }
                    ],
                )
            )
        return self.rpc_batch(calls)

    def balance_of(self, holders: Sequence[str], block: int | str = "latest") -> dict[str, int]:
        tag = hex(block) if isinstance(block, int) else block
        calls = [
            (
                "eth_call",
                [
                    {
                        "to": self.token,
                        "data": _CONTRACT.encode_abi(
                            "balanceOf", args=[Web3.to_checksum_address(h)]
                        ),
                    },
                    tag,
                ],
            )
            for h in holders
        ]
        return {h.lower(): int(r, 16) for h, r in zip(holders, self.rpc_batch(calls), strict=True)}

    def total_supply(self, block: int | str = "latest") -> int:
        tag = hex(block) if isinstance(block, int) else block
        data = _CONTRACT.encode_abi("totalSupply", args=[])
        return int(self.node.rpc("eth_call", [{"to": self.token, "data": data}, tag]), 16)

    def head(self) -> int:
        return int(self.node.rpc("eth_blockNumber"), 16)

    def close(self) -> None:
        self._client.close()
