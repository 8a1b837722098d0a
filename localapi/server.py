"""A local Bot API server: the HTTP interface of api.telegram.org, enough of it for Nianbao.

aiogram talks to it through `AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))`.
Users are played in-process (see `localapi.client.LocalClient`): they queue updates here, and
everything the bot does (messages, edits, deletions, documents, photos, chat actions, callback
answers) is recorded as events the client can wait for.

What it follows of Telegram's behaviour: method names are case-insensitive; parameters come from
the query string, JSON, urlencoded or multipart bodies; complex parameters are JSON strings in
forms; errors have Telegram's shape `{"ok": false, "error_code", "description"}`; texts are limited
to 4096 characters after entity parsing (HTML parse mode is parsed, so broken markup fails like on
Telegram); getFile refuses files over 20 MB; getUpdates long-polls; a webhook, once set, receives
updates by POST with the secret token header; group chats follow the privacy mode (the bot sees
commands, mentions and replies to itself only). A 429 with `parameters.retry_after` can be
switched on per method with `BotAPIServer.flood`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

log = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_DOWNLOAD = 20 * 1024 * 1024  # the Bot API's getFile limit
MAX_UPLOAD = 50 * 1024 * 1024  # what a bot may send
CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
}


class ApiError(Exception):
    """An error answered in Telegram's shape."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            out["parameters"] = self.parameters
        return out


def bad_request(text: str) -> ApiError:
    return ApiError(400, f"Bad Request: {text}")


@dataclass(frozen=True)
class User:
    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.username:
            out["username"] = self.username
        if self.language_code:
            out["language_code"] = self.language_code
        return out


