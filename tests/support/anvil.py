"""Starts the anvil binary shipped in contracts/node_modules on a free port."""

from __future__ import annotations

import glob
import os
import queue
import re
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]

# anvil's default mnemonic ("test test … junk") gives these funded accounts.
ANVIL_KEYS = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
]


def anvil_binary() -> str | None:
    found = sorted(glob.glob(str(ROOT / "contracts/node_modules/@foundry-rs/anvil-*/bin/anvil")))
    if found:
        return found[0]
    return shutil.which("anvil")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class AnvilNode:
    port: int
    process: subprocess.Popen[bytes]
    chain_id: int
    _client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))
    _id: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        self._id += 1
        body = {"jsonrpc": "2.0", "id": self._id, "method": method, "params": params or []}
        reply = self._client.post(self.url, json=body).json()
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", [hex(blocks)])

    def stop(self) -> None:
        self._client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_anvil(*args: str, chain_id: int = 31337, timeout: float = 20.0) -> AnvilNode:
    """Anvil picks its own port (--port 0) and says which: a port probed free and then handed
    over can be taken in between by another test worker's node, which would then answer for
    this one."""
    binary = anvil_binary()
    if binary is None:
        raise FileNotFoundError("anvil is not installed: run `npm install` in contracts/")
    cmd = [binary, "--port", "0", "--chain-id", str(chain_id), *args]
    process = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ}
    )
    ports: queue.Queue[int | None] = queue.Queue()
    said: list[str] = []
    # Drains anvil's output for its whole life (a full pipe would stall it), noting the port.
    threading.Thread(target=_read_output, args=(process, ports, said), daemon=True).start()
    try:
        port = ports.get(timeout=timeout)
    except queue.Empty:
        port = None
    if port is None:
        if process.poll() is None:
            process.kill()
        process.wait()
        raise RuntimeError(f"anvil did not start within {timeout} s: {''.join(said[-20:])}")
    node = AnvilNode(port=port, process=process, chain_id=chain_id)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            node.rpc("eth_chainId")
            return node
        except httpx.HTTPError:
            time.sleep(0.05)
    node.stop()
    raise RuntimeError("anvil did not answer within 20 s")


def _read_output(
    process: subprocess.Popen[bytes], ports: queue.Queue[int | None], said: list[str]
) -> None:
    assert process.stdout is not None
    told = False
    for raw in process.stdout:
        line = raw.decode(errors="replace")
        if not told:
            said.append(line)
            found = _LISTENING.search(line)
            if found:
                ports.put(int(found.group(1)))
                told = True
    if not told:
        ports.put(None)  # exited before listening


_LISTENING = re.compile(r"Listening on [0-9.]+:([0-9]+)")
