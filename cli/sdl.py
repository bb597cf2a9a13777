"""The GraphQL schema as SDL text: `python -m cli.sdl > schema.graphql`.

The console's TypeScript types are generated from it (graphql-codegen; `npm run build` in
api/console/web writes it first), so a schema change that the console's operations no longer
fit fails its build, and tests/integration/test_console_build.py checks the committed types
against the schema as it is now.
"""

from __future__ import annotations

import sys

from api.config import ApiConfig
from api.schema import build_schema
from loyalty.settings import Settings


def sdl() -> str:
    """The schema as its SDL, ending in a newline; nothing is connected to build it."""
    settings = Settings(database_url="sqlite:///unused.db", chain_state="")
    return build_schema(ApiConfig.from_settings(settings)).as_str() + "\n"


if __name__ == "__main__":
    sys.stdout.write(sdl())