@dataclass(frozen=True)
class Chat:
    id: int
    type: str  # private / group / supergroup
    title: str | None = None
    first_name: str | None = None
    username: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": self.type}
        for k in ("title", "first_name", "username"):
            if getattr(self, k):
                out[k] = getattr(self, k)
        return out


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None
    file_path: str = ""
    width: int = 0
    height: int = 0

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class BotMessage:
    """A message the bot sent, as it stands now (edits update it; `history` keeps every text)."""

    chat_id: int
    message_id: int
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    document: StoredFile | None = None
    photo: StoredFile | None = None
    caption: str | None = None
    reply_to: int | None = None
    deleted: bool = False
    history: list[str] = field(default_factory=list)
    sent_at: float = 0.0
    date: int = field(default_factory=lambda: int(time.time()))
    edited_at: float | None = None

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The inline buttons, flattened row by row."""
        if not self.reply_markup:
            return []
        return [b for row in self.reply_markup.get("inline_keyboard", []) for b in row]

    def button_data(self) -> list[str]:
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]

    def button_texts(self) -> list[str]:
        return [b["text"] for b in self.buttons]

    @property
    def body(self) -> str:
        """The text or the caption."""
        return self.text if self.text is not None else (self.caption or "")


@dataclass
class Event:
    """One thing the bot did, in order: send / edit / delete / action / callback_answer.
    For send and edit, data["text"] is the text (or caption) as it was at that moment."""

    seq: int
    kind: str
    chat_id: int | None
    message: BotMessage | None = None
    data: dict[str, Any] = field(default_factory=dict)
    at: float = 0.0


class _TelegramHTML(HTMLParser):
    """Telegram's HTML parse mode: a small set of tags, everything else is an error."""

    TAGS = {
        "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
        "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "code": "code",
        "pre": "pre", "a": "text_link", "tg-spoiler": "spoiler", "blockquote": "blockquote",
        "span": "spoiler", "tg-emoji": "custom_emoji",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.length = 0  # in UTF-16 code units, as Telegram counts offsets
        self.stack: list[tuple[str, int, dict[str, Any]]] = []
        self.entities: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.TAGS:
            raise bad_request(f'can\'t parse entities: Unsupported start tag "{tag}"')
        extra: dict[str, Any] = {}
        if tag == "a":
            extra["url"] = dict(attrs).get("href") or ""
        self.stack.append((tag, self.length, extra))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            raise bad_request(f'can\'t parse entities: Unexpected end tag "{tag}"')
        _, start, extra = self.stack.pop()
        if self.length > start:
            self.entities.append({"type": self.TAGS[tag], "offset": start, "length": self.length - start, **extra})

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        self.length += len(data.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML parse mode: the plain text and its entities, or a 400 like Telegram's."""
    # A bare "<" or ">" that is not part of a tag is an error on Telegram; HTMLParser would let it pass.
    for m in re.finditer(r"<(?!/?[a-zA-Z][a-zA-Z-]*(\s[^<>]*)?>)", source):
        raise bad_request(f"can't parse entities: Unexpected character at byte offset {len(source[: m.start()].encode())}")
    p = _TelegramHTML()
    p.feed(source)
    p.close()
    if p.stack:
        raise bad_request(f'can\'t parse entities: Can\'t find end tag corresponding to start tag "{p.stack[-1][0]}"')
    return "".join(p.text), sorted(p.entities, key=lambda e: e["offset"])


def _png_size(data: bytes) -> tuple[int, int]:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return 0, 0


def _as_json(value: Any) -> Any:
    """Form fields carry complex values as JSON strings."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError as e:
            raise bad_request("can't parse JSON object") from e
    return value


def _as_int(value: Any, name: str, default: int | None = None) -> int:
    if value is None or value == "":
        if default is None:
            raise bad_request(f"{name} is empty")
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as e:
        raise bad_request(f"invalid {name} specified") from e


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)


class BotAPIServer:
    """The local Bot API. `await start()` binds 127.0.0.1 (port 0 = any free port)."""

    def __init__(
        self,
        token: str,
        *,
        bot_username: str = "nianbao_bot",
        bot_name: str = "Nianbao 年报",
        privacy_mode: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        max_download: int = MAX_DOWNLOAD,
    ) -> None:
        self.token = token
        self.bot = User(int(token.split(":", 1)[0]), bot_name, bot_username, is_bot=True)
        self.privacy_mode = privacy_mode
        self.host, self.port = host, port
        self.max_download = max_download
        self.chats: dict[int, Chat] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}  # every message, as Telegram JSON
        self.bot_messages: dict[tuple[int, int], BotMessage] = {}
        self.files: dict[str, StoredFile] = {}
        self.events: list[Event] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.callback_queries: dict[str, dict[str, Any]] = {}  # id -> the query; answered ones get "answer"
        self.webhook: dict[str, Any] | None = None
        self.calls: dict[str, int] = {}  # method (lower case) -> number of requests
        self.last_delivered = 0  # the highest update_id handed to the bot
        self._flood: dict[str, list[int]] = {}  # method -> [times left, retry_after]
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._file_ids = itertools.count(1)
        self._changed = asyncio.Condition()  # notified on new updates and new events
        self._wakes = 0
        self._runner: web.AppRunner | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self.app = self._make_app()

    # ---- life cycle -------------------------------------------------------------------------

    def _make_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_UPLOAD + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        return app

    async def start(self) -> str:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[union-attr]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.base_url

    async def stop(self) -> None:
        if self._webhook_task:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotAPIServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # ---- configuration ----------------------------------------------------------------------

    def flood(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """The next `times` calls of `method` get 429 Too Many Requests with retry_after."""
        self._flood[method.lower()] = [times, retry_after]

    # ---- the user side (used by LocalClient) ------------------------------------------------

    def add_chat(self, chat: Chat) -> Chat:
        self.chats[chat.id] = chat
        return chat

    def next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def store_file(self, data: bytes, *, kind: str, file_name: str | None = None, mime_type: str | None = None) -> StoredFile:
        n = next(self._file_ids)
        ext = ""
        if file_name and "." in file_name:
            ext = "." + file_name.rsplit(".", 1)[1][:8]
        elif kind == "photos":
            ext = ".png" if data[:8] == b"\x89PNG\r\n\x1a\n" else ".jpg"
        f = StoredFile(
            file_id=f"F{n:06d}{secrets.token_hex(6)}",
            file_unique_id=f"U{n:06d}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            file_path=f"{kind}/file_{n}{ext}",
        )
        if kind == "photos":
            f.width, f.height = _png_size(data)
        self.files[f.file_id] = f
        return f

    def bot_sees(self, message: dict[str, Any]) -> bool:
        """Privacy mode: in groups the bot gets commands, mentions of itself and replies to itself."""
        if message["chat"]["type"] == "private" or not self.privacy_mode:
            return True
        text = message.get("text") or message.get("caption") or ""
        if text.startswith("/") or f"@{self.bot.username}".lower() in text.lower():
            return True
        reply = message.get("reply_to_message")
        return bool(reply and reply.get("from", {}).get("id") == self.bot.id)

    async def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for the bot; returns its update_id."""
        update_id = next(self._update_ids)
        update = {"update_id": update_id, **update}
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()
        if self.webhook and (self._webhook_task is None or self._webhook_task.done()):
            self._webhook_task = asyncio.create_task(self._deliver_webhook())
        return update_id

    async def wait_changed(self, timeout: float) -> None:
        """Wait until something happens (a new event or update), at most `timeout` seconds."""
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)

    async def wake(self) -> None:
        """End every waiting getUpdates now (with what there is), e.g. when a bot is stopping."""
        self._wakes += 1
        async with self._changed:
            self._changed.notify_all()

    @property
    def pending_updates(self) -> int:
        """Updates queued and not yet handed to the bot."""
        return sum(1 for u in self._updates if u["update_id"] > self.last_delivered)

    # ---- HTTP -------------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").to_json(), status=401)
        method = request.match_info["method"].lower()
        self.calls[method] = self.calls.get(method, 0) + 1
        handler = getattr(self, f"m_{method}", None)
        if handler is None:
            return web.json_response(ApiError(404, "Not Found").to_json(), status=404)
        try:
            if (flood := self._flood.get(method)) and flood[0] > 0:
                flood[0] -= 1
                raise ApiError(
                    429, f"Too Many Requests: retry after {flood[1]}", {"retry_after": flood[1]}
                )
            params, uploads = await self._read_params(request)
            result = await handler(params, uploads)
        except ApiError as e:
            return web.json_response(e.to_json(), status=e.code)
        return web.json_response({"ok": True, "result": result}, dumps=_dumps)

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, StoredFile | bytes]]:
        params: dict[str, Any] = dict(request.query)
        uploads: dict[str, Any] = {}
        if request.method == "POST" and request.body_exists:
            ctype = request.content_type
            if ctype == "application/json":
                body = await request.json()
                if not isinstance(body, dict):
                    raise bad_request("parameters must be a JSON object")
                params.update(body)
            elif ctype.startswith("multipart/"):
                reader = await request.multipart()
                while (part := await reader.next()) is not None:
                    name = part.name or ""  # type: ignore[union-attr]
                    if part.filename:  # type: ignore[union-attr]
                        uploads[name] = (part.filename, await part.read())  # type: ignore[union-attr]
                    else:
                        params[name] = await part.text()  # type: ignore[union-attr]
            else:
                params.update(await request.post())
        return params, uploads

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").to_json(), status=401)
        path = request.match_info["path"]
        for f in self.files.values():
            if f.file_path == path:
                return web.Response(body=f.data, content_type=f.mime_type or "application/octet-stream")
        return web.json_response(ApiError(404, "Not Found").to_json(), status=404)

    # ---- helpers ----------------------------------------------------------------------------

    def _chat(self, params: dict[str, Any]) -> Chat:
        raw = params.get("chat_id")
        if raw in (None, ""):
            raise bad_request("chat_id is empty")
        try:
            chat_id = int(raw)
        except ValueError:
            chat_id = next((c.id for c in self.chats.values() if c.username and f"@{c.username}" == raw), 0)
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    async def _record(self, kind: str, chat_id: int | None, message: BotMessage | None = None, **data: Any) -> None:
        async with self._changed:
            self.events.append(Event(len(self.events) + 1, kind, chat_id, message, data, time.perf_counter()))
            self._changed.notify_all()

    def _text(self, params: dict[str, Any], key: str, limit: int, too_long: str) -> tuple[str | None, list[Any]]:
        raw = params.get(key)
        if raw is None or raw == "":
            return None, []
        raw = str(raw)
        mode = str(params.get("parse_mode") or "").lower()
        if mode == "html":
            text, entities = parse_html(raw)
        else:
            text, entities = raw, _as_json(params.get("entities" if key == "text" else "caption_entities")) or []
        if len(text) > limit:
            raise bad_request(too_long)
        return text, entities

    def _markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        markup = _as_json(params.get("reply_markup"))
        if not markup:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return None  # reply keyboards are not part of the message object
        for row in markup["inline_keyboard"]:
            for button in row:
                if not button.get("text"):
                    raise bad_request("BUTTON_TEXT_EMPTY")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise bad_request("BUTTON_DATA_INVALID")
        return {"inline_keyboard": markup["inline_keyboard"]}

    def _reply_to(self, params: dict[str, Any], chat: Chat) -> dict[str, Any] | None:
        ref = _as_json(params.get("reply_parameters"))
        mid = ref.get("message_id") if isinstance(ref, dict) else params.get("reply_to_message_id")
        if mid in (None, ""):
            return None
        msg = self.messages.get((chat.id, int(mid)))
        if msg is None:
            if isinstance(ref, dict) and _as_bool(ref.get("allow_sending_without_reply")):
                return None
            raise bad_request("message to be replied not found")
        return msg

    def message_json(self, bm: BotMessage) -> dict[str, Any]:
        chat = self.chats[bm.chat_id]
        out: dict[str, Any] = {
            "message_id": bm.message_id,
            "from": self.bot.to_json(),
            "chat": chat.to_json(),
            "date": bm.date,
        }
        if bm.edited_at is not None:
            out["edit_date"] = int(time.time())
        if bm.text is not None:
            out["text"] = bm.text
            if bm.entities:
                out["entities"] = bm.entities
        if bm.caption is not None:
            out["caption"] = bm.caption
        if bm.document is not None:
            d = bm.document
            out["document"] = {"file_id": d.file_id, "file_unique_id": d.file_unique_id, "file_size": d.size}
            if d.file_name:
                out["document"]["file_name"] = d.file_name
            if d.mime_type:
                out["document"]["mime_type"] = d.mime_type
        if bm.photo is not None:
            p = bm.photo
            out["photo"] = [{
                "file_id": p.file_id, "file_unique_id": p.file_unique_id,
                "width": p.width, "height": p.height, "file_size": p.size,
            }]
        if bm.reply_markup:
            out["reply_markup"] = bm.reply_markup
        if bm.reply_to is not None and (ref := self.messages.get((bm.chat_id, bm.reply_to))):
            out["reply_to_message"] = {k: v for k, v in ref.items() if k != "reply_to_message"}
        return out

    async def _new_message(self, chat: Chat, params: dict[str, Any], **fields: Any) -> dict[str, Any]:
        reply = self._reply_to(params, chat)
        bm = BotMessage(
            chat_id=chat.id,
            message_id=self.next_message_id(chat.id),
            reply_to=reply["message_id"] if reply else None,
            sent_at=time.perf_counter(),
            **fields,
        )
        if bm.text is not None:
            bm.history.append(bm.text)
        self.bot_messages[(chat.id, bm.message_id)] = bm
        js = self.message_json(bm)
        self.messages[(chat.id, bm.message_id)] = js
        await self._record("send", chat.id, bm, text=bm.body)
        return js

    def _bot_message(self, params: dict[str, Any], verb: str) -> BotMessage:
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the local server")
        chat = self._chat(params)
        mid = _as_int(params.get("message_id"), "message_id")
        bm = self.bot_messages.get((chat.id, mid))
        if bm is None or bm.deleted:
            if (chat.id, mid) in self.messages and bm is None and verb == "edit":
                raise bad_request("message can't be edited")
            raise bad_request(f"message to {verb} not found")
        return bm

    def _upload(self, params: dict[str, Any], uploads: dict[str, Any], field_name: str, kind: str) -> StoredFile:
        value = params.get(field_name)
        if isinstance(value, str) and value.startswith("attach://"):
            part = uploads.get(value[len("attach://"):])
        else:
            part = uploads.get(field_name)
        if part is not None:
            filename, data = part
            if not data:
                raise bad_request("file must be non-empty")
            if len(data) > MAX_UPLOAD:
                raise ApiError(413, "Request Entity Too Large")
            mime = None
            if kind == "photos":
                mime = "image/png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
            return self.store_file(data, kind=kind, file_name=filename if kind == "documents" else None, mime_type=mime)
        if isinstance(value, str) and value in self.files:
            return self.files[value]
        if value in (None, ""):
            raise bad_request(f"there is no {field_name} in the request")
        raise bad_request("wrong file identifier/HTTP URL specified")

    # ---- methods ----------------------------------------------------------------------------

    async def m_getme(self, params: dict[str, Any], uploads: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot.to_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
        }

    async def m_getupdates(self, params: dict[str, Any], uploads: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset = _as_int(params.get("offset"), "offset", 0)
        limit = max(1, min(100, _as_int(params.get("limit"), "limit", 100)))
        timeout = max(0, _as_int(params.get("timeout"), "timeout", 0))
        deadline = asyncio.get_running_loop().time() + timeout
        wakes = self._wakes
        async with self._changed:
            if offset > 0:  # confirm everything before offset
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            elif offset < 0:
                self._updates = self._updates[offset:]
            while not self._updates and wakes == self._wakes:
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), left)
            batch = self._updates[:limit]
        if batch:
            self.last_delivered = max(self.last_delivered, batch[-1]["update_id"])
        return batch

    async def m_sendmessage(self, params: dict[str, Any], uploads: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        text, entities = self._text(params, "text", MAX_TEXT, "message is too long")
        if not text or not text.strip():
            raise bad_request("message text is empty")
        return await self._new_message(chat, params, text=text, entities=entities, reply_markup=self._markup(params))

    async def m_editmessagetext(self, params: dict[str, Any], uploads: dict[str, Any]) -> dict[str, Any]:
        bm = self._bot_message(params, "edit")
        text, entities = self._text(params, "text", MAX_TEXT, "MESSAGE_TOO_LONG")
        if not text or not text.strip():
            raise bad_request("message text is empty")
        if bm.text is None:
            raise bad_request("there is no text in the message to edit")
        markup = self._markup(params)
        if text == bm.text and entities == bm.entities and markup == bm.reply_markup:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message"
            )
        bm.text, bm.entities, bm.reply_markup = text, entities, markup
        bm.history.append(text)
        bm.edited_at = time.perf_counter()
        js = self.message_json(bm)
        self.messages[(bm.chat_id, bm.message_id)] = js
        await self._record("edit", bm.chat_id, bm, text=text)
        return js

    async def m_editmessagereplymarkup(self, params: dict[str, Any], uploads: dict[str, Any]) -> dict[str, Any]:
        bm = self._bot_message(params, "edit")
        markup = self._markup(params)
        if markup == bm.reply_markup:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message"
            )
        bm.reply_markup = markup
        bm.edited_at = time.perf_counter()
        js = self.message_json(bm)
        self.messages[(bm.chat_id, bm.message_id)] = js
        await self._record("edit", bm.chat_id, bm)
        return js

    async def m_deletemessage(self, params: dict[str, Any], uploads: dict[str, Any]) -> bool:
        chat = self._chat(params)
        mid = _as_int(params.get("message_id"), "message_id")
        if (chat.id, mid) not in self.messages:
            raise bad_request("message to delete not found")
        del self.messages[(chat.id, mid)]
        bm = self.bot_messages.get((chat.id, mid))
        if bm is not None:
            bm.deleted = True
        await self._record("delete", chat.id, bm, message_id=mid)
        return True

    async def _send_file(self, params: dict[str, Any], uploads: dict[str, Any], field_name: str, kind: str) -> dict[str, Any]:
        chat = self._chat(params)
        f = self._upload(params, uploads, field_name, kind)
        caption, _ = self._text(params, "caption", MAX_CAPTION, "message caption is too long")
        fields: dict[str, Any] = {field_name: f, "caption": caption, "reply_markup": self._markup(params)}
        return await self._new_message(chat, params, **fields)

    async def m_senddocument(self, params: dict[str, Any], uploads: dict[str, Any]) -> dict[str, Any]:
        return await self._send_file(params, uploads, "document", "documents")

    async def m_sendphoto(self, params: dict[str, Any], uploads: dict[str, Any]) -> dict[str, Any]:
        return await self._send_file(params, uploads, "photo", "photos")

    async def m_getfile(self, params: dict[str, Any], uploads: dict[str, Any]) -> dict[str, Any]:
        f = self.files.get(str(params.get("file_id") or ""))
        if f is None:
            raise bad_request("invalid file_id")
        if f.size > self.max_download:
            raise bad_request("file is too big")
        return {"file_id": f.file_id, "file_unique_id": f.file_unique_id, "file_size": f.size, "file_path": f.file_path}

    async def m_answercallbackquery(self, params: dict[str, Any], uploads: dict[str, Any]) -> bool:
        qid = str(params.get("callback_query_id") or "")
        query = self.callback_queries.get(qid)
        if query is None or "answer" in query:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query["answer"] = {"text": text, "show_alert": _as_bool(params.get("show_alert"))}
        chat_id = query.get("message", {}).get("chat", {}).get("id")
        await self._record("callback_answer", chat_id, None, id=qid, **query["answer"])
        return True

    async def m_sendchataction(self, params: dict[str, Any], uploads: dict[str, Any]) -> bool:
        chat = self._chat(params)
        action = str(params.get("action") or "")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        await self._record("action", chat.id, None, action=action)
        return True

    @staticmethod
    def _scope_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = _as_json(params.get("scope")) or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def m_setmycommands(self, params: dict[str, Any], uploads: dict[str, Any]) -> bool:
        commands = _as_json(params.get("commands"))
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        for c in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(c.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(c.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._scope_key(params)] = commands
        return True

    async def m_getmycommands(self, params: dict[str, Any], uploads: dict[str, Any]) -> list[dict[str, Any]]:
        return self.commands.get(self._scope_key(params), [])

    async def m_deletemycommands(self, params: dict[str, Any], uploads: dict[str, Any]) -> bool:
        self.commands.pop(self._scope_key(params), None)
        return True

    async def m_setwebhook(self, params: dict[str, Any], uploads: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return await self.m_deletewebhook(params, uploads)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        if _as_bool(params.get("drop_pending_updates")):
            self._updates.clear()
        self.webhook = {"url": url, "secret_token": secret}
        if self._updates:
            self._webhook_task = asyncio.create_task(self._deliver_webhook())
        return True

    async def m_deletewebhook(self, params: dict[str, Any], uploads: dict[str, Any]) -> bool:
        if _as_bool(params.get("drop_pending_updates")):
            self._updates.clear()
        self.webhook = None
        return True

    async def m_getwebhookinfo(self, params: dict[str, Any], uploads: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _deliver_webhook(self) -> None:
        """Post queued updates to the webhook, one at a time and in order, as Telegram does."""
        async with ClientSession(timeout=ClientTimeout(total=60)) as http:
            while self.webhook and self._updates:
                update = self._updates[0]
                headers = {}
                if self.webhook.get("secret_token"):
                    headers["X-Telegram-Bot-Api-Secret-Token"] = str(self.webhook["secret_token"])
                try:
                    async with http.post(self.webhook["url"], json=update, headers=headers) as resp:
                        ok = resp.status == 200
                        body = await resp.read()
                except Exception as e:  # noqa: BLE001 - a failing webhook is retried, like on Telegram
                    log.warning("webhook delivery failed: %s", e)
                    ok, body = False, b""
                if not ok:
                    await asyncio.sleep(0.2)
                    continue
                self.last_delivered = max(self.last_delivered, update["update_id"])
                self._updates.pop(0)
                await self._webhook_reply(body)

    async def _webhook_reply(self, body: bytes) -> None:
        """A webhook may answer with a method call in its response body."""
        try:
            reply = json.loads(body) if body else None
        except ValueError:
            return
        if isinstance(reply, dict) and reply.get("method"):
            method = str(reply.pop("method")).lower()
            handler = getattr(self, f"m_{method}", None)
            if handler is not None:
                with contextlib.suppress(ApiError):
                    await handler(reply, {})


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)

