"""Entry points: `nianbao bot` (long polling, or `--webhook`) and `nianbao try` (the bot in a terminal).

`nianbao try` needs no token and no network: it starts the local Bot API server on 127.0.0.1, the
bot against it on the embedded defaults (SQLite in the data folder), and a terminal chat where
typed lines are messages, `/send PATH` sends a file and `/press N` presses a button. Files and
pictures from the bot are saved to a folder and their paths printed. When standard input is not
a terminal it reads the same commands from it and stops at its end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TextIO

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.types import TelegramObject, Update
from aiogram.webhook.aiohttp_server import setup_application
from aiohttp import web

from bot.factory import create_bot, create_dispatcher
from bot.settings import Settings

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- nianbao bot


def create_webhook_app(settings: Settings, bot: Bot, dp: Dispatcher, secret: str) -> web.Application:
    """The aiohttp app Telegram posts updates to; a request without the secret token header gets 401.
    Each update_id is handled once (bot.webhook); /healthz and /metrics beside it. Shutting down
    never deletes the webhook: the other replicas go on receiving."""
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


async def _open_store(settings: Settings) -> tuple[Any, Any]:
    from storage.db import make_engine, make_sessionmaker, upgrade

    url = settings.db_url()
    await upgrade(url)
    engine = make_engine(url)
    return engine, make_sessionmaker(engine)


async def run_polling(settings: Settings) -> None:
    engine, sessionmaker = await _open_store(settings)
    bot = create_bot(settings)
    dp = create_dispatcher(settings, sessionmaker)
    try:
        await bot.delete_webhook()
        await dp.start_polling(bot)
    finally:
        await bot.session.close()
        await engine.dispose()


async def run_webhook(settings: Settings) -> None:
    engine, sessionmaker = await _open_store(settings)
    bot = create_bot(settings)
    dp = create_dispatcher(settings, sessionmaker)
    # Replicas must agree on the secret: without one configured, it is derived from the bot token.
    secret = (settings.webhook_secret.get_secret_value() if settings.webhook_secret
              else hashlib.sha256(f"nianbao-webhook:{settings.token}".encode()).hexdigest())
    app = create_webhook_app(settings, bot, dp, secret)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
    await site.start()
    log.info("webhook server on %s:%s%s", settings.webhook_host, settings.webhook_port, settings.webhook_path)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await engine.dispose()


def bot_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="nianbao bot", description="Run the Telegram bot.")
    parser.add_argument("--webhook", action="store_true", help="serve a webhook (NIANBAO_WEBHOOK_URL) instead of polling")
    args = parser.parse_args(argv)
    settings = Settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if settings.bot_token is None and settings.api_base is None:
        print("nianbao bot: set NIANBAO_BOT_TOKEN (or NIANBAO_API_BASE for a local Bot API server); "
              "`nianbao try` runs the bot without a token.", file=sys.stderr)
        return 2
    if args.webhook:
        if not settings.webhook_url:
            print("nianbao bot --webhook: set NIANBAO_WEBHOOK_URL (the public URL Telegram posts to)", file=sys.stderr)
            return 2
        asyncio.run(run_webhook(settings))
    else:
        asyncio.run(run_polling(settings))
    return 0


# ---------------------------------------------------------------- nianbao try


class UpdateTracker(BaseMiddleware):
    """Knows which updates the dispatcher has finished, so the terminal can wait for the bot."""

    def __init__(self) -> None:
        self.done: set[int] = set()
        self.changed = asyncio.Event()

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        finally:
            if isinstance(event, Update):
                self.done.add(event.update_id)
                self.changed.set()


class Terminal:
    """One person chatting with the bot through the local server, printing what the bot does."""

    def __init__(self, client: Any, user: Any, chat: Any, out_dir: Path, stream: TextIO) -> None:
        self.client, self.user, self.chat = client, user, chat
        self.out_dir = out_dir
        self.stream = stream
        self.cursor = client.mark()
        self.pushed: set[int] = set()
        self.last_buttons: list[tuple[Any, str, str]] = []  # (message, text, callback_data)

    def say(self, line: str) -> None:
        print(line, file=self.stream, flush=True)

    async def show_new(self) -> None:
        """Print the bot's events since the last call."""
        events = self.client.events(self.cursor)
        self.cursor += len(events)
        for e in events:
            if e.chat_id not in (self.chat.id, None) and e.kind != "callback_answer":
                continue
            m = e.message
            if e.kind in ("send", "edit") and m is not None:
                prefix = "bot" if e.kind == "send" else "bot (edited)"
                if m.document is not None or m.photo is not None:
                    f = m.document or m.photo
                    name = (m.document.file_name if m.document else None) or Path(f.file_path).name
                    path = self.out_dir / name
                    path.write_bytes(await self.client.download(m))
                    self.say(f"{prefix}> [{'document' if m.document else 'photo'}] {path}" + (f"  {m.caption}" if m.caption else ""))
                else:
                    text = e.data.get("text", m.text) or ""
                    self.say(f"{prefix}> " + text.replace("\n", "\n     "))
                if m.buttons:
                    self.last_buttons = [(m, b["text"], b["callback_data"]) for b in m.buttons if "callback_data" in b]
                    self.say("     " + "  ".join(f"[{i}] {b[1]}" for i, b in enumerate(self.last_buttons, 1)) + "   (/press N)")
            elif e.kind == "callback_answer" and e.data.get("text"):
                self.say(f"bot (notice)> {e.data['text']}")

    async def run_line(self, line: str) -> bool:
        """Act on one typed line; False to stop."""
        line = line.strip()
        if not line:
            return True
        if line in ("/quit", "/exit"):
            return False
        if line.startswith("/send"):
            path = Path(line[len("/send"):].strip()).expanduser()
            if not path.is_file():
                self.say(f"(no such file: {path})")
                return True
            msg = await self.client.send_document(self.user, self.chat, path.name, path.read_bytes())
        elif line.startswith("/press"):
            arg = line[len("/press"):].strip()
            choice = next((b for i, b in enumerate(self.last_buttons, 1) if arg in (str(i), b[2])), None)
            if choice is None:
                self.say("(no such button)")
                return True
            try:
                await self.client.press_button(self.user, choice[0], choice[2])
            except LookupError as e:
                self.say(f"({e})")
                return True
            msg = {"_update_id": self.client.last_update_id}
        else:
            msg = await self.client.send_text(self.user, self.chat, line)
        if "_update_id" in msg:
            self.pushed.add(msg["_update_id"])
        return True


