"""Batch ingest: `nianbao ingest PATH... [--workspace W] [--jobs N] [--database-url URL]`.

Files and folders (recursively) are checked by `reports.check` in worker processes (one per core
by default) and stored in input order, so that of two files for the same agency and year the later
one supersedes the earlier. A file that cannot be read, is not a report, or crashes its worker is
reported as failed with the reason; the batch goes on. The shared library is the default
workspace, and what the command line stores there is published.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import signal
import stat
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from reports.model import Report
from storage.models import LIBRARY

# What a report file may be; a file named on the command line is taken whatever its name.
SUFFIXES = frozenset({".pdf", ".docx", ".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml"})
# Project documents that sit beside reports in a folder are not reports.
_NOT_REPORTS = frozenset({"readme", "license", "licence", "changelog", "notes"})

Checker = Callable[[bytes, str], Report]


@dataclass(frozen=True)
class Outcome:
    """What became of one file."""

    path: str
    status: str  # stored / duplicate / superseded / failed
    report_id: int | None = None
    previous_id: int | None = None
    reason: str | None = None
    agency: str | None = None
    year: int | None = None
    verdict: str | None = None


def collect_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files to ingest: named files as given, folders walked recursively (report suffixes only,
    hidden files and READMEs skipped), each file once, in a stable order."""
    out: list[Path] = []
    seen: set[Path] = set()

    def add(p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            out.append(p)

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if (
                    f.is_file()
                    and f.suffix.lower() in SUFFIXES
                    and not any(part.startswith(".") for part in rel)
                    and f.stem.lower() not in _NOT_REPORTS
                ):
                    add(f)
        else:
            add(p)  # a missing file fails later with its reason
    return out


def _default_check(data: bytes, filename: str) -> Report:
    import reports

    return reports.check(data, filename)  # the engine bounds size and time itself


def _read_error(report: Report) -> str | None:
    """Why the file is not a report at all (unreadable, encrypted, not a report...), or None."""
    try:
        from reports.engine import READ_ERROR_CODES
    except ImportError:  # an engine without the list: judge by what was found
        READ_ERROR_CODES = frozenset()
    for f in report.findings:
        if f.code in READ_ERROR_CODES:
            return f"{f.code}: {f.message_en}"
    if not report.sections and not report.tables_found:
        return "not an annual report: no section or table found"
    return None


def _check_file(path: str, checker: Checker | None) -> tuple[Report | None, str | None]:
    """Runs in a worker: (report, None) or (None, why it failed)."""
    from reports.engine import default_max_bytes

    limit = default_max_bytes()
    try:
        st = os.stat(path)  # not open(): opening a FIFO waits for a writer
        if not stat.S_ISREG(st.st_mode):
            return None, "not a regular file"
        if st.st_size > limit:  # refused before a byte is read
            return None, f"too-large: the file is larger than the {limit / 1024 / 1024:g} MB limit"
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)  # a file that grows meanwhile is still read no further
    except OSError as exc:
        return None, f"cannot read the file: {exc.strerror or exc}"
    if len(data) > limit:
        return None, f"too-large: the file is larger than the {limit / 1024 / 1024:g} MB limit"
    try:
        report = (checker or _default_check)(data, Path(path).name)
    except Exception as exc:  # the engine should not raise; if it does, this file alone fails
        return None, f"{type(exc).__name__}: {exc}"
    reason = _read_error(report)
    return (None, reason) if reason else (report, None)


def _worker_init(max_memory: int | None = None) -> None:
    """Workers leave Ctrl-C to the parent, which shuts them down (no KeyboardInterrupt traceback
    from each of them), and live within max_memory bytes of address space."""
    from reports.engine import limit_memory

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_memory(max_memory)
    from storage.mistakes import one_line_logging

    one_line_logging()  # an engine error logged here is one line too, not a traceback (--debug: all)


def _pool(jobs: int) -> ProcessPoolExecutor:
    from reports.engine import default_memory_bytes

    # forkserver/spawn: workers do not inherit the event loop or database connections of this process.
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        # Imported once in the fork server, so every worker starts with the engine loaded.
        ctx.set_forkserver_preload(["reports.engine", "storage.ingest"])
    else:
        ctx = multiprocessing.get_context("spawn")
    # Each worker's address space is bounded as the CLI's checking child is (NIANBAO_MAX_MEMORY_MB):
    # a file that needs more kills its worker, and that file alone fails (see _check_all).
    return ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_worker_init,
                               initargs=(default_memory_bytes(),))


def _check_all(
    files: Sequence[Path], jobs: int, checker: Checker | None
) -> Iterator[tuple[int, Report | None, str | None]]:
    """Yield (index, report, reason) in input order. A worker crash breaks the pool: the file being
    waited for is then retried alone in a fresh worker and fails only if it crashes again."""
    todo = list(range(len(files)))
    while todo:
        pool = _pool(min(jobs, len(todo)))
        futures: list[tuple[int, Future[tuple[Report | None, str | None]]]] = [
            (i, pool.submit(_check_file, str(files[i]), checker)) for i in todo
        ]
        done = 0
        broken = False
        try:
            for i, fut in futures:
                try:
                    report, reason = fut.result()
                except BrokenProcessPool:
                    broken = True
                    break
                yield i, report, reason
                done += 1
        finally:
            try:
                pool.shutdown(wait=not broken, cancel_futures=True)
            except RuntimeError:  # finalised in the pool's own thread (Ctrl-C): it cannot wait for itself
                pool.shutdown(wait=False, cancel_futures=True)
        todo = todo[done:]
        if broken:
            suspect = todo.pop(0)
            single = _pool(1)
            try:
                report, reason = single.submit(_check_file, str(files[suspect]), checker).result()
            except BrokenProcessPool:
                report, reason = None, "the reader crashed on this file (worker process died)"
            finally:
                single.shutdown(wait=False, cancel_futures=True)
            yield suspect, report, reason


