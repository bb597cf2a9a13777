"""A small JSON-RPC proxy on loopback that misbehaves on purpose: it fails (HTTP 500), stalls
past the client's timeout, answers eth_getLogs with "too many results", rewrites log block
hashes, or drops logs, each for a chosen fraction of calls. `methods` limits the failures and
stalls to requests that hold one of those methods (e.g. only eth_call); `fail=1.0` makes them
fail every time; `fail_first` fails the first N of them."""

from __future__ import annotations

import contextlib
import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import orjson


@dataclass
class Faults:
    fail: float = 0.0  # HTTP 500
    stall: float = 0.0  # sleep `stall_seconds` before answering
    stall_seconds: float = 1.0
    too_many: float = 0.0  # eth_getLogs over more than `too_many_above` blocks
    too_many_above: int = 1
    wrong_block_hash: bool = False  # every log's blockHash replaced
    drop_range_logs_once: bool = False  # first eth_getLogs by range with logs answers []
    seed: int = 1
    methods: frozenset[str] | None = None  # fail / stall only requests holding these methods
    fail_first: int = 0  # the first N (chosen) requests fail with HTTP 500, whatever `fail` says
    counts: dict[str, int] = field(default_factory=dict)


class FaultyProxy:
    def __init__(self, upstream: str, faults: Faults) -> None:
        self.upstream = upstream
        self.faults = faults
        self.rng = random.Random(faults.seed)
        self.lock = threading.Lock()
        self.local = threading.local()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                status, reply = proxy.handle(body)
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up (timeout)
                    self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _count(self, what: str) -> None:
        with self.lock:
            self.faults.counts[what] = self.faults.counts.get(what, 0) + 1

    def _roll(self, p: float) -> bool:
        with self.lock:
            return self.rng.random() < p

    def handle(self, body: bytes) -> tuple[int, bytes]:
        f = self.faults
        request = orjson.loads(body)
        items = request if isinstance(request, list) else [request]
        chosen = f.methods is None or any(
            isinstance(item, dict) and item.get("method") in f.methods for item in items
        )
        if chosen and f.fail_first > 0:
            with self.lock:
                f.fail_first -= 1
            self._count("fail")
            return 500, b"internal error"
        if chosen and self._roll(f.fail):
            self._count("fail")
            return 500, b"internal error"
        if chosen and self._roll(f.stall):
            self._count("stall")
            time.sleep(f.stall_seconds)
        client = getattr(self.local, "client", None)
        if client is None:
            client = self.local.client = httpx.Client(
                timeout=60, headers={"content-type": "application/json"}
            )
        answers = []
        for item in items:
            params = item.get("params") or [{}]
            if item.get("method") == "eth_getLogs" and "fromBlock" in params[0]:
                span = int(params[0]["toBlock"], 16) - int(params[0]["fromBlock"], 16) + 1
                if span > f.too_many_above and self._roll(f.too_many):
                    self._count("too_many")
                    answers.append(
                        {
                            "jsonrpc": "2.0",
                            "id": item["id"],
                            "error": {
                                "code": -32005,
                                "message": "query returned more than 10000 results",
                            },
                        }
                    )
                    continue
            reply = orjson.loads(client.post(self.upstream, content=orjson.dumps(item)).content)
            if item.get("method") == "eth_getLogs" and isinstance(reply.get("result"), list):
                if f.wrong_block_hash and reply["result"]:
                    self._count("wrong_block_hash")
                    for entry in reply["result"]:
                        entry["blockHash"] = "0x" + "ab" * 32
                if f.drop_range_logs_once and reply["result"] and "fromBlock" in params[0]:
                    f.drop_range_logs_once = False
                    self._count("dropped")
                    reply["result"] = []
            answers.append(reply)
        out = answers if isinstance(request, list) else answers[0]
        return 200, orjson.dumps(out)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
