"""Small factories that build the bot, the dispatcher and its services.

Long-lived services (the parser workers, the chat cache, the admins, the settings) are passed as
dispatcher workflow data, so every handler can ask for them by name.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import metrics
from bot.middlewares import ChatContextMiddleware, DbSessionMiddleware, ErrorsMiddleware, ThrottlingMiddleware
from bot.scheduler import install as install_reminders
from bot.settings import Settings
from handlers import get_routers
from handlers.i18n import ADMIN_COMMANDS, COMMANDS
from handlers.jobs import JobRunner
from handlers.questions import UnknownCommand
from handlers.services import Chats, InFlight
from reports.runner import Checker

log = logging.getLogger(__name__)


def create_bot(settings: Settings) -> Bot:
    """The Bot client: Telegram's API, or the server at NIANBAO_API_BASE; HTML parse mode."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.api_base)) if settings.api_base else AiohttpSession()
    return Bot(settings.token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def create_dispatcher(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    checker: Checker | None = None,
    **extra: Any,
) -> Dispatcher:
    """The dispatcher with its routers, middlewares and services. `checker` defaults to worker
    processes bounded by NIANBAO_PARSE_TIMEOUT; `extra` adds workflow data."""
    owns_checker = checker is None
    chats = Chats(settings.language)
    checker = checker or Checker(settings.parse_workers, settings.parse_timeout,
                                 per_chat=settings.parse_queue_per_chat, ocr_pages=settings.ocr_max_pages,
                                 ocr_page_seconds=settings.ocr_page_seconds, ocr_threads=settings.ocr_threads)
    dp = Dispatcher(
        storage=_fsm_storage(settings),
        settings=settings,
        sessionmaker=sessionmaker,
        chats=chats,
        checker=checker,
        owns_checker=owns_checker,
        jobs=_job_runner(settings, sessionmaker, checker),
        reminder_observer=metrics.count_reminders,
        inflight=InFlight(),
        admins=frozenset(settings.admins),
        max_upload_bytes=settings.max_upload_bytes,
        **extra,
    )
    dp.update.outer_middleware(metrics.UpdateMetrics())
    dp.update.outer_middleware(ErrorsMiddleware(chats))
    dp.update.outer_middleware(DbSessionMiddleware(sessionmaker))
    dp.update.outer_middleware(ChatContextMiddleware(chats))
    dp.message.outer_middleware(_throttling(settings))
    dp.message.outer_middleware(UnknownCommand())  # innermost: sees what no router handled
    dp.include_routers(*get_routers())
    dp.startup.register(on_startup)
    dp.shutdown.register(drain_updates)  # first: the updates under way still have the workers and the database
    dp.shutdown.register(on_shutdown)
    install_reminders(dp)
    return dp


def _job_runner(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], checker: Checker) -> JobRunner:
    from handlers.documents import job_failed, process_job
    from handlers.fetch import FetchPolicy

    admins = frozenset(settings.admins)
    links = FetchPolicy.from_settings(settings)

    async def process(bot: Bot, session: AsyncSession, job: Any, *, resumed: bool = False) -> str:
        return await process_job(bot, session, job, checker=checker, admins=admins, resumed=resumed, fetch=links)

    return JobRunner(sessionmaker, process, job_failed, lease=settings.job_lease, sweep=settings.job_sweep,
                     observe=metrics.observe_parse)


def _throttling(settings: Settings) -> ThrottlingMiddleware:
    """Per user; in Redis when NIANBAO_REDIS_URL is set, so replicas share each user's bucket."""
    if settings.redis_url and settings.throttle_rate > 0:
        from bot.shared_throttle import RedisThrottlingMiddleware

        return RedisThrottlingMiddleware(settings.redis_url, settings.redis_prefix, settings.throttle_rate)
    return ThrottlingMiddleware(settings.throttle_rate)


def _fsm_storage(settings: Settings) -> BaseStorage:
    """Conversation state (the /remind draft): in Redis when NIANBAO_REDIS_URL is set, so that several
    bot processes, or a restarted one, carry on a conversation; else in this process's memory."""
    if not settings.redis_url:
        return MemoryStorage()
    from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisStorage

    return RedisStorage.from_url(settings.redis_url, key_builder=DefaultKeyBuilder(prefix=settings.redis_prefix),
                                 state_ttl=7 * 86400, data_ttl=7 * 86400)


def _commands(lang: str, admin: bool = False) -> list[BotCommand]:
    items = COMMANDS + (ADMIN_COMMANDS if admin else ())
    return [BotCommand(command=c, description=zh if lang == "zh" else en) for c, zh, en in items]


async def set_commands(bot: Bot, settings: Settings) -> None:
    """The command menus: zh and en, the configured language as the default, admins' own menus."""
    for lang in ("zh", "en"):
        await bot.set_my_commands(_commands(lang), scope=BotCommandScopeDefault(), language_code=lang)
    await bot.set_my_commands(_commands(settings.language), scope=BotCommandScopeDefault())
    for admin in settings.admins:
        try:
            await bot.set_my_commands(_commands(settings.language, admin=True), scope=BotCommandScopeChat(chat_id=admin))
        except TelegramAPIError as e:  # the admin has not talked to the bot yet
            log.info("admin menu for %s not set: %s", admin, e)


async def on_startup(bot: Bot, dispatcher: Dispatcher, settings: Settings, checker: Checker, jobs: JobRunner) -> None:
    from reports.runner import start_forkserver

    start_forkserver()  # its workers leave Ctrl-C to this process
    await set_commands(bot, settings)
    # Workers start in the background: the bot answers at once, and a file that comes first waits in
    # the queue (its time bound starts when a worker takes it).
    dispatcher["warming"] = asyncio.get_running_loop().create_task(checker.warm())
    jobs.start_sweeping(bot)  # documents a killed process accepted are finished here


SHUTDOWN_GRACE = 5.0  # seconds the updates under way get to finish once polling has stopped


async def drain_updates(dispatcher: Dispatcher) -> None:
    """Let the updates under way (a file being parsed, say) finish for a moment, then cancel the
    rest quietly, so none of them fails later on a closed session with a traceback."""
    tasks = [t for t in getattr(dispatcher, "_handle_update_tasks", ()) if not t.done()]
    if not tasks:
        return
    _, late = await asyncio.wait(tasks, timeout=SHUTDOWN_GRACE)
    for t in late:
        t.cancel()
    if late:
        await asyncio.wait(late, timeout=SHUTDOWN_GRACE)
        log.info("%d update(s) cancelled at shutdown", len(late))


async def on_shutdown(dispatcher: Dispatcher, checker: Checker, owns_checker: bool, jobs: JobRunner) -> None:
    warming = dispatcher.workflow_data.pop("warming", None)
    if warming is not None and not warming.done():
        warming.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await warming
    await jobs.stop()
    if owns_checker:  # a checker passed in (tests, `nianbao try`) is closed by whoever made it
        checker.close()
