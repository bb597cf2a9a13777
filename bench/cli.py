"""`python -m bench.cli`: how long `loyalty --help` takes from spawn to exit (median of 15 runs),
and `loyalty audit` on the embedded default (SQLite and the in-process chain) with a handful of
holders (median of 3), each beside `python -c pass` (the interpreter's own start-up) measured in
the same run. Targets: --help ≤ 0.3 s, audit ≤ 2 s.

The audit's instance is made in a temporary folder: the token deployed on the embedded chain,
five holders minted to by the minter's development key, `loyalty indexer --once` run."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.figures import Figure, record

LOYALTY = Path(sys.executable).with_name("loyalty")
ROOT = Path(__file__).resolve().parents[1]
RUNS = 15
AUDIT_RUNS = 3

# Run in the instance's folder: deploys (Runtime.start on the embedded chain) and mints to five
# holders in one mintBatch from the minter's development key.
_MINT = """
import os
import contracts
from loyalty.deploy import send_transaction
from loyalty.runtime import Runtime
from loyalty.settings import DEV_MINTER_KEY, Settings

rt = Runtime.start(Settings.from_env())
try:
    w3 = rt.chain.w3
    token = w3.eth.contract(address=rt.deployment.address, abi=contracts.load("LoyaltyPoints").abi)
    holders = [w3.to_checksum_address(f"0x{i:040x}") for i in range(1, 6)]
    call = token.functions.mintBatch(os.urandom(32), holders, [100 * i for i in range(1, 6)])
    tx = call.build_transaction({"from": rt.deployment.minter})
    send_transaction(rt.chain, DEV_MINTER_KEY, tx)
finally:
    rt.close()
"""


def _median_s(command: list[str], runs: int = RUNS, check: bool = True, **kwargs: object) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(command, check=check, capture_output=True, **kwargs)  # type: ignore[call-overload]
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _audit_s() -> float:
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as folder:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "LOYALTY_DATABASE_URL": f"sqlite:///{folder}/loyalty.db",
            "LOYALTY_CHAIN_STATE": f"{folder}/loyalty-chain.state",
            "LOYALTY_RPC_URL": "",
            "LOYALTY_LOG_LEVEL": "WARNING",
        }
        run = {"env": env, "cwd": folder}
        subprocess.run([str(LOYALTY), "migrate"], check=True, capture_output=True, **run)  # type: ignore[call-overload]
        subprocess.run([sys.executable, "-c", _MINT], check=True, capture_output=True, **run)  # type: ignore[call-overload]
        subprocess.run([str(LOYALTY), "indexer", "--once"], check=True, capture_output=True, **run)  # type: ignore[call-overload]
        out = subprocess.run([str(LOYALTY), "audit"], capture_output=True, text=True, **run)  # type: ignore[call-overload]
        print(out.stdout)
        if "holders        5" not in out.stdout:
            raise SystemExit(f"the audit did not see the 5 holders:\n{out.stdout}{out.stderr}")
        # Exit 1 (a finding) counts too: the minted points have no ledger entries here, and the
        # audit does the same work either way.
        return _median_s([str(LOYALTY), "audit"], AUDIT_RUNS, check=False, **run)


def main() -> int:
    base = _median_s([sys.executable, "-c", "pass"])
    help_s = _median_s([str(LOYALTY), "--help"])
    audit_s = _audit_s()
    print(f"loyalty --help: median {help_s * 1000:.0f} ms of {RUNS} runs")
    print(f"loyalty audit (embedded default, 5 holders): median {audit_s:.2f} s of {AUDIT_RUNS}")
    print(f"python -c pass: median {base * 1000:.0f} ms (the interpreter alone, same run)")
    figures = [
        record(Figure("cli", "loyalty --help", help_s, "s", "<= 0.3", "python -c pass", base)),
        record(
            Figure(
                "cli",
                "loyalty audit, embedded default, 5 holders",
                audit_s,
                "s",
                "<= 2",
                "python -c pass",
                base,
            )
        ),
    ]
    return 0 if all(f.met() for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
