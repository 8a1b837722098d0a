"""Batch ingest (`nianbao ingest`, bot.commands.ingest): check and store files and folders.

Files and folders (recursively) are checked by `reports.check` in the engine runner's workers
(reports.runner; one per core by default) and stored in input order, so that of two files for the
same agency and year the later one supersedes the earlier. A file that cannot be read, is not a report, or crashes its worker is
reported as failed with the reason; the batch goes on. The shared library is the default
workspace, and what the command line stores there is published.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import gc
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reports.model import Report
from storage.models import LIBRARY

if TYPE_CHECKING:
    from reports.runner import Checker, CheckFn

# What a report file may be; a file named on the command line is taken whatever its name.
SUFFIXES = frozenset({".pdf", ".docx", ".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml"})
# Reports stored in one transaction at most (repo.save_reports); the rest wait for the next one.
BATCH = 50
# How long a batch waits for the next file's report: a batch of 50 costs the database less per report
# than five of 10 (each updates the totals of its years' 200 keys once), and a report waits at most this.
BATCH_WAIT = 0.1
# Project documents that sit beside reports in a folder are not reports.
_NOT_REPORTS = frozenset({"readme", "license", "licence", "changelog", "notes"})


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


def _worker_init(debug: bool) -> None:
    """In each worker: an engine error logged there is one line too, not a traceback (--debug: all)."""
    from storage.mistakes import one_line_logging

    one_line_logging(debug)


async def _checked(checker: Checker, path: Path, max_bytes: int,
                   check: CheckFn | None) -> tuple[Report | None, str | None]:
    """(report, None) or (None, why the file is not stored), from a worker of `checker`."""
    from reports.runner import CheckTimeout, check_path

    try:
        return await checker.run(check_path, (str(path), max_bytes, checker.timeout, check), name=path.name)
    except CheckTimeout:
        return None, f"timeout: no result in {checker.timeout:g} s"
    except BrokenProcessPool:  # the worker died twice under this file (a crash, or the memory bound)
        return None, "the reader crashed on this file (worker process died)"
    except MemoryError as exc:
        return None, f"MemoryError: {exc}"


async def ingest_paths(
    paths: Iterable[str | Path],
    *,
    url: str,
    workspace: str = LIBRARY,
    jobs: int | None = None,
    checker: CheckFn | None = None,
    max_bytes: int | None = None,
    max_memory: int | None = None,
    debug: bool = False,
    on_progress: Callable[[Outcome], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    batch: int = BATCH,
) -> list[Outcome]:
    """Check and store every file under `paths`; one Outcome per file, in input order. Files over
    `max_bytes` are refused unread; each of the `jobs` workers (reports.runner) lives within
    `max_memory` bytes of address space (the engine's defaults when None) and logs one line per
    problem unless `debug`. `checker` replaces reports.check (it must be picklable: a module-level
    function). Up to `batch` checked reports are stored in one transaction (repo.save_reports)."""
    from reports.engine import default_max_bytes, default_memory_bytes

    files = collect_files(paths)
    if on_total:
        on_total(len(files))
    if not files:
        return []
    limit = default_max_bytes() if max_bytes is None else max_bytes
    memory = default_memory_bytes() if max_memory is None else max_memory
    return await _ingest(files, url, workspace, jobs, checker, limit, memory, debug, on_progress, batch)


async def _ingest(files: list[Path], url: str, workspace: str, jobs: int | None, checker: CheckFn | None,
                  limit: int, memory: int, debug: bool, on_progress: Callable[[Outcome], None] | None,
                  batch: int) -> list[Outcome]:
    from reports.engine import DEFAULT_TIMEOUT
    from reports.runner import Checker, start_forkserver
    from storage import repo
    from storage.db import open_store

    outcomes: list[Outcome] = []
    start_forkserver()  # here, in the main thread: its workers leave Ctrl-C to this process
    runner = Checker(max(1, jobs or os.cpu_count() or 1), DEFAULT_TIMEOUT, memory_mb=memory / 1024 / 1024,
                     init=functools.partial(_worker_init, debug))
    # The files are checked in order, at most `ahead` of them at a time (queued or done and not yet
    # stored: the reports held in memory are bounded), and stored in order, in batches of the reports
    # checked by the time the previous batch is stored or within BATCH_WAIT of the first (up to
    # `batch`), one transaction each. Reports kept waiting cost more than memory: every full garbage
    # collection walks them.
    ahead = 2 * batch + runner.workers
    todo = iter(files)
    queue: collections.deque[asyncio.Future[tuple[Report | None, str | None]]] = collections.deque()

    def top_up() -> None:
        while len(queue) < ahead and (f := next(todo, None)) is not None:
            queue.append(asyncio.ensure_future(_checked(runner, f, limit, checker)))

    top_up()  # the first files are checked while the store opens (a new database: its migrations)
    loop = asyncio.get_running_loop()
    try:
        async with await open_store(url) as store, store.sessions() as session:
            # What is loaded by now (the engine, the ORM, the migrations) lives as long as the process;
            # frozen, the collector stops walking it at every full collection, which the thousands of
            # objects of each report trigger every few reports.
            gc.freeze()
            i = 0
            while queue:
                checked = [await queue.popleft()]
                deadline = loop.time() + BATCH_WAIT
                while queue and len(checked) < batch:
                    if not queue[0].done():
                        top_up()
                        await asyncio.wait([queue[0]], timeout=max(0.0, deadline - loop.time()))
                        if not queue[0].done():
                            break
                    checked.append(queue.popleft().result())
                top_up()
                ready = [(n, rep) for n, (rep, _) in enumerate(checked) if rep is not None]
                saved = await repo.save_reports(
                    session, [repo.ToSave(rep, files[i + n].name) for n, rep in ready], workspace=workspace)
                results = dict(zip((n for n, _ in ready), saved, strict=True))
                for n, (rep, reason) in enumerate(checked):
                    path, res = str(files[i + n]), results.get(n)
                    if rep is None:
                        outcome = Outcome(path, "failed", reason=reason)
                    elif isinstance(res, Exception):  # a store failure fails this file only (nothing half-written)
                        outcome = Outcome(path, "failed", reason=f"not stored: {type(res).__name__}: {res}")
                    else:
                        assert res is not None
                        outcome = Outcome(path, res.status, res.report_id, res.previous_id,
                                          agency=rep.agency, year=rep.year, verdict=rep.verdict)
                    outcomes.append(outcome)
                    if on_progress:
                        on_progress(outcome)
                i += len(checked)
    finally:
        for task in queue:
            task.cancel()
        runner.close()
        gc.unfreeze()
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
