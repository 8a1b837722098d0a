"""The whole check of one file: size and kind, read, parse, rules. Bad input becomes findings."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import resource
import select
import signal
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from reports.document import Document, ReadError
from reports.model import READ_ERROR_CODES, Finding, Location, Report  # noqa: F401 - READ_ERROR_CODES: see Report.unreadable

DEFAULT_MAX_MB = 20
DEFAULT_TIMEOUT = 60.0
DEFAULT_MEMORY_MB = 2048  # address space of a process reading one file: real reports need < 300 MB, OCR of a scan about 1.7 GB


class CheckTimeout(Exception):
    pass


def default_max_bytes() -> int:
    """The size cap when the caller gives none (the commands and the bot pass their setting)."""
    return DEFAULT_MAX_MB * 1024 * 1024


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


def default_memory_bytes() -> int:
    """The address-space bound of a process that reads files when the caller gives none."""
    return DEFAULT_MEMORY_MB * 1024 * 1024


def limit_memory(max_bytes: int | None = None) -> None:
    """Bound this process's address space (RLIMIT_AS): a file that needs more makes its reader fail
    instead of the machine. For worker processes (the bot's, ingest's) and the CLI's checking child."""
    limit = default_memory_bytes() if max_bytes is None else max_bytes
    if limit > 0:
        with contextlib.suppress(ValueError, OSError):  # not permitted here: the time bound still applies
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            if hard != resource.RLIM_INFINITY:
                limit = min(limit, hard)
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


_isolate_memory: int | None = None  # set by bound_process(): check_file forks a bounded child per file


def bound_process(max_memory: int | None = None) -> None:
    """For a command-line process: from now on `check_file` reads each file in a forked child under
    an address-space limit, killed after its time bound. pdfium can neither be interrupted by SIGALRM
    nor survive running out of memory (it aborts the process); the child's death becomes a finding,
    so every file still gets its line."""
    global _isolate_memory
    if hasattr(os, "fork"):
        _isolate_memory = default_memory_bytes() if max_memory is None else max_memory


_forked = 0  # children forked so far


def _preload() -> None:
    """Import every reader in this process, so that each child forked after it starts with them
    loaded. Worth it from the second file on: a single file imports only the reader it needs."""
    import docx  # noqa: F401

    import reports.parse  # noqa: F401
    import reports.readers.docx  # noqa: F401
    import reports.readers.html  # noqa: F401
    import reports.readers.pdf  # noqa: F401
    import reports.readers.pdfium  # noqa: F401
    import reports.rules  # noqa: F401


def check_file(path: str | os.PathLike[str], *, max_bytes: int | None = None, timeout: float | None = None) -> Report:
    """Check a file on disk; one over the size cap is refused before it is read into memory."""
    global _forked
    if _isolate_memory is not None:
        if _forked == 1:
            _preload()
        _forked += 1
        return _check_file_in_child(path, max_bytes, timeout, _isolate_memory)
    return _check_file(path, max_bytes, timeout)


def _check_file(path: str | os.PathLike[str], max_bytes: int | None, timeout: float | None) -> Report:
    limit = default_max_bytes() if max_bytes is None else max_bytes
    name = os.path.basename(os.fspath(path))
    size = os.path.getsize(path)
    if size > limit:
        report = Report(file=name)
        return _too_large(report, limit)
    with open(path, "rb") as fh:
        data = fh.read()
    return check(data, name, max_bytes=limit, timeout=timeout)


_GRACE = 5.0  # seconds past the time bound before the child is killed (SIGALRM comes first when it can)


