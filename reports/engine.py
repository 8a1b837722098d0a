"""The whole check of one file: size and kind, read, parse, rules. Bad input becomes findings."""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from reports.document import ReadError
from reports.model import Finding, Location, Report

log = logging.getLogger(__name__)

DEFAULT_MAX_MB = 20
DEFAULT_TIMEOUT = 60.0
# Findings that mean the file could not be read as a report at all (`nianbao check` exits 2).
READ_ERROR_CODES = frozenset({
    "unreadable-file", "no-text-layer", "encrypted", "not-a-report", "too-large", "empty-file", "timeout",
    "unsupported-format",
})


class CheckTimeout(Exception):
    pass


def default_max_bytes() -> int:
    try:
        mb = float(os.environ.get("NIANBAO_MAX_UPLOAD_MB", DEFAULT_MAX_MB))
    except ValueError:
        mb = DEFAULT_MAX_MB
    return int(mb * 1024 * 1024)


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Bound the time of a block with SIGALRM (only possible in the main thread; elsewhere the caller
    bounds the work, e.g. the bot runs checks in a worker process with a timeout)."""
    usable = seconds and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def _raise(signum: int, frame: object) -> None:
        raise CheckTimeout

    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _fail(report: Report, code: str, zh: str, en: str, raw: str | None = None) -> Report:
    report.findings = [Finding(code, "error", zh, en, Location(), raw=raw)]
    return report


def check_file(path: str | os.PathLike[str], *, max_bytes: int | None = None, timeout: float | None = None) -> Report:
    """Check a file on disk; one over the size cap is refused before it is read into memory."""
    limit = default_max_bytes() if max_bytes is None else max_bytes
    name = os.path.basename(os.fspath(path))
    size = os.path.getsize(path)
    if size > limit:
        report = Report(file=name)
        return _too_large(report, limit)
    with open(path, "rb") as fh:
        data = fh.read()
    return check(data, name, max_bytes=limit, timeout=timeout)


def _too_large(report: Report, limit: int) -> Report:
    mb = limit / 1024 / 1024
    return _fail(report, "too-large", f"文件超过 {mb:g} MB 的上限：请压缩后再发送，或发送 Word 文件。",
                 f"The file is larger than the {mb:g} MB limit: compress it, or send the Word file.")


def check(data: bytes, filename: str = "", *, max_bytes: int | None = None, timeout: float | None = None) -> Report:
    report = Report(file=filename, sha256=hashlib.sha256(data).hexdigest())
    limit = default_max_bytes() if max_bytes is None else max_bytes
    if not data:
        return _fail(report, "empty-file", "文件是空的。", "The file is empty.")
    if len(data) > limit:
        return _too_large(report, limit)
    try:
        with time_limit(DEFAULT_TIMEOUT if timeout is None else timeout):
            return _check_readable(report, data)
    except CheckTimeout:
        return _fail(report, "timeout", "文件解析超时：文件可能过于复杂或已损坏。",
                     "Reading the file took too long: it may be too complex or damaged.")
    except ReadError as e:
        return _fail(report, e.code, e.message_zh, e.message_en, e.detail)
    except Exception as e:  # a reader bug or a malformed file must never reach the user as a traceback
        log.exception("check failed for %s", filename)
        return _fail(report, "unreadable-file", "文件已损坏或无法读取。", "The file is damaged or cannot be read.",
                     f"{type(e).__name__}: {e}"[:300])


def _check_readable(report: Report, data: bytes) -> Report:
    from reports.parse import parse
    from reports.readers import read, sniff
    from reports.rules import check_report

    kind = sniff(data)
    doc = read(data, kind)
    parsed = parse(doc)
    r = parsed.report
    r.file, r.sha256 = report.file, report.sha256
    if not parsed.headings and not r.tables_found and not r.year:
        r.findings = [Finding("not-a-report", "error",
                              "这份文件看起来不是政府信息公开工作年度报告：找不到报告的标题、章节或统计表。",
                              "This file does not look like an annual report on government information "
                              "disclosure: no title, sections or statistics tables were found.", Location())]
        return r
    r.findings = check_report(parsed)
    return r
