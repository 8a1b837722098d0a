"""`nianbao try`: the bot in a terminal, against the local Bot API server (no token, no network).

Typed lines are messages, `/send PATH` sends a file and `/press N` presses a button. Files and
pictures from the bot are saved to a folder and their paths printed. When standard input is not
a terminal it reads the same commands from it and stops at its end. Ctrl-C or SIGTERM at any
moment (preloading, starting, chatting, while a file is parsed) ends it cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TextIO

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from bot.entry import first_of, stop_event, stop_polling
from bot.factory import create_bot, create_dispatcher
from bot.settings import Settings
from reports.model import Finding, Location, Report
from storage.db import open_store

BANNER = ("Nianbao · 年报 — type a question or a command (/help); /send PATH sends a file, "
          "/press N presses a button, /quit or Ctrl-D leaves.")


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


async def _wait_idle(term: Terminal, tracker: UpdateTracker, timeout: float, jobs: Any = None) -> bool:
    """Until the bot has finished every update the terminal sent and every file job (documents are
    checked in the background, after their update), and printed what it did."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (not term.pushed <= tracker.done or (jobs is not None and jobs.active)) and loop.time() < deadline:
        tracker.changed.clear()
        await term.show_new()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(tracker.changed.wait(), min(0.5, max(0.01, deadline - loop.time())))
    await asyncio.sleep(0.05)
    await term.show_new()
    return True


def library_check(data: bytes, filename: str) -> Report:
    """The check for the demo's library: an empty form (no agency, no year, no figure, such as the
    official template) is not a report anyone published, so it is refused as not-a-report; it
    stays a sample for `nianbao check`. Module-level, so the ingest workers can run it."""
    import reports

    r = reports.check(data, filename)
    if r.agency is None and r.year is None and all(v is None for v in r.figures.values()):
        r.findings = [Finding("not-a-report", "error", "空白表格（没有机关、年度和数字），不放进示例库。",
                              "an empty form (no agency, year or figure): not put in the demo library",
                              Location()), *r.findings]
    return r


async def _preload(folder: str, url: str, max_bytes: int, stream: TextIO) -> bool:
    from storage.ingest import Outcome, ingest_paths, summarise

    def show(o: Outcome) -> None:
        if o.status == "failed":
            print(f"  {Path(o.path).name}: not preloaded ({o.reason})", file=stream, flush=True)
        else:
            print(f"  {Path(o.path).name}: {o.status}", file=stream, flush=True)

    outcomes = await ingest_paths([folder], url=url, checker=library_check, max_bytes=max_bytes, on_progress=show)
    counts = summarise(outcomes)
    print(f"(preloaded {folder}: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v) + ")",
          file=stream, flush=True)
    return True


def _stdin_lines(loop: asyncio.AbstractEventLoop) -> asyncio.Queue[str]:
    """Lines of standard input ("" at its end), read by a daemon thread: a pending read never holds
    up the exit (the default executor would wait for it, i.e. for Enter)."""
    queue: asyncio.Queue[str] = asyncio.Queue()

    def read() -> None:
        while True:
            try:
                line = sys.stdin.readline()
            except (OSError, ValueError):
                line = ""
            try:
                loop.call_soon_threadsafe(queue.put_nowait, line)
            except RuntimeError:  # the loop is closed: we are leaving
                return
            if not line:
                return

    threading.Thread(target=read, name="nianbao-stdin", daemon=True).start()
    return queue


async def run_try(args: argparse.Namespace, stream: TextIO = sys.stdout) -> int:
    from localapi import BotAPIServer, LocalClient

    stop = stop_event()
    base = Settings()
    server = BotAPIServer(base.local_token)
    await server.start()
    store = None
    try:
        settings = base.model_copy(update={
            "bot_token": None, "api_base": server.base_url, "throttle_rate": 0.0,
            **({"data_dir": Path(args.data_dir)} if args.data_dir else {}),
        })
        if args.database_url:
            settings = settings.model_copy(update={"database_url": args.database_url})
        url = settings.db_url()
        preloaded: bool | None = True
        if args.preload and not Path(args.preload).exists():
            print(f"(找不到 {args.preload}，未预载样例 / {args.preload} does not exist: nothing preloaded)",
                  file=stream, flush=True)
        elif args.preload:
            preloaded = await first_of(stop, _preload(args.preload, url, settings.max_upload_bytes, stream))
        if preloaded:
            store = await first_of(stop, open_store(url))
    finally:
        if store is None:  # stopped (or failed) before the bot started
            await server.stop()
    if store is None:
        return 130
    bot = create_bot(settings)
    dp = create_dispatcher(settings, store.sessions)
    tracker = UpdateTracker()
    dp.update.outer_middleware(tracker)
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=2))
    code = 0
    try:
        out_dir = Path(args.out) if args.out else settings.data_dir / "try-files"
        out_dir.mkdir(parents=True, exist_ok=True)
        client = LocalClient(server)
        user = client.user(args.user_id, "you", language_code=args.lang or settings.language)
        term = Terminal(client, user, client.private(user), out_dir, stream)
        # Start-up (migrations, reminder scheduler) is over once the bot polls.
        started = asyncio.create_task(client.wait_for(lambda: server.calls.get("getupdates"), 120, "the bot to start"))
        if not await first_of(stop, started, polling):
            return 130
        interactive = sys.stdin.isatty()
        term.say(BANNER)
        lines = _stdin_lines(asyncio.get_running_loop())
        while True:
            if interactive:
                print("you> ", end="", file=stream, flush=True)
            line = await first_of(stop, lines.get(), polling)
            if line is None:
                code = 130 if stop.is_set() else 0
                if interactive:
                    print(file=stream, flush=True)
                break
            if not line:
                break
            if not interactive:
                term.say(f"you> {line.rstrip()}")
            if not await term.run_line(line):
                break
            if await first_of(stop, _wait_idle(term, tracker, settings.parse_timeout + 15, dp.workflow_data.get("jobs")), polling) is None:
                code = 130 if stop.is_set() else 0
                break
    finally:
        await stop_polling(dp, polling, server)
        await bot.session.close()
        await store.close()
        await server.stop()
    return code
