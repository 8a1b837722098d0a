"""The local Bot API server, exercised through aiogram's real Bot client over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError, TelegramRetryAfter
from aiogram.types import BotCommand, BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import ClientSession, web

from bot.settings import LOCAL_TOKEN
from localapi import BotAPIServer, LocalClient


@pytest.fixture
async def server() -> AsyncIterator[BotAPIServer]:
    async with BotAPIServer(LOCAL_TOKEN) as s:
        yield s


@pytest.fixture
async def bot(server: BotAPIServer) -> AsyncIterator[Bot]:
    b = Bot(LOCAL_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(server.base_url)))
    yield b
    await b.session.close()


@pytest.fixture
def client(server: BotAPIServer) -> LocalClient:
    return LocalClient(server)


async def test_get_me(bot: Bot) -> None:
    me = await asyncio.wait_for(bot.get_me(), 5)
    assert (me.id, me.username, me.is_bot, me.can_read_all_group_messages) == (100000001, "nianbao_bot", True, False)


async def test_send_message_html_is_parsed_and_recorded(bot: Bot, client: LocalClient) -> None:
    chat = client.private(client.user(7))
    msg = await bot.send_message(chat.id, "<b>淮安</b> &amp; 2024", parse_mode="HTML")
    assert msg.text == "淮安 & 2024"
    assert [(e.type, e.offset, e.length) for e in msg.entities or []] == [("bold", 0, 2)]
    assert [m.text for m in client.messages(chat)] == ["淮安 & 2024"]


async def test_broken_html_fails_like_telegram(bot: Bot, client: LocalClient) -> None:
    chat = client.private(client.user(7))
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(chat.id, "1 < 2 <b>x", parse_mode="HTML")


async def test_text_over_4096_characters_is_refused(bot: Bot, client: LocalClient) -> None:
    chat = client.private(client.user(7))
    await bot.send_message(chat.id, "字" * 4096)
    with pytest.raises(TelegramBadRequest) as e:
        await bot.send_message(chat.id, "字" * 4097)
    assert e.value.message == "Bad Request: message is too long"


async def test_unknown_chat_and_empty_text(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest) as e:
        await bot.send_message(424242, "hi")
    assert e.value.message == "Bad Request: chat not found"


async def test_edit_markup_and_delete(bot: Bot, client: LocalClient) -> None:
    chat = client.private(client.user(7))
    kb = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="详情", callback_data="d:1")]])
    msg = await bot.send_message(chat.id, "已收到…")
    await bot.edit_message_text(text="正在解析…", chat_id=chat.id, message_id=msg.message_id)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(text="正在解析…", chat_id=chat.id, message_id=msg.message_id)
    await bot.edit_message_reply_markup(chat_id=chat.id, message_id=msg.message_id, reply_markup=kb)
    (m,) = client.messages(chat)
    assert (m.text, m.history, m.button_data()) == ("正在解析…", ["已收到…", "正在解析…"], ["d:1"])
    assert await bot.delete_message(chat.id, msg.message_id) is True
    assert client.messages(chat) == []
    with pytest.raises(TelegramBadRequest) as e:
        await bot.delete_message(chat.id, msg.message_id)
    assert e.value.message == "Bad Request: message to delete not found"


async def test_bot_documents_and_photos_keep_their_bytes(bot: Bot, client: LocalClient) -> None:
    chat = client.private(client.user(7))
    data = bytes(range(256)) * 100
    await bot.send_document(chat.id, BufferedInputFile(data, "findings.txt"), caption="全部问题")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (640).to_bytes(4, "big") + (480).to_bytes(4, "big") + b"rest"
    sent = await bot.send_photo(chat.id, BufferedInputFile(png, "t.png"))
    doc, photo = client.messages(chat)
    assert (doc.document.file_name, doc.caption, await client.download(doc)) == ("findings.txt", "全部问题", data)
    assert await client.download(photo) == png
    assert (sent.photo[-1].width, sent.photo[-1].height) == (640, 480)


async def test_user_document_download_and_20mb_limit(bot: Bot, client: LocalClient) -> None:
    user = client.user(7)
    chat = client.private(user)
    small = await client.send_document(user, chat, "a.pdf", b"%PDF-1.7 small")
    f = await bot.get_file(small["document"]["file_id"])
    buf = await bot.download_file(f.file_path)
    assert buf.read() == b"%PDF-1.7 small"
    big = await client.send_document(user, chat, "big.pdf", b"0" * (20 * 1024 * 1024 + 1))
    with pytest.raises(TelegramBadRequest) as e:
        await bot.get_file(big["document"]["file_id"])
    assert e.value.message == "Bad Request: file is too big"


async def test_get_updates_long_polls_and_confirms(bot: Bot, client: LocalClient) -> None:
    user = client.user(7)
    chat = client.private(user)
    t0 = time.monotonic()
    assert await bot.get_updates(timeout=1) == []
    assert time.monotonic() - t0 >= 0.9
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)
    assert not poll.done()
    t1 = time.monotonic()
    await client.send_text(user, chat, "/start")
    (u,) = await asyncio.wait_for(poll, 5)
    assert time.monotonic() - t1 < 1
    assert u.message.text == "/start" and u.message.entities[0].type == "bot_command"
    assert [x.update_id for x in await bot.get_updates(offset=u.update_id)] == [u.update_id]
    assert await bot.get_updates(offset=u.update_id + 1, timeout=0) == []


async def test_configurable_429(bot: Bot, client: LocalClient, server: BotAPIServer) -> None:
    chat = client.private(client.user(7))
    server.flood("sendMessage", times=1, retry_after=3)
    with pytest.raises(TelegramRetryAfter) as e:
        await bot.send_message(chat.id, "x")
    assert e.value.retry_after == 3
    assert (await bot.send_message(chat.id, "x")).text == "x"


async def test_raw_http_shapes(server: BotAPIServer, client: LocalClient) -> None:
    chat = client.private(client.user(7))
    base = f"{server.base_url}/bot{LOCAL_TOKEN}"
    async with ClientSession() as http:
        async with http.post(f"{base}/SENDMESSAGE", json={"chat_id": chat.id, "text": "json"}) as r:
            assert (r.status, (await r.json())["result"]["text"]) == (200, "json")
        async with http.post(f"{base}/sendMessage", data={"chat_id": str(chat.id), "text": "form"}) as r:
            assert (await r.json())["result"]["text"] == "form"
        async with http.get(f"{base}/sendmessage", params={"chat_id": str(chat.id), "text": "query"}) as r:
            assert (await r.json())["result"]["text"] == "query"
        async with http.get(f"{base}/noSuchMethod") as r:
            assert (r.status, await r.json()) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
        async with http.get(f"{server.base_url}/bot1:wrong/getMe") as r:
            assert (r.status, await r.json()) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        server.flood("getMe", retry_after=7)
        async with http.get(f"{base}/getMe") as r:
            assert (r.status, await r.json()) == (429, {
                "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 7",
                "parameters": {"retry_after": 7},
            })


async def test_buttons_and_callback_answers(bot: Bot, client: LocalClient) -> None:
    user = client.user(7)
    chat = client.private(user)
    kb = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="删除", callback_data="del:9")]])
    await bot.send_message(chat.id, "结果", reply_markup=kb)
    (m,) = client.messages(chat)
    with pytest.raises(LookupError):
        await client.press_button(user, m, "nope")
    qid = await client.press_button(user, m, "del:9")
    (u,) = await bot.get_updates()
    assert (u.callback_query.data, u.callback_query.message.message_id) == ("del:9", m.message_id)
    assert await bot.answer_callback_query(qid, text="已删除") is True
    assert await client.callback_answer(qid) == {"text": "已删除", "show_alert": False}
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(qid)


async def test_chat_action_and_commands(bot: Bot, client: LocalClient, server: BotAPIServer) -> None:
    chat = client.private(client.user(7))
    assert await bot.send_chat_action(chat.id, "upload_document") is True
    assert [e.data for e in client.events(kind="action")] == [{"action": "upload_document"}]
    await bot.set_my_commands([BotCommand(command="help", description="帮助")], language_code="zh")
    await bot.set_my_commands([BotCommand(command="help", description="Help")], language_code="en")
    assert [c.description for c in await bot.get_my_commands(language_code="zh")] == ["帮助"]
    assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Help"]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad-Name", description="x")])


async def test_group_privacy_mode(bot: Bot, client: LocalClient) -> None:
    user = client.user(7)
    group = client.group("政务公开办")
    hidden = await client.send_text(user, group, "大家好")
    cmd = await client.send_text(user, group, "/stats@nianbao_bot 2023")
    mention = await client.send_text(user, group, "@nianbao_bot 淮安 2024 新收申请")
    assert "_update_id" not in hidden and "_update_id" in cmd and "_update_id" in mention
    reply_target = await bot.send_message(group.id, "答复")
    reply = await client.send_text(user, group, "谢谢", reply_to=reply_target.message_id)
    texts = [u.message.text for u in await bot.get_updates()]
    assert texts == ["/stats@nianbao_bot 2023", "@nianbao_bot 淮安 2024 新收申请", "谢谢"]
    assert "_update_id" in reply


async def test_webhook_delivery_with_secret_and_conflict(bot: Bot, client: LocalClient) -> None:
    got: list[tuple[str | None, dict]] = []

    async def hook(request: web.Request) -> web.Response:
        got.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        with pytest.raises(TelegramConflictError):
            await bot.get_updates()
        user = client.user(7)
        await client.send_text(user, client.private(user), "你好")
        await client.wait_for(lambda: got, 5, "a webhook post")
        assert got[0][0] == "s3cret" and got[0][1]["message"]["text"] == "你好"
        await bot.delete_webhook()
        assert await bot.get_updates() == []
    finally:
        await runner.cleanup()


def test_entities_and_json_helpers() -> None:
    from localapi.server import parse_html

    assert parse_html('<a href="https://x">链接</a> ok') == (
        "链接 ok", [{"type": "text_link", "offset": 0, "length": 2, "url": "https://x"}]
    )
    assert json.loads(json.dumps(parse_html("&lt;b&gt;")))[0] == "<b>"
