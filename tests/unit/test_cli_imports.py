"""`loyalty --help` (and building the parser for any command) imports no heavy library: the
database, chain, web and GraphQL libraries load only on the path of the command that needs them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ["sqlalchemy", "web3", "eth_account", "uvicorn", "starlette", "strawberry", "asyncio"]

PROBE = """
import json, sys
from cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))
"""


@pytest.mark.parametrize("argv", [["--help"], ["indexer", "--help"], ["keys", "create", "--help"]])
def test_help_imports_no_heavy_library(argv: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "cli" in loaded and "argparse" in loaded  # the probe did run the command
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))
