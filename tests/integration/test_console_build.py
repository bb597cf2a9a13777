"""The console's committed build is what its sources give: graphql-codegen on the schema as the
API prints it now (cli.sdl) accepts every operation of the console and gives the committed
src/gql (only the types those operations use: a schema change elsewhere changes nothing, one
that breaks an operation fails here); TypeScript accepts every page against those types; Vite
with the pinned packages (package-lock.json) rebuilds api/console/dist byte for byte (as
test_contract_artifacts does for the contract).

Skips where Node or api/console/web/node_modules is missing (the service itself needs
neither; ./scripts/setup runs `npm ci` there), except under CI=true, where it fails: CI must
prove the committed build matches its sources and the schema.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from api.console import DIST
from cli.sdl import sdl
from tests.conftest import missing

WEB = DIST.parent / "web"
BIN = WEB / "node_modules" / ".bin"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        missing("node is not installed: the console cannot be rebuilt")
    if not (BIN / "vite").exists():
        missing("api/console/web/node_modules is missing: run ./scripts/setup (npm ci there)")
    return str(node)


def _run(tool: str, *args: str, **env: str) -> None:
    result = subprocess.run(
        [_node(), str(BIN / tool), *args],
        cwd=WEB,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (
        f"{tool} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def tools() -> None:
    _node()


def test_generated_types_match_the_operations_and_the_sdl(tools: None, tmp_path: Path) -> None:
    schema = tmp_path / "schema.graphql"
    schema.write_text(sdl())
    _run(
        "graphql-codegen",
        "--config",
        "codegen.ts",
        CONSOLE_SCHEMA=str(schema),
        CONSOLE_GQL_DIR=f"{tmp_path}/gql/",
    )
    fresh, committed = _files(tmp_path / "gql"), _files(WEB / "src" / "gql")
    assert fresh.keys() == committed.keys()
    for name in committed:
        assert fresh[name] == committed[name], (
            f"src/gql/{name} is stale: run `npm run build` in api/console/web"
        )
    _run("tsc", "--noEmit", "-p", ".")


def test_committed_dist_matches_a_fresh_vite_build(tools: None, tmp_path: Path) -> None:
    _run("vite", "build", "--logLevel", "warn", CONSOLE_OUT_DIR=str(tmp_path / "dist"))
    fresh, committed = _files(tmp_path / "dist"), _files(DIST)
    assert fresh.keys() == committed.keys(), "a built file was added or removed: `npm run build`"
    for name in committed:
        assert fresh[name] == committed[name], (
            f"dist/{name} is stale: run `npm run build` in api/console/web and commit dist/"
        )


def test_the_lock_pins_versions_without_download_addresses() -> None:
    """The committed lock names versions and integrity hashes only: no `resolved` URL (.npmrc
    omits them) and no other address (npm writes packages' `funding` links; they are removed)."""
    lock = (WEB / "package-lock.json").read_text()
    assert '"resolved"' not in lock
    assert "http://" not in lock and "https://" not in lock
