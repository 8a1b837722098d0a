"""Running the bot: long polling or a webhook server (`nianbao bot`, bot.commands.serve), and the
stopping helpers `nianbao try` (bot.terminal) shares.

Start-up is quick: nothing heavy is imported before the command line and the settings are read,
migrations are skipped when the database is current, and the parser workers warm up while the bot
already polls. Ctrl-C and SIGTERM end the bot cleanly in every phase: during start-up the step under
way is cancelled, while polling the dispatcher stops and the shutdown hooks run (the reminder
scheduler stops first, the parser workers are killed), and no traceback is printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher
    from aiohttp import web

    from bot.early import EarlyResponder
    from bot.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")


# ---------------------------------------------------------------- stopping in any phase


def stop_event() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM (in place of KeyboardInterrupt and of dying mid-step)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread
            loop.add_signal_handler(sig, stop.set)
    return stop


async def first_of(stop: asyncio.Event, step: Awaitable[T], *watch: asyncio.Task[Any]) -> T | None:
    """The result of `step`, or None when `stop` is set (or a watched task ends) first; the step is
    then cancelled and awaited, so it leaves nothing half-done behind."""
    task = asyncio.ensure_future(step)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper, *watch}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    return None


async def stop_polling(dp: Dispatcher, polling: asyncio.Task[Any], server: Any = None) -> None:
    """Stop the dispatcher whatever its phase (still starting, polling, or already ended) and wait
    for its shutdown hooks; a polling task that failed raises its error here."""
    for _ in range(200):
        if polling.done():
            break
        try:
            stopping = asyncio.ensure_future(dp.stop_polling())
            await asyncio.sleep(0)
            if server is not None:
                await server.wake()  # end the local server's pending long poll at once
            await asyncio.wait_for(stopping, 20)
            break
        except RuntimeError:  # the task has not taken the polling lock yet
            await asyncio.sleep(0.05)
    try:
        await asyncio.wait_for(polling, 20)
    except TimeoutError:
        polling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await polling


# ---------------------------------------------------------------- nianbao bot


def create_webhook_app(settings: Settings, bot: Bot, dp: Dispatcher, secret: str) -> web.Application:
    """The aiohttp app Telegram posts updates to; a request without the secret token header gets 401.
    Each update_id is handled once (bot.webhook); /healthz and /metrics beside it. Shutting down
    never deletes the webhook: the other replicas go on receiving."""
    from aiogram.webhook.aiohttp_server import setup_application
    from aiohttp import web

    from bot.webhook import DedupRequestHandler, add_health_routes, make_dedup

    app = web.Application()
    dedup = make_dedup(settings)
    DedupRequestHandler(dp, bot, dedup, secret_token=secret).register(app, path=settings.webhook_path)
    add_health_routes(app, dp, dedup)
    setup_application(app, dp, bot=bot)
    app.on_cleanup.append(lambda _app: dedup.close())

    async def set_webhook(bot: Bot) -> None:
        assert settings.webhook_url
        await bot.set_webhook(
            settings.webhook_url, secret_token=secret, allowed_updates=dp.resolve_used_update_types()
        )

    dp.startup.register(set_webhook)
    return app


async def run_polling(settings: Settings, early: EarlyResponder | None = None) -> None:
    from storage.db import open_store

    stop = stop_event()
    store = await first_of(stop, open_store(settings.db_url()))
    if store is None:
        return
    from bot.factory import create_bot, create_dispatcher

    bot = create_bot(settings)
    try:
        dp = create_dispatcher(settings, store.sessions)
        from handlers.jobs import AckGate

        AckGate().install(bot, dp)  # a document is confirmed to Telegram only once its job row is committed
        if early is not None:
            updates = await asyncio.to_thread(early.take)
            if updates:
                dp.startup.register(_feed_early(updates, early.answered))
        if await first_of(stop, bot.delete_webhook()) is None:
            return
        polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
        await first_of(stop, asyncio.shield(polling))
        await stop_polling(dp, polling)
    finally:
        await bot.session.close()
        await store.close()


def _feed_early(updates: list[dict[str, Any]], answered: set[int]) -> Callable[..., Awaitable[None]]:
    """A start-up hook handing the updates taken while starting to the dispatcher, in order."""

    async def feed(bot: Bot, dispatcher: Dispatcher) -> None:
        async def run() -> None:
            from aiogram.methods import TelegramMethod

            for update in updates:
                result = await dispatcher.feed_raw_update(bot, update, early_answered=update["update_id"] in answered)
                if isinstance(result, TelegramMethod):  # an answer returned, not sent (as polling does)
                    await dispatcher.silent_call_request(bot, result)

        dispatcher["early_updates"] = asyncio.create_task(run())

    return feed


async def run_webhook(settings: Settings) -> None:
    from aiohttp import web

    from bot.factory import create_bot, create_dispatcher
    from storage.db import open_store

    stop = stop_event()
    store = await first_of(stop, open_store(settings.db_url()))
    if store is None:
        return
    bot = create_bot(settings)
    dp = create_dispatcher(settings, store.sessions)
    # Replicas must agree on the secret: without one configured, it is derived from the bot token.
    secret = (settings.webhook_secret.get_secret_value() if settings.webhook_secret
              else hashlib.sha256(f"nianbao-webhook:{settings.token}".encode()).hexdigest())
    app = create_webhook_app(settings, bot, dp, secret)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
        await site.start()
        log.info("webhook server on %s:%s%s", settings.webhook_host, settings.webhook_port, settings.webhook_path)
        await stop.wait()
    finally:
        await runner.cleanup()
        await store.close()
