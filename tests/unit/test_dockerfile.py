"""The image is built by `pip install .` from what the Dockerfile copies: every package that
pyproject installs must be copied, or the `loyalty` entry point fails in the container."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_image_copies_every_installed_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = project["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {p.removesuffix("*") for p in patterns}
    copied = set(re.findall(r"^COPY (\w+)(?:/\S*)? \./\1", (ROOT / "Dockerfile").read_text(), re.M))
    missing = sorted(packages - copied)
    assert not missing, f"the Dockerfile does not copy {missing}"
    entry = project["project"]["scripts"]["loyalty"].split(":")[0].split(".")[0]
    assert entry in copied
