"""A small closed-loop HTTP/1.1 load generator: N keep-alive connections, each sending prepared
requests one after another and timing each answer.

Why not httpx: its per-request cost (~1-2 ms of CPU) is of the order of what is being measured,
and the senders share the machine's two cores with the server and PostgreSQL. Here a request is a
prepared byte string and an answer is read with two buffered reads, so the generator costs tens of
microseconds per request.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

Prepared = tuple[str, bytes, dict[str, str]]  # (path, body or b"" for GET, headers)


def encode(host: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    method = "POST" if body else "GET"
    lines = [f"{method} {path} HTTP/1.1", f"host: {host}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body:
        lines.append(f"content-length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class Result:
    elapsed: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    started: list[float] = field(default_factory=list)  # seconds after the run began
    statuses: dict[int, int] = field(default_factory=dict)
    failures: int = 0
    first_failure: str = ""
    sent: int = 0  # answers read, warm-up included (run_for)

    @property
    def ok(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def rate(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
            break
    body = await reader.readexactly(length) if length else b""
    return status, body


async def run(host: str, port: int, requests: Sequence[Prepared], senders: int) -> Result:
    """Sends every request once over `senders` connections; all answers are read."""
    wire = [encode(f"{host}:{port}", *r) for r in requests]
    queue: Iterator[bytes] = iter(wire)
    result = Result()

    began = time.perf_counter()

    async def sender() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for data in queue:
                start = time.perf_counter()
                try:
                    writer.write(data)
                    status, body = await _read_answer(reader)
                except (OSError, asyncio.IncompleteReadError) as exc:
                    result.failures += 1
                    result.first_failure = result.first_failure or f"{type(exc).__name__} {exc}"
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                    continue
                result.latencies_ms.append((time.perf_counter() - start) * 1000)
                result.started.append(start - began)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if status != 200:
                    result.failures += 1
                    result.first_failure = result.first_failure or f"{status} {body[:200]!r}"
        finally:
            writer.close()

    await asyncio.gather(*(sender() for _ in range(senders)))
    result.elapsed = time.perf_counter() - began
    return result


async def run_for(
    host: str,
    port: int,
    request: Prepared,
    senders: int,
    seconds: float,
    *,
    warmup: float = 0.0,
    refuse: bytes | None = b'"errors"',
) -> Result:
    """Sends `request` again and again over `senders` connections for `seconds` (after
    `warmup` seconds not counted); an answer holding `refuse` (GraphQL's errors) is a failure."""
    wire = encode(f"{host}:{port}", *request)
    result = Result()
    began = time.perf_counter()
    measure_from = began + warmup
    stop_at = measure_from + seconds

    async def sender() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while (start := time.perf_counter()) < stop_at:
                writer.write(wire)
                status, body = await _read_answer(reader)
                result.sent += 1
                if start < measure_from:
                    continue
                result.latencies_ms.append((time.perf_counter() - start) * 1000)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if status != 200 or (refuse is not None and refuse in body):
                    result.failures += 1
                    result.first_failure = result.first_failure or f"{status} {body[:200]!r}"
        finally:
            writer.close()

    await asyncio.gather(*(sender() for _ in range(senders)))
    result.elapsed = time.perf_counter() - max(began, measure_from)
    return result


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far (Linux /proc). Per request, it is
    what a figure costs the server whatever else shares the cores."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