async def _wait_idle(term: Terminal, tracker: UpdateTracker, timeout: float, jobs: Any = None) -> None:
    """Until the bot has finished every update the terminal sent and every file job (and printed what it did)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (not term.pushed <= tracker.done or (jobs is not None and jobs.active)) and loop.time() < deadline:
        tracker.changed.clear()
        await term.show_new()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(tracker.changed.wait(), min(0.5, max(0.01, deadline - loop.time())))
    await asyncio.sleep(0.05)
    await term.show_new()


async def run_try(args: argparse.Namespace, stream: TextIO = sys.stdout) -> int:
    from bot.localapi import BotAPIServer, LocalClient

    server = BotAPIServer()
    await server.start()
    base = Settings()
    settings = base.model_copy(update={
        "bot_token": None, "api_base": server.base_url, "throttle_rate": 0.0,
        **({"data_dir": Path(args.data_dir)} if args.data_dir else {}),
    })
    if args.database_url:
        settings = settings.model_copy(update={"database_url": args.database_url})
    url = settings.db_url()
    if args.preload and not Path(args.preload).exists():
        print(f"(找不到 {args.preload}，未预载样例 / {args.preload} does not exist: nothing preloaded)",
              file=stream, flush=True)
    elif args.preload:
        from storage.ingest import ingest_paths, summarise

        outcomes = await ingest_paths([args.preload], url=url)
        counts = summarise(outcomes)
        print(f"(preloaded {args.preload}: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v) + ")",
              file=stream, flush=True)
    engine, sessionmaker = await _open_store(settings)
    bot = create_bot(settings)
    dp = create_dispatcher(settings, sessionmaker)
    tracker = UpdateTracker()
    dp.update.outer_middleware(tracker)
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=2))
    out_dir = Path(args.out) if args.out else settings.data_dir / "try-files"
    out_dir.mkdir(parents=True, exist_ok=True)
    client = LocalClient(server)
    user = client.user(args.user_id, "you", language_code=args.lang or settings.language)
    term = Terminal(client, user, client.private(user), out_dir, stream)
    # Start-up (migrations, reminder scheduler) is over once the bot polls: only then is a quick
    # /quit a clean shutdown rather than a cancelled start.
    await client.wait_for(lambda: server.calls.get("getupdates"), 60, "the bot to start")
    interactive = sys.stdin.isatty()
    term.say("Nianbao · 年报 — type a question or a command (/help); /send PATH sends a file, "
             "/press N presses a button, /quit or Ctrl-D leaves.")
    loop = asyncio.get_running_loop()
    try:
        while True:
            if interactive:
                print("you> ", end="", file=stream, flush=True)
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            if not interactive:
                term.say(f"you> {line.rstrip()}")
            if not await term.run_line(line):
                break
            await _wait_idle(term, tracker, settings.parse_timeout + 15, dp.workflow_data.get("jobs"))
    finally:
        stopping = asyncio.create_task(dp.stop_polling())
        await asyncio.sleep(0)
        await server.wake()
        try:
            await asyncio.wait_for(stopping, 10)
            await asyncio.wait_for(polling, 10)
        except (TimeoutError, RuntimeError):
            polling.cancel()
        await bot.session.close()
        await engine.dispose()
        await server.stop()
    return 0


def try_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="nianbao try", description="Chat with the bot in this terminal (no token needed).")
    parser.add_argument("--preload", metavar="DIR", help="check and store these report files in the shared library first")
    parser.add_argument("--lang", choices=("zh", "en"), help="your Telegram language (default: NIANBAO_LANGUAGE)")
    parser.add_argument("--data-dir", help="where the SQLite store lives (default: NIANBAO_DATA_DIR or ./data)")
    parser.add_argument("--database-url", help="a database other than the SQLite file")
    parser.add_argument("--out", help="folder for the files and pictures the bot sends (default: DATA_DIR/try-files)")
    parser.add_argument("--user-id", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(run_try(args))
