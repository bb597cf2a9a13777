"""The image serves GraphiQL like a checkout does: the Dockerfile copies exactly the bundle files
the API serves (api.graphiql.ASSETS) from its Node stage, and the build context leaves the 50 MB
node_modules folder out."""

from __future__ import annotations

import re
from pathlib import Path

from api.graphiql import ASSETS, VENDOR

ROOT = Path(__file__).resolve().parents[2]


def test_the_image_gets_every_served_bundle_file_and_no_other() -> None:
    text = (ROOT / "Dockerfile").read_text()
    copied = set()
    for line in re.findall(r"^COPY --from=graphiql (.+)$", text, re.M):
        *sources, dest = line.split()
        for source in sources:
            name = source.split("/graphiql/node_modules/", 1)[1]
            assert dest.startswith("./api/graphiql/node_modules/"), dest
            assert dest.endswith(name.rsplit("/", 1)[0] + "/"), (source, dest)
            copied.add(name)
    bundles = {
        str(path.relative_to(VENDOR)) for path, _ in ASSETS.values() if VENDOR in path.parents
    }
    assert copied == bundles


def test_the_build_context_leaves_node_modules_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "api/graphiql/node_modules" in ignored and "contracts/node_modules" in ignored
