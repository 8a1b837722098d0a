"""The job runner: accepted documents worked on in the background, resumed after a crash.

`accept` records a job (the handler returns, and the update is acknowledged, only after that);
`start` works on it in a task that renews the job's lease; a sweep at start-up and every
`sweep` seconds takes over the open jobs whose lease ran out (their process was killed), so a
restarted bot, or another replica, finishes them and edits their status messages. A job that
failed MAX_ATTEMPTS times is given up and the user told so.

Answered once: the verdict replaces the job's status message (an edit, the same one whoever makes
it), a process whose lease was taken over stops working on the job, and a job left "answering" by a
dead process is closed without sending the rest of its answer again (storage.jobs).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.i18n import t
from handlers.services import InFlight
from storage import jobs as store
from storage.models import Job, chat_workspace_name

log = logging.getLogger(__name__)

Process = Callable[..., Awaitable[str]]  # (bot, session, job, resumed=...) -> outcome
Failed = Callable[[Bot, Job], Awaitable[None]]
Observer = Callable[[str, float], None]  # (outcome, seconds)


class JobRunner:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        process: Process,
        failed: Failed,
        *,
        lease: float = 60.0,
        sweep: float = 15.0,
        observe: Observer | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.process = process
        self.failed = failed
        self.lease = lease
        self.sweep_every = sweep
        self.observe = observe
        self.owner = f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(4)}"
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def active(self) -> int:
        return len(self._tasks)

    # ---- accepting

    async def accept(self, session: AsyncSession, **fields: Any) -> Job | None:
        return await store.record(session, owner=self.owner, lease=self.lease, **fields)

    async def set_status(self, session: AsyncSession, job_id: int, message_id: int) -> None:
        await store.set_status_message(session, job_id, message_id)

    async def take(self, message: Message, bot: Bot, session: AsyncSession, inflight: InFlight, lang: str, *,
                   file_id: str, file_name: str, file_size: int, status: str) -> None:
        """A message's file (an upload or a link) becomes a job: one at a time per user (else "busy"),
        the job row committed, a status message, then the work in the background. A delivery that
        was accepted before is not taken again."""
        assert message.from_user is not None
        user_id = message.from_user.id
        if not inflight.start(user_id):
            await message.reply(t("busy", lang))
            return
        try:
            job = await self.accept(
                session, chat_id=message.chat.id, user_id=user_id, message_id=message.message_id, file_id=file_id,
                file_name=file_name, file_size=file_size, workspace=chat_workspace_name(message.chat.id), lang=lang,
            )
            if job is None:  # this message was accepted before (a delivery retried)
                inflight.done(user_id)
                return
            sent = await message.reply(status)
            job.status_message_id = sent.message_id
            await self.set_status(session, job.id, sent.message_id)  # type: ignore[arg-type]
        except BaseException:
            inflight.done(user_id)
            raise
        self.start(bot, job.id, on_done=lambda: inflight.done(user_id))  # type: ignore[arg-type]

    def start(self, bot: Bot, job_id: int, *, resumed: bool = False, on_done: Callable[[], None] | None = None) -> None:
        task = asyncio.get_running_loop().create_task(self._run(bot, job_id, resumed, on_done))
        self._tasks[job_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(job_id, None))

    # ---- working

    async def _heartbeat(self, job_id: int, work: asyncio.Task[Any]) -> None:
        while True:
            await asyncio.sleep(self.lease / 3)
            try:
                async with self.sessionmaker() as session:
                    if not await store.renew(session, job_id, self.owner, self.lease):
                        log.warning("job %s was taken over by another process: left to it", job_id)
                        work.cancel()
                        return
            except Exception as e:  # noqa: BLE001 - a missed renewal is retried at the next beat
                log.warning("job %s: lease not renewed: %r", job_id, e)

    async def _run(self, bot: Bot, job_id: int, resumed: bool, on_done: Callable[[], None] | None) -> None:
        started = time.monotonic()
        work = asyncio.current_task()
        assert work is not None
        beat = asyncio.create_task(self._heartbeat(job_id, work))

        def done() -> None:  # the user may send the next file as soon as the answer is out
            nonlocal on_done
            if on_done is not None:
                on_done()
                on_done = None

        try:
            async with self.sessionmaker() as session:
                job = await store.get(session, job_id)
                await session.commit()  # no connection held while the file downloads and waits
                if job is None or job.state != store.OPEN:
                    return
                try:
                    outcome = await self.process(bot, session, job, resumed=resumed)
                except asyncio.CancelledError:
                    raise
                except Exception as e:
                    done()
                    log.exception("job %s (%s) failed, attempt %d", job_id, job.file_name, job.attempts)
                    await session.rollback()
                    if job.attempts >= store.MAX_ATTEMPTS:
                        await self._give_up(bot, session, job, repr(e))
                    else:
                        await store.release(session, job_id, self.owner, repr(e))
                    self._observe("error", started)
                    return
                done()
                await store.finish(session, job_id, "done")
                self._observe(outcome, started)
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
            done()

    def _observe(self, outcome: str, started: float) -> None:
        if self.observe is not None:
            self.observe(outcome, time.monotonic() - started)

    async def _give_up(self, bot: Bot, session: AsyncSession, job: Job, error: str) -> None:
        await store.finish(session, job.id, "failed", error)  # type: ignore[arg-type]
        try:
            await self.failed(bot, job)
        except Exception as e:  # noqa: BLE001 - the chat may be gone; the job is closed anyway
            log.warning("job %s: could not tell chat %s: %r", job.id, job.chat_id, e)

    # ---- resuming

    async def sweep(self, bot: Bot) -> int:
        """Take over the open jobs whose lease ran out; returns how many were resumed or given up."""
        n = 0
        async with self.sessionmaker() as session:
            for job_id in await store.expired(session):
                if job_id in self._tasks:
                    continue
                job = await store.claim(session, job_id, self.owner, self.lease)
                if job is None:  # another process took it
                    continue
                n += 1
                if job.state == store.ANSWERING:  # its verdict is in place: nothing is sent again
                    log.warning("job %s (%s): its process died while answering; closed", job_id, job.file_name)
                    await store.finish(session, job_id, "done", "died while answering")
                    continue
                if job.attempts > store.MAX_ATTEMPTS:
                    log.warning("job %s (%s) given up after %d attempts", job_id, job.file_name, job.attempts - 1)
                    job.attempts -= 1
                    await self._give_up(bot, session, job, job.error or "killed while working on it")
                    continue
                log.info("resuming job %s (%s), attempt %d", job_id, job.file_name, job.attempts)
                self.start(bot, job_id, resumed=True)
        return n

    async def _sweep_forever(self, bot: Bot) -> None:
        while True:
            try:
                await self.sweep(bot)
            except Exception:  # noqa: BLE001 - the database may be away for a moment
                log.exception("job sweep failed")
            await asyncio.sleep(self.sweep_every)

    def start_sweeping(self, bot: Bot) -> None:
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever(bot))

    async def stop(self, grace: float = 10.0) -> None:
        """Stop sweeping; let the jobs under way finish for `grace` seconds, then cancel them and hand
        them back (lease ended), so the next process takes them over at once."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        pending = list(self._tasks.items())
        if not pending:
            return
        _, late = await asyncio.wait([t for _, t in pending], timeout=grace)
        for job_id, task in pending:
            if task in late:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
                with contextlib.suppress(Exception):
                    async with self.sessionmaker() as session:
                        await store.release(session, job_id, self.owner, "the bot stopped")


