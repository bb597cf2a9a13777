"""Structure rules import-linter cannot check (run by ./scripts/lint):
- no module of api/, minter/, indexer/, loyalty/ or audit/ over 400 lines (migrations aside);
- a function-level import outside cli/ says why on its line or the line above (a comment): it
  is allowed only to defer a heavy import, never to dodge an import cycle. cli/ is the
  composition root, where every command imports what it needs in its handler so that
  `loyalty --help` stays fast (tests/unit/test_cli_imports.py)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["api", "minter", "indexer", "loyalty", "audit"]
MAX_LINES = 400


def _reason_above(lines: list[str], index: int) -> bool:
    """A comment line above the import, across the imports and blank lines of its group."""
    for above in reversed(lines[:index]):
        text = above.strip()
        if text.startswith("#"):
            return True
        if text and not text.startswith(("from ", "import ", ")")) and not text.endswith(","):
            return False
    return False


def problems() -> list[str]:
    found: list[str] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            rel = path.relative_to(ROOT)
            lines = path.read_text().splitlines()
            if len(lines) > MAX_LINES:
                found.append(f"{rel}: {len(lines)} lines (at most {MAX_LINES}: split it)")
            for node in ast.walk(ast.parse("\n".join(lines))):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for inner in ast.walk(node):
                    if not isinstance(inner, ast.Import | ast.ImportFrom):
                        continue
                    line = lines[inner.lineno - 1]
                    if "#" not in line and not _reason_above(lines, inner.lineno - 1):
                        found.append(
                            f"{rel}:{inner.lineno}: function-level import without a reason "
                            f"(`{line.strip()}`): import at the top, or say which heavy import "
                            "it defers"
                        )
    return found


def main() -> int:
    found = problems()
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
