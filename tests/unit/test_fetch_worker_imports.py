"""The fetch worker process (`python -m indexer.fetch_worker`) starts without the libraries it
does not need: no SQLAlchemy (the historical stage that drives it imports it; the worker must
not), no web3, eth_utils or eth_account. Each would add to the start of every backfill's
worker."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ["sqlalchemy", "web3", "eth_utils", "eth_account", "alembic", "strawberry"]

PROBE = """
import json, sys
import indexer.fetch_worker
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))
"""


def test_the_fetch_worker_imports_no_heavy_library() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert {"indexer", "httpx", "orjson"} <= loaded  # the probe did import the worker
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))
