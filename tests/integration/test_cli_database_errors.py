"""Any command pointed at a database it cannot use says so in one line, with no traceback.
`migrate` runs as the real console script (the entry point, its exit status and streams); the
others call main() in this process, which returns the same status and writes the same streams
(a child process per case paid seconds of imports each)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.anvil import free_port
from tests.support.cli import run_cli


@pytest.mark.parametrize(
    ("command", "url", "process"),
    [
        (["migrate"], "postgresql://nobody@127.0.0.1:{port}/nothing", True),
        (["serve", "--port", "0"], "sqlite:////nonexistent-dir/loyalty.db", False),
        (["api", "--port", "0"], "postgresql://nobody@127.0.0.1:{port}/nothing", False),
    ],
    ids=["migrate-process", "serve", "api"],
)
def test_unusable_database_is_one_clear_line(
    tmp_path: Path, command: list[str], url: str, process: bool
) -> None:
    env = {
        "LOYALTY_DATABASE_URL": url.format(port=free_port()),  # nothing listens there
        "LOYALTY_CHAIN_STATE": str(tmp_path / "chain.state"),
    }
    result = run_cli(tmp_path, env, *command, process=process)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"loyalty {command[0]}: cannot use the database ")
    assert "LOYALTY_DATABASE_URL" in lines[0]
