"""The engine runner: `reports.check` in worker processes, for the bot, `nianbao ingest` and `nianbao try`.

`Checker` keeps a few workers (forkserver children that import the engine once) and gives each job
its own time bound, counted from the moment a worker takes it; a worker that overruns is killed and
replaced, the other jobs go on. The queue is served round-robin by chat, so one chat never holds
every worker. Workers live within an address-space bound, die with the process that started them
(reports.lifeline), and leave Ctrl-C to it.

The job is a module-level function (it pickles by name): `run_check` for bytes the bot downloaded,
`check_path` for a file on disk (ingest), which is refused unread when it is not a regular file or
is over the size cap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import stat
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from reports.engine import CheckTimeout, limit_memory
from reports.lifeline import die_with_parent
from reports.model import Report

__all__ = ["CheckTimeout", "Checker", "QueueFull", "WorkerCrashed", "check_path", "run_check", "start_forkserver"]

log = logging.getLogger(__name__)

CheckFn = Callable[[bytes, str], Report]


class WorkerCrashed(BrokenProcessPool):
    """The worker died under the job (a crash, or the memory limit)."""


class QueueFull(Exception):
    """This chat already has its share of files waiting or being checked."""


_conn: Connection | None = None  # in a worker: its pipe to the bot (progress messages go on it)
Progress = Callable[[int, int], None]


def run_check(data: bytes, filename: str, timeout: float | None, ocr_pages: int | None = None,
              ocr_page_seconds: float = 0.0, ocr_threads: int | None = None, **known: Any) -> Report:
    """The bot's job: the engine itself; `known` passes on the sha256 and kind already found. A scan
    read by OCR reports each page on the pipe, and its first page extends the engine's time bound by
    `ocr_page_seconds` per page to read (the bot extends its own bound on the same message).
    `ocr_threads`: the OCR models' threads in this worker (None: the engine's default)."""
    import reports
    from reports.readers import ocr

    def progress(page: int, pages: int) -> None:
        if page == 1 and ocr_page_seconds > 0 and hasattr(signal, "setitimer"):
            left = signal.getitimer(signal.ITIMER_REAL)[0]
            if left > 0:
                signal.setitimer(signal.ITIMER_REAL, left + pages * ocr_page_seconds)
        if _conn is not None:
            with contextlib.suppress(OSError, ValueError):
                _conn.send(("progress", (page, pages)))

    ocr.configure(max_pages=ocr_pages, progress=progress, threads=ocr_threads)
    return reports.check(data, filename, timeout=timeout, **known)


def check_path(path: str, max_bytes: int, timeout: float | None = None,
               checker: CheckFn | None = None) -> tuple[Report | None, str | None]:
    """Ingest's job: (report, None), or (None, why the file is not stored). A file that is not a
    regular file (a FIFO would wait for a writer, a device never ends) or is over `max_bytes` is
    refused before a byte is read; `checker` replaces reports.check."""
    import reports

    try:
        st = os.stat(path)  # not open(): opening a FIFO waits for a writer
        if not stat.S_ISREG(st.st_mode):
            return None, "not a regular file"
        if st.st_size > max_bytes:
            return None, f"too-large: the file is larger than the {max_bytes / 1024 / 1024:g} MB limit"
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)  # a file that grows meanwhile is still read no further
    except OSError as exc:
        return None, f"cannot read the file: {exc.strerror or exc}"
    if len(data) > max_bytes:
        return None, f"too-large: the file is larger than the {max_bytes / 1024 / 1024:g} MB limit"
    name = Path(path).name
    try:
        report = checker(data, name) if checker else reports.check(data, name, max_bytes=max_bytes, timeout=timeout)
    except Exception as exc:  # the engine should not raise; if it does, this file alone fails
        return None, f"{type(exc).__name__}: {exc}"
    if report.unreadable:
        f = report.read_errors[0]
        return None, f"{f.code}: {f.message_en}"
    if not report.sections and not report.tables_found:
        return None, "not an annual report: no section or table found"
    return report, None


def _watch(lifeline: Connection) -> None:
    """Worker thread: the bot holds the only write end of this pipe; its end of file means the bot
    is gone, even while the main thread is deep in a parse."""
    with contextlib.suppress(OSError):
        while os.read(lifeline.fileno(), 1):
            pass
    os.kill(os.getpid(), signal.SIGKILL)


def worker_main(conn: Connection, lifeline: Connection, owner_pid: int, max_bytes: int,
                init: Callable[[], None] | None = None) -> None:
    """A parser worker: dies with its parent, imports the engine, says it is ready, then runs one job
    per message until the bot's end of the pipe closes.

    Its parent is the forkserver, so the death signal covers the forkserver's death; the bot's death
    is seen on the lifeline pipe (`_watch`). The forkserver and the resource tracker then leave by
    themselves: they read pipes whose last writers were the bot and its workers. (No death signal
    for the forkserver: it follows the *thread* that started it, maybe a short-lived one.)"""
    die_with_parent(owner_pid)
    threading.Thread(target=_watch, args=(lifeline,), daemon=True, name="lifeline").start()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the bot's to handle
    limit_memory(max_bytes)
    if init is not None:
        init()

    global _conn
    _conn = conn
    try:
        conn.send(("ready", os.getpid()))
    except (OSError, ValueError):
        return  # the bot stopped while this worker was starting
    while True:
        try:
            job, args, kwargs = conn.recv()
        except (EOFError, OSError):
            return  # the bot is gone
        try:
            reply: tuple[str, Any] = ("ok", job(*args, **kwargs))
        except MemoryError:
            reply = ("memory", None)
        except BaseException as e:  # noqa: BLE001 - reported to the bot, which logs it
            reply = ("error", f"{type(e).__name__}: {e}")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


async def _readable(conn: Connection, timeout: float | None) -> None:
    """Wait until `conn` has data (or its end of file) without a thread."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()
    fd = conn.fileno()
    loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
    try:
        await asyncio.wait_for(ready, timeout)
    finally:
        loop.remove_reader(fd)


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: Connection
    pid: int = 0

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.conn.close()
        with contextlib.suppress(Exception):
            self.process.join(1)