class AckGate:
    """Polling: no document acknowledged before its job row is committed.

    getUpdates confirms every update below its offset, and aiogram asks for the next batch while
    the handlers of the last one still run: a bot killed then had confirmed a document whose job row
    did not exist yet, and the file was lost. Installed on the bot's session and the dispatcher,
    this gate holds a getUpdates until the documents below its offset have been handled (the job
    row committed, or the file refused with an answer), and a batch is cut after its first document.
    """

    def __init__(self) -> None:
        self._pending: dict[int, asyncio.Event] = {}

    def install(self, bot: Bot, dp: Any) -> None:
        bot.session.middleware(self.request)
        feed = dp.feed_update

        async def feed_update(bot: Bot, update: Any, **kwargs: Any) -> Any:
            # around the whole middleware chain: an update that fails anywhere is handled too
            try:
                return await feed(bot, update, **kwargs)
            finally:
                waiting = self._pending.pop(update.update_id, None)
                if waiting is not None:
                    waiting.set()

        dp.feed_update = feed_update

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def request(self, make_request: Any, bot: Bot, method: Any) -> Any:
        from aiogram.methods import GetUpdates

        if not isinstance(method, GetUpdates):
            return await make_request(bot, method)
        if method.offset:
            waits = [e.wait() for uid, e in list(self._pending.items()) if uid < method.offset]
            if waits:
                await asyncio.gather(*waits)
        updates = await make_request(bot, method)  # the list of updates (aiogram unwraps the response)
        for i, update in enumerate(updates or ()):
            if update.message is not None and update.message.document is not None:
                self._pending.setdefault(update.update_id, asyncio.Event())
                # the updates after it come again once it is confirmed: none is handled before then,
                # so none is handled twice by the next process if this one dies first
                return updates[: i + 1]
        return updates
