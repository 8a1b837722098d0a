"""Users of the local Bot API: send texts, documents, photos and button presses; read the bot's replies.

Every send returns the user's message as Telegram JSON; replies are read from the server's event
log with a cursor (`mark()`), so a test can say "the next message in this chat after my question".
Every wait has a timeout and, when it runs out, says what the bot did send.
"""

from __future__ import annotations

import asyncio
import itertools
import mimetypes
import re
import time
from collections.abc import Callable
from typing import Any

from aiohttp import ClientSession

from localapi.server import BotAPIServer, BotMessage, Chat, Event, User

DEFAULT_TIMEOUT = 15.0


class LocalClient:
    """Plays any number of users and chats against one `BotAPIServer`."""

    def __init__(self, server: BotAPIServer) -> None:
        self.server = server
        self._query_ids = itertools.count(1)
        self._group_ids = itertools.count(1)
        self.last_update_id = 0  # of the last update this client queued

    # ---- people and places ------------------------------------------------------------------

    @staticmethod
    def user(user_id: int, first_name: str | None = None, *, language_code: str | None = "zh-hans",
             username: str | None = None) -> User:
        return User(user_id, first_name or f"user{user_id}", username, language_code)

    def private(self, user: User) -> Chat:
        """The private chat between `user` and the bot (its id is the user's id, as on Telegram)."""
        return self.server.add_chat(Chat(user.id, "private", first_name=user.first_name, username=user.username))

    def group(self, title: str, chat_id: int | None = None, *, supergroup: bool = True) -> Chat:
        if chat_id is None:
            chat_id = -1_000_000_000_000 - next(self._group_ids)
        return self.server.add_chat(Chat(chat_id, "supergroup" if supergroup else "group", title=title))

    # ---- sending ----------------------------------------------------------------------------

    def _entities(self, text: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if m := re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text):
            out.append({"type": "bot_command", "offset": 0, "length": _u16(m.group())})
        for m in re.finditer(r"(?<![\w/])@[A-Za-z0-9_]{5,32}", text):
            out.append({"type": "mention", "offset": _u16(text[: m.start()]), "length": _u16(m.group())})
        return out

    def _message(self, user: User, chat: Chat, reply_to: int | BotMessage | None, **fields: Any) -> dict[str, Any]:
        self.server.add_chat(chat)
        msg: dict[str, Any] = {
            "message_id": self.server.next_message_id(chat.id),
            "from": user.to_json(),
            "chat": chat.to_json(),
            "date": int(time.time()),
            **fields,
        }
        if reply_to is not None:
            mid = reply_to.message_id if isinstance(reply_to, BotMessage) else reply_to
            ref = self.server.messages.get((chat.id, mid))
            if ref is None:
                raise LookupError(f"no message {mid} in chat {chat.id} to reply to")
            msg["reply_to_message"] = {k: v for k, v in ref.items() if k != "reply_to_message"}
        self.server.messages[(chat.id, msg["message_id"])] = msg
        return msg

    async def _push(self, msg: dict[str, Any]) -> dict[str, Any]:
        if self.server.bot_sees(msg):
            msg = dict(msg)
            msg["_update_id"] = self.last_update_id = await self.server.push_update({"message": dict(msg)})
        return msg

    async def send_text(self, user: User, chat: Chat, text: str, *, reply_to: int | BotMessage | None = None) -> dict[str, Any]:
        """A text message (a command when it starts with "/"). Returns the message; `_update_id` is
        set when the bot receives it (in groups, privacy mode may hide it)."""
        fields: dict[str, Any] = {"text": text}
        if entities := self._entities(text):
            fields["entities"] = entities
        return await self._push(self._message(user, chat, reply_to, **fields))

    async def send_document(
        self, user: User, chat: Chat, filename: str, data: bytes, *,
        caption: str | None = None, mime_type: str | None = None, reply_to: int | BotMessage | None = None,
    ) -> dict[str, Any]:
        """A file, with its real bytes (served back to the bot by getFile and the file URL)."""
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        f = self.server.store_file(data, kind="documents", file_name=filename, mime_type=mime)
        fields: dict[str, Any] = {"document": {
            "file_id": f.file_id, "file_unique_id": f.file_unique_id,
            "file_name": filename, "mime_type": mime, "file_size": f.size,
        }}
        if caption:
            fields["caption"] = caption
            if entities := self._entities(caption):
                fields["caption_entities"] = entities
        return await self._push(self._message(user, chat, reply_to, **fields))

    async def send_photo(self, user: User, chat: Chat, data: bytes, *, caption: str | None = None) -> dict[str, Any]:
        """A compressed photo (not a file), as the Telegram apps send pictures by default."""
        f = self.server.store_file(data, kind="photos", mime_type="image/jpeg")
        fields: dict[str, Any] = {"photo": [{
            "file_id": f.file_id, "file_unique_id": f.file_unique_id,
            "width": f.width or 1, "height": f.height or 1, "file_size": f.size,
        }]}
        if caption:
            fields["caption"] = caption
        return await self._push(self._message(user, chat, None, **fields))

    async def press_button(self, user: User, message: BotMessage, callback_data: str) -> str:
        """Press the inline button carrying `callback_data` on a bot message; returns the query id."""
        if message.deleted:
            raise LookupError(f"message {message.message_id} was deleted")
        if callback_data not in message.button_data():
            raise LookupError(f"no button {callback_data!r} on message {message.message_id}: {message.button_data()}")
        qid = f"{next(self._query_ids)}{user.id}"
        query = {
            "id": qid,
            "from": user.to_json(),
            "chat_instance": str(message.chat_id),
            "message": self.server.message_json(message),
            "data": callback_data,
        }
        self.server.callback_queries[qid] = query
        self.last_update_id = await self.server.push_update({"callback_query": query})
        return qid

    # ---- reading ----------------------------------------------------------------------------

    def mark(self) -> int:
        """A cursor: the number of events so far. Pass it as `since` to see only what comes next."""
        return len(self.server.events)

    def events(self, since: int = 0, chat: Chat | None = None, kind: str | None = None) -> list[Event]:
        return [
            e for e in self.server.events[since:]
            if (chat is None or e.chat_id == chat.id) and (kind is None or e.kind == kind)
        ]

    def messages(self, chat: Chat) -> list[BotMessage]:
        """The bot's messages in a chat, as they stand (deleted ones left out), oldest first."""
        return [m for (cid, _), m in sorted(self.server.bot_messages.items()) if cid == chat.id and not m.deleted]

    async def wait_for(self, condition: Callable[[], Any], timeout: float = DEFAULT_TIMEOUT, what: str = "") -> Any:
        """Wait until `condition()` returns something truthy, and return it."""
        deadline = time.monotonic() + timeout
        while not (result := condition()):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what or condition}; bot did: {self.describe()}")
            await self.server.wait_changed(min(left, 0.5))
        return result

    async def next_event(self, chat: Chat | None, since: int, kind: str | None = None,
                         predicate: Callable[[Event], bool] | None = None, timeout: float = DEFAULT_TIMEOUT) -> Event:
        def find() -> Event | None:
            for e in self.events(since, chat, kind):
                if predicate is None or predicate(e):
                    return e
            return None

        return await self.wait_for(find, timeout, f"{kind or 'an event'} in chat {chat.id if chat else '*'}")

    async def next_message(self, chat: Chat, since: int, timeout: float = DEFAULT_TIMEOUT) -> BotMessage:
        """The first message the bot sent to `chat` after the cursor `since`."""
        e = await self.next_event(chat, since, "send", timeout=timeout)
        assert e.message is not None
        return e.message

    async def wait_message(self, chat: Chat, predicate: Callable[[BotMessage], bool], since: int = 0,
                           timeout: float = DEFAULT_TIMEOUT) -> BotMessage:
        """The first message sent after `since` (as it stands now, edits included) that satisfies `predicate`."""
        def find() -> BotMessage | None:
            for e in self.events(since, chat, "send"):
                if e.message is not None and not e.message.deleted and predicate(e.message):
                    return e.message
            return None

        return await self.wait_for(find, timeout, f"a matching message in chat {chat.id}")

    async def callback_answer(self, query_id: str, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        """How the bot answered a button press (text, show_alert)."""
        return await self.wait_for(
            lambda: self.server.callback_queries[query_id].get("answer"), timeout, f"the answer to query {query_id}"
        )

    async def ask(self, user: User, chat: Chat, text: str, timeout: float = DEFAULT_TIMEOUT) -> BotMessage:
        """Send a text and return the bot's next message in that chat."""
        since = self.mark()
        await self.send_text(user, chat, text)
        return await self.next_message(chat, since, timeout)

    async def download(self, message: BotMessage) -> bytes:
        """The bytes of a document or photo the bot sent, fetched over HTTP like any client would."""
        f = message.document or message.photo
        if f is None:
            raise LookupError(f"message {message.message_id} carries no file")
        url = f"{self.server.base_url}/file/bot{self.server.token}/{f.file_path}"
        async with ClientSession() as http, http.get(url) as resp:
            resp.raise_for_status()
            return await resp.read()

    async def settle(self, quiet: float = 0.3, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait until the bot has fetched every update and done nothing for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            n = len(self.server.events)
            await asyncio.sleep(quiet)
            if n == len(self.server.events) and self.server.pending_updates == 0:
                return
        raise TimeoutError(f"the bot did not settle in {timeout}s")

    def describe(self, last: int = 8) -> str:
        parts = []
        for e in self.server.events[-last:]:
            body = (e.message.body[:80] if e.message else "") or e.data
            parts.append(f"[{e.seq} {e.kind} chat={e.chat_id}] {body!r}")
        return "; ".join(parts) or "nothing"


def _u16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2
