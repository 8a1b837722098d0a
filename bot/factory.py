"""Small factories that build the bot, the dispatcher and its services.

Long-lived services (the parser workers, the chat cache, the admins, the settings) are passed as
dispatcher workflow data, so every handler can ask for them by name.
"""

from __future__ import annotations

import asyncio
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

from bot.middlewares import ChatContextMiddleware, DbSessionMiddleware, ErrorsMiddleware, ThrottlingMiddleware
from bot.scheduler import install as install_reminders
from bot.settings import Settings
from handlers import get_routers
from handlers.i18n import ADMIN_COMMANDS, COMMANDS
from handlers.questions import UnknownCommand
from handlers.services import Chats, Checker, InFlight

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
    chats = Chats(settings.language)
    dp = Dispatcher(
        storage=_fsm_storage(settings),
        settings=settings,
        sessionmaker=sessionmaker,
        chats=chats,
        checker=checker or Checker(settings.parse_workers, settings.parse_timeout),
        owns_checker=checker is None,
        inflight=InFlight(),
        admins=frozenset(settings.admins),
        max_upload_bytes=settings.max_upload_bytes,
        **extra,
    )
    dp.update.outer_middleware(ErrorsMiddleware(chats))
    dp.update.outer_middleware(DbSessionMiddleware(sessionmaker))
    dp.update.outer_middleware(ChatContextMiddleware(chats))
    dp.message.outer_middleware(ThrottlingMiddleware(settings.throttle_rate))
    dp.message.outer_middleware(UnknownCommand())  # innermost: sees what no router handled
    dp.include_routers(*get_routers())
    dp.startup.register(on_startup)
    dp.shutdown.register(drain_updates)  # first: the updates under way still have the workers and the database
    dp.shutdown.register(on_shutdown)
    install_reminders(dp)
    return dp


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


async def on_startup(bot: Bot, settings: Settings, checker: Checker, dispatcher: Dispatcher) -> None:
    # The parser workers warm up in the background: polling starts at once (the first file waits
    # for them if it comes first).
    from storage.quiet_workers import start_forkserver

    start_forkserver()  # its workers leave Ctrl-C to this process
    dispatcher["warming"] = asyncio.create_task(checker.warm())
    await set_commands(bot, settings)


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


async def on_shutdown(checker: Checker, owns_checker: bool, dispatcher: Dispatcher) -> None:
    if owns_checker:  # a checker passed in (tests) is closed by whoever made it
        checker.close()
        # The warm-up, if still under way, ends with the killed pool (cancelling it instead would
        # cancel futures the pool's own thread still completes).
        warming = dispatcher.get("warming")
        if warming is not None and not warming.done():
            await asyncio.wait([warming], timeout=5)