@dataclass(eq=False)
class _Job:
    chat: int | None
    name: str  # the file, for the log
    call: tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]
    future: asyncio.Future[Any]
    tries: int = 0
    progress: Progress | None = None  # told (page, pages) as OCR reads a scan


class Checker:
    """`await checker.check(data, filename, chat=…)` -> Report, in a worker process.

    Each job has its own time bound, counted from the moment a worker takes it (never the time it
    waited in the queue); a job over its bound has its own worker killed and replaced, the other
    jobs go on. The queue is served round-robin by chat, one chat never holds every worker, and a
    chat may have at most `per_chat` files waiting or being checked (QueueFull beyond).
    """

    def __init__(
        self,
        workers: int = 2,
        timeout: float = 30.0,
        *,
        memory_mb: float = 2048,
        per_chat: int = 2,
        job: Callable[..., Report] = run_check,
        init: Callable[[], None] | None = None,
        ocr_pages: int | None = None,
        ocr_page_seconds: float = 10.0,
        ocr_threads: int | None = None,
    ) -> None:
        self.workers = workers
        self.timeout = timeout
        self.ocr_pages = ocr_pages  # NIANBAO_OCR_MAX_PAGES (None: the engine's default)
        self.ocr_page_seconds = ocr_page_seconds  # the time bound grows by this per page OCR reads
        # the OCR models' threads in each worker (NIANBAO_OCR_THREADS); None: the cores shared out among
        # the workers (2 for the only worker on 2 cores, 1 for each of 2), so the event loop keeps its share
        self.ocr_threads = ocr_threads or max(1, (os.cpu_count() or 1) // workers)
        self.memory = int(memory_mb * 1024 * 1024)
        self.init = init  # run in each worker as it starts (it must pickle: module-level, or a partial of one)
        self.per_chat = per_chat
        self.job = job
        self._ctx = multiprocessing.get_context("forkserver")
        # The forkserver imports the engine once, so a worker that replaces a killed one is ready at
        # once (ignored when this process's forkserver already runs).
        with contextlib.suppress(Exception):
            self._ctx.set_forkserver_preload(["reports.runner"])
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._starting = 0
        self._queues: dict[int | None, deque[_Job]] = {}
        self._order: list[int | None] = []  # chats with queued jobs, in order of arrival
        self._served: dict[int | None, float] = {}  # when a chat's last job started
        self._running: Counter[int | None] = Counter()
        self._held: Counter[int | None] = Counter()  # queued + running, per chat
        self._closed = False
        self._lifeline: tuple[Connection, Connection] | None = None
        self._warmed = False  # after warm(): keep `workers` processes alive, not only under load
        self._tasks: set[asyncio.Task[None]] = set()

    def _task(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- the state, for metrics and tests

    @property
    def queued(self) -> int:
        return sum(len(q) for q in self._queues.values())

    @property
    def running(self) -> int:
        return len(self._busy)

    def pids(self) -> list[int]:
        return [w.pid for w in (*self._idle, *self._busy) if w.pid]

    def accepts(self, chat: int | None) -> bool:
        """Whether a new job of this chat would be taken now."""
        return chat is None or self._held[chat] < self.per_chat

    # ---- workers

    def _spawn_sync(self, lifeline: Connection) -> _Worker:
        mine, theirs = self._ctx.Pipe()
        p = self._ctx.Process(target=worker_main, args=(theirs, lifeline, os.getpid(), self.memory, self.init),
                              daemon=True, name="nianbao-parser")
        p.start()
        theirs.close()
        return _Worker(p, mine)

    def _starting_one(self) -> Any:
        """A worker start, counted at once: a start still waiting for the loop counts as starting,
        so files queued together do not each order their own workers."""
        self._starting += 1
        return self._spawn()

    async def _spawn(self) -> None:
        try:
            if self._lifeline is None:  # made here, in the loop: starts run in threads side by side, and a
                # second pipe made by one of them would drop the first's write end (its workers would leave)
                self._lifeline = self._ctx.Pipe(duplex=False)  # (read end for workers, write end kept here)
            w = await asyncio.to_thread(self._spawn_sync, self._lifeline[0])
            try:
                await _readable(w.conn, 120)
                kind, pid = w.conn.recv()
                assert kind == "ready"
                w.pid = pid
            except BaseException:
                w.kill()
                raise
            if self._closed:
                w.kill()
                return
            self._idle.append(w)
        except Exception as e:  # noqa: BLE001 - the next job tries again
            log.warning("starting a parser worker failed: %r", e)
        finally:
            self._starting -= 1
        self._pump()

    async def warm(self) -> None:
        """Start the workers and import the engine in them, so the first file is not slow."""
        self._closed = False
        self._warmed = True
        missing = self.workers - len(self._idle) - len(self._busy) - self._starting
        if missing > 0:
            await asyncio.gather(*(self._starting_one() for _ in range(missing)))

    # ---- jobs

    async def check(self, data: bytes, filename: str, *, chat: int | None = None, limit: bool = True,
                    progress: Progress | None = None, **known: Any) -> Report:
        """The report of one file (the `job`, run_check by default). `limit=False` for a job accepted
        before (resumed after a restart): it is not refused, only queued in its chat's turn. `known`:
        the file's sha256 and kind when the caller found them already. `progress(page, pages)` is
        told of each page OCR reads."""
        if self.job is run_check:
            known = {"ocr_pages": self.ocr_pages, "ocr_page_seconds": self.ocr_page_seconds,
                     "ocr_threads": self.ocr_threads, **known}
        return await self.run(self.job, (data, filename, self.timeout), known, name=filename, chat=chat,
                              limit=limit, progress=progress)

    async def run(self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any] | None = None, *,
                  name: str = "", chat: int | None = None, limit: bool = True,
                  progress: Progress | None = None) -> Any:
        """`func(*args, **kwargs)` in a worker, under this checker's bounds and fairness."""
        if limit and not self.accepts(chat):
            raise QueueFull(chat)
        self._closed = False
        job = _Job(chat, name, (func, args, kwargs or {}), asyncio.get_running_loop().create_future(),
                   progress=progress)
        self._held[chat] += 1
        self._queues.setdefault(chat, deque()).append(job)
        if chat not in self._order:
            self._order.append(chat)
        try:
            self._pump()
            return await job.future
        finally:
            self._held[chat] -= 1
            if self._held[chat] <= 0:
                del self._held[chat]
                self._served.pop(chat, None)
            q = self._queues.get(chat)
            if q is not None and job in q:  # cancelled while waiting
                q.remove(job)
                self._drop_if_empty(chat)

    def _drop_if_empty(self, chat: int | None) -> None:
        if not self._queues.get(chat):
            self._queues.pop(chat, None)
            with contextlib.suppress(ValueError):
                self._order.remove(chat)

    def _cap(self) -> int:
        """Jobs one chat may run at once: all workers but one, so other chats always get a turn."""
        return max(1, self.workers - 1)

    def _next_job(self) -> _Job | None:
        """The next job: from the chat with the fewest jobs running, then the one served longest ago,
        then the one that came first; never from a chat at its cap."""
        while True:
            best: tuple[tuple[int, float, int], int | None] | None = None
            for i, chat in enumerate(self._order):
                if chat is not None and self._running[chat] >= self._cap():
                    continue
                key = (self._running[chat], self._served.get(chat, -1.0), i)
                if best is None or key < best[0]:
                    best = (key, chat)
            if best is None:
                return None
            chat = best[1]
            job = self._queues[chat].popleft()
            self._drop_if_empty(chat)
            if not job.future.done():
                self._served[chat] = time.monotonic()
                return job

    def _pump(self) -> None:
        """Hand queued jobs to idle workers; start workers that are missing."""
        if self._closed:
            return
        while self._idle and self._order:
            job = self._next_job()
            if job is None:
                break
            worker = self._idle.pop()
            self._busy.add(worker)
            self._running[job.chat] += 1
            self._task(self._run(worker, job))
        lacking = self.workers - len(self._idle) - len(self._busy) - self._starting
        if (self._order or self._warmed) and lacking > 0:  # a killed worker is replaced at once
            for _ in range(lacking):
                self._task(self._starting_one())

    async def _run(self, worker: _Worker, job: _Job) -> None:
        keep = False
        started = time.monotonic()
        try:
            job.tries += 1
            worker.conn.send(job.call)
            # The engine bounds itself with the same timeout; the kill is for code it cannot interrupt.
            deadline = started + self.timeout + 1.0
            while True:
                await _readable(worker.conn, max(0.0, deadline - time.monotonic()))
                kind, value = worker.conn.recv()
                if kind != "progress":
                    break
                page, pages = value
                if page == 1:  # OCR: the bound grows with the pages to read, as the engine's does
                    deadline += pages * self.ocr_page_seconds
                if job.progress is not None:
                    with contextlib.suppress(Exception):
                        job.progress(page, pages)
            keep = True
            if job.future.done():
                pass
            elif kind == "ok":
                job.future.set_result(value)
            elif kind == "memory":
                job.future.set_exception(MemoryError(f"{job.name}: out of memory in the worker"))
            else:
                job.future.set_exception(WorkerCrashed(f"{job.name}: {value}"))
        except TimeoutError:
            log.warning("%s: no result %.1f s after its start: its worker is killed", job.name,
                        time.monotonic() - started)
            if not job.future.done():
                job.future.set_exception(CheckTimeout(f"{job.name}: no result in {self.timeout} s"))
        except (EOFError, OSError, ValueError) as e:
            log.warning("%s: the worker died (%r)", job.name, e)
            if job.tries < 2 and not job.future.done():  # a worker that died idle: once more, on a new one
                self._queues.setdefault(job.chat, deque()).appendleft(job)
                if job.chat not in self._order:
                    self._order.insert(0, job.chat)
            elif not job.future.done():
                job.future.set_exception(WorkerCrashed(f"{job.name}: the worker died"))
        finally:
            self._busy.discard(worker)
            self._running[job.chat] -= 1
            if self._running[job.chat] <= 0:
                del self._running[job.chat]
            if keep and not self._closed:
                self._idle.append(worker)
            else:
                worker.kill()
            if not self._closed:
                with contextlib.suppress(RuntimeError):  # the loop is closing
                    self._pump()

    def close(self) -> None:
        """Kill every worker; jobs still queued fail with WorkerCrashed."""
        self._closed = True
        self._warmed = False
        for w in (*self._idle, *self._busy):
            w.kill()
        self._idle.clear()
        self._busy.clear()
        for q in self._queues.values():
            for job in q:
                if not job.future.done():
                    with contextlib.suppress(RuntimeError):
                        job.future.set_exception(WorkerCrashed("the checker was closed"))
        self._queues.clear()
        self._order.clear()


def start_forkserver() -> None:
    """Start the fork server (and the resource tracker) now, with SIGINT ignored. Call it from the
    main thread before the first pool starts its workers; elsewhere it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        return
    from multiprocessing import forkserver

    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, old)