def _check_file_in_child(path: str | os.PathLike[str], max_bytes: int | None, timeout: float | None,
                         memory: int) -> Report:
    """`_check_file` in a forked child bounded in memory and time; OSError is raised here as there."""
    seconds = DEFAULT_TIMEOUT if timeout is None else timeout
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns, never runs the parent's exit handlers or flushes its buffers
        code = 0
        try:
            os.close(read_end)
            limit_memory(memory)
            try:
                outcome: object = _check_file(path, max_bytes, timeout)
            except OSError as exc:
                outcome = exc
            payload = pickle.dumps(outcome)
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
        except BaseException:  # noqa: BLE001 - whatever happens, the parent turns silence into a finding
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = time.monotonic() + seconds + _GRACE
    timed_out = False
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([pipe], [], [], left)[0]:
                timed_out = True
                os.kill(pid, signal.SIGKILL)
                break
            chunk = pipe.read(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    result = None
    if not timed_out and chunks:
        with contextlib.suppress(Exception):  # a child killed while writing leaves half a pickle
            result = pickle.loads(b"".join(chunks))
    if isinstance(result, OSError):
        raise result
    if isinstance(result, Report):
        return result
    report = Report(file=os.path.basename(os.fspath(path)),
                    sha256=_sha256_of(path, default_max_bytes() if max_bytes is None else max_bytes))
    if timed_out:
        return _timeout(report)
    how = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit status {os.waitstatus_to_exitcode(status)}"
    return _fail(report, "unreadable-file",
                 "读取该文件时超出了内存上限或使读取程序崩溃：文件已损坏，或过于庞大复杂。",
                 "Reading the file went past the memory limit or crashed the reader: the file is damaged, "
                 "or too large and complex.", f"the reader stopped ({how})")


def _sha256_of(path: str | os.PathLike[str], limit: int) -> str:
    """The file's digest when it is a regular file within the size cap (else '': a device never ends)."""
    h = hashlib.sha256()
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return ""
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    except OSError:
        return ""
    return h.hexdigest()


def _timeout(report: Report) -> Report:
    return _fail(report, "timeout", "文件解析超时：文件可能过于复杂或已损坏。",
                 "Reading the file took too long: it may be too complex or damaged.")


def _too_large(report: Report, limit: int) -> Report:
    mb = limit / 1024 / 1024
    return _fail(report, "too-large", f"文件超过 {mb:g} MB 的上限：请压缩后再发送，或发送 Word 文件。",
                 f"The file is larger than the {mb:g} MB limit: compress it, or send the Word file.")


def check(data: bytes, filename: str = "", *, max_bytes: int | None = None, timeout: float | None = None,
          sha256: str | None = None, kind: str | None = None) -> Report:
    """The report of one file. `sha256` and `kind` (reports.readers.sniff) when the caller has them
    already: a file is hashed and sniffed once on its way in."""
    report = Report(file=filename, sha256=sha256 or hashlib.sha256(data).hexdigest())
    limit = default_max_bytes() if max_bytes is None else max_bytes
    if not data:
        return _fail(report, "empty-file", "文件是空的。", "The file is empty.")
    if len(data) > limit:
        return _too_large(report, limit)
    try:
        with time_limit(DEFAULT_TIMEOUT if timeout is None else timeout):
            return _check_readable(report, data, kind)
    except CheckTimeout:
        return _timeout(report)
    except ReadError as e:
        return _fail(report, e.code, e.message_zh, e.message_en, e.detail)
    except Exception as e:  # a reader bug or a malformed file must never reach the user as a traceback
        import logging  # here only: a check that goes well loads no logging (bot.commands.LAZY_LOGGING)

        logging.getLogger(__name__).exception("check failed for %s", filename)
        return _fail(report, "unreadable-file", "文件已损坏或无法读取。", "The file is damaged or cannot be read.",
                     f"{type(e).__name__}: {e}"[:300])


def _check_readable(report: Report, data: bytes, kind: str | None = None) -> Report:
    from reports.readers import read, sniff

    r = check_document(read(data, kind or sniff(data)))
    r.file, r.sha256 = report.file, report.sha256
    return r


def check_document(doc: Document) -> Report:
    """Parse and check a document that was read."""
    from reports.parse import parse
    from reports.rules import check_report

    parsed = parse(doc)
    r = parsed.report
    if not parsed.headings and not r.tables_found and not r.year:
        r.findings = [Finding("not-a-report", "error",
                              "这份文件看起来不是政府信息公开工作年度报告：找不到报告的标题、章节或统计表。",
                              "This file does not look like an annual report on government information "
                              "disclosure: no title, sections or statistics tables were found.", Location())]
        return r
    if doc.ocr_pages:  # figures OCR doubted: settled by the arithmetic, else unreadable
        from reports.readers.ocr_settle import annotate, settle

        confidence = settle(doc, parsed)
        r.findings = check_report(parsed)
        annotate(r.findings, confidence)
        return r
    r.findings = check_report(parsed)
    return r
