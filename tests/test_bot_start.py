"""`nianbao bot` as a process: /start is answered while the bot is still loading, and whatever came
in during start-up is handled once, in order, by the dispatcher (nothing lost, nothing twice)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.settings import LOCAL_TOKEN
from handlers.i18n import t
from localapi import BotAPIServer, LocalClient

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


async def test_start_answered_early_and_nothing_lost(tmp_path: Path) -> None:
    server = BotAPIServer(LOCAL_TOKEN)
    await server.start()
    client = LocalClient(server)
    zh, en, other = client.user(31, "王芳", language_code="zh-hans"), client.user(32, "Anna", language_code="en"), \
        client.user(33, "Li")
    zh_chat, en_chat, other_chat = client.private(zh), client.private(en), client.private(other)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
    env.update(NIANBAO_DATA_DIR=str(tmp_path), NIANBAO_API_BASE=server.base_url, NIANBAO_THROTTLE_RATE="0")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.commands", "bot", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await client.send_text(zh, zh_chat, "/start")
        await client.send_text(other, other_chat, "/help")
        await client.send_text(en, en_chat, "/start@nianbao_bot")
        welcome_zh = await client.wait_for(lambda: client.events(0, zh_chat, "send"), 120, "the early /start")
        assert welcome_zh[0].message.text == t("start", "zh", name="王芳")
        # the dispatcher takes over (getMe is its first call) and handles what came in meanwhile
        await client.wait_for(lambda: server.calls.get("getme"), 120, "the dispatcher")
        helped = await client.wait_for(lambda: client.events(0, other_chat, "send"), 60, "the /help")
        assert helped[0].message.text.startswith("命令\n/check 如何校验报告\n")
        again = await client.ask(zh, zh_chat, "/start")  # now the dispatcher's own handler
        assert again.text == welcome_zh[0].message.text
        await client.settle()
        assert [e.message.text for e in client.events(0, en_chat, "send")] == [t("start", "en", name="Anna")]
        assert len(client.events(0, zh_chat, "send")) == 2 and len(client.events(0, other_chat, "send")) == 1
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
        await server.stop()
    assert proc.returncode == 0, out.decode()
    assert b"Traceback" not in out
