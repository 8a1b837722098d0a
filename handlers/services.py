"""Long-lived services the handlers receive as dispatcher workflow data (built by bot.factory).

`Chats` knows each chat's workspace and chosen language (cached: a chat's workspace never changes,
its language only through /lang). `Checker` runs `reports.check` in worker processes, each job with
its own time bound; a worker that overruns is killed and replaced, the event loop never parses a file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import lang_of
from handlers.lifeline import die_with_parent
from reports.model import Report
from storage import repo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatInfo:
    chat_id: int
    workspace_id: int
    library_id: int
    lang: str | None  # chosen with /lang; None: follow the user's Telegram language

    @property
    def visible(self) -> list[int]:
        """The workspaces this chat reads: its own and the shared library."""
        return [self.workspace_id, self.library_id]


class Chats:
    """Chat rows (workspace, language) with a small cache in front of the database."""

    def __init__(self, default_lang: str = "zh", ttl: float = 60.0) -> None:
        self.default_lang = default_lang
        self.ttl = ttl
        self._cache: dict[int, tuple[float, ChatInfo]] = {}
        self._loading: dict[int, asyncio.Future[ChatInfo]] = {}

    async def info(self, session: AsyncSession, chat_id: int) -> ChatInfo:
        hit = self._cache.get(chat_id)
        if hit and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        # A burst of updates from one chat after a miss: one of them reads the row, the others wait for it.
        loading = self._loading.get(chat_id)
        if loading is not None:
            await asyncio.wait([loading])
            if not loading.cancelled():  # else the reader failed: read it again with this session
                return loading.result()
        future: asyncio.Future[ChatInfo] = asyncio.get_running_loop().create_future()
        self._loading[chat_id] = future
        try:
            info = await self._load(session, chat_id)
            future.set_result(info)
            return info
        finally:
            future.cancel()  # a no-op once the result is set
            if self._loading.get(chat_id) is future:
                del self._loading[chat_id]

    async def _load(self, session: AsyncSession, chat_id: int) -> ChatInfo:
        for attempt in (1, 2):
            try:
                chat = await repo.get_or_create_chat(session, chat_id)
                if chat.blocked:  # the chat writes to the bot again: it no longer blocks it
                    await repo.unblock_chat(session, chat_id)
                workspace_id, library_id = await repo.visible_workspace_ids(session, chat)
                break
            except IntegrityError:
                # Two first contacts at once may both create the shared library's row: read it again.
                await session.rollback()
                if attempt == 2:
                    raise
        info = ChatInfo(chat_id, workspace_id, library_id, chat.lang)
        self._cache[chat_id] = (time.monotonic(), info)
        return info

    def lang(self, info: ChatInfo | None, language_code: str | None) -> str:
        if info is not None and info.lang:
            return info.lang
        return lang_of(language_code, self.default_lang)

    def cached_lang(self, chat_id: int | None, language_code: str | None) -> str:
        """The language without touching the database (for error messages)."""
        hit = self._cache.get(chat_id) if chat_id is not None else None
        return self.lang(hit[1] if hit else None, language_code)

    async def set_lang(self, session: AsyncSession, chat_id: int, lang: str) -> None:
        await repo.set_chat_lang(session, chat_id, lang)
        self._cache.pop(chat_id, None)
        self._loading.pop(chat_id, None)  # a read under way may predate the change


class InFlight:
    """Users with a file being processed: one file at a time per user."""

    def __init__(self) -> None:
        self._users: set[int] = set()

    def start(self, user_id: int) -> bool:
        if user_id in self._users:
            return False
        self._users.add(user_id)
        return True

    def done(self, user_id: int) -> None:
        self._users.discard(user_id)


class CheckTimeout(Exception):
    """The worker did not finish within the time bound of this job (its worker was killed)."""


class WorkerCrashed(BrokenProcessPool):
    """The worker died under the job (a crash, or the memory limit)."""


class QueueFull(Exception):
    """This chat already has its share of files waiting or being checked."""


_conn: Connection | None = None  # in a worker: its pipe to the bot (progress messages go on it)


def run_check(data: bytes, filename: str, timeout: float | None, ocr_pages: int | None = None,
              ocr_page_seconds: float = 0.0) -> Report:
    """The worker's job: the engine itself (module-level, so it pickles by name). A scan read by OCR
    reports each page on the pipe, and its first page extends the engine's time bound by
    `ocr_page_seconds` per page to read (the bot extends its own bound on the same message)."""
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

    ocr.configure(max_pages=ocr_pages, progress=progress)
    return reports.check(data, filename, timeout=timeout)


def _limit_memory(max_bytes: int) -> None:
    """Bound the worker's address space, so a zip bomb fails instead of the machine."""
    if max_bytes > 0:
        # not permitted here: the time bound still applies
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))


def _watch(lifeline: Connection) -> None:
    """Worker thread: the bot holds the only write end of this pipe; its end of file means the bot
    is gone, even while the main thread is deep in a parse."""
    with contextlib.suppress(OSError):
        while os.read(lifeline.fileno(), 1):
            pass
    os.kill(os.getpid(), signal.SIGKILL)


