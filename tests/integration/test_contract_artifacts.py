"""The committed artifacts are exactly what the pinned solc-js builds from the committed sources.

Skips where Node or contracts/node_modules is missing (the service itself needs neither), except
under CI=true, where it fails: CI must prove the artifact matches the source.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import contracts
from tests.conftest import missing

CONTRACTS = Path(contracts.__file__).resolve().parent


def _rebuild(out: Path) -> None:
    node = shutil.which("node")
    if node is None:
        missing("node is not installed: the artifact cannot be rebuilt")
    if not (CONTRACTS / "node_modules" / "solc").is_dir():
        missing("contracts/node_modules is missing: run `npm install` in contracts/")
    result = subprocess.run(
        [str(node), "build.mjs", "--out", str(out)],
        cwd=CONTRACTS,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, f"solc-js build failed:\n{result.stderr}"


def test_committed_artifacts_match_a_fresh_solc_js_build(tmp_path: Path) -> None:
    _rebuild(tmp_path)
    committed = sorted(p.name for p in (CONTRACTS / "artifacts").glob("*.json"))
    rebuilt = sorted(p.name for p in tmp_path.glob("*.json"))
    assert rebuilt == committed, "a contract was added or removed: run `node build.mjs`"
    for name in committed:
        fresh = json.loads((tmp_path / name).read_text())
        old = json.loads((CONTRACTS / "artifacts" / name).read_text())
        hint = f"{name} is stale: run `node build.mjs` in contracts/ and commit the artifact"
        assert fresh["bytecode"] == old["bytecode"], hint
        assert fresh["deployedBytecode"] == old["deployedBytecode"], hint
        assert fresh["abi"] == old["abi"], hint
        assert fresh["compiler"] == old["compiler"], hint
