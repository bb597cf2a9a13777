"""Any command pointed at a database it cannot use says so in one line, with no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.anvil import free_port

LOYALTY = Path(sys.executable).with_name("loyalty")


@pytest.mark.parametrize(
    ("command", "url"),
    [
        (["migrate"], "postgresql://nobody@127.0.0.1:{port}/nothing"),
        (["serve", "--port", "0"], "sqlite:////nonexistent-dir/loyalty.db"),
        (["api", "--port", "0"], "postgresql://nobody@127.0.0.1:{port}/nothing"),
    ],
)
def test_unusable_database_is_one_clear_line(tmp_path: Path, command: list[str], url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOYALTY_")}
    env["LOYALTY_DATABASE_URL"] = url.format(port=free_port())  # nothing listens there
    env["LOYALTY_CHAIN_STATE"] = str(tmp_path / "chain.state")
    result = subprocess.run(
        [str(LOYALTY), *command],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"loyalty {command[0]}: cannot use the database ")
    assert "LOYALTY_DATABASE_URL" in lines[0]