def worker_main(conn: Connection, lifeline: Connection, owner_pid: int, max_bytes: int) -> None:
    """A parser worker: dies with its parent, imports the engine, says it is ready, then runs one job
    per message until the bot's end of the pipe closes.

    Its parent is the forkserver, so the death signal covers the forkserver's death; the bot's death
    is seen on the lifeline pipe (`_watch`). The forkserver and the resource tracker then leave by
    themselves: they read pipes whose last writers were the bot and its workers. (No death signal
    for the forkserver: it follows the *thread* that started it, maybe a short-lived one.)"""
    die_with_parent(owner_pid)
    threading.Thread(target=_watch, args=(lifeline,), daemon=True, name="lifeline").start()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the bot's to handle
    _limit_memory(max_bytes)
    import reports.engine  # noqa: F401 - imports the parsers once per worker

    global _conn
    _conn = conn

    try:
        conn.send(("ready", os.getpid()))
    except (OSError, ValueError):
        return  # the bot stopped while this worker was starting
    while True:
        try:
            job, args = conn.recv()
        except (EOFError, OSError):
            return  # the bot is gone
        try:
            reply: tuple[str, Any] = ("ok", job(*args))
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


Progress = Callable[[int, int], None]


@dataclass(eq=False)
class _Job:
    chat: int | None
    args: tuple[Any, ...]
    future: asyncio.Future[Report]
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
        memory_mb: int = 2048,
        per_chat: int = 2,
        job: Callable[..., Report] = run_check,
        ocr_pages: int | None = None,
        ocr_page_seconds: float = 10.0,
    ) -> None:
        self.workers = workers
        self.timeout = timeout
        self.ocr_pages = ocr_pages  # NIANBAO_OCR_MAX_PAGES (None: the engine's default)
        self.ocr_page_seconds = ocr_page_seconds  # the time bound grows by this per page OCR reads
        self.memory = memory_mb * 1024 * 1024
        self.per_chat = per_chat
        self.job = job
        self._ctx = multiprocessing.get_context("forkserver")
        # The forkserver imports the engine once, so a worker that replaces a killed one is ready at
        # once (ignored when this process's forkserver already runs).
        with contextlib.suppress(Exception):
            self._ctx.set_forkserver_preload(["handlers.services", "reports.engine"])
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

    def _spawn_sync(self) -> _Worker:
        mine, theirs = self._ctx.Pipe()
        if self._lifeline is None:
            self._lifeline = self._ctx.Pipe(duplex=False)  # (read end for workers, write end kept here)
        p = self._ctx.Process(target=worker_main, args=(theirs, self._lifeline[0], os.getpid(), self.memory),
                              daemon=True, name="nianbao-parser")
        p.start()
        theirs.close()
        return _Worker(p, mine)

    async def _spawn(self) -> None:
        self._starting += 1
        try:
            w = await asyncio.to_thread(self._spawn_sync)
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
            await asyncio.gather(*(self._spawn() for _ in range(missing)))

    # ---- jobs

    async def check(self, data: bytes, filename: str, *, chat: int | None = None, limit: bool = True,
                    progress: Progress | None = None) -> Report:
        """The report of one file. `limit=False` for a job accepted before (resumed after a restart):
        it is not refused, only queued in its chat's turn. `progress(page, pages)` is told of each
        page OCR reads."""
        if limit and not self.accepts(chat):
            raise QueueFull(chat)
        self._closed = False
        args: tuple[Any, ...] = (data, filename, self.timeout)
        if self.job is run_check:
            args += (self.ocr_pages, self.ocr_page_seconds)
        job = _Job(chat, args, asyncio.get_running_loop().create_future(), progress=progress)
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
                self._task(self._spawn())

    async def _run(self, worker: _Worker, job: _Job) -> None:
        keep = False
        started = time.monotonic()
        try:
            job.tries += 1
            worker.conn.send((self.job, job.args))
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
                job.future.set_exception(MemoryError(f"{job.args[1]}: out of memory in the worker"))
            else:
                job.future.set_exception(WorkerCrashed(f"{job.args[1]}: {value}"))
        except TimeoutError:
            log.warning("%s: no result %.1f s after its start: its worker is killed", job.args[1],
                        time.monotonic() - started)
            if not job.future.done():
                job.future.set_exception(CheckTimeout(f"{job.args[1]}: no result in {self.timeout} s"))
        except (EOFError, OSError, ValueError) as e:
            log.warning("%s: the worker died (%r)", job.args[1], e)
            if job.tries < 2 and not job.future.done():  # a worker that died idle: once more, on a new one
                self._queues.setdefault(job.chat, deque()).appendleft(job)
                if job.chat not in self._order:
                    self._order.insert(0, job.chat)
            elif not job.future.done():
                job.future.set_exception(WorkerCrashed(f"{job.args[1]}: the worker died"))
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
