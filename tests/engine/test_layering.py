"""The layers: reports/ (the pure domain core) <- storage/ <- handlers/ <- bot/. reports/ imports
nothing of the bot, the store or their libraries; storage/ imports neither handlers/ nor bot/;
handlers/ does not import bot/."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

FORBIDDEN = ("aiogram", "sqlmodel", "sqlalchemy", "alembic", "apscheduler", "bot", "handlers", "storage")
ROOT = Path(__file__).resolve().parents[2]


def test_no_forbidden_imports_in_source() -> None:
    bad = []
    for path in (ROOT / "reports").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            bad += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert bad == []


def _imports(path: Path) -> list[tuple[str, str | None]]:
    """(module imported, enclosing function or None) for every absolute import in a file."""
    out: list[tuple[str, str | None]] = []

    def visit(node: ast.AST, func: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, func or child.name)
                continue
            if isinstance(child, ast.Import):
                out.extend((a.name, func) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                out.append((child.module, func))
            visit(child, func)

    visit(ast.parse(path.read_text("utf-8")), None)
    return out


def test_lower_layers_never_import_upper_ones() -> None:
    upper = {"storage": ("handlers", "bot"), "handlers": ("bot",)}
    bad = []
    for package, forbidden in upper.items():
        for path in (ROOT / package).rglob("*.py"):
            for module, func in _imports(path):
                if module.split(".")[0] in forbidden:
                    bad.append(f"{path.relative_to(ROOT)}: {module} (in {func or 'module'})")
    assert bad == []


def test_check_loads_no_heavy_module_for_text() -> None:
    code = (
        "import sys, reports; reports.check(open(sys.argv[1],'rb').read(), 'x.txt');"
        "print(','.join(m for m in ('aiogram','sqlalchemy','pdfplumber','docx','pypdfium2','lxml') if m in sys.modules))"
    )
    fixture = ROOT / "tests" / "fixtures" / "report-2021-utf8-bom.txt"
    out = subprocess.run([sys.executable, "-c", code, str(fixture)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
