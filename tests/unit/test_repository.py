"""What the repository must never hold: installed npm packages, or a worktree's symlink to them
(committing the link once replaced main's installed anvil with a link to itself)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_no_node_modules_is_tracked() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.decode()
    tracked = [path for path in listed.split("\0") if "node_modules" in path.split("/")]
    assert not tracked, f"git rm --cached these (they are installed, not sources): {tracked}"
