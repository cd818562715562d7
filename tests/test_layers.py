"""The layers of DESIGN.md hold: engine imports no Qt and no aiohttp server."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_engine_pulls_in_no_qt_and_no_aiohttp_server() -> None:
    code = (
        "import sys, engine, engine.service, engine.store, engine.executor\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'NodeGraphQt', "
        "'qasync', 'aiohttp.web', 'shiboken6')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def _imports(folder: str) -> set[str]:
    names: set[str] = set()
    for path in (ROOT / folder).rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
    return names


def test_arrows_point_down() -> None:
    def top(names: set[str]) -> set[str]:
        return {n.split(".")[0] for n in names}

    assert not top(_imports("engine")) & {"app", "ui", "server", "PySide6", "NodeGraphQt",
                                            "qasync"}
    assert not {n for n in _imports("engine") if n.startswith("aiohttp.web")}
    assert not top(_imports("ui")) & {"app", "server"}
    assert not top(_imports("server")) & {"app", "ui", "PySide6", "NodeGraphQt"}
