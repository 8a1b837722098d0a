"""The reminder scheduler: apscheduler 3's AsyncIOScheduler driving one periodic job.

The job is storage.reminders.run_tick at the injected clock's "now", with the texts of
handlers.reminder_texts: what is due is computed from the database every time, so nothing lives
only in the scheduler's memory, a restart loses nothing
(the first tick runs at start and sends what fell due while the bot was down, once, marked late),
and several bot processes may run the same job against one database (the claim in reminder_sent,
plus a PostgreSQL advisory lock per tick, lets only one send each reminder).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.reminder_texts import render_reminder
from storage.reminders import Lang, Outcome, Render, Sender, run_tick

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
JOB_ID = "nianbao-reminders"
DEFAULT_INTERVAL = 60.0  # seconds between ticks; reminders go out within a minute of their instant


def system_clock() -> datetime:
    return datetime.now(UTC)


def aiogram_sender(bot: Any) -> Sender:
    """A sender over aiogram's Bot.send_message, as plain text (no parse mode: agency names and
    digests may contain characters HTML would take as markup). aiogram's errors pass through:
    storage.reminders.classify_failure knows a 403 (blocked) from a 429 (retry after)."""

    async def send(chat_id: int, text: str) -> None:
        await bot.send_message(chat_id=chat_id, text=text, parse_mode=None)

    return send


class ReminderScheduler:
    """One periodic reminder job on an AsyncIOScheduler (made here unless one is passed)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        sender: Sender,
        *,
        clock: Clock = system_clock,
        interval: float = DEFAULT_INTERVAL,
        default_lang: Lang = "zh",
        advisory_lock: bool = True,
        render: Render = render_reminder,
        scheduler: AsyncIOScheduler | None = None,
        observe: Callable[[list[Outcome]], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.sender = sender
        self.clock = clock
        self.interval = interval
        self.default_lang: Lang = default_lang
        self.advisory_lock = advisory_lock
        self.render = render  # the reminder's text (storage hands over the data)
        self.scheduler = scheduler or AsyncIOScheduler(timezone=UTC)
        self.observe = observe  # e.g. the metrics
        self.ticks = 0  # how many ticks ran (for logs and tests)
        self._running: set[asyncio.Task[Any]] = set()  # ticks under way, waited for on shutdown
        self._stopped = False

    async def tick(self) -> list[Outcome]:
        """One tick at clock(). Never raises: a failing tick is logged and the next one retries."""
        if self._stopped:  # a job the scheduler fired just before it was shut down
            return []
        self.ticks += 1
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            outcomes = await run_tick(
                self.sessions, self.sender, self.clock(), render=self.render, default_lang=self.default_lang,
                advisory_lock=self.advisory_lock,
            )  # fmt: skip
        except Exception:
            log.exception("reminder tick failed")
            return []
        finally:
            self._running.discard(task)  # type: ignore[arg-type]
        if self.observe is not None:
            self.observe(outcomes)
        for o in outcomes:
            log.info("reminder %s to chat %s: %s offset %s%s", o.result, o.chat_id, o.report_year, o.offset,
                     " (late)" if o.late else "")  # fmt: skip
        return outcomes

    def start(self) -> None:
        """Add the job and start the scheduler (inside a running event loop). The first tick runs
        at once, so reminders missed while the bot was down go out at start."""
        self.scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.interval,
            id=JOB_ID,
            replace_existing=True,
            next_run_time=datetime.now(UTC),
            max_instances=1,  # a slow tick is never overlapped by the next one in this process
            coalesce=True,  # ticks missed while the loop was busy run once, not once each
            misfire_grace_time=None,
        )
        if not self.scheduler.running:
            self.scheduler.start()

    def shutdown(self) -> None:
        """Stop firing the job; no tick starts after this."""
        self._stopped = True
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop firing, let the ticks under way finish (their claims and sends stay consistent)
        instead of being cancelled half-way, then shut the scheduler down. (Shutting it down first
        would cancel them: apscheduler's asyncio executor cancels the jobs it still runs.)"""
        self._stopped = True
        if self.scheduler.running:
            self.scheduler.pause()
        await asyncio.sleep(0)  # a job fired just before the pause starts, sees _stopped and returns
        pending = [t for t in self._running if not t.done() and t is not asyncio.current_task()]
        if pending:
            _, late = await asyncio.wait(pending, timeout=timeout)
            if late:
                log.warning("%d reminder tick(s) still running after %.0f s at shutdown", len(late), timeout)
        self.shutdown()

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)


def install(dp: Any) -> None:
    """Run the reminder scheduler with the dispatcher: started on startup, stopped on shutdown.

    Workflow data it reads (all optional besides sessionmaker): `settings` (its language),
    `reminder_clock` (a Clock, for tests), `reminder_interval` (seconds), `reminders` (False: off).
    """
    dp.startup.register(_on_startup)
    dp.shutdown.register(_on_shutdown)


async def _on_startup(bot: Any, dispatcher: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    if dispatcher.get("reminders", True) is False:
        return
    settings = dispatcher.get("settings")
    reminders = ReminderScheduler(
        sessionmaker,
        aiogram_sender(bot),
        clock=dispatcher.get("reminder_clock") or system_clock,
        interval=float(dispatcher.get("reminder_interval") or DEFAULT_INTERVAL),
        default_lang=getattr(settings, "language", "zh"),
        observe=dispatcher.get("reminder_observer"),
    )
    dispatcher["reminder_scheduler"] = reminders
    reminders.start()


async def _on_shutdown(dispatcher: Any) -> None:
    reminders = dispatcher.get("reminder_scheduler")
    if reminders is not None:
        await reminders.stop()
