"""A local implementation of the Telegram Bot API's HTTP interface, for tests and `nianbao try`.

`BotAPIServer` serves aiogram (through `TelegramAPIServer.from_base(server.base_url)`);
`LocalClient` plays the users: it sends messages, documents and button presses, and reads
what the bot sent back.
"""

from bot.localapi.client import LocalClient
from bot.localapi.server import LOCAL_TOKEN, BotAPIServer, Chat, User

__all__ = ["LOCAL_TOKEN", "BotAPIServer", "Chat", "LocalClient", "User"]
