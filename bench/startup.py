"""`python -m bench.startup`: how long the `loyalty indexer` process takes from spawn to its first
`eth_getLogs` (the moment it starts indexing), median of 7 spawns, beside `python -c pass` (the
interpreter's own start-up) measured in the same run. Target: ≤ 1 s.

The indexer talks to anvil (a token deployed, a few events) through a small HTTP proxy that
notes when the first eth_getLogs request arrives; PostgreSQL holds the deployment, and the index
is emptied before each spawn so that every one starts a backfill. `--profile` prints the
spawn's slowest imports instead (python -X importtime).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from bench.figures import Figure, record

LOYALTY = Path(sys.executable).with_name("loyalty")
ROOT = Path(__file__).resolve().parents[1]
RUNS = 7


class _Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.upstream = upstream
        self.client = httpx.Client(timeout=60)
        self.first_logs: float | None = None
        self.cpu_s: float | None = None  # the indexer process's CPU time by then
        self.pid = 0
        self.seen = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Forward(BaseHTTPRequestHandler):
    server: _Recorder

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        if b'"eth_getLogs"' in body and self.server.first_logs is None:
            self.server.first_logs = time.perf_counter()
            self.server.cpu_s = _cpu_s(self.server.pid)
            self.server.seen.set()
        reply = self.server.client.post(
            self.server.upstream, content=body, headers={"content-type": "application/json"}
        )
        self.send_response(reply.status_code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(reply.content)))
        self.end_headers()
        self.wfile.write(reply.content)

    def log_message(self, *_args: Any) -> None:
        pass


def _cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (Linux), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _median_s(command: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _spawn_to_first_logs(
    env: dict[str, str], proxy: _Recorder, extra: list[str]
) -> tuple[float, float | None]:
    """Seconds from spawn to the first eth_getLogs, and the CPU seconds the process had used."""
    proxy.first_logs = proxy.cpu_s = None
    proxy.seen.clear()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [*extra, str(LOYALTY), "indexer"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE if extra else subprocess.DEVNULL,
    )
    proxy.pid = proc.pid
    try:
        if not proxy.seen.wait(300):
            raise SystemExit("the indexer sent no eth_getLogs within 300 s")
        assert proxy.first_logs is not None
        return proxy.first_logs - t0, proxy.cpu_s
    finally:
        proc.terminate()
        _out, err = proc.communicate(30)
        if extra and err:
            _print_imports(err.decode())
            print(
                "\n".join(x for x in err.decode().splitlines() if not x.startswith("import time"))[
                    -3000:
                ]
            )


def _print_imports(importtime: str, top: int = 25) -> None:
    rows = []
    for line in importtime.splitlines():
        if line.startswith("import time:") and "|" in line:
            _self, cumulative, name = line[len("import time:") :].split("|")
            if cumulative.strip().isdigit():
                rows.append((int(cumulative), name.rstrip()))
    rows.sort(reverse=True)
    print("slowest imports (cumulative µs):")
    for cumulative, name in rows[:top]:
        print(f"  {cumulative:>9,}  {name}")


def main() -> int:
    from indexer.store import reset
    from loyalty.db.engine import make_engine
    from tests.support.anvil import start_anvil
    from tests.support.databases import PostgresDatabases
    from tests.support.token_activity import TokenActivity

    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", action="store_true", help="print the slowest imports")
    parser.add_argument(
        "--compare",
        metavar="CHECKOUT",
        help="also spawn the indexer of another checkout (e.g. /work/main), interleaved",
    )
    args = parser.parse_args()
    node = start_anvil()
    dbs = PostgresDatabases()
    url = dbs.fresh()
    activity = TokenActivity.deploy(node, url)
    proxy = _Recorder(node.url)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    engine = make_engine(url)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LOYALTY_DATABASE_URL": url,
        "LOYALTY_RPC_URL": proxy.url,
        "LOYALTY_LOG_LEVEL": "WARNING",
    }
    try:
        activity.mint([f"0x{i:040x}" for i in range(1, 51)], [1_000] * 50)
        node.mine(5)
        checkouts = [str(ROOT), *([args.compare] if args.compare else [])]
        samples: dict[str, list[tuple[float, float | None]]] = {c: [] for c in checkouts}
        for _ in range(1 if args.profile else RUNS):
            for checkout in checkouts:
                with engine.begin() as conn:  # every spawn starts from the deployment block
                    reset(conn)
                extra = [sys.executable, "-X", "importtime"] if args.profile else []
                run_env = {**env, "PYTHONPATH": checkout}
                samples[checkout].append(_spawn_to_first_logs(run_env, proxy, extra))
        if args.profile:
            print(
                f"spawn → first eth_getLogs (with -X importtime): {samples[str(ROOT)][0][0]:.2f}s"
            )
            return 0
        for checkout, got in samples.items():
            walls = [w for w, _cpu in got]
            cpus = [c for _w, c in got if c is not None]
            cpu = f", CPU {statistics.median(cpus) * 1000:.0f} ms" if cpus else ""
            print(
                f"loyalty indexer ({checkout}), spawn → first eth_getLogs: median "
                f"{statistics.median(walls) * 1000:.0f} ms of {RUNS} (min {min(walls) * 1000:.0f}, "
                f"max {max(walls) * 1000:.0f}){cpu}"
            )
        first_logs = statistics.median(w for w, _cpu in samples[str(ROOT)])
        base = _median_s([sys.executable, "-c", "pass"])
        print(f"python -c pass: median {base * 1000:.0f} ms (the interpreter alone, same run)")
        figure = record(
            Figure(
                "startup",
                "loyalty indexer spawn -> first eth_getLogs",
                first_logs,
                "s",
                "<= 1",
                "python -c pass",
                base,
            )
        )
        return 0 if figure.met() else 1
    finally:
        engine.dispose()
        proxy.shutdown()
        activity.close()
        node.stop()
        dbs.drop_all()


if __name__ == "__main__":
    sys.exit(main())
