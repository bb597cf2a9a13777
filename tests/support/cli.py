"""Runs a `loyalty` command the way an operator does, with only the given LOYALTY_* variables:
main() in this process (cheap), or the installed console script in a child process when the
process boundary (entry point, exit status, streams) is the point."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from cli.main import main

LOYALTY = Path(sys.executable).with_name("loyalty")


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


def run_cli(cwd: Path, env: dict[str, str], *args: str, process: bool = False) -> Result:
    base = {k: v for k, v in os.environ.items() if not k.startswith("LOYALTY_")}
    full_env = {**base, "LOYALTY_DATABASE_URL": f"sqlite:///{cwd}/cli.db", **env}
    if process:
        done = subprocess.run(
            [str(LOYALTY), *args],
            cwd=cwd,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return Result(done.returncode, done.stdout, done.stderr)
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        # The child's environment exactly: no LOYALTY_* variable of this process leaks in.
        for name in list(os.environ):
            if name.startswith("LOYALTY_"):
                patch.delenv(name)
        for name, value in full_env.items():
            patch.setenv(name, value)
        patch.chdir(cwd)
        # (main() points the root logger at this stderr; conftest restores it after the test.)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    return Result(code, out.getvalue(), err.getvalue())
