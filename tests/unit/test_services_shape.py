"""The shape issue 12 asks of the use cases, checked on the source (no imports run): no public
service function takes an engine, and no module of loyalty/services imports inside a function
(those imports only dodged cycles, which the unit of work's handlers removed)."""

from __future__ import annotations

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "loyalty" / "services"
ENGINES = {"AsyncEngine", "Engine"}
COMPOSITION = {"bootstrap.py"}  # builds units of work from an engine: that is its job


def _modules() -> list[tuple[str, ast.Module]]:
    return [(p.name, ast.parse(p.read_text())) for p in sorted(SERVICES.glob("*.py"))]


def _functions(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def test_no_public_service_function_takes_an_engine() -> None:
    found = []
    for name, tree in _modules():
        if name in COMPOSITION:
            continue
        public = [f for f in tree.body if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)]
        for fn in public:
            if fn.name.startswith("_"):
                continue
            for arg in fn.args.args + fn.args.kwonlyargs:
                if arg.annotation is not None and ast.unparse(arg.annotation) in ENGINES:
                    found.append(f"{name}:{fn.name}({arg.arg})")
    assert found == []


def test_no_service_module_imports_inside_a_function() -> None:
    found = [
        f"{name}:{node.lineno}"
        for name, tree in _modules()
        for fn in _functions(tree)
        for node in ast.walk(fn)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert found == []
