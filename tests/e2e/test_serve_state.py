"""`loyalty serve` on state files that do not belong together, or that are damaged: the
database and the chain's state file are one history; a start on a mismatched or unreadable pair
is refused with one line that says what to do, every time, instead of serving stale balances."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_serve_lifecycle import BIN, Serve
from tests.support.anvil import free_port

pytestmark = [pytest.mark.timeout(300)]


def env() -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("LOYALTY_")}
    return {**base, "LOYALTY_ADMIN_API_KEY": "state-admin-key"}


def start(workdir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), "serve", "--port", str(free_port())],
        cwd=workdir,
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_line(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    out = result.stdout + result.stderr
    assert result.returncode == 2, out
    assert "Traceback" not in out, out
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, out
    assert lines[0].startswith("loyalty serve: "), out
    for fragment in fragments:
        assert fragment in lines[0], out
    return lines[0]


def test_database_without_its_chain_state_is_refused_on_every_start(tmp_path: Path) -> None:
    serve = Serve(tmp_path, env())
    serve.start()
    token = serve.token_line()
    assert serve.stop(signal.SIGTERM) == 0, serve.output()
    (tmp_path / "loyalty-chain.state").unlink()

    for _ in range(2):  # the first refusal must not leave a half-made state that the next takes
        one_line(start(tmp_path), "loyalty-chain.state", "go together", "docs/operating.md")
    assert token.split()[3] in start(tmp_path).stderr  # names the recorded token's address


def test_a_damaged_chain_state_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "loyalty-chain.state").write_bytes(b"not a sqlite file at all " * 100)
    one_line(start(tmp_path), "chain state file loyalty-chain.state", "cannot be read")


def test_a_damaged_database_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "loyalty.db").write_bytes(b"not a sqlite file at all " * 100)
    one_line(start(tmp_path), "loyalty.db", "file is not a database")
