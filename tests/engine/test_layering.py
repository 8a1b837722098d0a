"""reports/ is the pure domain core: it imports nothing of the bot, the store or their libraries."""

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


def test_check_loads_no_heavy_module_for_text() -> None:
    code = (
        "import sys, reports; reports.check(open(sys.argv[1],'rb').read(), 'x.txt');"
        "print(','.join(m for m in ('aiogram','sqlalchemy','pdfplumber','docx','pypdfium2','lxml') if m in sys.modules))"
    )
    fixture = ROOT / "tests" / "fixtures" / "report-2021-utf8-bom.txt"
    out = subprocess.run([sys.executable, "-c", code, str(fixture)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