async def ingest_paths(
    paths: Iterable[str | Path],
    *,
    url: str | None = None,
    workspace: str = LIBRARY,
    jobs: int | None = None,
    checker: Checker | None = None,
    on_progress: Callable[[Outcome], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Check and store every file under `paths`; one Outcome per file, in input order.
    `checker` replaces reports.check (it must be picklable: a module-level function)."""
    from storage import repo
    from storage.db import make_engine, make_sessionmaker, upgrade

    files = collect_files(paths)
    if on_total:
        on_total(len(files))
    if not files:
        return []
    await upgrade(url)
    if "forkserver" in multiprocessing.get_all_start_methods():
        from storage.quiet_workers import start_forkserver

        multiprocessing.get_context("forkserver").set_forkserver_preload(["reports.engine", "storage.ingest"])
        start_forkserver()  # here, in the main thread: the pools start theirs from another
    engine = make_engine(url)
    outcomes: list[Outcome] = []
    try:
        sessions = make_sessionmaker(engine)
        loop = asyncio.get_running_loop()
        results = _check_all(files, max(1, jobs or os.cpu_count() or 1), checker)
        sentinel = object()
        async with sessions() as session:
            while True:
                # The generator blocks on worker results; run it off the event loop.
                item = await loop.run_in_executor(None, next, results, sentinel)
                if item is sentinel:
                    break
                i, report, reason = item  # type: ignore[misc]
                path = str(files[i])
                if report is None:
                    outcome = Outcome(path, "failed", reason=reason)
                else:
                    try:
                        res = await repo.save_report(
                            session, report, workspace=workspace, file_name=files[i].name, published=None
                        )
                        outcome = Outcome(
                            path, res.status, res.report_id, res.previous_id,
                            agency=report.agency, year=report.year, verdict=report.verdict,
                        )
                    except Exception as exc:  # a store failure fails this file only (nothing half-written)
                        outcome = Outcome(path, "failed", reason=f"not stored: {type(exc).__name__}: {exc}")
                outcomes.append(outcome)
                if on_progress:
                    on_progress(outcome)
    finally:
        await engine.dispose()
    return outcomes


def summarise(outcomes: Sequence[Outcome]) -> dict[str, int]:
    counts = Counter(o.status for o in outcomes)
    return {s: counts.get(s, 0) for s in ("stored", "duplicate", "superseded", "failed")}


# Document formats a folder may hold that are not read (told apart from other files beside reports).
_UNSUPPORTED = frozenset({".doc", ".wps", ".rtf", ".odt", ".xls", ".xlsx", ".et", ".ppt", ".pptx", ".ofd",
                          ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".zip", ".rar", ".7z"})


def skipped_files(paths: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """The files a folder walk leaves out, with why: `unsupported-format` (a document or picture
    format that is not read: .doc, .wps, scans…) or `not-a-report` (any other file). Hidden files
    and READMEs are left out silently."""
    out: list[tuple[Path, str]] = []
    for raw in paths:
        p = Path(raw)
        if not p.is_dir():
            continue
        for f in sorted(p.rglob("*")):
            rel = f.relative_to(p).parts
            if (not f.is_file() or f.suffix.lower() in SUFFIXES or any(part.startswith(".") for part in rel)
                    or f.stem.lower() in _NOT_REPORTS):
                continue
            out.append((f, "unsupported-format" if f.suffix.lower() in _UNSUPPORTED else "not-a-report"))
    return out


def exit_status(outcomes: Sequence[Outcome], skipped: Sequence[tuple[Path, str]]) -> int:
    """0 every file stored (or already there), 1 some failed or were of a format not read, 2 none."""
    counts = summarise(outcomes)
    if counts["stored"] + counts["duplicate"] + counts["superseded"] == 0:
        return 2
    if counts["failed"] or any(code == "unsupported-format" for _, code in skipped):
        return 1
    return 0


def ingest_main(argv: list[str]) -> int:
    """The `nianbao ingest` command. Exit status 0 when every file was stored or was already there,
    1 when some failed (or a folder held files of a format that is not read), 2 when none could be
    stored (or no report file was found)."""
    from storage.db import database_url

    parser = argparse.ArgumentParser(prog="nianbao ingest", description="Check and store report files.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="report files or folders (walked recursively)")
    parser.add_argument("--workspace", default=LIBRARY, help="workspace to store into (default: the shared library)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: one per core)")
    parser.add_argument("--database-url", default=None, help="SQLAlchemy URL (default: NIANBAO_DATABASE_URL or SQLite)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no tables: only what failed, one line each")
    args = parser.parse_args(argv)
    if args.jobs is not None and not 1 <= args.jobs <= 64:
        parser.error("--jobs must be between 1 and 64")

    url = database_url(args.database_url)
    skipped = skipped_files(args.paths)
    started = time.perf_counter()
    if args.quiet:
        outcomes = asyncio.run(ingest_paths(args.paths, url=url, workspace=args.workspace, jobs=args.jobs))
    else:
        outcomes = _with_progress(args, url)
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


def _with_progress(args: argparse.Namespace, url: str) -> list[Outcome]:
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

        return asyncio.run(
            ingest_paths(args.paths, url=url, workspace=args.workspace, jobs=args.jobs, on_progress=step, on_total=total)
        )


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
