"""Long-lived services the handlers receive as dispatcher workflow data (built by bot.factory).

`Chats` knows each chat's workspace and chosen language (cached: a chat's workspace never changes,
its language only through /lang); `InFlight` the users with a file under way. The engine runs in
reports.runner.Checker (its workers), never on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import lang_of
from storage import repo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatInfo:
    chat_id: int
    workspace_id: int
    library_id: int
    lang: str | None  # chosen with /lang; None: follow the user's Telegram language

    @property
    def visible(self) -> list[int]:
        """The workspaces this chat reads: its own and the shared library."""
        return [self.workspace_id, self.library_id]


class Chats:
    """Chat rows (workspace, language) with a small cache in front of the database."""

    def __init__(self, default_lang: str = "zh", ttl: float = 60.0) -> None:
        self.default_lang = default_lang
        self.ttl = ttl
        self._cache: dict[int, tuple[float, ChatInfo]] = {}
        self._loading: dict[int, asyncio.Future[ChatInfo]] = {}

    async def info(self, session: AsyncSession, chat_id: int) -> ChatInfo:
        hit = self._cache.get(chat_id)
        if hit and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        # A burst of updates from one chat after a miss: one of them reads the row, the others wait for it.
        loading = self._loading.get(chat_id)
        if loading is not None:
            await asyncio.wait([loading])
            if not loading.cancelled():  # else the reader failed: read it again with this session
                return loading.result()
        future: asyncio.Future[ChatInfo] = asyncio.get_running_loop().create_future()
        self._loading[chat_id] = future
        try:
            info = await self._load(session, chat_id)
            future.set_result(info)
            return info
        finally:
            future.cancel()  # a no-op once the result is set
            if self._loading.get(chat_id) is future:
                del self._loading[chat_id]

    async def _load(self, session: AsyncSession, chat_id: int) -> ChatInfo:
        for attempt in (1, 2):
            try:
                chat = await repo.get_or_create_chat(session, chat_id)
                if chat.blocked:  # the chat writes to the bot again: it no longer blocks it
                    await repo.unblock_chat(session, chat_id)
                workspace_id, library_id = await repo.visible_workspace_ids(session, chat)
                break
            except IntegrityError:
                # Two first contacts at once may both create the shared library's row: read it again.
                await session.rollback()
                if attempt == 2:
                    raise
        info = ChatInfo(chat_id, workspace_id, library_id, chat.lang)
        self._cache[chat_id] = (time.monotonic(), info)
        return info

    def lang(self, info: ChatInfo | None, language_code: str | None) -> str:
        if info is not None and info.lang:
            return info.lang
        return lang_of(language_code, self.default_lang)

    def cached_lang(self, chat_id: int | None, language_code: str | None) -> str:
        """The language without touching the database (for error messages)."""
        hit = self._cache.get(chat_id) if chat_id is not None else None
        return self.lang(hit[1] if hit else None, language_code)

    async def set_lang(self, session: AsyncSession, chat_id: int, lang: str) -> None:
        await repo.set_chat_lang(session, chat_id, lang)
        self._cache.pop(chat_id, None)
        self._loading.pop(chat_id, None)  # a read under way may predate the change


class InFlight:
    """Users with a file being processed: one file at a time per user."""

    def __init__(self) -> None:
        self._users: set[int] = set()

    def start(self, user_id: int) -> bool:
        if user_id in self._users:
            return False
        self._users.add(user_id)
        return True

    def done(self, user_id: int) -> None:
        self._users.discard(user_id)
