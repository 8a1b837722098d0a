"""`nianbao export --xlsx FILE [--year Y] [--workspace W] [--database-url URL]`: the stored reports as
an Excel workbook (storage.export.export_store)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.settings import Basics
from storage.mistakes import UserMistake


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="nianbao export", description="Export stored reports.")
    parser.add_argument("--xlsx", required=True, metavar="FILE", help="the XLSX file to write")
    parser.add_argument("--year", type=int, default=None, help="only reports on this year")
    parser.add_argument("--workspace", default=None, help="a workspace (default: the shared library)")
    parser.add_argument("--database-url", default=None, help="SQLAlchemy URL (default: NIANBAO_DATABASE_URL or SQLite)")
    args = parser.parse_args(argv)
    _check_writable(Path(args.xlsx))
    from storage.export import export_store

    url = Basics.from_env().db_url(args.database_url)
    n = asyncio.run(export_store(url, args.xlsx, args.year, args.workspace))
    print(f"{n} reports written to {args.xlsx}")
    return 0


def _check_writable(path: Path) -> None:
    """Refuse a file that cannot be written before any work (openpyxl fails late, and noisily)."""
    existed = path.exists()
    try:
        if path.is_dir():
            raise IsADirectoryError(21, "Is a directory", str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "ab"):
            pass
    except OSError as e:
        why = e.strerror or type(e).__name__
        raise UserMistake(f"无法写入 {path}（{why}）：请换一个可写的文件夹，例如 --xlsx reports.xlsx。",
                          f"cannot write {path} ({why}): choose a folder you can write to, "
                          "e.g. --xlsx reports.xlsx.") from None
    if not existed:
        path.unlink()
