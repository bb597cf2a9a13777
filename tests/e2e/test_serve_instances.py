"""Two `loyalty serve` processes: on one state folder the second is refused at once (it would
run on its own copy of the chain), and on a taken port it fails before printing any URL."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_serve_lifecycle import BIN, Serve
from tests.support.anvil import free_port

pytestmark = [pytest.mark.timeout(300)]


@pytest.fixture
def first(tmp_path: Path) -> Iterator[Serve]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOYALTY_")}
    env["LOYALTY_ADMIN_API_KEY"] = "instances-admin-key"
    s = Serve(tmp_path / "first", env)
    s.workdir.mkdir()
    s.start()
    yield s
    assert s.process is not None
    s.process.kill()
    s.process.wait()


def second(workdir: Path, env: dict[str, str], port: int) -> subprocess.CompletedProcess[str]:
    workdir.mkdir(exist_ok=True)
    return subprocess.run(
        [str(BIN), "serve", "--port", str(port)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    out = result.stdout + result.stderr
    assert result.returncode == 2, out
    assert "Traceback" not in out, out
    assert "GraphiQL" not in out, out  # no URL is printed for a server that never listens
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, out
    return lines[0]


def test_a_second_serve_on_the_same_folder_is_refused(first: Serve) -> None:
    line = one_line(second(first.workdir, first.env, free_port()))
    assert line.startswith("loyalty serve: another loyalty process")
    assert str(first.process.pid) in line  # type: ignore[union-attr]
    assert str(first.workdir) in line
    assert first.ping()  # the first one is unharmed


def test_a_second_serve_on_a_taken_port_fails_before_printing_urls(
    first: Serve, tmp_path: Path
) -> None:
    line = one_line(second(tmp_path / "other", first.env, first.port))
    assert f"port {first.port}" in line and "in use" in line
    assert first.ping()
