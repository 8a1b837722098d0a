"""`nianbao ingest PATH... [--workspace W] [--jobs N] [--database-url URL] [--quiet]`: check and store
report files and folders (storage.ingest.ingest_paths), with a progress bar and a summary table.

Exit status 0 when every file was stored or was already there, 1 when some failed (or a folder held
files of a format that is not read), 2 when none could be stored (or no report file was found).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from bot.settings import Basics
from storage.ingest import Outcome, exit_status, ingest_paths, skipped_files, summarise
from storage.models import LIBRARY


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="nianbao ingest", description="Check and store report files.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="report files or folders (walked recursively)")
    parser.add_argument("--workspace", default=LIBRARY, help="workspace to store into (default: the shared library)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: one per core)")
    parser.add_argument("--database-url", default=None, help="SQLAlchemy URL (default: NIANBAO_DATABASE_URL or SQLite)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no tables: only what failed, one line each")
    args = parser.parse_args(argv)
    if args.jobs is not None and not 1 <= args.jobs <= 64:
        parser.error("--jobs must be between 1 and 64")

    settings = Basics.from_env()
    run = functools.partial(ingest_paths, args.paths, url=settings.db_url(args.database_url), workspace=args.workspace,
                            jobs=args.jobs, max_bytes=settings.max_upload_bytes, max_memory=settings.max_memory_bytes,
                            debug=settings.debug)
    skipped = skipped_files(args.paths)
    started = time.perf_counter()
    outcomes = asyncio.run(run()) if args.quiet else _with_progress(run)
    elapsed = time.perf_counter() - started
    if args.quiet:
        for o in outcomes:
            if o.status == "failed":
                print(f"{o.path}: {o.reason}", file=sys.stderr)
        for f, code in skipped:
            if code == "unsupported-format":
                print(f"{f}: {code}: skipped", file=sys.stderr)
        if not outcomes:
            print("no report files found", file=sys.stderr)
    else:
        _print_tables(args.workspace, outcomes, skipped, elapsed)
    return exit_status(outcomes, skipped)


def _with_progress(run: Callable[..., Awaitable[list[Outcome]]]) -> list[Outcome]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.description}"), console=Console(stderr=True), transient=True,
    ) as progress:
        task = progress.add_task("", total=None)

        def total(n: int) -> None:
            progress.update(task, total=n)

        def step(o: Outcome) -> None:
            progress.update(task, advance=1, description=Path(o.path).name)

        return asyncio.run(run(on_progress=step, on_total=total))


def _print_tables(workspace: str, outcomes: Sequence[Outcome], skipped: Sequence[tuple[Path, str]],
                  elapsed: float) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    counts = summarise(outcomes)
    table = Table(title=f"nianbao ingest → {workspace}")
    table.add_column("result")
    table.add_column("files", justify="right")
    for status, n in counts.items():
        table.add_row(status, str(n))
    if skipped:
        table.add_row("skipped", str(len(skipped)))
    console.print(table)
    failed = [o for o in outcomes if o.status == "failed"]
    if failed or skipped:
        ft = Table(title="failed or skipped")
        ft.add_column("file", overflow="fold")
        ft.add_column("reason")
        for o in failed:
            ft.add_row(o.path, o.reason or "")
        for f, code in skipped:
            ft.add_row(str(f), f"{code} (skipped)")
        console.print(ft)
    rate = len(outcomes) / elapsed if elapsed > 0 else 0.0
    n = len(outcomes)
    console.print(f"{n} {'file' if n == 1 else 'files'} in {elapsed:.1f} s ({rate:.1f} files/s)")
    if not outcomes:
        console.print("no report files found")
