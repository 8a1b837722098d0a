"""The bot's first seconds: answer /start while aiogram is still being imported.

Importing aiogram builds ~440 pydantic models (seconds of CPU on a small machine). Meanwhile a
daemon thread long-polls getUpdates with the standard library alone: a private `/start` gets the
welcome at once, and every update (the /start ones marked as answered) is kept, in order, for the
dispatcher, which handles them as soon as it runs (`take()`), so nothing is lost or answered twice.
A document stops the thread unconfirmed: the dispatcher fetches it and confirms it only once its
job row is committed (handlers.jobs.AckGate), so a bot killed while starting loses no file.
Any error (a webhook still set, the network) simply ends the thread: the dispatcher then gets the
updates from Telegram itself.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
import urllib.parse
from typing import Any

log = logging.getLogger(__name__)

POLL_SECONDS = 1  # the long poll; take() waits at most this long for the thread to let go


class EarlyResponder:
    def __init__(self, api_base: str | None, token: str, default_lang: str = "zh") -> None:
        url = urllib.parse.urlsplit(api_base or "https://api.telegram.org")
        self.https = url.scheme == "https"
        self.host = url.hostname or "api.telegram.org"
        self.port = url.port
        self.prefix = f"{url.path.rstrip('/')}/bot{token}"
        self.default_lang = default_lang
        self.updates: list[dict[str, Any]] = []
        self.answered: set[int] = set()  # update ids of the /start messages answered here
        self._offset = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="nianbao-early", daemon=True)

    def start(self) -> EarlyResponder:
        self._thread.start()
        return self

    def _call(self, method: str, params: dict[str, Any], timeout: float) -> Any:
        conn_cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        conn = conn_cls(self.host, self.port, timeout=timeout)
        try:
            body = json.dumps(params).encode()
            conn.request("POST", f"{self.prefix}/{method}", body, {"Content-Type": "application/json"})
            reply = json.loads(conn.getresponse().read())
        finally:
            conn.close()
        if not reply.get("ok"):
            raise RuntimeError(f"{method}: {reply.get('description')}")
        return reply["result"]

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                batch = self._call("getUpdates", {"offset": self._offset, "timeout": POLL_SECONDS},
                                   POLL_SECONDS + 10)
                with self._lock:
                    if self._stop.is_set():  # too late: the dispatcher gets this batch from Telegram
                        return
                    for update in batch:
                        if "document" in (update.get("message") or {}):
                            return  # left unconfirmed: the dispatcher confirms it once its job row is committed
                        self._offset = update["update_id"] + 1
                        self.updates.append(update)
                        if self._is_private_start(update):
                            self._welcome(update)
        except Exception as e:  # noqa: BLE001 - the dispatcher takes over whatever happened here
            log.debug("early responder stopped: %r", e)

    @staticmethod
    def _is_private_start(update: dict[str, Any]) -> bool:
        message = update.get("message") or {}
        text = (message.get("text") or "").split(maxsplit=1)
        return (message.get("chat", {}).get("type") == "private" and bool(text)
                and text[0].split("@", 1)[0] == "/start")

    def _welcome(self, update: dict[str, Any]) -> None:
        from handlers.i18n import lang_of, t

        message = update["message"]
        user = message.get("from") or {}
        lang = lang_of(user.get("language_code"), self.default_lang)
        text = t("start", lang, name=user.get("first_name") or "")
        self._call("sendMessage", {"chat_id": message["chat"]["id"], "text": text, "parse_mode": "HTML"}, 10)
        self.answered.add(update["update_id"])

    def take(self) -> list[dict[str, Any]]:
        """Stop, confirm what was taken (so getUpdates does not give it again), and return it."""
        self._stop.set()
        # The long poll under way ends within POLL_SECONDS; the dispatcher's own getUpdates must not
        # overlap it (Telegram answers 409 to one of two at once).
        self._thread.join(POLL_SECONDS + 10)
        with self._lock:
            updates = list(self.updates)
            offset = self._offset
        if offset:
            try:
                self._call("getUpdates", {"offset": offset, "timeout": 0, "limit": 1}, 10)
            except Exception as e:  # noqa: BLE001 - then they come again, and /start is answered twice
                log.warning("could not confirm the updates taken at start: %r", e)
        return updates
