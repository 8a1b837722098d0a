"""Batch ingest (`nianbao ingest`, bot.commands.ingest): check and store files and folders.

Files and folders (recursively) are checked by `reports.check` in worker processes (one per core
by default) and stored in input order, so that of two files for the same agency and year the later
one supersedes the earlier. A file that cannot be read, is not a report, or crashes its worker is
reported as failed with the reason; the batch goes on. The shared library is the default
workspace, and what the command line stores there is published.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import stat
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import reports
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


def _check_file(path: str, checker: Checker | None, limit: int) -> tuple[Report | None, str | None]:
    """Runs in a worker: (report, None) or (None, why it failed); files over `limit` bytes are refused."""
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
        report = checker(data, Path(path).name) if checker else reports.check(data, Path(path).name, max_bytes=limit)
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


def _pool(jobs: int, max_memory: int) -> ProcessPoolExecutor:
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
                               initargs=(max_memory,))


def _check_all(
    files: Sequence[Path], jobs: int, checker: Checker | None, max_bytes: int, max_memory: int
) -> Iterator[tuple[int, Report | None, str | None]]:
    """Yield (index, report, reason) in input order. A worker crash breaks the pool: the file being
    waited for is then retried alone in a fresh worker and fails only if it crashes again."""
    todo = list(range(len(files)))
    while todo:
        pool = _pool(min(jobs, len(todo)), max_memory)
        futures: list[tuple[int, Future[tuple[Report | None, str | None]]]] = [
            (i, pool.submit(_check_file, str(files[i]), checker, max_bytes)) for i in todo
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
            single = _pool(1, max_memory)
            try:
                report, reason = single.submit(_check_file, str(files[suspect]), checker, max_bytes).result()
            except BrokenProcessPool:
                report, reason = None, "the reader crashed on this file (worker process died)"
            finally:
                single.shutdown(wait=False, cancel_futures=True)
            yield suspect, report, reason


async def ingest_paths(
    paths: Iterable[str | Path],
    *,
    url: str,
    workspace: str = LIBRARY,
    jobs: int | None = None,
    checker: Checker | None = None,
    max_bytes: int | None = None,
    max_memory: int | None = None,
    on_progress: Callable[[Outcome], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Check and store every file under `paths`; one Outcome per file, in input order. Files over
    `max_bytes` are refused unread; each worker lives within `max_memory` bytes of address space
    (the engine's defaults when None). `checker` replaces reports.check (it must be picklable: a
    module-level function)."""
    from reports.engine import default_max_bytes, default_memory_bytes
    from storage import repo
    from storage.db import open_store

    files = collect_files(paths)
    if on_total:
        on_total(len(files))
    if not files:
        return []
    if "forkserver" in multiprocessing.get_all_start_methods():
        from storage.quiet_workers import start_forkserver

        multiprocessing.get_context("forkserver").set_forkserver_preload(["reports.engine", "storage.ingest"])
        start_forkserver()  # here, in the main thread: the pools start theirs from another
    outcomes: list[Outcome] = []
    async with await open_store(url) as store:
        loop = asyncio.get_running_loop()
        results = _check_all(files, max(1, jobs or os.cpu_count() or 1), checker,
                             default_max_bytes() if max_bytes is None else max_bytes,
                             default_memory_bytes() if max_memory is None else max_memory)
        sentinel = object()
        async with store.sessions() as session:
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
