"""The layers (docs/architecture.md): reports/ <- storage/ <- handlers/ <- bot/, and localapi/ on
its own. Each package imports only what its row of RULES allows: nothing of the layers above it,
nor the libraries of the layers above (reports/ stays the pure domain core)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ("reports", "storage", "handlers", "bot", "localapi")
BOT_LIBS = ("aiogram", "aiohttp", "apscheduler", "redis", "prometheus_client", "pydantic", "pydantic_settings")
STORE_LIBS = ("sqlalchemy", "sqlmodel", "alembic", "aiosqlite", "asyncpg")
# package: the top-level modules it must not import
RULES: dict[str, tuple[str, ...]] = {
    "reports": ("storage", "handlers", "bot", "localapi", *BOT_LIBS, *STORE_LIBS),
    "storage": ("handlers", "bot", "localapi", *BOT_LIBS),
    "handlers": ("bot", "localapi"),
    "bot": (),
    "localapi": ("reports", "storage", "handlers", "bot", *STORE_LIBS),
}


def _imports(path: Path) -> list[str]:
    """Every module a file imports (absolute imports, at any depth: a lazy import counts too)."""
    out: list[str] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
    return out


def test_every_package_has_a_rule() -> None:
    assert sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name != "tests"
                  and p.name != "bench") == sorted(PROJECT)
    assert set(RULES) == set(PROJECT)


def test_each_package_imports_only_what_its_layer_allows() -> None:
    bad = []
    for package, forbidden in RULES.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if "migrations" in rel.parts and package == "storage":
                continue  # Alembic's own scripts
            bad += [f"{rel}: {m}" for m in _imports(path) if m.split(".")[0] in forbidden]
    assert bad == []


def test_only_the_settings_read_the_environment() -> None:
    """os.environ / os.getenv are read in bot/settings alone (setting a variable for the worker
    processes, as the dispatcher does for --debug, is not reading it)."""
    allowed = {"bot/settings/__init__.py", "bot/mistakes.py"}
    bad = []
    for package in PROJECT:
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                reads = (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                         and node.func.attr in ("get", "getenv")
                         and isinstance(node.func.value, ast.Attribute | ast.Name)
                         and getattr(node.func.value, "attr", getattr(node.func.value, "id", "")) in ("environ", "os"))
                if reads and rel not in allowed:
                    bad.append(f"{rel}:{node.lineno}")
    assert bad == []


FIXTURE = ROOT / "tests" / "fixtures" / "report-2021-utf8-bom.txt"


def _loaded(code: str, modules: tuple[str, ...]) -> list[str]:
    """Which of `modules` a fresh process has loaded after running `code` on the text fixture."""
    probe = f"{code}\nimport sys\nprint(','.join(m for m in {modules!r} if m in sys.modules), file=sys.stderr)"
    out = subprocess.run([sys.executable, "-c", probe, str(FIXTURE)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode in (0, 1), out.stderr
    return [m for m in out.stderr.strip().splitlines()[-1].split(",") if m] if out.stderr.strip() else []


def test_check_loads_no_heavy_module_for_text() -> None:
    code = "import sys, reports; reports.check(open(sys.argv[1], 'rb').read(), 'x.txt')"
    assert _loaded(code, ("aiogram", "sqlalchemy", "pdfplumber", "docx", "pypdfium2", "lxml")) == []


def test_the_check_command_loads_neither_the_bot_nor_the_store() -> None:
    code = "import sys\nfrom bot.commands import main\nmain(['check', '--json', sys.argv[1]])"
    assert _loaded(code, ("aiogram", "aiohttp", "sqlalchemy", "sqlmodel", "pydantic")) == []


def test_the_check_command_starts_lean() -> None:
    """A PDF check in a fresh process: neither typing (annotations only; 2 ms to import), nor
    pypdfium2's helpers (reports.readers.pdfium binds the few PDFium functions the reader calls),
    nor logging when nothing is logged (bot.commands.LAZY_LOGGING)."""
    code = ("import sys\nfrom bot.commands import main\nimport reports.engine as e\n"
            "e.bound_process = lambda m=None: None\nmain(['check', '--json', sys.argv[1]])")
    pdf = ROOT / "tests" / "fixtures" / "pdf" / "unruled.pdf"  # read by PDFium alone (no pdfminer)
    probe = f"{code}\nimport sys\nprint(','.join(m for m in ('typing', 'pypdfium2', 'logging') if m in sys.modules), file=sys.stderr)"
    out = subprocess.run([sys.executable, "-c", probe, str(pdf)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode in (0, 1), out.stderr
    assert out.stderr.splitlines()[-1] == ""  # the names of those loaded
