"""Long-lived services the handlers receive as dispatcher workflow data (built by bot.factory).

`Chats` knows each chat's workspace and chosen language (cached: a chat's workspace never changes,
its language only through /lang). `Checker` runs `reports.check` in worker processes with a time
bound; a worker that overruns is killed and replaced, the event loop never parses a file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import resource
import signal
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import lang_of
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
    """The worker did not finish within the time bound (it was killed)."""


def _limit_memory(max_bytes: int) -> None:
    """Worker initializer: bound the address space, so a zip bomb fails instead of the machine.
    Ctrl-C is the parent's to handle (it stops the workers): no KeyboardInterrupt in each of them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if max_bytes > 0:
        # not permitted here: the time bound still applies
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))


def run_check(data: bytes, filename: str, timeout: float | None) -> Report:
    """The worker's job: the engine itself (module-level, so it pickles by name)."""
    import reports

    return reports.check(data, filename, timeout=timeout)


def _warm() -> bool:
    import reports.engine  # noqa: F401 - imports the parsers once per worker

    return True


class Checker:
    """`await checker.check(data, filename)` -> Report, in a worker process, within `timeout` seconds."""

    def __init__(
        self,
        workers: int = 2,
        timeout: float = 30.0,
        *,
        memory_mb: int = 2048,
        job: Callable[[bytes, str, float | None], Report] = run_check,
    ) -> None:
        self.workers = workers
        self.timeout = timeout
        self.memory = memory_mb * 1024 * 1024
        self.job = job
        self._ctx = multiprocessing.get_context("forkserver")
        self._pool: ProcessPoolExecutor | None = None
        self._warm_pool: ProcessPoolExecutor | None = None  # the pool whose workers have started

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=self._ctx, initializer=_limit_memory, initargs=(self.memory,)
            )
        return self._pool

    async def warm(self) -> None:
        """Start the workers and import the engine in them, so the first file is not slow."""
        loop = asyncio.get_running_loop()
        pool = self._get_pool()
        try:
            await asyncio.gather(*(loop.run_in_executor(pool, _warm) for _ in range(self.workers)))
            self._warm_pool = pool
        except Exception as e:  # noqa: BLE001 - a missing engine shows up at the first file instead
            if self._pool is pool:  # else the pool was killed on purpose (shutdown, a timeout)
                log.warning("warming the parser workers failed: %r", e)

    async def check(self, data: bytes, filename: str) -> Report:
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            if self._pool is None or self._pool is not self._warm_pool:
                # Starting workers (after a kill, say) must not eat into this file's time bound.
                await self.warm()
            pool = self._get_pool()
            future = loop.run_in_executor(pool, self.job, data, filename, self.timeout)
            try:
                return await asyncio.wait_for(future, self.timeout)
            except TimeoutError:
                self._kill(pool)
                raise CheckTimeout(f"{filename}: no result in {self.timeout} s") from None
            except BrokenProcessPool:
                # Another job's timeout (or a crash) replaced the pool under this one: run it again once.
                if self._pool is pool:
                    self._pool = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _kill(self, pool: ProcessPoolExecutor) -> None:
        processes: dict[Any, Any] = dict(getattr(pool, "_processes", None) or {})
        if self._pool is pool:
            self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)
        for p in processes.values():
            p.kill()

    def close(self) -> None:
        if self._pool is not None:
            self._kill(self._pool)
