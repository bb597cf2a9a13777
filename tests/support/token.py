"""Deploys and drives the contracts on the embedded chain (eth-tester) or on anvil, the same way.

`Token.send` signs and sends a transaction and returns its receipt; `Token.revert_of` checks that
a call is refused, both as a simulation (decoding the custom error from the revert data) and as a
real transaction that is mined and reverted, so a test can then assert that nothing changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD

import contracts
from contracts.revert import DecodedError, ErrorDecoder
from loyalty.chain import Chain, connect
from loyalty.settings import Settings
from tests.support.anvil import ANVIL_KEYS, AnvilNode

# eth-tester's pre-funded accounts use the keys 1, 2, 3, … (see loyalty.settings.DEV_*_KEY).
EMBEDDED_KEYS = [f"0x{i:064x}" for i in range(1, 5)]

# Enough for any single call the tests make; a reverted call must be mined, not refused by the
# node's gas estimation, so its gas limit is given rather than estimated.
REVERT_GAS = 1_000_000
TIP = 1_000_000_000


@dataclass
class ChainUnderTest:
    """A connected chain and four funded keys: admin, minter, and two members."""

    kind: str
    chain: Chain
    keys: list[str]

    @property
    def admin_key(self) -> str:
        return self.keys[0]

    @property
    def minter_key(self) -> str:
        return self.keys[1]

    def address(self, index: int) -> str:
        return str(Account.from_key(self.keys[index]).address)

    def close(self) -> None:
        self.chain.close()


def embedded_test_chain() -> ChainUnderTest:
    return ChainUnderTest("embedded", connect(Settings(chain_state="")), list(EMBEDDED_KEYS))


def anvil_test_chain(node: AnvilNode) -> ChainUnderTest:
    return ChainUnderTest("anvil", connect(Settings(rpc_url=node.url)), list(ANVIL_KEYS))


def send_raw(chain: Chain, key: str, tx: dict[str, Any]) -> Any:
    """Fills nonce, gas and fees, signs, sends and waits; returns the receipt whatever its
    status (loyalty.deploy.send_transaction raises on a revert instead)."""
    w3 = chain.w3
    sender = Account.from_key(key).address
    tx = {**tx, "from": sender, "chainId": chain.chain_id}
    tx.setdefault("nonce", w3.eth.get_transaction_count(sender, "pending"))
    if "gas" not in tx:
        tx["gas"] = int(w3.eth.estimate_gas(tx) * 1.2)  # type: ignore[arg-type]
    base = w3.eth.get_block("latest").get("baseFeePerGas", 0) or 0
    tx.setdefault("maxPriorityFeePerGas", TIP)
    tx.setdefault("maxFeePerGas", 2 * base + TIP)
    signed = Account.sign_transaction(tx, key)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    return w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60)


class Token:
    def __init__(self, chain: Chain, address: str, artifact: str = "LoyaltyPoints") -> None:
        self.chain = chain
        self.abi = contracts.load(artifact).abi
        self.contract = chain.w3.eth.contract(
            address=Web3.to_checksum_address(address), abi=self.abi
        )
        self.address = address
        self.errors = ErrorDecoder(self.abi)

    @classmethod
    def deploy(cls, chain: Chain, key: str, *args: Any, artifact: str = "LoyaltyPoints") -> Token:
        """Deploys `artifact` with constructor `args` (LoyaltyPoints: name, symbol, admin,
        transferable; ReferenceToken: admin)."""
        art = contracts.load(artifact)
        factory = chain.w3.eth.contract(abi=art.abi, bytecode=art.bytecode)
        tx = factory.constructor(*args).build_transaction(
            {"from": Account.from_key(key).address, "gas": 5_000_000}
        )
        receipt = send_raw(chain, key, tx)
        assert receipt["status"] == 1, f"deploying {artifact} reverted"
        return cls(chain, receipt["contractAddress"], artifact)

    @classmethod
    def deploy_loyalty(cls, tc: ChainUnderTest, *, transferable: bool = True) -> Token:
        """A LoyaltyPoints token administered by key 0, with key 1 as minter and burner."""
        token = cls.deploy(tc.chain, tc.admin_key, "Points", "PTS", tc.address(0), transferable)
        for role in ("MINTER_ROLE", "BURNER_ROLE"):
            token.send(tc.admin_key, "grantRole", token.role(role), tc.address(1))
        return token

    def role(self, name: str) -> bytes:
        if name == "DEFAULT_ADMIN_ROLE":
            return b"\x00" * 32
        return bytes(self.contract.functions[name]().call())

    def call(self, fn: str, *args: Any) -> Any:
        return self.contract.functions[fn](*args).call()

    def _tx(self, key: str, fn: str, args: tuple[Any, ...], gas: int | None) -> dict[str, Any]:
        params: dict[str, Any] = {"from": Account.from_key(key).address}
        if gas is not None:
            params["gas"] = gas
        return dict(self.contract.functions[fn](*args).build_transaction(params))  # type: ignore[arg-type]

    def send(self, key: str, fn: str, *args: Any, gas: int | None = None) -> Any:
        """Sends a call that must succeed; returns the receipt."""
        receipt = send_raw(self.chain, key, self._tx(key, fn, args, gas))
        assert receipt["status"] == 1, f"{fn} reverted"
        return receipt

    def revert_of(self, key: str, fn: str, *args: Any) -> DecodedError:
        """The custom error `fn(*args)` sent by `key` reverts with. The call is simulated (which
        gives the revert data) and then really sent, and the test fails unless it is mined with
        status 0."""
        sender = Account.from_key(key).address
        try:
            self.contract.functions[fn](*args).call({"from": sender})
        except ContractLogicError as exc:
            decoded = self.errors.decode(exc.data if isinstance(exc.data, str) else None)
            assert decoded is not None, f"{fn}: undecodable revert {exc.data!r}"
        else:
            raise AssertionError(f"{fn}{args} did not revert")
        receipt = send_raw(self.chain, key, self._tx(key, fn, args, REVERT_GAS))
        assert receipt["status"] == 0, f"{fn} was simulated as reverting but succeeded on chain"
        return decoded

    def balance(self, address: str) -> int:
        return int(self.call("balanceOf", address))

    def events(self, receipt: Any, name: str) -> list[dict[str, Any]]:
        """The decoded `name` events of this contract in the receipt."""
        event = self.contract.events[name]()
        return [
            dict(ev["args"])
            for ev in event.process_receipt(receipt, errors=DISCARD)
            if ev["address"] == self.address
        ]
